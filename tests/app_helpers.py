"""Helpers for driving the explorer in Pilot tests: wait for the engine and for runs."""

from __future__ import annotations

import asyncio
import time

from textual.pilot import Pilot
from textual.widgets import Input

from tui.app import ExplorerApp
from tui.app.widgets.log_table import LogTable

#: TensorFlow's import plus the first compile can take a while on a loaded 2-core machine.
TIMEOUT = 90.0


async def wait_until(pilot: Pilot, condition, timeout: float = TIMEOUT, what: str = "") -> None:
    """Pause until ``condition()`` holds, failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0.02)
        await pilot.pause()


async def wait_for_run(pilot: Pilot, timeout: float = TIMEOUT) -> None:
    """Wait until the newest request's results are on screen."""
    app = pilot.app
    assert isinstance(app, ExplorerApp)
    await wait_until(
        pilot,
        lambda: app.engine.latest_id > 0 and app.shown_request == app.engine.latest_id,
        timeout,
        "the newest run to be shown",
    )


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
