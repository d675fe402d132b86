"""The parameter pane: what it keeps across a language switch, how it asks to be left, and what
its rate preview says."""

from __future__ import annotations

from app_helpers import table_lines, type_into
from textual import events, on
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import Checkbox, Input, Select, Sparkline, Static

from tui.app.app import ExplorerApp
from tui.app.pilot_helpers import wait_for_run
from tui.app.widgets.chart import DescentChart
from tui.app.widgets.params import ParamsForm
from tui.i18n import t
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
    """The form alone, recording what it asks of whoever holds it and the parameters it
    reports."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[Message] = []
        self.changes: list[ParamsForm.Changed] = []

    def compose(self) -> ComposeResult:
        yield ParamsForm(PRESETS[1], id="params")

    @on(ParamsForm.LeaveFields)
    def _left(self, event: ParamsForm.LeaveFields) -> None:
        self.asked.append(event)

    @on(ParamsForm.Changed)
    def _changed(self, event: ParamsForm.Changed) -> None:
        self.changes.append(event)


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


def preview_shown(app: ExplorerApp) -> tuple[bool, bool, str]:
    """Whether the rate's bars and their range are on screen, and the range's text."""
    bars, scale = app.query_one("#lr-preview", Sparkline), app.query_one("#lr-range", Static)
    return bars.display, scale.display, str(scale.render())


def log_rates(app: ExplorerApp) -> list[str]:
    """The lr column of the log, as printed."""
    return [line.split()[-1] for line in table_lines(app)]


async def test_the_rate_preview_says_the_range_its_bars_span_in_the_logs_digits() -> None:
    app = ExplorerApp(PRESETS[3], show_timings=False)  # 0.2 * 0.99^s: 0.2 down to 0.165
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_run(pilot)
        printed = log_rates(app)
        low, high = min(printed, key=float), max(printed, key=float)
        assert (low, high) == ("0.165234", "0.200000")  # the seed's first and last rates
        bars, scale, text = preview_shown(app)
        assert bars and scale
        assert text == t("field.preview.range", low=low, high=high)
        # A warm-up from 0 is a ramp from zero, and says so.
        await type_into(pilot, "warmup", "5")
        await wait_for_run(pilot)
        assert preview_shown(app)[2] == t("field.preview.range", low="0.000000", high="0.200000")


async def test_a_rate_the_log_prints_the_same_at_every_step_is_not_drawn_as_a_ramp() -> None:
    app = ExplorerApp(PRESETS[3], show_timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_run(pilot)
        # 0.2 down to 0.19999962: float32 rates that differ, all printed 0.200000.
        await type_into(pilot, "decay", "0.9999999")
        await wait_for_run(pilot)
        rates = app._current.lr
        assert rates.min() != rates.max() and set(log_rates(app)) == {"0.200000"}
        assert preview_shown(app) == (False, False, "")
        # A constant rate: nothing to preview either.
        app.query_one("#schedule", Select).value = "constant"
        await wait_for_run(pilot)
        assert preview_shown(app) == (False, False, "")


def _shown(field: Input) -> str:
    """The text the field shows on its line (its scrolled window of the value)."""
    return field.render_line(0).text


async def test_a_long_text_in_a_field_scrolls_with_the_cursor() -> None:
    """The field sets its scrolling range without a layout (``ParamInput._watch_value``): a
    pasted 200-character text still scrolls to keep the cursor in view, home and end scroll it
    back and forth, and a short text after it shows from its start."""
    app = FormOnly()
    async with app.run_test(size=SIZE) as pilot:
        field = app.query_one("#lr", Input)
        field.focus()
        await pilot.pause()
        field.value = ""
        text = "".join(str(i % 10) for i in range(199)) + "x"
        app.post_message(events.Paste(text))
        await pilot.pause()
        assert field.value == text
        window = field.scrollable_content_region.width
        assert field.virtual_size.width == len(text) + 1 > window
        assert field.scroll_x == field.max_scroll_x > 0
        assert _shown(field).rstrip().endswith(text[-4:])
        await pilot.press("home")
        await pilot.pause()
        assert field.scroll_x == 0 and _shown(field).startswith("0123456789")
        await pilot.press("end", "backspace", "backspace")
        await pilot.pause()
        assert field.scroll_x == field.max_scroll_x > 0
        assert field.virtual_size.width == len(text) - 1
        assert _shown(field).rstrip().endswith(text[-6:-2])
        # The form sets a nudged value as text: shorter, with the cursor where it was, it is
        # scrolled back so as to fill the field, as a layout did.
        field.cursor_position = 150
        await pilot.pause()
        field.value = text[:160]
        await pilot.pause()
        assert field.scroll_x == field.max_scroll_x == 161 - window
        assert _shown(field).rstrip().endswith(text[156:160])
        await pilot.press("end", "ctrl+u", "0", ".", "5")  # ctrl+u: delete to the start
        await pilot.pause()
        assert field.value == "0.5" and field.virtual_size.width == 4
        assert field.scroll_x == 0 and _shown(field).startswith("0.5")


async def test_a_nudge_reports_its_parameters_at_once_and_once() -> None:
    """A nudge is one whole edit: the form reports the new rate as it sets it, before any
    message (the field's Changed among them) comes round, so that the run is asked for before
    the field's echo is drawn; and the field's Changed that follows is not reported again."""
    app = FormOnly()
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(ParamsForm)
        await pilot.pause()
        app.changes.clear()
        posted: list[Message] = []
        post = form.post_message

        def recording(message: Message) -> bool:
            posted.append(message)
            return post(message)

        form.post_message = recording  # type: ignore[method-assign]
        before = app.query_one("#lr", Input).value
        form.nudge("lr", 1)
        reported = [m for m in posted if isinstance(m, ParamsForm.Changed)]
        assert len(reported) == 1  # before any await: no message was handled yet
        nudged = app.query_one("#lr", Input).value
        assert nudged != before
        assert reported[0].params.spec.lr == float(nudged)
        await pilot.pause()
        await pilot.pause()
        assert [change.params.spec.lr for change in app.changes] == [float(nudged)]
        app.query_one("#lr", Input).value = "0.25"  # a typed edit is still read once its
        await pilot.pause()  # Changed message comes round
        await pilot.pause()
        assert [change.params.spec.lr for change in app.changes] == [float(nudged), 0.25]
