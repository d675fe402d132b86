"""The comparison table: one row per pin, with its outcome and its speed against the baseline."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message
from textual.widgets import DataTable

from tui.app.keys import key
from tui.i18n import t
from tui.model.pins import Pin
from tui.readable import readable


class PinsTable(DataTable[str]):
    """Every pin: schedule, final w, final loss, steps to the tolerance, status, vs baseline."""

    BINDINGS = [
        key("enter", "use", "pin-use"),
        key("x,delete", "remove", "pin-remove"),
        key("b", "baseline", "pin-baseline"),
    ]

    COLUMNS = ("pin", "schedule", "final-w", "final-loss", "steps", "status", "versus")
    """The columns, by their catalogue names (``pins.<column>``)."""

    def on_mount(self) -> None:
        """Set up the columns."""
        self.cursor_type = "row"
        self.add_columns(*(t(f"pins.{column}") for column in self.COLUMNS))

    def show(self, pins: list[Pin], baseline: int | None) -> None:
        """Fill the table with ``pins``; ``baseline`` is the number of the baseline pin.

        Each run's steps to the tolerance are its status's (the engine measured them with the
        tolerance on screen, by the one definition), the number the status line shows."""
        row = self.cursor_row
        self.clear()
        base = next((p for p in pins if p.number == baseline and p.result is not None), None)
        base_steps = (
            base.result.status.steps_to_tol
            if base is not None and base.result is not None
            else None
        )
        for pin in pins:
            base_mark = t("pins.base") if pin.number == baseline else ""
            name = f"{pin.marker} #{pin.number}{base_mark}"
            if pin.result is None:
                self.add_row(
                    name,
                    pin.schedule_text(),
                    "…",
                    "…",
                    "…",
                    t("pins.running"),
                    "",
                    key=str(pin.number),
                )
                continue
            steps = pin.result.status.steps_to_tol
            versus = ""
            if base_steps and steps is not None and pin.number != baseline:
                versus = t("pins.times", ratio=steps / base_steps)
            self.add_row(
                name,
                pin.schedule_text(),
                readable(float(pin.result.final_w)),
                readable(float(pin.result.final_loss)),
                t("pins.never") if steps is None else str(steps),
                str(pin.result.status),
                versus,
                key=str(pin.number),
            )
        if pins:
            self.move_cursor(row=min(max(row, 0), len(pins) - 1))

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
