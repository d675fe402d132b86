"""The step / w / loss / lr log: a virtual table that renders only the rows on screen.

Textual's ``DataTable`` builds every row (8.5 s to settle with 100,000 rows here); a run can have
ten million. This widget keeps the NumPy columns and formats a row only when it is drawn, so
its cost does not depend on the number of rows.

In Chinese each row is the lesson's own sentence (``第 1 次迭代后的w是 4.880000,对应的loss值是
36.000000``, with ``,学习率是%f`` when the rate changes), made by the same code as the ``seed``
export, a block of rows at a time.
"""

from __future__ import annotations

import numpy as np
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.app.keys import key
from tui.engine.result import RunResult
from tui.i18n import language, t
from tui.readable import readable
from tui.readable_width import readable_width

HEADER = ("step", "w", "loss", "lr")

#: The columns of a run of two parameters.
HEADER_TWO = ("step", "w1", "w2", "loss", "lr")

#: Spaces between two columns.
GAP = 2

#: Rows made at once in sentence form (the lesson's, in Chinese).
BLOCK = 64


def format_row(step: int, values: tuple[float, ...], widths: tuple[int, ...]) -> str:
    """One row of the log: the step, then ``values`` (w, or w1 and w2, then the loss and the
    lr), the numbers as the seed's ``%f`` prints them, unless that would be very wide or show
    only zeros (:func:`~tui.readable.readable`)."""
    cells = (f"{step}", *(readable(value) for value in values))
    return (" " * GAP).join(cell.rjust(width) for cell, width in zip(cells, widths, strict=True))


def header_of(result: RunResult | None) -> tuple[str, ...]:
    """The column titles of ``result``'s log: w's, or w1's and w2's."""
    return HEADER if result is None or result.w2 is None else HEADER_TWO


def header_text(widths: tuple[int, ...], header: tuple[str, ...] = HEADER) -> str:
    """The column titles, aligned with :func:`format_row`."""
    return (" " * GAP).join(title.rjust(width) for title, width in zip(header, widths, strict=True))


def column_width(values: np.ndarray) -> int:
    """The width of the widest ``%f`` of ``values`` (a sentence's numbers), found without
    formatting them all."""
    finite = values[np.isfinite(values)]
    width = 4 if finite.size < values.size else 1  # "-inf"
    if finite.size:
        for extreme in (float(finite.min()), float(finite.max())):
            width = max(width, len(f"{extreme:f}"))
    return width


def columns_of(result: RunResult, lr: np.ndarray) -> tuple[np.ndarray, ...]:
    """The number columns of ``result``'s log after the step: w (or w1, w2), loss, lr."""
    return (*result.ws, result.loss, lr)


def column_widths(result: RunResult, lr: np.ndarray) -> tuple[int, ...]:
    """Widths that fit every row of ``result`` and the titles."""
    widths = (len(str(len(result.w))), *(readable_width(c) for c in columns_of(result, lr)))
    header = header_of(result)
    return tuple(max(width, len(title)) for width, title in zip(widths, header, strict=True))


class LogTable(ScrollView, can_focus=True):
    """A scrolling, virtual view of a run's log with a fixed header line."""

    DEFAULT_CSS = """
    LogTable {
        height: 1fr;
        background: $surface;
    }
    LogTable > .log-table--header {
        text-style: bold;
        color: $text-accent;
    }
    LogTable > .log-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
    }
    LogTable > .log-table--row {
        color: $foreground;
    }
    """
    COMPONENT_CLASSES = {"log-table--header", "log-table--cursor", "log-table--row"}

    BINDINGS = [
        key("up", "cursor(-1)", "log-up", show=False),
        key("down", "cursor(1)", "log-down", show=False),
        key("pageup", "cursor_page(-1)", "log-page-up", show=False),
        key("pagedown", "cursor_page(1)", "log-page-down", show=False),
        key("home", "cursor_to(0)", "log-first", show=False),
        key("end", "cursor_to(-1)", "log-last", show=False),
    ]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._result: RunResult | None = None
        self._lr: np.ndarray = np.empty(0)
        self._widths: tuple[int, ...] = tuple(len(title) for title in HEADER)
        self._blocks: dict[int, list[str]] = {}
        self.cursor = 0
        self._drawing: tuple[Style, int, dict[str, Style]] | None = None
        """While :meth:`render_lines` draws: what :meth:`_looks` gave for all its lines."""

    @property
    def sentences(self) -> bool:
        """Whether rows are the lesson's sentences (in Chinese) rather than columns."""
        return language() == "zh"

    @property
    def rows(self) -> int:
        """How many steps the table holds."""
        return 0 if self._result is None else len(self._result.w)

    @property
    def result(self) -> RunResult | None:
        """The run shown, if any."""
        return self._result

    def show(self, result: RunResult) -> None:
        """Show ``result``; the cursor stays on the same step where the new run has it."""
        self._result = result
        # The seed prints the rate as Python computed it (float64) when it decays.
        self._lr = result.rates
        self._widths = column_widths(result, self._lr)
        self._blocks = {}
        self.cursor = min(self.cursor, self.rows - 1)
        self._set_range(Size(self._line_width() + 1, self.rows + 1))
        self.refresh()

    def _set_range(self, size: Size) -> None:
        """Set the scrolling range (``virtual_size``) to ``size``.

        Textual 8.2.8's ``virtual_size`` is a reactive with ``layout=True``: a run whose widest
        line or count of steps differed from the last one's laid out the whole screen (20 of 58
        keys that took a 20-step run's rate from 0.01 up to 10 and back). The table's own size
        is fixed by its styles (``1fr``, not ``auto``), so only its scrolling changes: the range
        is set without a layout and the scrollbars and offsets are brought in line as a layout
        would (``ScrollView._size_updated`` -> ``_scroll_update``). A scrollbar that must now
        show or hide still lays the screen out (its own reactive asks for it): it takes room.
        """
        if size == self.virtual_size:
            return
        if self.styles.auto_dimensions or not self.container_size:
            self.virtual_size = size  # its size follows its lines, or it is not laid out yet
            return
        self.set_reactive(LogTable.virtual_size, size)
        self._scroll_update(size)

    def _line_width(self) -> int:
        """The cells of the widest line: the header, or the longest row."""
        r = self._result
        if not self.sentences or r is None or not self.rows:
            return len(self.header())
        # A sentence's numbers are the columns' numbers: its widest is the first row's
        # words with each number as wide as its column's widest.
        columns = columns_of(r, self._lr)
        shown = columns if r.spec.decays else columns[:-1]
        numbers = (f"{int(r.step[0])}", *(f"{float(c[0]):f}" for c in shown))
        words = cell_len(self.row_text(0)) - sum(map(len, numbers))
        widths = (len(str(self.rows)), *(column_width(c) for c in shown))
        return max(words + sum(widths), cell_len(self.header()))

    def header(self) -> str:
        """The line over the rows: column titles, or what the sentences are."""
        if self.sentences:
            return t("log.sentences")
        return header_text(self._widths, header_of(self._result))

    def row_text(self, index: int) -> str:
        """The text of row ``index`` (0-based step index)."""
        assert self._result is not None
        r = self._result
        if self.sentences:
            return self._sentence(index)
        values = tuple(float(column[index]) for column in columns_of(r, self._lr))
        return format_row(int(r.step[index]), values, self._widths)

    def _sentence(self, index: int) -> str:
        """Row ``index`` as the lesson prints it, from a block made by the seed's formatter."""
        from tui import formats  # its number tables load when the first sentence is drawn

        block = index // BLOCK
        texts = self._blocks.get(block)
        if texts is None:
            r = self._result
            assert r is not None
            rows = slice(block * BLOCK, (block + 1) * BLOCK)
            lr = self._lr[rows] if r.spec.decays else None
            w2 = r.w2[rows] if r.w2 is not None else None
            made = formats.seed_lines(r.step[rows], r.w[rows], r.loss[rows], lr, w2)
            texts = made.decode("utf-8").splitlines()
            if len(self._blocks) > 256:  # a long scroll: keep memory bounded
                self._blocks.clear()
            self._blocks[block] = texts
        return texts[index % BLOCK]

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines in ``crop``, with the table's own style, its width and its parts' styles
        worked out once for them all: Textual 8.2.8's ``rich_style`` walks the styles of every
        ancestor, uncached, and each line needed it, its width and its part's style."""
        self._drawing = self._looks()
        try:
            return super().render_lines(crop)
        finally:
            self._drawing = None

    def _looks(self) -> tuple[Style, int, dict[str, Style]]:
        """The table's own style, its rows' width and each part's style, as they are now."""
        styles = {part: self.get_component_rich_style(part) for part in self.COMPONENT_CLASSES}
        return self.rich_style, self.scrollable_content_region.width, styles

    def render_line(self, y: int) -> Strip:
        """Draw line ``y`` of the visible area: the header, or the row scrolled there."""
        base, width, styles = self._looks() if self._drawing is None else self._drawing
        scroll_x, scroll_y = self.scroll_offset
        if y == 0:
            text, component = self.header(), "log-table--header"
        else:
            index = scroll_y + y - 1
            if self._result is None or index >= self.rows:
                return Strip.blank(width, base)
            text = self.row_text(index)
            component = "log-table--cursor" if index == self.cursor else "log-table--row"
        strip = Strip([Segment(text, styles[component])]).crop(scroll_x, scroll_x + width)
        return strip.extend_cell_length(width, base)

    def action_cursor(self, delta: int) -> None:
        """Move the cursor by ``delta`` rows."""
        self._move_to(self.cursor + delta)

    def action_cursor_page(self, direction: int) -> None:
        """Move the cursor by a page."""
        self._move_to(self.cursor + direction * max(1, self.scrollable_content_region.height - 2))

    def action_cursor_to(self, index: int) -> None:
        """Move the cursor to a row (-1 for the last)."""
        self._move_to(index if index >= 0 else self.rows - 1)

    def _move_to(self, index: int) -> None:
        if not self.rows:
            return
        self.cursor = max(0, min(self.rows - 1, index))
        visible = max(1, self.scrollable_content_region.height - 1)
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False)
        self.refresh()
