"""Keys that arrive together act in the order typed (Textual 8.2.8, Textualize/textual#6605).

Textual types a printable key into an ``Input`` at once but sends a bound key (ctrl+a, ctrl+k,
backspace, home...) up to the app first, so keys posted in one burst used to apply the
printable ones first: ``ctrl+a ctrl+k 0.02`` left the lr field empty. Each test posts its keys
to the app without waiting between them, as a loaded server or SSH delivers them.
"""

from __future__ import annotations

from app_helpers import wait_for_run, wait_until
from textual import events
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Input

from tui.app import ExplorerApp
from tui.app.screens.sweep import SweepScreen
from tui.app.widgets.ordered_input import OrderedInput
from tui.model.params import PRESETS

#: ctrl+a (select all), ctrl+k (delete to the end), then a rate.
EMPTY_THEN = [("ctrl+a", None), ("ctrl+k", None)]


def burst(app: App[object], keys: list[tuple[str, str | None]]) -> None:
    """Post ``keys`` to ``app`` one after another, with no pause between them."""
    for name, character in keys:
        app.post_message(events.Key(name, character))


def typed(text: str) -> list[tuple[str, str | None]]:
    """The key events that type ``text``."""
    names = {".": "full_stop", "-": "minus"}
    return [(names.get(c, c), c) for c in text]


class OneField(App[None]):
    """A bare app with one ordered field."""

    def compose(self) -> ComposeResult:
        yield OrderedInput("0.01", id="field")


async def settled(pilot: Pilot[object]) -> None:
    """Let every posted key reach the field and every action run."""
    for _ in range(10):
        await pilot.pause()


async def test_bound_and_printable_keys_in_one_burst_act_in_order() -> None:
    app = OneField()
    async with app.run_test() as pilot:
        field = app.query_one(OrderedInput)
        field.focus()
        await pilot.pause()
        burst(app, [*EMPTY_THEN, *typed("0.02")])
        await settled(pilot)
        assert field.value == "0.02"
        # backspace between printable keys, and home before one
        burst(app, [*typed("5"), ("backspace", None), *typed("7"), ("home", None), *typed("1")])
        await settled(pilot)
        assert field.value == "10.027"


async def test_a_rebound_field_key_acts_in_order_too() -> None:
    """A field's binding the user's keymap moved to another key acts in order on that key."""
    from textual.binding import Binding

    class Cleared(OrderedInput):
        BINDINGS = [Binding("ctrl+u", "clear_all", id="clear-all")]

        def action_clear_all(self) -> None:
            self.value = ""

    class App2(App[None]):
        def compose(self) -> ComposeResult:
            yield Cleared("0.01")

    app = App2()
    async with app.run_test() as pilot:
        app.set_keymap({"clear-all": "ctrl+t"})
        field = app.query_one(Cleared)
        field.focus()
        await pilot.pause()
        burst(app, [("ctrl+t", None), *typed("0.5")])
        await settled(pilot)
        assert field.value == "0.5"


async def test_the_lr_field_takes_a_burst_and_the_run_uses_it() -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for_run(pilot)
        field = app.query_one("#lr", Input)
        field.focus()
        await pilot.pause()
        burst(app, [*EMPTY_THEN, *typed("0.02")])
        await wait_until(pilot, lambda: app.params is not None and app.params.spec.lr == 0.02)
        await wait_for_run(pilot)
        assert field.value == "0.02"
        assert app.explorer.current is not None
        assert app.explorer.current.spec.lr == 0.02

        # The range test's fields are ordered fields too.
        await pilot.press("escape", "s")
        await wait_until(pilot, lambda: isinstance(app.screen, SweepScreen))
        low = app.screen.query_one("#sweep-low", Input)
        low.focus()
        await pilot.pause()
        burst(app, [*EMPTY_THEN, *typed("0.001")])
        await settled(pilot)
        assert low.value == "0.001"


async def test_the_dialogs_fields_take_a_burst_in_order() -> None:
    """The export dialog's name and the session dialog's file name are ordered fields too."""
    app = ExplorerApp(PRESETS[1])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        for opener, field_id in (("e", "#export-name"), ("ctrl+s", "#session-path")):
            await pilot.press(opener)
            await wait_until(pilot, lambda field_id=field_id: bool(app.screen.query(field_id)))
            field = app.screen.query_one(field_id, Input)
            field.focus()
            await pilot.pause()
            burst(app, [*EMPTY_THEN, *typed("lesson")])
            await settled(pilot)
            assert field.value == "lesson", field_id
            await pilot.press("escape")
            await pilot.pause()
