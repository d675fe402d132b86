"""Where the focus is: the explorer opens with its keys working (issue 13 item 1).

The README's classroom promise is "1, 2 and 3 load its three experiments": with the cursor
in the lr field they typed into it instead. A preset or a session leaves the cursor at the end
of the field, and a session saved in demo mode (whose fields are hidden) reopens with the
demo's keys working and its step shown as a step of the run.
"""

from __future__ import annotations

from app_helpers import wait_for_run, wait_until
from textual.app import App, ComposeResult
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from tui.app import ExplorerApp
from tui.app.widgets.chart import DescentChart
from tui.app.widgets.playback import PlaybackBar
from tui.model.params import PRESETS
from tui.model.session import Session


async def test_the_explorer_opens_on_the_chart_and_2_loads_the_second_experiment() -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert isinstance(app.focused, DescentChart)
        await wait_for_run(pilot)
        await pilot.press("2")
        await wait_until(pilot, lambda: app.params is not None and app.params.spec.lr == 0.99)
        assert app.query_one("#lr", Input).value == "0.99"
        await pilot.press("f")  # one key to the fields
        assert app.focused is app.query_one("#lr", Input)


async def test_after_a_preset_the_cursor_is_at_the_end_of_the_field() -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 36)) as pilot:
        field = app.query_one("#lr", Input)
        field.focus()
        await pilot.press("home")
        assert field.cursor_position == 0
        app.explorer.action_preset(3)  # as the palette runs it: the key types in a field
        await pilot.pause()
        assert field.value == "0.2"
        assert field.cursor_position == len("0.2")
        await pilot.press("5")
        assert field.value == "0.25"


async def test_a_demo_session_reopens_with_the_demo_keys_working() -> None:
    session = Session(PRESETS[1], demo=True, step=5)
    app = ExplorerApp(session=session, show_timings=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for_run(pilot)
        assert app.explorer.has_class("-demo")
        assert not isinstance(app.focused, Input)
        state = app.query_one("#playback-state", Label)
        assert "step 5 of 20" in str(state.content)
        await pilot.press("full_stop")  # one step on: the demo's keys work
        assert app.query_one(PlaybackBar).shown == 6
        assert "step 6 of 20" in str(state.content)


async def test_a_demo_session_opened_from_a_dialog_leaves_no_focus_in_a_hidden_field() -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 36)) as pilot:
        app.query_one("#lr", Input).focus()
        await pilot.pause()
        await app.push_screen(ModalScreen[None]())  # as the session dialog opens over it
        app.explorer.apply_session(Session(PRESETS[2], demo=True))  # its callback, on close
        app.pop_screen()
        await pilot.pause()
        assert app.screen is app.explorer
        assert not isinstance(app.focused, Input)


async def test_the_fields_key_in_demo_mode_brings_the_fields_back() -> None:
    app = ExplorerApp(session=Session(PRESETS[1], demo=True), show_timings=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("f")
        assert app.focused is app.query_one("#lr", Input)
        assert not app.explorer.has_class("-demo")
        assert app.query_one("#params").display  # the field that takes the keys is seen


class OneBar(App[None]):
    """A playback bar alone, no run yet."""

    def compose(self) -> ComposeResult:
        yield PlaybackBar(id="playback")


async def test_a_step_before_its_run_arrives_is_not_a_step_of_0() -> None:
    app = OneBar()
    async with app.run_test() as pilot:
        app.query_one(PlaybackBar).shown = 5
        await pilot.pause()
        text = str(app.query_one("#playback-state", Label).content)
        assert "step 5" in text
        assert "of 0" not in text
