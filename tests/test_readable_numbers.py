"""Huge and tiny numbers on screen in a readable form (issue 13, item 5): the status line, the
log's columns and the pins table print a diverging run's loss in six significant digits, not 30,
and the lesson's own numbers exactly as its ``%f`` prints them."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.app_helpers import table_lines, type_into, wait_for_run
from tui.app import ExplorerApp
from tui.app.widgets.log_table import LogTable, column_widths, header_text
from tui.app.widgets.pins_table import PinsTable
from tui.app.widgets.status import StatusLine, describe
from tui.engine import descent
from tui.engine.losses import SEED_LOSS
from tui.engine.spec import RunSpec
from tui.readable import readable
from tui.readable_width import readable_width

#: A run of digits no person reads: the ``%f`` of a diverged loss.
LONG_DIGITS = re.compile(r"\d{12,}")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (36.0, "36.000000"),
        (4.88, "4.880000"),
        (0.000001, "0.000001"),  # the lesson's smallest loss: as the lesson prints it
        (-999999.0, "-999999.000000"),
        (0.0, "0.000000"),
        (-0.0, "-0.000000"),
        (1e6, "1.000000e+06"),
        (3.274181e29, "3.274181e+29"),
        (-1e-9, "-1.000000e-09"),
        (4e-7, "4.000000e-07"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
        (float("nan"), "nan"),
    ],
)
def test_readable_is_the_lessons_f_where_that_shows_the_value(value: float, text: str) -> None:
    assert readable(value) == text


@pytest.mark.parametrize("seed", range(20))
def test_readable_width_is_the_widest_readable(seed: int) -> None:
    """The column width found from the extremes is the width of the widest of all values."""
    rng = np.random.default_rng(seed)
    values = rng.choice([-1.0, 1.0], 50) * 10.0 ** rng.uniform(-12, 35, 50)
    values[rng.integers(0, 50, 5)] = rng.choice([0.0, -0.0, np.inf, -np.inf, np.nan], 5)
    values = values.astype(rng.choice([np.float32, np.float64]))
    assert readable_width(values) == max(len(readable(float(v))) for v in values)


def _diverged() -> descent.RunResult:
    return descent.run(RunSpec(w0=5.0, lr=1e5, epochs=3), SEED_LOSS)


def test_the_status_line_of_a_diverging_run_has_no_endless_digits() -> None:
    result = _diverged()
    assert np.isfinite(result.final_loss) and float(result.final_loss) > 1e20
    text = describe(result, timings=False)
    assert not LONG_DIGITS.search(text), text
    assert readable(float(result.final_loss)) in text


def test_the_log_columns_of_a_diverging_run_stay_narrow() -> None:
    """At lr 1e5 the loss column took 40 characters; the row now fits beside its header."""
    result = _diverged()
    widths = column_widths(result, result.rates)
    assert max(widths) <= 13
    assert len(header_text(widths)) <= 60


async def test_the_explorer_shows_a_huge_run_readably() -> None:
    """Typed into the app at 80x24: the status, the log's rows and the pin's row."""
    app = ExplorerApp(show_timings=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_run(pilot)
        await type_into(pilot, "epochs", "3")
        await type_into(pilot, "lr", "1e5")
        await pilot.press("tab")
        await wait_for_run(pilot)
        await pilot.pause(0.3)
        await wait_for_run(pilot)
        table = app.screen.query_one(LogTable)
        assert table.result is not None and float(table.result.spec.lr) == 1e5
        status = str(app.screen.query_one(StatusLine).render())
        assert "e+" in status and not LONG_DIGITS.search(status), status
        for line in table_lines(app):
            assert not LONG_DIGITS.search(line), line
        app.screen.query_one(LogTable).focus()
        await pilot.press("p")
        await wait_for_run(pilot)
        pins = app.screen.query_one(PinsTable)
        assert pins.row_count == 1
        cells = [str(cell) for cell in pins.get_row_at(0)]
        assert not any(LONG_DIGITS.search(cell) for cell in cells), cells
