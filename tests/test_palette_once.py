"""The command palette's key opens one palette: pressed again while it is open, nothing more."""

from __future__ import annotations

from app_helpers import wait_until
from textual.command import CommandPalette

from tui.app import ExplorerApp


async def test_the_palette_key_pressed_twice_opens_one_palette() -> None:
    app = ExplorerApp(language="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
        await pilot.press("ctrl+p")  # the binding has priority: it reaches the app
        await pilot.pause()
        assert sum(isinstance(s, CommandPalette) for s in app.screen_stack) == 1
        await pilot.press("escape")
        await wait_until(pilot, lambda: len(app.screen_stack) == 1, what="the explorer")
    assert app._exception is None
