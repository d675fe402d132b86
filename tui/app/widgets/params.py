"""The parameter pane: one field per run parameter, validated as typed, posting good sets.

Every field is a text ``Input`` checked by our own parsers (``float()`` and the command line's
rules), never by Textual's ``type="number"``: in Textual 8.2.8 that type filters each keystroke
through a regular expression (``_RESTRICT_TYPES["number"]`` in ``textual/widgets/_input.py``)
that backtracks exponentially, so 20 digits and then a letter froze the app for about 20 s.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widgets import Checkbox, Input, Select, Sparkline, Static

from tui.app.keys import key
from tui.engine.analysis import DEFAULT_TOL
from tui.engine.losses import LossError, parse_loss
from tui.engine.schedules import formula
from tui.engine.spec import (
    BETA_OPTIMIZERS,
    KERAS_SCHEDULES,
    OPTIMIZERS,
    SCHEDULE_KINDS,
    ParameterError,
    RunSpec,
    Schedule,
    check_boundaries,
    check_finite,
    parse_epochs,
    parse_list,
    parse_number,
    parse_steps,
)
from tui.i18n import msg, t

EXPONENTIAL = "exponential"

#: The schedule fields each schedule uses (warm-up is for all of them).
SCHEDULE_FIELDS: dict[str, tuple[str, ...]] = {
    "constant": (),
    "exponential": ("decay", "decay-steps", "staircase"),
    "piecewise": ("boundaries", "factors"),
    "inverse-time": ("steps", "rate", "staircase"),
    "polynomial": ("steps", "power", "alpha", "cycle"),
    "cosine": ("steps", "alpha"),
    "cosine-restarts": ("steps", "alpha", "t-mul", "m-mul"),
}

#: Every field that only some schedules or optimizers use.
OPTIONAL_FIELDS = (
    "decay",
    "decay-steps",
    "steps",
    "rate",
    "power",
    "t-mul",
    "m-mul",
    "alpha",
    "boundaries",
    "factors",
    "staircase",
    "cycle",
    "beta",
)

#: How the up and down keys nudge each numeric field: a factor, or a step added.
NUDGES: dict[str, tuple[str, float]] = {
    "lr": ("times", 10 ** (1 / 10)),
    "w0": ("plus", 0.5),
    "epochs": ("times", 2.0),
    "decay": ("plus", 0.005),
    "decay-steps": ("plus", 1.0),
    "steps": ("plus", 1.0),
    "rate": ("plus", 0.1),
    "power": ("plus", 0.5),
    "t-mul": ("plus", 0.5),
    "m-mul": ("plus", 0.1),
    "alpha": ("plus", 0.05),
    "warmup": ("plus", 1.0),
    "beta": ("plus", 0.01),
}


class ParsedBy(Validator):
    """A validator that accepts what ``parse`` accepts and shows the rule it broke.

    ``field`` is the field's id. ``label`` is the catalogue key of its name in messages, where
    the parser's name for it is not what the field is called on screen (the tolerance, not
    ``tol``). An empty ``number`` field says that it wants a number.
    """

    def __init__(
        self,
        parse: Callable[[str], object],
        field: str = "",
        label: str | None = None,
        number: bool = False,
    ) -> None:
        super().__init__()
        self.parse = parse
        self.field = field
        self.label = label
        self.number = number

    def validate(self, value: str) -> ValidationResult:
        """Succeed if ``parse(value)`` does; fail with its message (never raise)."""
        try:
            if self.number and not value.strip():
                raise ParameterError(self.field, msg("field.empty"))
            self.parse(value)
        except ParameterError as err:
            name = t(self.label) if self.label else err.name
            return self.failure(t("spec.error", name=name, reason=err.reason))
        except LossError as err:
            return self.failure(str(err))
        except Exception as err:  # noqa: BLE001 - a validator that raises would crash the app
            return self.failure(t("field.not_understood", why=err))
        return self.success()


def check_finite_factor(value: float) -> float:
    """A piecewise factor: 0 or more."""
    if value < 0:
        raise ParameterError("factors", msg("field.at_least_0"))
    return value


def check_tolerance(value: float) -> float:
    """The convergence tolerance if it is a finite number above 0 (the command line's rule)."""
    check_finite("tol", value)
    if value <= 0:
        raise ParameterError("tol", msg("field.above_0"))
    return float(value)


def parse_tolerance(text: str) -> float:
    """Parse the convergence tolerance: a finite number above 0."""
    return check_tolerance(parse_number("tol", text))


#: The catalogue key of a field's name in its messages, where the parser calls it otherwise.
LABELS = {"tol": "field.tol", "steps": "field.steps"}

PARSERS: dict[str, Callable[[str], object]] = {
    "lr": lambda text: RunSpec(lr=parse_number("lr", text)).validate(),
    "w0": lambda text: RunSpec(w0=parse_number("w0", text)).validate(),
    "epochs": parse_epochs,
    "decay": lambda text: RunSpec(decay=parse_number("decay", text)).validate(),
    "decay-steps": lambda text: RunSpec(decay_steps=parse_number("decay-steps", text)).validate(),
    "steps": lambda text: Schedule("cosine", steps=parse_number("steps", text)).validate(),
    "rate": lambda text: Schedule("inverse-time", rate=parse_number("rate", text)).validate(),
    "power": lambda text: Schedule("polynomial", power=parse_number("power", text)).validate(),
    "t-mul": lambda text: Schedule("cosine-restarts", t_mul=parse_number("t-mul", text)).validate(),
    "m-mul": lambda text: Schedule("cosine-restarts", m_mul=parse_number("m-mul", text)).validate(),
    "alpha": lambda text: Schedule("cosine", alpha=parse_number("alpha", text)).validate(),
    "boundaries": lambda text: check_boundaries(parse_list("boundaries", text, True)),
    "factors": lambda text: [check_finite_factor(f) for f in parse_list("factors", text, False)],
    "warmup": lambda text: parse_steps("warmup", text),
    "beta": lambda text: RunSpec(beta=parse_number("beta", text)).validate(),
    "loss": parse_loss,
    "tol": parse_tolerance,
}


class ParamInput(Input):
    """A parameter field: up and down nudge it, escape leaves it."""

    BINDINGS = [
        key("up", "nudge(1)", "nudge-up"),
        key("down", "nudge(-1)", "nudge-down"),
        key("escape", "leave", "leave"),
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


def _number_text(value: float) -> str:
    """A number as typed: short where that is exact, else in full."""
    return f"{value:g}" if value == float(f"{value:g}") else repr(value)


def params_values(params: Params) -> dict[str, str]:
    """The text each field shows for ``params``."""
    spec = params.spec
    schedule = spec.schedule or Schedule("cosine")
    return {
        "lr": _number_text(spec.lr),
        "w0": _number_text(spec.w0),
        "epochs": str(spec.epochs),
        "decay": f"{spec.decay if spec.decay is not None else 0.99:g}",
        "decay-steps": f"{spec.decay_steps:g}",
        # Without a schedule yet, T defaults to the run's length: the whole decay on screen.
        "steps": f"{schedule.steps if spec.schedule else spec.epochs:g}",
        "rate": f"{schedule.rate:g}",
        "power": f"{schedule.power:g}",
        "t-mul": f"{schedule.t_mul:g}",
        "m-mul": f"{schedule.m_mul:g}",
        "alpha": f"{schedule.alpha:g}",
        "boundaries": ", ".join(str(b) for b in schedule.boundaries),
        "factors": ", ".join(f"{f:g}" for f in schedule.factors),
        "warmup": str(spec.warmup),
        "beta": f"{spec.beta:g}",
        "loss": params.loss,
        "tol": f"{params.tol:g}",
    }


#: The most characters of a field's message shown: a pasted page quoted whole would take
#: seconds to lay out at every keystroke.
MAX_MESSAGE = 200


def _shown(message: str) -> str:
    """``message`` as the error line shows it: cut to :data:`MAX_MESSAGE`, every ``[`` escaped
    (``textual.markup.escape`` in 8.2.8 leaves ``[$name]``, a style variable, as markup)."""
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 1] + "…"
    return message.replace("[", r"\[")


def _flags(spec: RunSpec) -> tuple[bool, bool]:
    """The staircase and cycle boxes for ``spec`` (a keras schedule holds its own)."""
    if spec.schedule is not None:
        return spec.schedule.staircase, spec.schedule.cycle
    return spec.staircase, False


def _choice(name: str, options: tuple[str, ...], value: str, tooltip: str) -> Select[str]:
    """A drop-down of ``options`` titled ``name`` (the title goes on in ``on_mount``)."""
    select: Select[str] = Select(
        [(option, option) for option in options], value=value, allow_blank=False, id=name
    )
    select.border_title = t(f"field.{name}")
    select.tooltip = tooltip
    return select


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
                type="text",  # never "number": see the module's docstring
                validators=[ParsedBy(PARSERS[name], name, LABELS.get(name), kind == "number")],
                validate_on=["changed"],
                select_on_focus=False,
            )
            widget.border_title = title
            widget.tooltip = t("field.tip", title=title)
            return widget

        yield field("lr", t("field.lr"))
        with Horizontal(classes="pair"):
            yield field("w0", "w0")
            yield field("epochs", t("field.epochs"))
        yield field("loss", "loss(w)", "text")
        spec = self._initial.spec
        staircase, cycle = _flags(spec)
        yield _choice(
            "schedule",
            SCHEDULE_KINDS,
            spec.schedule_kind,
            t("field.schedule.tip"),
        )
        yield Static("", id="formula")
        preview = Sparkline([], id="lr-preview")
        preview.tooltip = t("field.preview.tip")
        yield preview
        with Horizontal(classes="pair"):
            yield field("decay", t("field.decay"))
            yield field("decay-steps", t("field.decay-steps"))
            yield field("steps", t("field.steps"))
        with Horizontal(classes="pair"):
            yield field("rate", t("field.rate"))
            yield field("power", t("field.power"))
        with Horizontal(classes="pair"):
            yield field("t-mul", "t_mul")
            yield field("m-mul", "m_mul")
        with Horizontal(classes="pair"):
            yield field("alpha", "alpha")
            yield field("warmup", t("field.warmup"))
        yield field("boundaries", t("field.boundaries"), "text")
        yield field("factors", t("field.factors"), "text")
        yield Checkbox(t("field.staircase"), staircase, id="staircase")
        yield Checkbox(t("field.cycle"), cycle, id="cycle")
        yield _choice(
            "optimizer",
            OPTIMIZERS,
            spec.optimizer,
            t("field.optimizer.tip"),
        )
        with Horizontal(classes="pair"):
            yield field("beta", "beta")
            yield field("tol", t("field.tol"))
        yield Static("", id="field-error")

    def on_mount(self) -> None:
        """Title the drop-downs, and show only the fields the schedule and optimizer use."""
        for select in self.query(Select):
            # A Select's border belongs to the SelectCurrent inside it: the title goes there.
            select.query_one("SelectCurrent").border_title = select.border_title
        self._sync_schedule()
        self._show_formula(self._initial.spec)

    def set_params(self, params: Params) -> None:
        """Show ``params`` in the fields (their changes then run as typed ones do)."""
        for name, value in params_values(params).items():
            self.query_one(f"#{name}", Input).value = value
        spec = params.spec
        self.query_one("#schedule", Select).value = spec.schedule_kind
        self.query_one("#optimizer", Select).value = spec.optimizer
        staircase, cycle = _flags(spec)
        self.query_one("#staircase", Checkbox).value = staircase
        self.query_one("#cycle", Checkbox).value = cycle

    def show_rates(self, rates: np.ndarray) -> None:
        """Preview the current run's rate against step (thinned to the pane's width)."""
        preview = self.query_one("#lr-preview", Sparkline)
        # A constant rate has nothing to preview (a sparkline of equal values is blank).
        preview.display = bool(rates.size) and bool(rates.min() != rates.max())
        width = max(1, preview.size.width or 28)
        step = max(1, rates.size // (width * 4))
        preview.data = rates[::step].tolist()

    def current(self) -> Params | None:
        """The parameters the fields describe, or ``None`` while any field is invalid."""
        try:
            return self.parse()
        except (ParameterError, LossError):
            return None

    def parse(self) -> Params:
        """The parameters the fields describe; raise the first field's error if any is wrong."""
        text = {name: self.query_one(f"#{name}", Input).value for name in PARSERS}
        kind = str(self.query_one("#schedule", Select).value)
        used = SCHEDULE_FIELDS[kind]
        staircase = "staircase" in used and self.query_one("#staircase", Checkbox).value
        schedule = None
        if kind in KERAS_SCHEDULES:
            # Only the fields this schedule uses are read: a hidden field cannot block a run.
            fields = {
                "steps": ("steps", lambda t: parse_number("steps", t)),
                "rate": ("rate", lambda t: parse_number("rate", t)),
                "alpha": ("alpha", lambda t: parse_number("alpha", t)),
                "power": ("power", lambda t: parse_number("power", t)),
                "t_mul": ("t-mul", lambda t: parse_number("t-mul", t)),
                "m_mul": ("m-mul", lambda t: parse_number("m-mul", t)),
                "boundaries": ("boundaries", lambda t: parse_list("boundaries", t, True)),
                "factors": ("factors", lambda t: parse_list("factors", t, False)),
            }
            chosen = {key: read(text[name]) for key, (name, read) in fields.items() if name in used}
            cycle = "cycle" in used and self.query_one("#cycle", Checkbox).value
            schedule = Schedule(kind, cycle=cycle, staircase=staircase, **chosen)
        exponential = kind == EXPONENTIAL
        optimizer = str(self.query_one("#optimizer", Select).value)
        spec = RunSpec(
            w0=parse_number("w0", text["w0"]),
            lr=parse_number("lr", text["lr"]),
            epochs=parse_epochs(text["epochs"]),
            decay=parse_number("decay", text["decay"]) if exponential else None,
            decay_steps=parse_number("decay-steps", text["decay-steps"]) if exponential else 1.0,
            staircase=staircase if exponential else False,
            schedule=schedule,
            warmup=parse_steps("warmup", text["warmup"]),
            optimizer=optimizer,
            beta=parse_number("beta", text["beta"]) if optimizer in BETA_OPTIMIZERS else 0.9,
        ).validate()
        loss = parse_loss(text["loss"]).source
        tol = parse_tolerance(text["tol"])
        return Params(spec, loss, tol)

    def nudge(self, name: str, direction: int) -> None:
        """Move field ``name`` a notch up or down, if it holds a valid number."""
        field = self.query_one(f"#{name}", Input)
        kind, amount = NUDGES[name]
        try:
            value = parse_number(name, field.value)  # finite: never nan or inf from here on
        except ParameterError:
            return
        if kind == "times":
            value = value * amount if direction > 0 else value / amount
        else:
            value = value + direction * amount
        if not math.isfinite(value):
            return
        if name in ("epochs", "warmup"):
            field.value = str(max(0 if name == "warmup" else 1, round(value)))
        elif name in ("alpha", "beta"):
            field.value = f"{min(max(value, 0.0), 1.0 if name == 'alpha' else 0.99):.6g}"
        elif name in ("decay", "decay-steps", "steps", "rate", "power", "t-mul", "m-mul"):
            field.value = f"{max(value, amount):.6g}"
        else:
            field.value = f"{value:.6g}"

    @on(Input.Changed)
    def _field_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._report(event.input, event.validation_result)

    @on(Select.Changed, "#schedule")
    @on(Select.Changed, "#optimizer")
    @on(Checkbox.Changed, "#staircase")
    @on(Checkbox.Changed, "#cycle")
    def _choice_changed(self, event: Message) -> None:
        event.stop()
        self._sync_schedule()
        self._report(None, None)

    @on(ParamInput.Nudged)
    def _nudged(self, event: ParamInput.Nudged) -> None:
        event.stop()
        self.nudge(event.field, event.direction)

    def _sync_schedule(self) -> None:
        """Show the fields of the chosen schedule and optimizer, hide (and disable) the rest."""
        used = set(SCHEDULE_FIELDS[str(self.query_one("#schedule", Select).value)])
        if self.query_one("#optimizer", Select).value in BETA_OPTIMIZERS:
            used.add("beta")
        for name in OPTIONAL_FIELDS:
            widget = self.query_one(f"#{name}")
            widget.display = name in used
            widget.disabled = name not in used
        for pair in self.query(".pair"):
            pair.display = any(child.display for child in pair.children)

    def _show_formula(self, spec: RunSpec) -> None:
        text = f"lr(s) = {formula(spec)}"
        if not spec.plain:
            text += t("field.update", optimizer=spec.optimizer)
        self.query_one("#formula", Static).update(text.replace("[", r"\["))

    def _report(self, field: Input | None, result: ValidationResult | None) -> None:
        error = self.query_one("#field-error", Static)
        if field is not None and result is not None and not result.is_valid:
            message = "; ".join(result.failure_descriptions)
            error.update(_shown(message))
            self.post_message(self.Invalid(field.id or "", message))
            return
        invalid = [f for f in self.query(ParamInput) if f.has_class("-invalid") and not f.disabled]
        if invalid:
            return
        try:
            params = self.parse()
        except (ParameterError, LossError) as err:
            # A rule across fields (e.g. one more factor than boundaries) names its field.
            message = str(err)
            error.update(_shown(message))
            self.post_message(self.Invalid(getattr(err, "name", "loss"), message))
            return
        error.update("")
        self._show_formula(params.spec)
        self.post_message(self.Changed(params))
