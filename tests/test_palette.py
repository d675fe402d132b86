"""The command palette survives the keys that crash Textual 8.2.8's own (tui/app/palette.py)."""

from __future__ import annotations

from app_helpers import wait_until
from textual import events
from textual.command import CommandList, CommandPalette

from tui.app import ExplorerApp
from tui.app.palette import SafeCommandPalette


def _command_list(app: ExplorerApp) -> CommandList:
    return app.screen.query_one(CommandList)


async def test_paging_a_palette_with_no_room_for_its_list_does_nothing():
    """Four rows leave the list no height: Textual 8.2.8 raises KeyError in _move_page."""
    app = ExplorerApp(language="en")
    async with app.run_test(size=(40, 4)) as pilot:
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: CommandPalette.is_open(app), what="the palette")
        await pilot.press("down")
        await wait_until(pilot, lambda: _command_list(app).highlighted is not None)
        assert not _command_list(app).scrollable_content_region  # the case that crashed
        highlighted = _command_list(app).highlighted
        await pilot.press("pagedown", "pageup", "pagedown")
        assert isinstance(app.screen, SafeCommandPalette)
        assert _command_list(app).highlighted == highlighted
        await pilot.press("escape")
        assert len(app.screen_stack) == 1
    assert app._exception is None
    assert app.return_code is None


async def test_paging_works_where_the_list_has_room():
    """The guard only stops paging that cannot happen: with room, pagedown moves."""
    app = ExplorerApp(language="en")
    async with app.run_test(size=(100, 16)) as pilot:
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: CommandPalette.is_open(app), what="the palette")
        await pilot.press("down")
        await wait_until(pilot, lambda: _command_list(app).highlighted is not None)
        before = _command_list(app).highlighted
        await pilot.press("pagedown")
        assert _command_list(app).highlighted > before


async def test_a_command_chosen_twice_at_once_runs_once_and_closes_the_palette_once():
    """Two enters before the palette is gone: Textual 8.2.8 dismisses it twice and raises
    ScreenStackError (and would toggle demo mode twice, back off)."""
    app = ExplorerApp(language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: CommandPalette.is_open(app), what="the palette")
        await pilot.press(*"Demo mode")
        await wait_until(pilot, lambda: _command_list(app).option_count >= 1, what="matches")
        await pilot.press("down")
        await wait_until(pilot, lambda: _command_list(app).highlighted is not None)
        # Both keys are queued before either is handled, as from a fast typist or a paste.
        app.post_message(events.Key("enter", "\r"))
        app.post_message(events.Key("enter", "\r"))
        await wait_until(pilot, lambda: len(app.screen_stack) == 1, what="the palette to close")
        await pilot.pause()
        assert app.explorer_screen.has_class("-demo")  # toggled once, not on and back off
        assert len(app.screen_stack) == 1
    assert app._exception is None
    assert app.return_code is None


async def test_search_results_that_arrive_once_the_list_is_gone_are_dropped():
    """A search still under way when the palette closes (seen in bench_random_keys: a letter,
    then escape) sets _list_visible once the list is removed; Textual 8.2.8's watcher then
    raised NoMatches in the search's worker. Here the list is removed first, as closing does."""
    app = ExplorerApp(language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: CommandPalette.is_open(app), what="the palette")
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        await palette.query_one(CommandList).remove()
        palette._list_visible = not palette._list_visible  # what the search's results do
        await pilot.pause()
        assert app.is_running
    assert app._exception is None
