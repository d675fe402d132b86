"""An optimizer race (issue 15 item 7): pins of GD, momentum and Adam run from the current start
on a loss of w1 and w2; the comparison table gives each its final w1, w2 and its steps to the
tolerance, marks the fewest (or the tie), and says ``never`` of a pin that did not reach it.
The steps are computed here from the two-variable eager loop, by the help's definition."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
import tensorflow as tf
from app_helpers import wait_for_run, wait_until
from eager_reference import eager_run_two

from tui import i18n
from tui.app import ExplorerApp
from tui.app.widgets.pins_table import PinsTable
from tui.engine import descent
from tui.engine.outcome import Outcome, Status
from tui.engine.spec import RunSpec
from tui.i18n import msg
from tui.model.params import Params
from tui.model.pins import Pin, race, shared
from tui.model.session import Session
from tui.readable import readable

BOWL = "(w1 + 1)**2 + 10*(w2 - 1)**2"
TOL = 1e-6


def bowl(w1: tf.Tensor, w2: tf.Tensor) -> tf.Tensor:
    """:data:`BOWL` by hand; its minimum is 0, at (-1, 1)."""
    return tf.square(w1 + 1.0) + 10.0 * tf.square(w2 - 1.0)


def steps_to_tol(spec: RunSpec) -> tuple[int | None, tuple[float, float]]:
    """The smallest k such that the loss after step k and after every later step is within
    :data:`TOL` of the minimum (0), from the eager loop (k = 0: the start); and the last w1, w2."""
    w1, w2, losses, _, final = eager_run_two(bowl, spec)
    after = [*losses.tolist(), float(final[0])]  # losses[k]: the loss after step k (k = 0: w0)
    within = np.array(after) <= TOL
    if not within[-1]:
        return None, (float(w1[-1]), float(w2[-1]))
    k = len(after) - 1
    while k > 0 and within[k - 1]:
        k -= 1
    return k, (float(w1[-1]), float(w2[-1]))


#: The run on screen, and three pins of it: GD (its rate), momentum and Adam; their starts in the
#: session are other points, which a pin does not keep (pins race from the run's start).
RUN = RunSpec(w0=2.0, start2=-1.0, lr=0.09, epochs=300)
PINS = (
    dataclasses.replace(RUN, start2=5.0),
    RunSpec(w0=0.0, start2=0.0, lr=0.02, epochs=1, optimizer="momentum", beta=0.8),
    RunSpec(w0=0.0, start2=0.0, lr=0.05, epochs=1, optimizer="adam"),
    RunSpec(w0=0.0, start2=0.0, lr=1e-4, epochs=1),  # far too slow: never within the tolerance
)


def test_a_pin_takes_the_runs_start_and_steps() -> None:
    spec = shared(PINS[1], RUN)
    assert spec.starts == RUN.starts and spec.epochs == RUN.epochs
    assert (spec.lr, spec.optimizer, spec.beta) == (0.02, "momentum", 0.8)
    one = shared(RunSpec(lr=0.5), RunSpec(w0=3.0, epochs=7))
    assert one.start2 is None and one.w0 == 3.0


async def test_the_race_table_says_who_reached_the_tolerance_first() -> None:
    expected = [steps_to_tol(shared(pin, RUN)) for pin in PINS]
    steps = [k for k, _ in expected]
    assert steps[3] is None and len({k for k in steps[:3]}) == 3, steps  # a race with a winner
    fewest = min(k for k in steps if k is not None)
    session = Session(Params(RUN, BOWL, TOL), pins=PINS, baseline=0)
    app = ExplorerApp(session=session)
    async with app.run_test(size=(160, 44)) as pilot:
        await wait_for_run(pilot)
        await wait_until(pilot, lambda: all(p.result is not None for p in app.pins), 60, "pins")
        await pilot.pause()
        table = app.query_one(PinsTable)
        rows = [table.row_cells(i) for i in range(table.row_count)]
        final_ws = [", ".join(readable(w) for w in ws) for _, ws in expected]
        assert [row[2] for row in rows] == final_ws
        shown = ["never" if k is None else f"{k} (first)" if k == fewest else str(k) for k in steps]
        assert [row[4] for row in rows] == shown
        headers = [str(column.label) for column in table.columns.values()]
        assert "final w1, w2" in headers and "final w" not in headers
        i18n.set_language("zh")
        try:
            table.show(app.pins, app.baseline)
            rows = [table.row_cells(i) for i in range(table.row_count)]
            assert rows[steps.index(fewest)][4] == f"{fewest}（最先）"
            assert rows[3][4] == "永不"
        finally:
            i18n.set_language("en")


@pytest.fixture(scope="module")
def result():
    """A run of two parameters, to give pins statuses of our own."""
    return descent.run(RunSpec(w0=1.0, start2=1.0, lr=0.01, epochs=3), BOWL)


def pin_reaching(number: int, steps: int | None, result) -> Pin:
    """Pin ``number``, its run converged after ``steps`` (``None``: still descending)."""
    status = (
        Status(Outcome.DESCENDING, None, msg("status.loss_tol", tol=TOL))
        if steps is None
        else Status(Outcome.CONVERGED, steps, msg("status.loss_tol", tol=TOL))
    )
    return Pin(number, result.spec, dataclasses.replace(result, status=status))


@pytest.mark.parametrize(
    ("steps", "marks"),
    [
        ([30, 12, 50], {2: "first"}),
        ([12, 30, 12], {1: "tied", 3: "tied"}),
        ([None, 40, None], {2: "first"}),
        ([None, None], {}),  # nobody reached it: each row says never
        ([7], {}),  # one pin is no race
    ],
)
def test_the_fewest_steps_win_and_a_tie_is_a_tie(steps, marks, result) -> None:
    pins = [pin_reaching(n, k, result) for n, k in enumerate(steps, start=1)]
    assert race(pins) == marks


def test_no_winner_while_a_pin_is_still_running(result) -> None:
    pins = [pin_reaching(1, 5, result), Pin(2, result.spec)]
    assert race(pins) == {}


async def test_a_tie_is_said_in_the_table(result) -> None:
    app = ExplorerApp(Params(RUN, BOWL, TOL))
    async with app.run_test(size=(160, 44)) as pilot:
        await wait_for_run(pilot)
        table = app.query_one(PinsTable)
        pins = [
            pin_reaching(1, 12, result),
            pin_reaching(2, 12, result),
            pin_reaching(3, None, result),
        ]
        table.show(pins, 1)
        await pilot.pause()
        cells = [table.row_cells(i)[4] for i in range(3)]
        assert cells == ["12 (tied first)", "12 (tied first)", "never"]


async def test_a_column_narrows_when_its_widest_cell_goes(result) -> None:
    """Textual 8.2.8's DataTable.clear() kept a column's width: the steps column stayed as wide
    as "12 (tied first)" after the tie was broken, wider than the table had room for."""
    app = ExplorerApp(Params(RUN, BOWL, TOL))
    async with app.run_test(size=(160, 44)) as pilot:
        await wait_for_run(pilot)
        table = app.query_one(PinsTable)
        table.show([pin_reaching(1, 12, result), pin_reaching(2, 12, result)], 1)
        await pilot.pause()
        wide = table.columns[next(k for k in table.columns if k.value == "steps")].content_width
        assert wide == len("12 (tied first)")
        table.show([pin_reaching(1, 12, result), pin_reaching(2, 300, result)], 1)
        await pilot.pause()
        column = table.columns[next(k for k in table.columns if k.value == "steps")]
        assert column.content_width == len("12 (first)")


async def start_the_race(pilot: Any) -> None:
    """Press the race's key once the explorer's first run is in, and wait for its pins."""
    app = pilot.app
    await wait_for_run(pilot)
    await pilot.press("9")
    await wait_for_run(pilot)
    await wait_until(pilot, lambda: all(p.result is not None for p in app.pins), 60, "pins")
    await pilot.pause()


async def test_the_race_key_pins_gd_momentum_and_adam_and_names_the_winner() -> None:
    from tui.model.session import RACE, RACE_PINS

    app = ExplorerApp(language="en", show_timings=False)
    async with app.run_test(size=(160, 44)) as pilot:
        await start_the_race(pilot)
        assert app.params == RACE.params
        assert [p.spec.optimizer for p in app.pins] == ["gd", "momentum", "adam"]
        assert [p.spec for p in app.pins] == list(RACE_PINS)
        table = app.query_one(PinsTable)
        steps = [p.result.status.steps_to_tol for p in app.pins]
        assert steps[0] is None and steps[1] < steps[2], steps  # as the race's comment says
        cells = [table.row_cells(i)[4] for i in range(3)]
        assert cells == ["never", f"{steps[1]} (first)", str(steps[2])]


async def test_the_race_at_120_columns_shows_where_each_pin_ended() -> None:
    """For pins of a loss of two parameters where each ended (final w1, w2) comes before the
    final loss and the status words when the table is too narrow for all: at 120x40 the race
    left it out."""
    app = ExplorerApp(language="en", show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_the_race(pilot)
        table = app.query_one(PinsTable)
        assert "final-w" in table.shown_columns, table.shown_columns
        assert {"pin", "schedule", "steps"} <= set(table.shown_columns)
        header = " ".join(str(column.label) for column in table.columns.values())
        assert "final w1, w2" in header, header
        assert "final w1, w2" not in str(table.border_title or "")


async def test_the_race_at_80_columns_keeps_the_steps_beside_a_cut_schedule() -> None:
    """At 80x24 the momentum and Adam pins' schedules took the table's width and left out the
    steps, the race's point: now the schedule gives way, cut with "…", and says which pin is
    which by its start; at 100 columns it is whole again."""
    app = ExplorerApp(language="en", show_timings=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_the_race(pilot)
        table = app.query_one(PinsTable)
        assert {"pin", "schedule", "steps"} <= set(table.shown_columns), table.shown_columns
        assert table.virtual_size.width <= table.scrollable_content_region.width
        schedule = table.shown_columns.index("schedule")
        steps = table.shown_columns.index("steps")
        texts = [[str(cell) for cell in table.get_row_at(i)] for i in range(3)]  # as shown
        whole = [pin.schedule_text() for pin in app.pins]
        assert any(row[schedule].endswith("…") for row in texts), texts
        for row, text in zip(texts, whole, strict=True):
            shown = row[schedule]
            assert shown == text or (shown.endswith("…") and text.startswith(shown[:-1]))
        marks = [row[steps] for row in texts]
        assert marks[0] == "never" and marks[1].endswith("(first)"), marks
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        await pilot.pause()
        texts = [[str(cell) for cell in table.get_row_at(i)] for i in range(3)]
        assert [row[table.shown_columns.index("schedule")] for row in texts] == whole
