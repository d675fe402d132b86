"""The explorer as a Screen: keys derived from its bindings, the dialogs' keys rebindable,
the pins table's messages, and engine replies handed to whoever asked."""

from __future__ import annotations

import json

from app_helpers import wait_for_run, wait_until

from tui import settings
from tui.app import ExplorerApp
from tui.app.app import TYPING_KEY_ACTIONS, binding_ids
from tui.app.messages import Replied
from tui.app.screens.explorer import ExplorerScreen
from tui.app.screens.sweep import SweepScreen
from tui.app.widgets.pins_table import PinsTable
from tui.engine.protocol import RunDone
from tui.model.params import PRESETS


def test_typing_key_actions_are_those_bound_to_printable_keys_only() -> None:
    """Derived from the bindings: every action whose keys all type a character (plus and
    minus among them, which Textual's key_to_character does not know), and none with a key
    that types nothing (help has f1, session ctrl+s)."""
    by_action = {b.action.split("(")[0]: b.key for b in ExplorerScreen.BINDINGS}
    assert {
        "nudge_lr",
        "preset",
        "race",
        "play",
        "step",
        "speed",
        "clear_pins",
    } <= TYPING_KEY_ACTIONS
    assert not {"help", "app.help", "app.session", "language", "app.restart_engine"} & set(
        TYPING_KEY_ACTIONS
    )
    assert set(by_action) >= TYPING_KEY_ACTIONS
    assert len(TYPING_KEY_ACTIONS) == 20


def test_the_dialogs_close_keys_are_binding_ids() -> None:
    assert {"close-help", "close-export", "close-session"} <= binding_ids()


async def test_the_help_close_key_can_be_rebound(own_config_dir) -> None:
    """A keymap {"close-help": "k"} is accepted (no "unknown" warning, while an id of no
    binding is named) and k closes help."""
    keymap = {"close-help": "k", "nothing-at-all": "x"}
    (own_config_dir / settings.FILE_NAME).write_text(json.dumps({"keys": keymap}))
    app = ExplorerApp(PRESETS[1])
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_run(pilot)
        messages = [n.message for n in app._notifications]  # said at start, before it expires
        await pilot.press("f1")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "HelpScreen", 10, "help")
        await pilot.press("k")
        await wait_until(pilot, lambda: app.screen is app.explorer, 10, "help to close")
    assert not any("close-help" in m for m in messages), messages
    assert any("nothing-at-all" in m for m in messages), messages


async def test_the_pins_table_speaks_in_messages_with_its_control() -> None:
    """b, enter and x on a pin's row post Baseline, Use and Remove, each naming the table
    (control) and the pin; the explorer acts on them."""
    seen: list[PinsTable.PinChosen] = []

    def hook(message) -> None:
        # (the hook sees a message again at each node it bubbles to)
        if isinstance(message, PinsTable.PinChosen) and all(m is not message for m in seen):
            seen.append(message)

    app = ExplorerApp(PRESETS[1])
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "p", "2")
        await wait_for_run(pilot)
        await pilot.press("p")
        table = app.query_one(PinsTable)
        table.focus()
        table.move_cursor(row=1)
        await pilot.press("b")
        assert app.baseline == 2
        await pilot.press("enter")
        await wait_for_run(pilot)
        await pilot.press("x")
        await pilot.pause()
        assert [pin.number for pin in app.pins] == [1]
    assert [(type(m), m.number) for m in seen] == [
        (PinsTable.Baseline, 2),
        (PinsTable.Use, 2),
        (PinsTable.Remove, 2),
    ]
    assert all(m.control is table for m in seen)


async def test_the_range_test_gets_its_own_replies(monkeypatch) -> None:
    """The sweep's results are handed to the range test that asked for them, and never to
    the explorer."""
    to_explorer: list[int] = []
    shown: list[int] = []
    app = ExplorerApp(PRESETS[1])
    original_show = SweepScreen.show

    def show(screen: SweepScreen, sweep) -> None:
        shown.append(screen._request)
        original_show(screen, sweep)

    monkeypatch.setattr(SweepScreen, "show", show)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        explorer = app.explorer
        post = explorer.post_message

        def spy(message) -> bool:
            if isinstance(message, Replied) and isinstance(message.reply, RunDone):
                to_explorer.append(message.reply.request_id)
            return post(message)

        explorer.post_message = spy  # type: ignore[method-assign]
        await pilot.press("escape", "s")
        await wait_until(pilot, lambda: getattr(app.screen, "sweep", None) is not None)
        screen = app.screen
        assert isinstance(screen, SweepScreen)
        assert shown == [screen._request] and screen._request > 0
        assert screen._request not in to_explorer
