"""How the landscape looks: an ill-conditioned bowl, plain descent zig-zagging across it, with a
slower pin beside it, at 120x40 and 80x24, in English and in Chinese (``--snapshot-update -n 0``
after a deliberate change)."""

from __future__ import annotations

from typing import cast

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select

from tui.app.app import ExplorerApp
from tui.app.pilot_helpers import wait_for_run, wait_until
from tui.engine.spec import RunSpec
from tui.model.params import Params

BOWL = "(w1 + 1)**2 + 10*(w2 - 1)**2"


async def zigzag(pilot: Pilot) -> None:
    """The bowl at lr 0.095 (steep w2 overshoots at every step), and lr 0.02 pinned.

    Each step waits for what it changes: the newest request shown was, until the new rate's
    request left, the one before it (on a loaded machine the picture was taken then)."""
    app = cast(ExplorerApp, pilot.app)
    await wait_for_run(pilot)
    await pilot.press("escape", "p")
    await wait_until(pilot, lambda: len(app.explorer.pins) == 1, what="the pin")
    app.query_one("#lr", Input).value = "0.095"
    await wait_until(
        pilot,
        lambda: app.explorer.current is not None and app.explorer.current.spec.lr == 0.095,
        what="the run at lr 0.095",
    )
    await wait_for_run(pilot)
    await pilot.press("escape")
    for field in pilot.app.query(Input):
        field.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize(
    ("size", "language"),
    [((120, 40), "en"), ((80, 24), "en"), ((120, 40), "zh"), ((80, 24), "zh")],
)
def test_landscape_of_a_stretched_bowl(snap_compare, size: tuple[int, int], language: str) -> None:
    params = Params(RunSpec(w0=5.0, start2=2.0, lr=0.02, epochs=20), BOWL)
    app = ExplorerApp(params, show_timings=False, language=language)
    assert snap_compare(app, terminal_size=size, run_before=zigzag)


ROSENBROCK = "(1 - w1)**2 + 100*(w2 - w1**2)**2"


async def race(pilot: Pilot) -> None:
    """Momentum and Adam pinned, and plain descent, from the same start on Rosenbrock's valley."""
    app = cast(ExplorerApp, pilot.app)
    await wait_for_run(pilot)
    for pinned, (optimizer, lr) in enumerate((("adam", "0.05"), ("gd", "0.001")), start=1):
        await pilot.press("escape", "p")
        await wait_until(pilot, lambda n=pinned: len(app.explorer.pins) == n, what="the pin")
        app.query_one("#optimizer", Select).value = optimizer
        app.query_one("#lr", Input).value = lr

        def shown(optimizer: str = optimizer, lr: str = lr) -> bool:
            current = app.explorer.current
            spec = current.spec if current is not None else None
            return spec is not None and (spec.optimizer, spec.lr) == (optimizer, float(lr))

        await wait_until(pilot, shown, what=f"the run of {optimizer} at lr {lr}")
        await wait_for_run(pilot)
    await pilot.press("escape")
    for field in pilot.app.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def test_optimizer_race_on_rosenbrocks_valley(snap_compare) -> None:
    spec = RunSpec(w0=-1.5, start2=2.0, lr=0.0005, epochs=300, optimizer="momentum")
    params = Params(spec, ROSENBROCK)
    app = ExplorerApp(params, show_timings=False)
    assert snap_compare(app, terminal_size=(120, 40), run_before=race)
