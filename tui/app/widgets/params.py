"""The parameter pane: one field per run parameter, validated as typed, posting good sets.

The fields themselves are :mod:`~tui.app.widgets.param_field`'s (text fields checked by our own
parsers, never Textual's ``type="number"``) and what they show is
:mod:`~tui.app.widgets.param_text`'s. The fields a run does not use (another schedule's,
another optimizer's, w2's start for a loss of w) are not made until they show: the first
frame makes, styles and lays out only the fields it shows (:meth:`ParamsForm._make`). What
such a field holds is kept meanwhile, is read, set and saved as a made field's is, and is the
text it shows once made.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.validation import ValidationResult
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Select, Sparkline, Static

from tui.app.markup import escape
from tui.app.widgets.param_field import (
    FIELDS,
    LeaveFields,
    ParamInput,
    ParsedBy,
    choice_widget,
    field_widget,
)
from tui.app.widgets.param_text import Fields, error_text, flags, loss_count, params_values
from tui.app.widgets.status import update_text
from tui.engine.losses import LossError, parse_loss
from tui.engine.result import RunResult
from tui.engine.schedule_formulas import formula
from tui.engine.spec import ParameterError, RunSpec, parse_number
from tui.i18n import t
from tui.model.parameters import PARAMETERS, Parameter, by_name, spec_from_values
from tui.model.params import Params
from tui.readable import readable

# Names other modules (and tests) import from here: the pane's parts, by their old home.
__all__ = [
    "FIELDS",
    "LAYOUT",
    "Fields",
    "ParamInput",
    "ParamsForm",
    "ParsedBy",
    "params_values",
]

#: The pane's layout: a row of one field, or of several side by side (the table says the rest).
#: A parameter it leaves out gets a row of its own under the others.
LAYOUT: tuple[tuple[str, ...], ...] = (
    ("lr",),
    ("w0", "w2", "epochs"),
    ("loss",),
    ("schedule",),
    ("formula",),
    ("lr-preview",),
    ("decay", "decay-steps", "steps"),
    ("rate", "power"),
    ("t-mul", "m-mul"),
    ("alpha", "warmup"),
    ("boundaries",),
    ("factors",),
    ("staircase",),
    ("cycle",),
    ("optimizer",),
    ("beta", "tol"),
)


class ParamsForm(VerticalScroll):
    """The fields; posts :class:`ParamsForm.Changed` for every valid edit, ``Invalid`` otherwise,
    and ``LeaveFields`` when the user leaves a field with escape."""

    @dataclass
    class Changed(Message):
        """All fields are valid: these are the parameters to run."""

        params: Params

    @dataclass
    class Invalid(Message):
        """A field is invalid; ``message`` says what is wrong with it."""

        field: str
        message: str

    LeaveFields = LeaveFields

    def __init__(
        self,
        params: Params,
        *,
        id: str | None = None,
        table: tuple[Parameter, ...] = PARAMETERS,
    ) -> None:
        super().__init__(id=id)
        self._initial = params
        self._table = table
        self._fields = by_name(table)
        self._count = loss_count(params.loss) or 1
        """How many parameters the last valid loss typed has: which start fields show."""
        self._report_due = False
        """Whether a read of the whole form is waiting (see :meth:`_field_changed`)."""
        self._nudged_to: tuple[str, str] | None = None
        """The field and text a nudge has just set and read (its Changed message is not read
        again)."""
        self._inputs: list[ParamInput] | None = None
        """The form's text fields, found once it is mounted (its fields are its own for its
        life: a new language composes a new form). Finding them walked the whole form at
        every nudge."""
        self._made: dict[str, Widget] = {}
        """The widgets made so far, by id: every field the run uses, the drop-downs, ..."""
        self._held: dict[str, str | bool] = {}
        """What each field not made yet holds (its text, or whether its box is ticked)."""
        self._places: dict[str, tuple[Horizontal | None, tuple[str | Widget, ...]]] = {}
        """Where each field not made yet goes: its row (None: the form) and what follows it."""

    def compose(self) -> ComposeResult:
        """The fields as :data:`LAYOUT` places them, each titled in its border; a field the run
        does not use is not made until it shows (:meth:`_make`)."""
        values = params_values(self._initial, self._table)
        spec = self._initial.spec
        staircase, cycle = flags(spec)
        chosen: dict[str, object] = {
            "schedule": spec.schedule_kind,
            "optimizer": spec.optimizer,
            "staircase": staircase,
            "cycle": cycle,
        }
        held: dict[str, str | bool] = {**values, "staircase": staircase, "cycle": cycle}
        top: list[str | Widget] = []  # the form's own children in order
        for row in LAYOUT:
            if len(row) > 1:
                top.append(self._row(row, held, chosen))
                continue
            top.append(row[0])
            if row[0] == "lr-preview":
                top.append(Static("", id="lr-range"))  # the preview's scale, under its bars
        placed = {name for row in LAYOUT for name in row}
        # A parameter the layout does not place: a row of its own.
        top += [record.name for record in self._table if record.name not in placed]
        top.append(Static("", id="field-error"))
        for index, item in enumerate(top):
            if not isinstance(item, str):
                yield item
            elif self._place(item, held, chosen, None, tuple(top[index + 1 :])):
                yield self._made[item]

    def _row(
        self, row: tuple[str, ...], held: dict[str, str | bool], chosen: dict[str, object]
    ) -> Horizontal:
        """A row of fields side by side, showing while one of them does."""
        pair = Horizontal(classes="pair")
        for index, name in enumerate(row):
            if self._place(name, held, chosen, pair, row[index + 1 :]):
                pair.compose_add_child(self._made[name])
        shown = sum(self._shown(name, chosen) for name in row)
        pair.display = shown > 0
        if shown == 3:  # (given as it is made: a class given once mounted restyles it)
            pair.add_class("-three")
        return pair

    def _place(
        self,
        name: str,
        held: dict[str, str | bool],
        chosen: dict[str, object],
        row: Horizontal | None,
        after: tuple[str | Widget, ...],
    ) -> bool:
        """Make the widget of ``name`` now (True) if it shows or is not a parameter's field;
        else keep its value and its place (``row``, None for the form itself, and what follows
        it there) for :meth:`_make`."""
        record = self._fields.get(name)
        if record is None or record.kind == "choice" or self._shown(name, chosen):
            self._made[name] = self._widget(name, held.get(name, ""), chosen)
            return True
        self._held[name] = held[name]
        self._places[name] = (row, after)
        return False

    def _make(self, name: str) -> Widget:
        """The widget of field ``name``, made and mounted in its place if it was not yet, with
        the value it holds, shown and enabled (:meth:`_sync_schedule` and :meth:`_sync_loss`
        make a field as it first shows)."""
        if name in self._made:
            return self._made[name]
        row, after = self._places.pop(name)
        record = self._fields[name]
        widget = field_widget(record, self._held.pop(name), self._count, shown=True)
        self._made[name] = widget
        made = [item if isinstance(item, Widget) else self._made.get(item) for item in after]
        before = next((item for item in made if item is not None), None)
        parent: Widget = self if row is None else row
        if before is None:
            parent.mount(widget)
        else:
            parent.mount(widget, before=before)
        if isinstance(widget, ParamInput):
            self._fit_to_loss(record, widget, self._count)
            if self._inputs is not None:
                self._inputs.append(widget)
        return widget

    def _widget(self, name: str, value: str | bool, chosen: dict[str, object]) -> Widget:
        """The widget of ``name``: a parameter's field, drop-down or box, or the formula or the
        rate's preview."""
        if name == "formula":
            return Static("", id="formula")
        if name == "lr-preview":
            preview = Sparkline([], id="lr-preview")
            preview.tooltip = t("field.preview.tip")
            return preview
        record = self._fields[name]
        if record.kind == "choice":
            return choice_widget(name, record.choices, str(chosen[name]), t(f"field.{name}.tip"))
        return field_widget(record, value, self._count, self._shown(name, chosen))

    def _shown(self, name: str, chosen: dict[str, object]) -> bool:
        """Whether field ``name`` shows with the choices in ``chosen`` and the loss's count of
        parameters (what :meth:`_sync_schedule` and :meth:`_sync_loss` show)."""
        record = self._fields.get(name)
        if record is None:
            return True  # the formula, the rate's preview
        if record.optional and not record.used(str(chosen["schedule"]), str(chosen["optimizer"])):
            return False
        text_field = record.kind not in ("flag", "choice") and record.label is None
        return not text_field or record.for_loss(self._count)

    def on_mount(self) -> None:
        """Title the drop-downs, and show only the fields the schedule and optimizer use.

        A quit that lands between compose and mount (``ctrl+q`` typed as the app starts) has
        Textual 8.2.8 remove the fields first and deliver the mount after: then there is
        nothing to set up, and nothing is done."""
        try:
            for select in self.query(Select):
                # A Select's border belongs to the SelectCurrent inside it: the title goes there.
                select.query_one("SelectCurrent").border_title = select.border_title
            self._sync_schedule()
            self._sync_loss(self._count)
            self._show_formula(self._initial.spec)
        except NoMatches:
            return
        self._inputs = list(self.query(ParamInput))

    def set_params(self, params: Params) -> None:
        """Show ``params`` in the fields (their changes then run as typed ones do)."""
        for name, value in params_values(params, self._table).items():
            self._set(name, value)
        spec = params.spec
        self.query_one("#schedule", Select).value = spec.schedule_kind
        self.query_one("#optimizer", Select).value = spec.optimizer
        staircase, cycle = flags(spec)
        self._set("staircase", staircase)
        self._set("cycle", cycle)

    def fields(self) -> Fields:
        """What every field holds now, as typed (an invalid text too)."""
        texts = {w.id: w.value for w in self.query(Input) if w.id}
        boxes = {w.id: w.value for w in self.query(Checkbox) if w.id}
        for name, value in self._held.items():
            if isinstance(value, bool):
                boxes[name] = value
            else:
                texts[name] = value
        return Fields(texts, {w.id: w.value for w in self.query(Select) if w.id}, boxes)

    def restore(self, fields: Fields) -> None:
        """Put back what :meth:`fields` gave (their changes then run as typed ones do)."""
        for name, text in fields.texts.items():
            self._set(name, text, cursor=False)
        for name, choice in fields.choices.items():
            self.query_one(f"#{name}", Select).value = choice
        for name, box in fields.boxes.items():
            self._set(name, box)

    def _set(self, name: str, value: str | bool, *, cursor: bool = True) -> None:
        """Put ``value`` in field ``name``, made or not (typing goes on after it: ``cursor``)."""
        widget = self._made.get(name)
        if isinstance(widget, Checkbox):
            widget.value = bool(value)
        elif isinstance(widget, Input):
            widget.value = str(value)
            if cursor:
                widget.cursor_position = len(widget.value)
        elif name in self._held:
            self._held[name] = value

    def _value(self, name: str) -> object:
        """What field ``name`` holds (made or not): its text, or whether its box is ticked."""
        if name in self._held:
            return self._held[name]
        widget = self._made[name]
        assert isinstance(widget, Input | Checkbox)
        return widget.value

    def show_rates(self, result: RunResult) -> None:
        """Preview ``result``'s rate against step (thinned to the pane's width), with the range
        its bars span in the log's digits.

        A sparkline draws its lowest value at the floor and its highest at the top, so without
        the range a rate from 0.2 down to 0.165 would look like a fall to zero. A rate the log
        prints the same at every step drawn (constant, or varying only past its digits) is not
        previewed: its bars would still span floor to top."""
        preview = self.query_one("#lr-preview", Sparkline)
        scale = self.query_one("#lr-range", Static)
        width = max(1, preview.size.width or 28)
        step = max(1, result.lr.size // (width * 4))
        drawn, printed = result.lr[::step], result.rates[::step]
        low = readable(float(printed.min())) if printed.size else ""
        high = readable(float(printed.max())) if printed.size else ""
        preview.display = scale.display = low != high
        preview.data = drawn.tolist()
        update_text(scale, t("field.preview.range", low=low, high=high) if low != high else "")

    def parse(self) -> Params:
        """The parameters the fields describe; raise the first field's error if any is wrong.

        Only the fields the chosen schedule and optimizer use are read: a hidden field cannot
        block a run."""
        kind = str(self.query_one("#schedule", Select).value)
        optimizer = str(self.query_one("#optimizer", Select).value)
        values: dict[str, object] = {"schedule": kind, "optimizer": optimizer}
        beside: dict[str, Any] = {}  # the loss and tolerance (what the table reads is Any)
        count = len(parse_loss(str(self._value("loss"))).params)
        for record in self._table:
            if record.kind == "choice" or not record.used(kind, optimizer):
                continue
            if not record.for_loss(count):  # w2's start, for a loss of w
                continue
            if record.kind == "flag":
                values[record.name] = bool(self._value(record.name))
                continue
            assert record.read is not None  # every text field has a reader
            value = record.read(str(self._value(record.name)))
            if record.home == "params":
                beside[record.attribute] = value
            else:
                values[record.name] = value
        spec = spec_from_values(values, self._table)
        return Params(spec, **beside)

    def nudge(self, name: str, direction: int) -> None:
        """Move field ``name`` a notch up or down, if it holds a valid number."""
        rule = self._fields[name].nudge
        field = self._made.get(name)
        if rule is None or not isinstance(field, Input):  # (a field not made cannot be nudged)
            return
        try:
            value = parse_number(name, field.value)  # finite: never nan or inf from here on
        except ParameterError:
            return
        value = rule.apply(value, direction)
        if not math.isfinite(value):
            return
        field.value = rule.text(value)  # validated as it is set (the field's class follows)
        # A nudge is one whole edit: the form is read now rather than once the field's Changed
        # message comes round, so that the run is asked for before the field's echo is drawn.
        self._report(None, None)
        self._nudged_to = (name, field.value)

    @on(Input.Changed)
    def _field_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.input.id == "loss":
            count = loss_count(event.value)
            if count is not None:
                self._sync_loss(count)
        result = event.validation_result
        if result is not None and not result.is_valid:
            self._report(event.input, result)
        elif (event.input.id, event.value) != self._nudged_to:
            self._report_soon()
        self._nudged_to = None  # the nudge's own change is read already

    def _report_soon(self) -> None:
        """Read the whole form once the messages already waiting are handled, so that a burst
        of valid edits is read once (at every start, the first values of 18 fields and two
        drop-downs each read the whole form)."""
        if not self._report_due:
            self._report_due = True
            self.call_later(self._report_waiting)

    def _report_waiting(self) -> None:
        self._report_due = False
        self._report(None, None)

    @on(Select.Changed, "#schedule")
    @on(Select.Changed, "#optimizer")
    @on(Checkbox.Changed, "#staircase")
    @on(Checkbox.Changed, "#cycle")
    def _choice_changed(self, event: Message) -> None:
        event.stop()
        self._sync_schedule()
        self._report_soon()

    @on(ParamInput.Nudged)
    def _nudged(self, event: ParamInput.Nudged) -> None:
        event.stop()
        self.nudge(event.field, event.direction)

    def _sync_schedule(self) -> None:
        """Show the fields of the chosen schedule and optimizer, hide (and disable) the rest."""
        kind = str(self.query_one("#schedule", Select).value)
        optimizer = str(self.query_one("#optimizer", Select).value)
        for record in self._table:
            if not record.optional:
                continue
            used = record.used(kind, optimizer)
            if record.name in self._made:
                widget = self._made[record.name]
                widget.display = used
                widget.disabled = not used
            elif used:
                self._make(record.name)
        self._sync_rows()

    def _sync_rows(self) -> None:
        """A row shows while one of its fields does; a row of three (the starts of w1 and w2
        beside the epochs) gives the epochs the room of its title (``-three``)."""
        for pair in self.query(".pair"):
            shown = sum(bool(child.display) for child in pair.children)
            pair.display = shown > 0
            pair.set_class(shown == 3, "-three")

    def _sync_loss(self, count: int) -> None:
        """Show the start field of each parameter of a loss of ``count`` parameters (``w0``;
        or ``w1`` and ``w2``), titled for it; the values typed stay."""
        self._count = count
        for record in self._table:
            if record.kind in ("flag", "choice"):
                continue
            widget = self._made.get(record.name)
            if widget is None:
                if record.losses is not None and not record.optional and record.for_loss(count):
                    self._make(record.name)  # (fitted to the loss as it is made)
                continue
            assert isinstance(widget, ParamInput)
            if record.losses is not None:
                widget.display = record.for_loss(count)
                widget.disabled = not widget.display
            self._fit_to_loss(record, widget, count)
        self._sync_rows()

    def _fit_to_loss(self, record: Parameter, widget: ParamInput, count: int) -> None:
        """Title field ``widget`` of ``record`` for a loss of ``count`` parameters, and have it
        read its text for one (the values typed stay)."""
        if record.labels:
            widget.border_title = t(record.label_for(count) or "")
        if record.label:
            return
        title = record.title_for(count)
        if widget.border_title != title:
            widget.border_title = title
            widget.tooltip = t("field.tip", title=title)
        for validator in widget.validators:
            if isinstance(validator, ParsedBy):
                validator.shown = title if title != record.title else None
                validator.parse = functools.partial(record.parse, count=count)

    def _show_formula(self, spec: RunSpec) -> None:
        text = f"lr(s) = {formula(spec)}"
        if not spec.plain:
            text += t("field.update", optimizer=spec.optimizer)
        update_text(self.query_one("#formula", Static), escape(text))

    def _report(self, field: Input | None, result: ValidationResult | None) -> None:
        error = self.query_one("#field-error", Static)
        if field is not None and result is not None and not result.is_valid:
            message = "; ".join(result.failure_descriptions)
            update_text(error, error_text(message))
            self.post_message(self.Invalid(field.id or "", message))
            return
        inputs = self._inputs if self._inputs is not None else self.query(ParamInput)
        invalid = [f for f in inputs if f.has_class("-invalid") and not f.disabled]
        if invalid:
            return
        try:
            params = self.parse()
        except (ParameterError, LossError) as err:
            # A rule across fields (e.g. one more factor than boundaries) names its field.
            message = str(err)
            update_text(error, error_text(message))
            self.post_message(self.Invalid(getattr(err, "name", "loss"), message))
            return
        update_text(error, "")
        self._show_formula(params.spec)
        self.post_message(self.Changed(params))
