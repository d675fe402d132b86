"""A choice made in the app is kept in settings.json, but never over a file that could not be
read: replacing it would lose what the user wrote there."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui import settings
from tui.app import ExplorerApp

#: A hand-edited settings file with one mistake (a key bound to a number, not a key name).
BROKEN = '{\n  "theme": "nord",\n  "keys": {"play": 1, "pin": "k"}\n}\n'


def test_a_choice_updates_a_readable_file(own_config_dir: Path) -> None:
    """The other kept settings stay; the one changed is replaced."""
    settings.save(settings.Settings(theme="nord", keys={"play": "k"}))
    settings.update(language="zh")
    assert settings.load() == (settings.Settings("nord", "zh", {"play": "k"}), None)


def test_a_choice_never_replaces_an_unreadable_file(own_config_dir: Path) -> None:
    path = own_config_dir / settings.FILE_NAME
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(settings.NotKept, match="settings.json"):
        settings.update(language="zh")
    assert path.read_text(encoding="utf-8") == BROKEN


async def test_the_app_keeps_an_unreadable_file_and_says_so(own_config_dir: Path) -> None:
    """Choosing a theme or a language with a broken settings file: a message, the file as the
    user wrote it (it used to be overwritten with the defaults and the new choice)."""
    path = own_config_dir / settings.FILE_NAME
    path.write_text(BROKEN, encoding="utf-8")
    app = ExplorerApp(show_timings=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.theme = "gruvbox"
        await pilot.press("ctrl+l")
        await pilot.pause()
        notes = [str(n.message) for n in app._notifications]
        assert sum("settings.json" in note for note in notes) >= 3  # ignored, theme, language
    assert path.read_text(encoding="utf-8") == BROKEN
