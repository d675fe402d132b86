"""The parameter pane: one field per run parameter, validated as typed, posting good sets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widgets import Checkbox, Input, Select, Static

from tui.engine.analysis import DEFAULT_TOL
from tui.engine.losses import LossError, parse_loss
from tui.engine.spec import ParameterError, RunSpec, parse_epochs, parse_number

CONSTANT, EXPONENTIAL = "constant", "exponential"

#: How the up and down keys nudge each numeric field: a factor, or a step added.
NUDGES: dict[str, tuple[str, float]] = {
    "lr": ("times", 10 ** (1 / 10)),
    "w0": ("plus", 0.5),
    "epochs": ("times", 2.0),
    "decay": ("plus", 0.005),
    "decay-steps": ("plus", 1.0),
}


class ParsedBy(Validator):
    """A validator that accepts what ``parse`` accepts and shows the rule it broke."""

    def __init__(self, parse: Callable[[str], object]) -> None:
        super().__init__()
        self.parse = parse

    def validate(self, value: str) -> ValidationResult:
        """Succeed if ``parse(value)`` does; fail with its message (never raise)."""
        try:
            self.parse(value)
        except (ParameterError, LossError) as err:
            return self.failure(str(err))
        except Exception as err:  # noqa: BLE001 - a validator that raises would crash the app
            return self.failure(f"not understood: {err}")
        return self.success()


def parse_tolerance(text: str) -> float:
    """Parse the convergence tolerance: a finite number above 0."""
    value = parse_number("tol", text)
    if value <= 0:
        raise ParameterError("tol", "must be above 0")
    return value


PARSERS: dict[str, Callable[[str], object]] = {
    "lr": lambda text: RunSpec(lr=parse_number("lr", text)).validate(),
    "w0": lambda text: RunSpec(w0=parse_number("w0", text)).validate(),
    "epochs": parse_epochs,
    "decay": lambda text: RunSpec(decay=parse_number("decay", text)).validate(),
    "decay-steps": lambda text: RunSpec(decay_steps=parse_number("decay-steps", text)).validate(),
    "loss": parse_loss,
    "tol": parse_tolerance,
}


class ParamInput(Input):
    """A parameter field: up and down nudge it, escape leaves it."""

    BINDINGS = [
        Binding("up", "nudge(1)", "Nudge up", id="nudge-up", tooltip="Raise this value a notch"),
        Binding(
            "down", "nudge(-1)", "Nudge down", id="nudge-down", tooltip="Lower this value a notch"
        ),
        Binding("escape", "leave", "Leave field", id="leave", tooltip="Go to the chart"),
    ]

    @dataclass
    class Nudged(Message):
        """The user asked to nudge ``field`` up (+1) or down (-1)."""

        field: str
        direction: int

    def action_nudge(self, direction: int) -> None:
        """Ask the form to nudge this field."""
        if self.id in NUDGES:
            self.post_message(self.Nudged(self.id, direction))

    def action_leave(self) -> None:
        """Leave the field for the chart."""
        self.app.action_focus_chart()  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Params:
    """A valid set of parameters: the run, the loss, and the tolerance runs are measured by."""

    spec: RunSpec
    loss: str
    tol: float = DEFAULT_TOL


def params_values(params: Params) -> dict[str, str]:
    """The text each field shows for ``params``."""
    spec = params.spec
    return {
        "lr": f"{spec.lr:g}" if spec.lr == float(f"{spec.lr:g}") else repr(spec.lr),
        "w0": f"{spec.w0:g}" if spec.w0 == float(f"{spec.w0:g}") else repr(spec.w0),
        "epochs": str(spec.epochs),
        "decay": f"{spec.decay if spec.decay is not None else 0.99:g}",
        "decay-steps": f"{spec.decay_steps:g}",
        "loss": params.loss,
        "tol": f"{params.tol:g}",
    }


class ParamsForm(VerticalScroll):
    """The fields; posts :class:`ParamsForm.Changed` for every valid edit, ``Invalid`` otherwise."""

    @dataclass
    class Changed(Message):
        """All fields are valid: these are the parameters to run."""

        params: Params

    @dataclass
    class Invalid(Message):
        """A field is invalid; ``message`` says what is wrong with it."""

        field: str
        message: str

    def __init__(self, params: Params, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._initial = params

    def compose(self) -> ComposeResult:
        """The fields, each titled in its border."""
        values = params_values(self._initial)

        def field(name: str, title: str, kind: str = "number") -> ParamInput:
            widget = ParamInput(
                values[name],
                id=name,
                type=kind,  # type: ignore[arg-type]
                validators=[ParsedBy(PARSERS[name])],
                validate_on=["changed"],
                select_on_focus=False,
            )
            widget.border_title = title
            widget.tooltip = f"{title}: up/down nudge, escape leaves the field"
            return widget

        yield field("lr", "learning rate")
        with Horizontal(classes="pair"):
            yield field("w0", "w0")
            yield field("epochs", "epochs")
        yield field("loss", "loss(w)", "text")
        schedule = Select(
            [("constant", CONSTANT), ("exponential decay", EXPONENTIAL)],
            value=EXPONENTIAL if self._initial.spec.decays else CONSTANT,
            allow_blank=False,
            id="schedule",
        )
        schedule.border_title = "schedule"
        schedule.tooltip = "constant lr, or lr * decay ** (step / decay_steps)"
        yield schedule
        with Horizontal(classes="pair"):
            yield field("decay", "decay")
            yield field("decay-steps", "decay steps")
        staircase = Checkbox("staircase: floor the exponent", self._initial.spec.staircase)
        staircase.id = "staircase"
        yield staircase
        yield field("tol", "tolerance (steps to reach it)")
        yield Static("", id="field-error")

    def on_mount(self) -> None:
        """Enable the decay fields only for the exponential schedule."""
        self._sync_schedule()

    def set_params(self, params: Params) -> None:
        """Show ``params`` in the fields (their changes then run as typed ones do)."""
        for name, value in params_values(params).items():
            self.query_one(f"#{name}", Input).value = value
        self.query_one("#schedule", Select).value = EXPONENTIAL if params.spec.decays else CONSTANT
        self.query_one("#staircase", Checkbox).value = params.spec.staircase

    def current(self) -> Params | None:
        """The parameters the fields describe, or ``None`` while any field is invalid."""
        try:
            text = {name: self.query_one(f"#{name}", Input).value for name in PARSERS}
            exponential = self.query_one("#schedule", Select).value == EXPONENTIAL
            spec = RunSpec(
                w0=parse_number("w0", text["w0"]),
                lr=parse_number("lr", text["lr"]),
                epochs=parse_epochs(text["epochs"]),
                decay=parse_number("decay", text["decay"]) if exponential else None,
                decay_steps=parse_number("decay-steps", text["decay-steps"]),
                staircase=self.query_one("#staircase", Checkbox).value,
            ).validate()
            loss = parse_loss(text["loss"]).source
            tol = parse_tolerance(text["tol"])
        except (ParameterError, LossError):
            return None
        return Params(spec, loss, tol)

    def nudge(self, name: str, direction: int) -> None:
        """Move field ``name`` a notch up or down, if it holds a valid number."""
        field = self.query_one(f"#{name}", Input)
        kind, amount = NUDGES[name]
        try:
            value = float(field.value)
        except ValueError:
            return
        if kind == "times":
            value = value * amount if direction > 0 else value / amount
        else:
            value = value + direction * amount
        if name == "epochs":
            field.value = str(max(1, round(value)))
        elif name in ("decay", "decay-steps"):
            field.value = f"{max(value, amount):.6g}"
        else:
            field.value = f"{value:.6g}"

    @on(Input.Changed)
    def _field_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._report(event.input, event.validation_result)

    @on(Select.Changed, "#schedule")
    @on(Checkbox.Changed, "#staircase")
    def _choice_changed(self, event: Message) -> None:
        event.stop()
        self._sync_schedule()
        self._report(None, None)

    @on(ParamInput.Nudged)
    def _nudged(self, event: ParamInput.Nudged) -> None:
        event.stop()
        self.nudge(event.field, event.direction)

    def _sync_schedule(self) -> None:
        exponential = self.query_one("#schedule", Select).value == EXPONENTIAL
        for name in ("#decay", "#decay-steps", "#staircase"):
            self.query_one(name).disabled = not exponential

    def _report(self, field: Input | None, result: ValidationResult | None) -> None:
        error = self.query_one("#field-error", Static)
        if field is not None and result is not None and not result.is_valid:
            message = "; ".join(result.failure_descriptions)
            error.update(message.replace("[", r"\["))
            self.post_message(self.Invalid(field.id or "", message))
            return
        invalid = [f for f in self.query(ParamInput) if f.has_class("-invalid") and not f.disabled]
        if invalid:
            return
        error.update("")
        params = self.current()
        if params is not None:
            self.post_message(self.Changed(params))
