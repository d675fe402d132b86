"""Terminals: NO_COLOR, the high-contrast theme, settings kept in the config folder, 80x24."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from app_helpers import wait_for_run

from tui import settings
from tui.app import ExplorerApp
from tui.model.params import PRESETS

#: The window frame Textual draws around every SVG screenshot (title, three buttons).
FRAME = {"#c5c8c6", "#ff5f57", "#febc2e", "#28c840"}


def colours(svg: str) -> set[str]:
    """The fill colours of the app in an SVG screenshot (the frame around it left out)."""
    return set(re.findall(r'fill="(#[0-9a-fA-F]{6})"', svg)) - FRAME


async def test_no_color_renders_in_greys_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = ExplorerApp(PRESETS[2])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "p", "1")
        await wait_for_run(pilot)
        used = colours(app.export_screenshot())
    assert app.no_color
    assert used, "the screenshot has colours to check"
    greys = {c for c in used if c[1:3].lower() == c[3:5].lower() == c[5:7].lower()}
    assert greys == used, sorted(used - greys)


async def test_with_colour_the_screen_has_colours() -> None:
    """The NO_COLOR test's contrast: without it, the same screen has colours."""
    app = ExplorerApp(PRESETS[2])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_run(pilot)
        used = colours(app.export_screenshot())
    assert any(not (c[1:3] == c[3:5] == c[5:7]) for c in used)


async def test_the_theme_is_kept_in_the_config_folder_and_restored(own_config_dir) -> None:
    app = ExplorerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        assert "lr-high-contrast" in app.available_themes
        app.theme = "lr-high-contrast"
        await pilot.pause()
    kept = json.loads((own_config_dir / settings.FILE_NAME).read_text())
    assert kept == {"theme": "lr-high-contrast", "language": None, "keys": None}
    again = ExplorerApp()
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert again.theme == "lr-high-contrast"


async def test_corrupt_settings_are_ignored_with_a_message(own_config_dir) -> None:
    (own_config_dir / settings.FILE_NAME).write_text("{ not json")
    app = ExplorerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert app.theme == "textual-dark"
    assert any("settings ignored" in m for m in messages)
    assert (own_config_dir / settings.FILE_NAME).read_text() == "{ not json", "left alone"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"theme": 3}, "theme must be a name"),
        ({"keys": ["play", "k"]}, "keys must map binding ids to keys"),
        ({"keys": {"play": 1}}, "keys must map binding ids to keys"),
        ({"colour": "red"}, "not lr-explorer's settings"),
        ([1, 2], "not lr-explorer's settings"),
    ],
)
def test_settings_of_the_wrong_shape_are_refused(own_config_dir, data, words: str) -> None:
    (own_config_dir / settings.FILE_NAME).write_text(json.dumps(data))
    kept, problem = settings.load()
    assert kept == settings.Settings() and words in problem


async def test_keys_can_be_rebound_in_the_settings(own_config_dir) -> None:
    (own_config_dir / settings.FILE_NAME).write_text(
        json.dumps({"keys": {"play": "k", "no-such-binding": "z"}})
    )
    app = ExplorerApp(PRESETS[1])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_run(pilot)
        # said once the first frame is drawn (the screens opened later are loaded to check the
        # ids), before it expires
        messages = [n.message for n in app._notifications]
        await pilot.press("escape", "space")
        bar = app.query_one("#playback")
        assert bar.shown is None, "space no longer plays"
        await pilot.press("k")
        assert bar.playing, "k plays"
    assert any("no-such-binding" in m for m in messages)


def test_every_binding_id_the_keys_setting_names_exists() -> None:
    from tui.app.app import binding_ids

    ids = binding_ids()
    assert {"play", "pin", "sweep", "export", "session", "demo", "nudge-up"} <= ids
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"`([a-z0-9-]+)`", readme.split("### Binding ids")[1].split("##")[0]))
    assert listed == ids, sorted(listed ^ ids)
