"""What gives way on a small screen: at 80x24, 100x30 and 120x40, with 0, 2 and 8 pins, in
English and Chinese, the chart keeps a readable height, the comparison table shows the columns
that matter without being cut at its edge, and the theory and status line wrap at words with
no sentence cut off. Snapshots of the nine English screens show how it looks.

The design (``tui/app/explorer.tcss``): under 30 rows the log takes a quarter of the right-hand
column and the theory shows its first statement only; under 24 rows the theory gives way
entirely; the comparison table shows 4 pins under 30 rows, 5 under 40, all 8 above (it scrolls
under its header), and on a narrow one leaves out the final w, then the final loss, ...
(``PinsTable.PRIORITY``), naming them in its border.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from app_helpers import wait_for_run
from textual.app import App, ComposeResult
from textual.content import Content
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input

from tui.app.app import ExplorerApp
from tui.app.widgets.pins_table import PinsTable
from tui.app.widgets.status import StatusLine
from tui.app.widgets.theory import TheoryPanel
from tui.model.params import PRESETS

SIZES = [(80, 24), (100, 30), (120, 40)]
PIN_COUNTS = [0, 2, 8]

#: The rates pinned, in this order (varied outcomes: crawling, oscillating, converging).
PINNED_RATES = ("0.01", "0.99", "0.2", "0.5", "0.05", "0.8", "0.3", "0.1")

#: The rate on screen once the pins are made.
CURRENT_RATE = "0.4"

#: The fewest rows the chart (its plot, axes and legend) may have in any of these screens.
CHART_ROWS = 10

#: The fewest at 60x20 in demo mode, under the large readout.
DEMO_CHART_ROWS = 8


async def pin_runs(pilot: Pilot, count: int) -> None:
    """Pin ``count`` runs of :data:`PINNED_RATES`, then show lr :data:`CURRENT_RATE`; the
    keys work again (no field has focus) and no cursor blinks."""
    app = pilot.app
    for field in app.query(Input):
        field.cursor_blink = False
    await wait_for_run(pilot)
    rates = [*PINNED_RATES[:count], CURRENT_RATE] if count else []
    for index, rate in enumerate(rates):
        app.screen.query_one("#lr", Input).value = rate
        await pilot.pause()
        await wait_for_run(pilot)
        await pilot.press("escape")
        if index < count:
            await pilot.press("p")
    await pilot.press("escape")
    await wait_for_run(pilot)
    await pilot.pause()


@asynccontextmanager
async def explorer(size: tuple[int, int], pins: int, language: str) -> AsyncIterator[Pilot]:
    """The explorer at ``size`` with ``pins`` pins, in ``language``, its run on screen."""
    app = ExplorerApp(PRESETS[1], show_timings=False, language=language)
    async with app.run_test(size=size) as pilot:
        await pin_runs(pilot, pins)
        yield pilot


def rendered_lines(widget: Widget) -> list[str]:
    """What ``widget`` shows, line by line (its padding stripped)."""
    strips = widget.render_lines(Region(0, 0, *widget.outer_size))
    return [strip.text.strip() for strip in strips]


def plain(markup: str) -> str:
    """The text of some markup, as on screen."""
    return Content.from_markup(markup).plain


def assert_whole_words(widget: Widget, text: str, language: str) -> None:
    """``widget`` shows all of ``text`` (markup), wrapped at words: in English every line
    ends at a space of the text (so the words on screen are the text's words, none split or
    left out); in Chinese, which wraps between characters, no character is left out."""
    lines = [line for line in rendered_lines(widget) if line]
    if language == "en":
        assert " ".join(lines).split() == plain(text).split(), (lines, text)
    else:
        assert re.sub(r"\s", "", "".join(lines)) == re.sub(r"\s", "", plain(text)), (lines, text)


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("pins", PIN_COUNTS)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_what_gives_way(size: tuple[int, int], pins: int, language: str) -> None:
    async with explorer(size, pins, language) as pilot:
        screen = pilot.app.screen
        chart = screen.query_one("#chart")
        assert chart.region.height >= CHART_ROWS, chart.region
        assert chart.region.bottom <= screen.size.height  # on screen, not pushed off it

        # The log keeps its header and at least two steps.
        log = screen.query_one("#log")
        assert log.region.height >= 4 and log.region.bottom <= screen.size.height, log.region

        table = screen.query_one(PinsTable)
        assert table.display == bool(pins)
        if pins:
            assert table.row_count == pins
            shown = table.shown_columns
            assert {"pin", "schedule", "steps"} <= set(shown), shown
            # Nothing cut at the right edge: the columns shown fit, the header with them.
            assert table.virtual_size.width <= table.scrollable_content_region.width, shown
            assert table.max_scroll_x == 0
            header = rendered_lines(table)[1]  # under the border
            assert (
                header.split()
                == " ".join(str(column.label) for column in table.columns.values()).split()
            ), header
            left_out = [c for c in PinsTable.COLUMNS if c not in shown]
            if left_out:
                assert table.border_title, "the table names what it leaves out"
            else:
                assert not table.border_title
            # The table scrolls under its header: every pin can be reached.
            table.focus()
            table.move_cursor(row=pins - 1)
            await pilot.pause()
            assert table.cursor_row == pins - 1
            assert rendered_lines(table)[1] == header
        theory = screen.query_one(TheoryPanel)
        shown_statements = theory.shown_statements()
        assert shown_statements == theory.statements()[: len(shown_statements)]
        assert_whole_words(theory, "\n".join(shown_statements), language)
        if size[1] < 30:
            assert shown_statements == theory.statements()[:1]  # the rates; the steps give way
        else:
            assert shown_statements == theory.statements()
        status = screen.query_one("#status")
        assert_whole_words(status, str(status.content), language)  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_demo_mode_at_60x20_keeps_the_chart(language: str) -> None:
    """At 60x20 in demo mode the readout, a readable chart and the log's first steps fit;
    the theory gives way (the status line keeps the outcome)."""
    async with explorer((60, 20), 0, language) as pilot:
        await pilot.press("d")
        await pilot.pause()
        screen = pilot.app.screen
        assert screen.has_class("-demo") and screen.has_class("-tiny")
        chart = screen.query_one("#chart")
        assert chart.region.height >= DEMO_CHART_ROWS, chart.region
        log = screen.query_one("#log")
        assert log.region.height >= 3 and log.region.bottom <= screen.size.height, log.region
        assert not screen.query_one(TheoryPanel).display
        status = screen.query_one("#status")
        assert status.region.height >= 1
        assert_whole_words(status, str(status.content), language)  # type: ignore[attr-defined]


async def test_a_resize_moves_the_layout_between_sizes() -> None:
    """The same screen follows the terminal: from 120x40 to 80x24 the theory drops to its
    first statement and the table leaves columns out; back at 120x40 all come back."""
    async with explorer((120, 40), 2, "en") as pilot:
        screen = pilot.app.screen
        theory, table = screen.query_one(TheoryPanel), screen.query_one(PinsTable)
        assert len(theory.shown_statements()) == 2 and table.shown_columns == PinsTable.COLUMNS
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert screen.has_class("-short")
        assert theory.shown_statements() == theory.statements()[:1]
        assert theory.region.height == len([line for line in rendered_lines(theory) if line])
        assert table.shown_columns != PinsTable.COLUMNS
        assert screen.query_one("#chart").region.height >= CHART_ROWS
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert len(theory.shown_statements()) == 2 and table.shown_columns == PinsTable.COLUMNS


# --- The pieces on their own ---------------------------------------------------------------

LONG_THEORY = (
    "[b]theory[/b] (not quadratic: local, an estimate): local L at w0 = 2.5, q = 0.75: "
    "[b]monotone convergence[/b]; critical lr 2/L = 0.8, optimal 1/L = 0.4\n"
    "steps to 1e-06: measured 40; the local estimate predicted monotone convergence, but the "
    "loss rose at step 3: it does not describe this run"
)


class TheoryApp(App[None]):
    """A theory panel alone, ``width`` cells wide, at most ``rows`` rows high."""

    def __init__(self, width: int, rows: int) -> None:
        super().__init__()
        self.width, self.rows = width, rows

    def compose(self) -> ComposeResult:
        panel = TheoryPanel(LONG_THEORY)
        panel.styles.width = self.width
        panel.styles.max_height = self.rows
        yield panel


@pytest.mark.parametrize(
    ("width", "rows", "statements"), [(50, 4, 1), (50, 8, 2), (100, 3, 1), (100, 4, 2)]
)
async def test_a_statement_that_does_not_fit_gives_way_whole(
    width: int, rows: int, statements: int
) -> None:
    """At 50 cells the first statement takes 4 rows, the second 4; at 100 cells, 2 and 2
    (with the panel's padding): a statement is shown whole or not at all."""
    app = TheoryApp(width, rows)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        panel = app.query_one(TheoryPanel)
        shown = LONG_THEORY.split("\n")[:statements]
        assert panel.shown_statements() == shown
        assert_whole_words(panel, "\n".join(shown), "en")
        assert panel.region.height <= rows


async def test_a_long_status_line_wraps_at_words() -> None:
    """A status line longer than the screen is wide goes on to the next row, whole."""
    text = "[b]diverged at step 12[/b]  w = -1.234568e+30  loss = 1.524158e+60  20 steps"

    class StatusApp(App[None]):
        def compose(self) -> ComposeResult:
            yield StatusLine(text)

    app = StatusApp()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        status = app.query_one(StatusLine)
        assert status.region.height > 1
        assert_whole_words(status, text, "en")


# --- Snapshots: the nine English screens ----------------------------------------------------


@pytest.mark.parametrize("pins", PIN_COUNTS)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot(snap_compare, size: tuple[int, int], pins: int) -> None:
    async def set_up(pilot: Pilot) -> None:
        await pin_runs(pilot, pins)

    app = ExplorerApp(PRESETS[1], show_timings=False)
    assert snap_compare(app, terminal_size=size, run_before=set_up)
