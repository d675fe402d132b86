"""A burst of two closing keys closes a screen once (found by the random keys in a real
terminal): Textual 8.2.8's ``Screen.dismiss`` pops whichever screen is on top, and a screen still
handles what was queued for it after it left the stack, so a second enter in the session line
popped the explorer and the app crashed (``ScreenStackError``). The other screens' closing keys
did not crash; they are held to the same, with every closing screen a ``DismissedOnce``."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from app_helpers import wait_for_run
from textual import events
from textual.screen import ModalScreen, Screen

import tui.app
from tui.app import ExplorerApp
from tui.app.screens.dismissal import DismissedOnce
from tui.app.screens.explorer import ExplorerScreen
from tui.app.screens.sweep import SweepScreen
from tui.model.params import PRESETS


@pytest.mark.parametrize(
    ("opener", "closing", "opened"),
    [
        ("ctrl+s", "enter", "SessionScreen"),  # applies the line on screen, then once more
        ("ctrl+s", "escape", "SessionScreen"),
        ("question_mark", "escape", "HelpScreen"),
        ("e", "escape", "ExportScreen"),
        ("s", "escape", "SweepScreen"),
        ("s", "enter", "SweepScreen"),  # applies the rate under the cursor, then once more
        ("ctrl+p", "escape", "SafeCommandPalette"),
        ("ctrl+p", "enter", "SafeCommandPalette"),  # runs the first command, then once more
    ],
)
async def test_two_closing_keys_in_one_burst_close_the_screen_once(
    opener: str, closing: str, opened: str
) -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_run(pilot)
        await pilot.press(opener)
        for _ in range(200):  # the range test's own run comes back before enter applies it
            await pilot.pause(0.02)
            screen = app.screen
            if type(screen).__name__ == opened and (
                not isinstance(screen, SweepScreen) or screen.sweep is not None
            ):
                break
        assert type(app.screen).__name__ == opened
        for _ in range(2):  # both queued before the first is handled
            app.post_message(events.Key(closing, "\r" if closing == "enter" else None))
        for _ in range(5):
            await pilot.pause(0.02)
        assert app._exception is None, app._exception
        assert isinstance(app.screen, ExplorerScreen) and len(app.screen_stack) == 1


def test_every_screen_of_ours_that_closes_dismisses_once() -> None:
    """Each screen that dismisses itself (the dialogs, the range test; a new one too) is a
    ``DismissedOnce``, its styles still its own Textual base's."""
    found = []
    for info in pkgutil.walk_packages(tui.app.__path__, "tui.app."):
        module = importlib.import_module(info.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not issubclass(cls, Screen):
                continue
            if issubclass(cls, ModalScreen) or "dismiss(" in inspect.getsource(cls):
                found.append(cls)
    names = {cls.__name__ for cls in found}
    assert {"SessionScreen", "HelpScreen", "ExportScreen", "SweepScreen"} <= names
    for cls in found:
        assert issubclass(cls, DismissedOnce), cls
        textual_base = next(b for b in cls.__mro__ if b.__module__.startswith("textual."))
        assert textual_base in cls._css_bases(cls), cls
