"""The parameter pane as a widget: what it keeps across a language switch, and what it says."""

from __future__ import annotations

from app_helpers import type_into
from textual import on
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import Checkbox, Input, Select

from tui.app.app import ExplorerApp
from tui.app.pilot_helpers import wait_for_run
from tui.app.widgets.chart import DescentChart
from tui.app.widgets.params import ParamsForm
from tui.model.params import PRESETS

SIZE = (120, 40)


async def test_switching_language_keeps_the_choices_and_boxes_of_an_unfinished_edit() -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_run(pilot)
        app.query_one("#lr", Input).value = "0.5x"  # invalid: the parameters stay as they were
        await pilot.pause()
        app.query_one("#schedule", Select).value = "exponential"
        await pilot.pause()
        app.query_one("#staircase", Checkbox).value = True
        await pilot.pause()
        assert app.params is not None and app.params.spec.schedule_kind == "constant"
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert app.query_one("#lr", Input).value == "0.5x"
        assert app.query_one("#schedule", Select).value == "exponential"
        assert app.query_one("#staircase", Checkbox).value is True
        assert app.query_one("#decay", Input).display  # the fields of the schedule chosen


class FormOnly(App[None]):
    """The form alone, recording what it asks of whoever holds it."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[Message] = []

    def compose(self) -> ComposeResult:
        yield ParamsForm(PRESETS[1], id="params")

    @on(ParamsForm.LeaveFields)
    def _left(self, event: ParamsForm.LeaveFields) -> None:
        self.asked.append(event)


async def test_escape_in_a_field_asks_to_leave_the_fields_by_a_message() -> None:
    app = FormOnly()
    async with app.run_test(size=SIZE) as pilot:
        field = app.query_one("#lr", Input)
        field.focus()
        await pilot.press("escape")
        assert [type(m) for m in app.asked] == [ParamsForm.LeaveFields]
        assert app.focused is field  # where the focus goes is the screen's to say


async def test_escape_in_a_field_focuses_the_chart() -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_run(pilot)
        await type_into(pilot, "w0", "4")
        await pilot.press("escape")
        assert isinstance(app.focused, DescentChart)
