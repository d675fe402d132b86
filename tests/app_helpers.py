"""Helpers for driving the explorer in Pilot tests: wait for the engine and for runs."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input

from tui.app import ExplorerApp
from tui.app.pilot_helpers import wait_for_run, wait_until
from tui.app.widgets.log_table import LogTable

__all__ = ["seed_row_values", "table_lines", "type_into", "wait_for_run", "wait_until"]


async def type_into(pilot: Pilot, field_id: str, text: str) -> None:
    """Replace the text of field ``field_id`` by typing ``text`` as a user would."""
    field = pilot.app.query_one(f"#{field_id}", Input)
    field.focus()
    await pilot.pause()
    field.value = ""
    await pilot.press(*text)


def table_lines(app: ExplorerApp) -> list[str]:
    """Every row of the log table, as rendered text."""
    table = app.query_one(LogTable)
    return [table.row_text(i) for i in range(table.rows)]


def seed_row_values(line: str) -> tuple[str, str, str]:
    """(step, w, loss) printed in one of the seed's lines."""
    step = line.split("第 ")[1].split(" ")[0]
    w = line.split("w是 ")[1].split(",")[0]
    loss = line.split("loss值是 ")[1].split(",")[0]
    return step, w, loss
