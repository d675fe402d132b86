"""How the landscape looks: an ill-conditioned bowl, plain descent zig-zagging across it, with a
slower pin beside it, at 120x40 and 80x24, in English and in Chinese (``--snapshot-update -n 0``
after a deliberate change)."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select

from tui.app.app import ExplorerApp
from tui.app.pilot_helpers import wait_for_run
from tui.engine.spec import RunSpec
from tui.model.params import Params

BOWL = "(w1 + 1)**2 + 10*(w2 - 1)**2"


async def zigzag(pilot: Pilot) -> None:
    """The bowl at lr 0.095 (steep w2 overshoots at every step), and lr 0.02 pinned."""
    await wait_for_run(pilot)
    await pilot.press("escape", "p")
    pilot.app.query_one("#lr", Input).value = "0.095"
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
    await wait_for_run(pilot)
    for optimizer, lr in (("adam", "0.05"), ("gd", "0.001")):
        await pilot.press("escape", "p")
        pilot.app.query_one("#optimizer", Select).value = optimizer
        pilot.app.query_one("#lr", Input).value = lr
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
