"""The footer, the playback line and the help name the keys actually bound (issue 13 item 4).

Textual 8.2.8's footer lays out every key of the focused chain and cuts the row at the
screen's edge: the explorer's keys took 199 cells, so ``s``, ``space``, ``d``, ``e`` and ``?``
never showed, even at 120 columns. The playback line and the help said ``space`` whatever the
keymap, and a rebinding onto ``ctrl+q`` was taken silently.
"""

from __future__ import annotations

import json

import pytest
from app_helpers import wait_for_run, wait_until
from textual.content import Content
from textual.widgets import Label, Markdown
from textual.widgets._footer import FooterKey, FooterLabel, KeyGroup

from tui import i18n, settings
from tui.app import ExplorerApp
from tui.app.keys import RESERVED, bound_key, refused_keys
from tui.app.screens.help import HelpScreen
from tui.app.widgets.footer import FittedFooter
from tui.app.widgets.playback import PlaybackBar
from tui.i18n import catalogue, t
from tui.model.params import PRESETS
from tui.model.session import Session

#: The presets, one group in the footer (the lesson's 1 2 3, the losses of w1 and w2, the race).
PRESET_KEYS = [str(number) for number in range(1, 10)]

#: The keys a class needs first, as the footer shows them, in the order it shows them: at 80
#: columns the same keys as when the footer named only the presets 1, 2 and 3.
FIRST_KEYS = [*PRESET_KEYS, "space", "p", "s", "d", "?"]


def footer_keys(app: ExplorerApp) -> list[str]:
    """The keys the explorer's footer shows, in order (the palette's last)."""
    return [k.key_display for k in app.explorer.query_one(FittedFooter).shown()]


async def settled_footer(app: ExplorerApp, pilot) -> FittedFooter:
    """The footer once its keys are made and fitted to its width."""
    footer = app.explorer.query_one(FittedFooter)
    await wait_until(pilot, lambda: "1" in footer_keys(app), what="the footer's keys")
    for _ in range(5):
        await pilot.pause()
    return footer


def assert_whole(footer: FittedFooter) -> None:
    """Every key shown ends before the palette's key begins: none is cut at the edge."""
    *keys, palette = footer.shown()
    assert palette.has_class("-command-palette")
    for footer_key in keys:
        assert footer_key.region.right <= palette.region.x, footer_key.key_display


@pytest.mark.parametrize(
    ("width", "expected"),
    [
        (120, [*FIRST_KEYS, "f", "e", "^s", "^l", "^p"]),
        (80, [*FIRST_KEYS, "^p"]),
    ],
)
async def test_the_footer_shows_the_first_keys_whole(width: int, expected: list[str]) -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(width, 36)) as pilot:
        footer = await settled_footer(app, pilot)
        assert footer_keys(app) == expected
        assert_whole(footer)


async def test_the_footer_shows_more_keys_when_the_screen_widens() -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(80, 36)) as pilot:
        footer = await settled_footer(app, pilot)
        assert "e" not in footer_keys(app)
        await pilot.resize_terminal(120, 36)
        await wait_until(pilot, lambda: "e" in footer_keys(app), what="e in the footer")
        assert_whole(footer)


async def test_rebound_keys_are_named_in_the_footer_playback_line_and_help(own_config_dir) -> None:
    keys = {"play": "k", "step-back": "j", "pin": "P"}
    (own_config_dir / settings.FILE_NAME).write_text(json.dumps({"keys": keys}))
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for_run(pilot)
        await settled_footer(app, pilot)
        shown = footer_keys(app)
        assert "k" in shown and "space" not in shown
        assert "P" in shown and "p" not in shown
        state = str(app.query_one("#playback-state", Label).content)
        assert "k play/pause" in state and "space" not in state
        assert "j . step" in state
        await pilot.press("k")
        await wait_until(pilot, lambda: "playing" in str(app.query_one("#playback-state").content))
        app.action_help()
        await wait_until(
            pilot, lambda: isinstance(app.screen, HelpScreen) and bool(app.screen.query(Markdown))
        )
        source = app.screen.query_one(Markdown).source
        assert "| `k` | play the run step by step, or pause |" in source
        assert "| `j` / `.` | one step back / on (pauses) |" in source
        assert "| `P` | pin this run" in source
        assert "`space`" not in source


def test_bound_key_reads_the_keymap_and_the_defaults() -> None:
    app = ExplorerApp(PRESETS[1])
    assert bound_key(app, "play") == "space"
    assert bound_key(app, "help") == "?"
    assert bound_key(app, "session") == "^s"
    assert bound_key(app, "sweep-best") == "b"  # the range test's, as its readout says
    app.set_keymap({"play": "k", "help": "h,f2"})
    assert bound_key(app, "play") == "k"
    assert bound_key(app, "help") == "h"


@pytest.mark.parametrize("taken", sorted(RESERVED))
def test_a_reserved_key_is_refused_whatever_binding_asks(taken: str) -> None:
    assert set(refused_keys({"play": taken, "pin": "P"})) == {"play"}


def test_the_palette_may_move_off_its_key_but_nothing_may_take_it() -> None:
    assert refused_keys({"palette": "ctrl+p"}) == {}
    assert set(refused_keys({"palette": "ctrl+q"})) == {"palette"}
    assert set(refused_keys({"pin": "ctrl+p"})) == {"pin"}
    assert set(refused_keys({"pin": "P,ctrl+c"})) == {"pin"}


async def test_a_rebinding_onto_ctrl_q_is_refused_with_a_message_and_the_rest_applies(
    own_config_dir,
) -> None:
    keys = {"palette": "ctrl+q", "play": "k"}
    (own_config_dir / settings.FILE_NAME).write_text(json.dumps({"keys": keys}))
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        messages = [str(n.message) for n in app._notifications]
        assert any("palette" in m and "ctrl+q" in m and "quits" in m for m in messages), messages
        assert "palette" not in app._keymap
        assert app._keymap.get("play") == "k"
        assert app.screen.active_bindings["ctrl+q"].binding.action == "quit"
        assert app.screen.active_bindings["ctrl+p"].binding.action == "command_palette"


@pytest.mark.parametrize(("width", "with_keys"), [(80, False), (120, True)])
async def test_the_playback_line_names_its_keys_only_where_they_fit_whole(
    width: int, with_keys: bool
) -> None:
    app = ExplorerApp(session=Session(PRESETS[1], step=5), show_timings=False)
    async with app.run_test(size=(width, 30)) as pilot:
        await wait_for_run(pilot)
        await pilot.pause()
        label = app.query_one("#playback-state", Label)
        text = str(label.content)
        assert text.startswith("paused: step 5 of 20, 5 steps/s")
        assert ("space play/pause" in text) is with_keys
        assert text.endswith("< > speed") is with_keys  # whole, or not at all
        width_shown = Content.from_markup(text).cell_length
        assert width_shown <= app.query_one(PlaybackBar).content_size.width


async def test_the_presets_are_one_group_whole_or_not_at_all() -> None:
    """Keys 1 to 9 side by side, then the group's words; each key's own words are its tooltip
    (and in the help and the palette). Fitted as one: at 30 columns it does not fit whole, so
    neither its keys nor its words show, nor any key after it."""
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(80, 36)) as pilot:
        footer = await settled_footer(app, pilot)
        group = footer.query_one(KeyGroup)
        keys = list(group.query(FooterKey))
        assert [k.key_display for k in keys] == PRESET_KEYS
        assert [k.tooltip for k in keys[:3]] == [t(f"key.preset-{n}.tip") for n in (1, 2, 3)]
        assert keys[8].tooltip == t("key.race.tip")
        label = footer.query_one(FooterLabel)
        assert str(label.content) == t("key.group.presets")
        assert label.region.x >= keys[-1].region.right  # after the keys, on the same row
        assert label.region.y == keys[0].region.y
        # A space after the group's words, as after a key's: the next key does not touch them.
        space = footer.shown()[len(PRESET_KEYS)]
        assert space.key_display == "space" and space.region.x > label.region.right
        assert_whole(footer)
        await pilot.resize_terminal(30, 36)
        await wait_until(pilot, lambda: footer_keys(app) == ["^p"], what="the group hidden")
        assert not group.display and not label.display


async def test_the_groups_words_follow_the_language() -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(100, 36)) as pilot:
        footer = await settled_footer(app, pilot)
        assert str(footer.query_one(FooterLabel).content) == "presets"
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: i18n.language() == "zh", what="Chinese")
        footer = await settled_footer(app, pilot)
        assert str(footer.query_one(FooterLabel).content) == catalogue("zh")["key.group.presets"]
        assert footer_keys(app)[: len(PRESET_KEYS)] == PRESET_KEYS
