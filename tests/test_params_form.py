"""The parameter pane as a widget: what it keeps across a language switch, and what it says."""

from __future__ import annotations

from textual.widgets import Checkbox, Input, Select

from tui.app.app import ExplorerApp
from tui.app.pilot_helpers import wait_for_run
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
