"""A field the run does not use is made only once it shows (issue 14, goal 2: the first frame
makes, styles and lays out only what it shows), and until then what it holds is read, set and
kept as a made field's is."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Checkbox, Input, Select

from tui.app.widgets.params import LAYOUT, Fields, ParamsForm, params_values
from tui.engine.losses import SEED_LOSS
from tui.engine.spec import KERAS_SCHEDULES, RunSpec
from tui.model.parameters import OPTIONAL_FIELDS, PARAMETERS
from tui.model.params import PRESETS, Params

SIZE = (60, 90)


class FormApp(App[None]):
    """The form alone, recording the parameters it reports."""

    def __init__(self, params: Params) -> None:
        super().__init__()
        self.params = params
        self.changes: list[Params] = []
        self.invalid: list[str] = []

    def compose(self) -> ComposeResult:
        yield ParamsForm(self.params, id="params")

    def on_params_form_changed(self, event: ParamsForm.Changed) -> None:
        self.changes.append(event.params)

    def on_params_form_invalid(self, event: ParamsForm.Invalid) -> None:
        self.invalid.append(event.field)


def made(form: ParamsForm) -> list[str]:
    """The ids of the form's fields and drop-downs, in the form's order (the focus's order)."""
    return [w.id for w in form.query("Input, Select, Checkbox") if w.id and w.parent is not None]


def layout_order() -> list[str]:
    """Every parameter's id in the order the layout places it."""
    return [name for row in LAYOUT for name in row if name not in ("formula", "lr-preview")]


async def test_a_field_is_made_in_its_place_in_the_layout_as_it_first_shows() -> None:
    app = FormApp(PRESETS[1])  # the lesson's: a constant rate, plain descent, a loss of w
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(ParamsForm)
        await pilot.pause()
        unused = {*OPTIONAL_FIELDS, "w2"}
        assert not unused & set(made(form))
        assert set(made(form)) == {p.name for p in PARAMETERS} - unused
        order = layout_order()
        choices = [("schedule", kind) for kind in ("exponential", "piecewise", *KERAS_SCHEDULES)]
        choices += [("optimizer", name) for name in ("momentum", "adam")]
        for select, value in choices:
            form.query_one(f"#{select}", Select).value = value
            await pilot.pause()
            ids = made(form)
            assert ids == [name for name in order if name in ids], (select, value)
            kind = str(form.query_one("#schedule", Select).value)
            optimizer = str(form.query_one("#optimizer", Select).value)
            for record in PARAMETERS:
                if record.optional and record.used(kind, optimizer):
                    widget = form.query_one(f"#{record.name}")
                    assert widget.display and not widget.disabled, record.name
                elif record.optional and record.name in ids:
                    widget = form.query_one(f"#{record.name}")
                    assert not widget.display and widget.disabled, record.name
        form.query_one("#loss", Input).value = "w1**2 + w2**2"
        await pilot.pause()
        ids = made(form)
        assert "w2" in ids and ids == [name for name in order if name in ids]
        assert form.query_one("#w2", Input).border_title == "w2"
        # Made once, a field stays: hidden and disabled when the run no longer uses it.
        form.query_one("#schedule", Select).value = "constant"
        await pilot.pause()
        decay = form.query_one("#decay", Input)
        assert not decay.display and decay.disabled


async def test_a_field_not_made_is_saved_and_read_as_it_would_show() -> None:
    params = Params(RunSpec(lr=0.2, epochs=20), SEED_LOSS)
    app = FormApp(params)
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(ParamsForm)
        await pilot.pause()
        assert not form.query("#decay")
        fields = form.fields()
        # Every field is in what is saved, made or not, with the text it would show.
        assert fields.texts == params_values(params)
        assert fields.boxes == {"staircase": False, "cycle": False}
        # Set while not made (a preset picked): made with the preset's text, and read so.
        preset = PRESETS[3]  # 0.2 * 0.99^(step/1)
        form.set_params(preset)
        await pilot.pause()
        assert form.query_one("#decay", Input).value == "0.99"
        assert form.parse() == preset
        assert app.changes[-1] == preset


async def test_a_text_kept_for_a_field_not_made_shows_as_typed_and_blocks_the_run() -> None:
    app = FormApp(PRESETS[1])
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(ParamsForm)
        await pilot.pause()
        fields = form.fields()
        kept = Fields({**fields.texts, "decay": "0.9x"}, fields.choices, {**fields.boxes})
        kept.boxes["staircase"] = True
        form.restore(kept)  # (a new language's form gets the old one's texts, as typed)
        await pilot.pause()
        assert form.fields() == kept and not form.query("#decay")
        before = len(app.changes)
        form.query_one("#schedule", Select).value = "exponential"
        await pilot.pause()
        decay = form.query_one("#decay", Input)
        assert decay.value == "0.9x" and decay.has_class("-invalid")
        assert form.query_one("#staircase", Checkbox).value is True
        assert "decay" in app.invalid and len(app.changes) == before  # nothing runs
        decay.value = "0.5"
        await pilot.pause()
        spec = app.changes[-1].spec
        assert (spec.schedule_kind, spec.decay, spec.staircase) == ("exponential", 0.5, True)
