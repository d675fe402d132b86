"""Render the README's screenshots with Textual's own screenshot support.

    python -m tui.app.screenshots [--out screenshots]

Each scenario opens the explorer under Pilot, waits for TensorFlow and for the run, and saves
an SVG of the screen, its Chinese text two cells a character (:mod:`tui.app.svg_cells`: Rich
15.0.0's SVG export gives each character one). Run times are left off the status line so the
files are reproducible.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Select

from tui.app.app import ExplorerApp
from tui.app.pilot_helpers import wait_for_run, wait_for_update, wait_until
from tui.app.svg_cells import fix_cell_widths
from tui.app.widgets.chart import DescentChart
from tui.engine.losses import SEED_LOSS
from tui.engine.spec import RunSpec, Schedule
from tui.files import write_atomic
from tui.model.params import PRESETS, Params

SIZE = (120, 40)


async def _invalid_input(pilot: Pilot) -> None:
    field = pilot.app.query_one("#loss", Input)
    field.focus()
    field.value = "(w + 1)**2 + x"
    await pilot.pause()


async def _nothing(pilot: Pilot) -> None:
    await pilot.pause()


async def _pin_two(pilot: Pilot) -> None:
    await pilot.press("escape")
    for key in ("2", "3"):
        await pilot.press("p", key)
        await wait_for_run(pilot)


async def _sweep(pilot: Pilot) -> None:
    app = pilot.app
    await pilot.press("escape", "s")
    await wait_until(pilot, lambda: getattr(app.screen, "sweep", None) is not None)


async def _path(pilot: Pilot) -> None:
    await pilot.press("escape", "p", "1")
    await wait_for_run(pilot)
    chart = pilot.app.query_one("#chart", DescentChart)
    while chart.view != "path":
        await pilot.press("v")


async def _optimizers(pilot: Pilot) -> None:
    """Pin plain descent, momentum and Adam on the same rate, under a cosine schedule."""
    app = pilot.app
    await pilot.press("escape")
    for optimizer in ("gd", "momentum", "adam"):
        app.query_one("#optimizer", Select).value = optimizer
        await pilot.pause()
        await wait_for_run(pilot)
        await pilot.press("p")
        await wait_for_run(pilot)
    app.query_one("#optimizer", Select).value = "nesterov"
    await pilot.pause()
    await wait_for_run(pilot)
    chart = app.query_one("#chart", DescentChart)
    while chart.view != "loss":
        await pilot.press("v")
    await pilot.press("l")


async def _demo(pilot: Pilot) -> None:
    """Demo mode, paused at step 7 of lr 0.99."""
    await pilot.press("escape", "d", "left_square_bracket", *["full_stop"] * 6)


async def _race(pilot: Pilot) -> None:
    """The optimizer race on Rosenbrock's valley (key 9): GD, momentum and Adam pinned."""
    await pilot.press("escape", "9")
    await wait_for_run(pilot)


COSINE = Params(
    RunSpec(w0=5.0, lr=0.1, epochs=80, schedule=Schedule("cosine", steps=80.0)), SEED_LOSS
)

#: file name -> (parameters, what to do once the run is shown, terminal size)
SCENARIOS: dict[str, tuple[Params, Callable[[Pilot], Awaitable[None]], tuple[int, int]]] = {
    "lr-0.01.svg": (PRESETS[1], _nothing, SIZE),
    "lr-0.99.svg": (PRESETS[2], _nothing, SIZE),
    "exponential-decay.svg": (PRESETS[3], _nothing, SIZE),
    "invalid-input.svg": (PRESETS[2], _invalid_input, SIZE),
    "lr-0.99-80x24.svg": (PRESETS[2], _nothing, (80, 24)),
    "comparison.svg": (PRESETS[1], _pin_two, SIZE),
    "sweep.svg": (PRESETS[1], _sweep, SIZE),
    "path.svg": (PRESETS[2], _path, SIZE),
    "optimizers.svg": (COSINE, _optimizers, SIZE),
    "demo.svg": (PRESETS[2], _demo, SIZE),
    "chinese.svg": (PRESETS[3], _nothing, SIZE),
    "chinese-demo.svg": (PRESETS[2], _demo, SIZE),
    "landscape.svg": (PRESETS[4], _nothing, SIZE),
    "landscape-80x24.svg": (PRESETS[4], _nothing, (80, 24)),
    "race.svg": (PRESETS[6], _race, SIZE),
    "chinese-landscape.svg": (PRESETS[4], _nothing, SIZE),
}

#: The scenarios shown in Chinese; the others are in English, whatever the locale.
CHINESE = {"chinese.svg", "chinese-demo.svg", "chinese-landscape.svg"}


async def render(name: str, out: Path) -> Path:
    """Render scenario ``name`` into the folder ``out``; return the file written."""
    params, after, size = SCENARIOS[name]
    language = "zh" if name in CHINESE else "en"
    app = ExplorerApp(params, show_timings=False, language=language)
    async with app.run_test(size=size) as pilot:
        for field in app.query(Input):
            field.cursor_blink = False
        await wait_for_run(pilot)
        await after(pilot)
        await wait_for_update(pilot)  # playback's update line, its gradient from the engine
        await pilot.pause()
        svg = fix_cell_widths(app.export_screenshot())
    write_atomic(out / name, svg.encode("utf-8"))
    return out / name


def main() -> None:
    """Render every scenario (or those named) into the output folder.

    The user's own settings (a theme, rebound keys) are left out: the screenshots show the
    defaults, whoever renders them.
    """
    os.environ["LR_EXPLORER_CONFIG_DIR"] = tempfile.mkdtemp(prefix="lr-explorer-shots-")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    parser.add_argument("names", nargs="*", choices=[*SCENARIOS, []], default=[])
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.names or SCENARIOS:
        print(asyncio.run(render(name, args.out)))


if __name__ == "__main__":
    main()
