"""Driving the export screen in Pilot tests: one way to write the runs into a folder."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Static

from tui.app.pilot_helpers import wait_until
from tui.app.screens.export import ExportScreen


async def export_into(pilot: Pilot, folder: Path) -> Static:
    """Press ``e``, write everything the screen offers into ``folder`` and wait until the screen
    names the folder it wrote to (in either language); return the screen's message line."""
    await pilot.press("e")
    screen = pilot.app.screen
    assert isinstance(screen, ExportScreen)
    screen.query_one("#export-folder", Input).value = str(folder)
    await pilot.click("#export-go")
    message = screen.query_one("#export-message", Static)
    await wait_until(pilot, lambda: str(folder.resolve()) in str(message.content), 20, "the files")
    return message
