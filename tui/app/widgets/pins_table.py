"""The comparison table: one row per pin, with its outcome and its speed against the baseline."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from tui.app.keys import key
from tui.i18n import t
from tui.model.pins import Pin, race
from tui.readable import readable


class PinsTable(DataTable[str]):
    """Every pin: schedule, final w (w1, w2 for a loss of two parameters), final loss, steps to
    the tolerance (the fewest marked: who won the race, or a tie), status, vs baseline."""

    BINDINGS = [
        key("enter", "use", "pin-use"),
        key("x,delete", "remove", "pin-remove"),
        key("b", "baseline", "pin-baseline"),
    ]

    COLUMNS = ("pin", "schedule", "final-w", "final-loss", "steps", "status", "versus")
    """The columns, by their catalogue names (``pins.<column>``), in their order on screen."""

    PRIORITY = ("pin", "schedule", "steps", "versus", "status", "final-loss", "final-w")
    """The columns by how much they matter to a comparison: when the table is too narrow for
    all of them, each in this order is shown if it still fits (the pin always is), so the
    steps and the speed against the baseline stay in view while the final values give way.
    The border title names the columns left out."""

    PRIORITY_TWO = ("pin", "schedule", "steps", "versus", "final-w", "final-loss", "status")
    """The same for pins of a loss of two parameters: where each pin ended on the landscape
    (final w1, w2) comes before its words (the steps column says who reached the tolerance)."""

    SQUEEZED = "schedule"
    """The column whose text gives way, cut with "…", when the steps would not fit beside it
    whole (the race's momentum and Adam pins at 80 columns): the steps are what a comparison
    is for, the end of a schedule's words the least of it."""

    SQUEEZED_LEAST = 12
    """The cells the squeezed column keeps at least (its padding included)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._cells: list[tuple[str, tuple[str, ...]]] = []  # (row key, every column's text)
        self._two = False  # the pins are of a loss of two parameters (final w1, w2)
        self._headers: tuple[str, ...] = ()  # the headers on screen
        self.shown_columns: tuple[str, ...] = ()
        """The columns on screen (a subset of :attr:`COLUMNS`, in their order)."""
        self._squeeze: int | None = None  # the squeezed column's cells, if it is squeezed

    def on_mount(self) -> None:
        """Set up the columns."""
        self.cursor_type = "row"
        self._fill()

    def on_resize(self) -> None:
        """Show the columns that fit the new width."""
        if self._plan() != (self.shown_columns, self._squeeze):
            self._fill()
        else:
            self.border_title = self._left_out(self.shown_columns)

    def show(self, pins: list[Pin], baseline: int | None) -> None:
        """Fill the table with ``pins``; ``baseline`` is the number of the baseline pin.

        Each run's steps to the tolerance are its status's (the engine measured them with the
        tolerance on screen, by the one definition), the number the status line shows."""
        base = next((p for p in pins if p.number == baseline and p.result is not None), None)
        base_steps = (
            base.result.status.steps_to_tol
            if base is not None and base.result is not None
            else None
        )
        marks = race(pins)
        two = any(pin.result is not None and pin.result.w2 is not None for pin in pins)
        cells: list[tuple[str, tuple[str, ...]]] = []
        for pin in pins:
            base_mark = t("pins.base") if pin.number == baseline else ""
            name = f"{pin.marker} #{pin.number}{base_mark}"
            if pin.result is None:
                row = (name, pin.schedule_text(), "…", "…", "…", t("pins.running"), "")
                cells.append((str(pin.number), row))
                continue
            steps = pin.result.status.steps_to_tol
            versus = ""
            if base_steps and steps is not None and pin.number != baseline:
                versus = t("pins.times", ratio=steps / base_steps)
            if steps is None:
                reached = t("pins.never")
            elif pin.number in marks:  # the race: the fewest steps to the tolerance
                reached = t(f"pins.race.{marks[pin.number]}", steps=steps)
            else:
                reached = str(steps)
            row = (
                name,
                pin.schedule_text(),
                ", ".join(readable(float(w)) for w in pin.result.final_ws),
                readable(float(pin.result.final_loss)),
                reached,
                str(pin.result.status),
                versus,
            )
            cells.append((str(pin.number), row))
        if cells == self._cells and two == self._two:  # the same rows: nothing to lay out
            return
        self._cells = cells
        self._two = two
        self._fill()

    def _header(self, column: str) -> str:
        """``column``'s header: the final w's is w1's and w2's for a loss of two parameters."""
        if column == "final-w" and self._two:
            return t("pins.final-ws")
        return t(f"pins.{column}")

    def fitting(self, width: int | None = None) -> tuple[str, ...]:
        """The columns that fit in ``width`` cells (default: the table's own, less a vertical
        scrollbar if its rows scroll), chosen in :attr:`PRIORITY` order, the steps beside a
        squeezed schedule if need be (:attr:`SQUEEZED`); every column before the table is
        laid out."""
        return self._plan(width)[0]

    def _plan(self, width: int | None = None) -> tuple[tuple[str, ...], int | None]:
        """:meth:`fitting`'s columns, and the cells of the squeezed column if it is."""
        width = self._room() if width is None else width
        columns = self._fitting(width)
        if "steps" in columns or self.SQUEEZED not in columns or width <= 0:
            return columns, None
        others = sum(self._width(c) for c in columns if c != self.SQUEEZED)
        room = width - others - self._width("steps")
        header = cell_len(self._header(self.SQUEEZED)) + 2 * self.cell_padding
        least = max(self.SQUEEZED_LEAST, header)
        if room < least:
            return columns, None
        squeezed = (*columns, "steps")
        return tuple(c for c in self.COLUMNS if c in squeezed), room

    def _room(self) -> int:
        """The table's width for its columns, less a vertical scrollbar if its rows scroll."""
        width = self.size.width
        limit = self.styles.max_height
        if limit is None or not limit.is_cells or len(self._cells) + 2 > limit.value:
            width -= self.styles.scrollbar_size_vertical  # the rows scroll (border, header)
        return width

    def _fitting(self, width: int) -> tuple[str, ...]:
        """The columns that fit whole in ``width`` cells, in :attr:`PRIORITY` order."""
        if width <= 0:
            return self.COLUMNS
        chosen: set[str] = set()
        used = 0
        for column in self.PRIORITY_TWO if self._two else self.PRIORITY:
            needed = self._width(column)
            if not chosen or used + needed <= width:
                chosen.add(column)
                used += needed
        return tuple(column for column in self.COLUMNS if column in chosen)

    def _width(self, column: str) -> int:
        """The cells ``column`` takes: its widest text or header, and the padding each side."""
        index = self.COLUMNS.index(column)
        texts = [self._header(column), *(row[index] for _, row in self._cells)]
        return max(cell_len(text) for text in texts) + 2 * self.cell_padding

    def _fill(self) -> None:
        """Put the rows in the table, in the columns that fit; the cursor stays on its row."""
        row = self.cursor_row
        columns, squeeze = self._plan()
        headers = tuple(self._header(column) for column in columns)
        if columns != self.shown_columns or headers != self._headers or squeeze != self._squeeze:
            self.clear(columns=True)
            for column, header in zip(columns, headers, strict=True):
                self.add_column(header, key=column)
            self.shown_columns = columns
            self._headers = headers
            self._squeeze = squeeze
        else:
            self.clear()
            # Textual 8.2.8's DataTable.clear() keeps each column's width, which add_row only
            # widens: a cell that got shorter ("12 (first)" once a faster pin came) left the
            # column too wide for the width the columns were chosen for, cut at the edge.
            for kept in self.columns.values():
                kept.content_width = kept.label.cell_len
        indexes = [self.COLUMNS.index(column) for column in columns]
        cut = None if squeeze is None else self.COLUMNS.index(self.SQUEEZED)
        for key_, cells in self._cells:
            texts = [cells[i] if i != cut else self._cut(cells[i]) for i in indexes]
            self.add_row(*texts, key=key_)
        self.border_title = self._left_out(columns)
        if self._cells:
            self.move_cursor(row=min(max(row, 0), len(self._cells) - 1))

    def _cut(self, text: str) -> str:
        """``text`` in the squeezed column's cells, its end given way to "…" if it is longer."""
        assert self._squeeze is not None
        shown = Text(text)
        shown.truncate(self._squeeze - 2 * self.cell_padding, overflow="ellipsis")
        return shown.plain

    def _left_out(self, columns: tuple[str, ...]) -> str | None:
        """The border title naming the columns not shown (their count, if the names do not fit
        the border: Textual would cut them)."""
        left_out = [column for column in self.COLUMNS if column not in columns]
        if not left_out:
            return None
        names = t("pins.joiner").join(self._header(column) for column in left_out)
        title = t("pins.left_out", columns=names)
        if self.size.width and cell_len(title) > self.size.width - 4:
            return t("pins.left_out_count", count=len(left_out))
        return title

    def row_cells(self, index: int) -> tuple[str, ...]:
        """Every column's text in row ``index``, in :attr:`COLUMNS` order, shown or left out."""
        return self._cells[index][1]

    def selected_number(self) -> int | None:
        """The number of the pin under the cursor."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    @dataclass
    class PinChosen(Message):
        """A key on the row of pin ``number`` (the three kinds below say which)."""

        table: PinsTable
        """The table the pin was chosen in."""
        number: int
        """The pin's number."""

        @property
        def control(self) -> PinsTable:
            """The table the pin was chosen in."""
            return self.table

    class Use(PinChosen):
        """Make pin ``number`` the current run."""

    class Remove(PinChosen):
        """Remove pin ``number``."""

    class Baseline(PinChosen):
        """Compare the other pins with pin ``number``."""

    def action_use(self) -> None:
        """Ask for this pin to be the current run."""
        number = self.selected_number()
        if number is not None:
            self.post_message(self.Use(self, number))

    def action_remove(self) -> None:
        """Ask for this pin to be removed."""
        number = self.selected_number()
        if number is not None:
            self.post_message(self.Remove(self, number))

    def action_baseline(self) -> None:
        """Ask for this pin to be the baseline."""
        number = self.selected_number()
        if number is not None:
            self.post_message(self.Baseline(self, number))
