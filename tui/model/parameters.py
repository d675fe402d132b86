"""The run parameters, declared once: one :class:`Parameter` per field of the parameter pane.

The form (``tui/app/widgets/params.py``) composes its fields and parses them from this table,
the command line (``tui/cli/options.py``) builds its options and its :class:`RunSpec` from it,
and sessions (``tui/model/session.py``) read a run's keys by it. A default lives here, or, where
the engine's dataclass has one (``RunSpec``, ``Schedule``), is read from that dataclass.

Adding a schedule argument (say ``Schedule.warmth``) takes three edits, and its words:

1. ``tui/engine/spec.py``: the ``Schedule`` field, with its default, and its rule in
   ``Schedule.validate``;
2. ``tui/engine/schedules.py``: what it does to the rate (and the formula that says so);
3. here: one :class:`Parameter` record (name, home and attribute, CLI flag, parser and rule,
   the schedules that use it, nudge, catalogue keys). The form, the command line and sessions
   follow from it; the form's ``LAYOUT`` may place its field beside another (else it gets a
   row of its own);

and the words: its title ``field.<name>`` and help ``cli.help.<attribute>`` in
``tui/i18n/en/app.py``/``cli.py`` and ``tui/i18n/zh/app.py``/``cli.py``.
Before this table the same argument took 15 edits in 5 files (8 in the form: which schedules
use it, which fields hide, nudge, parser, compose, parse, nudge bound, shown value; 2 in the
CLI, 1 in sessions, 4 in the engine) and the same 4 catalogue entries.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tui.engine.losses import FUNCTIONS, SEED_LOSS, parse_loss
from tui.engine.spec import (
    BETA_OPTIMIZERS,
    DEFAULT_TOL,
    KERAS_SCHEDULES,
    MAX_EPOCHS,
    OPTIMIZERS,
    SCHEDULE_KINDS,
    ParameterError,
    RunSpec,
    Schedule,
    check_boundaries,
    parse_epochs,
    parse_list,
    parse_number,
    parse_steps,
)
from tui.i18n import msg
from tui.model.nudge import Nudge
from tui.model.params import parse_tolerance

#: Where a parameter's value goes: the run (:class:`RunSpec`), its keras :class:`Schedule`, or
#: the :class:`~tui.model.params.Params` beside the run (loss, tolerance).
HOMES = ("run", "schedule", "params")

#: What a parameter's value is: a number, a whole number, a list, a text (the loss), an on/off
#: flag, or one of a few choices.
KINDS = ("number", "whole", "list", "text", "flag", "choice")


@dataclass(frozen=True)
class Parameter:
    """One run parameter: how each of the form, the command line and sessions handles it.

    ``name`` is the form field's id and the name in messages; ``flag`` the command-line option
    (two records may share one: ``--decay-steps`` is exponential's T and the keras schedules'
    T); ``home`` and ``attribute`` say where the value goes (``staircase`` goes to the run and,
    for inverse-time, to the schedule too: ``also_schedule``); ``read`` turns typed text into
    the value (the command line's type), ``check`` tells whether a value is within the rule
    (the form's validation of one field); ``default`` is the value when not given (for
    ``nullable`` decay, the value when exponential decay is chosen: absent, it is off; for
    w2's start, the value for a loss of two parameters: for a loss of w, none);
    ``schedules`` and ``optimizers`` the ones that use it (``None``: all); ``label`` the
    catalogue key of its title (``None``: ``title`` as it is); ``help`` the catalogue key of
    its command-line help, ``help_args`` that text's arguments. ``losses`` are the numbers of
    parameters of the losses whose runs use it (``None``: every loss; w2's start is for a loss
    of two), ``titles`` its title for a loss of one and of two parameters where they differ
    (``w0`` is w1's start for a loss of two); ``check2`` its rule for a loss of two
    parameters where that is not ``check`` (``w0`` is then w1's start, and named so);
    ``labels`` the catalogue keys of its title for a loss of one and of two parameters where
    they differ from ``label`` (the epochs field shares its row with both starts for a loss of
    two, and its title there is a short one).
    """

    name: str
    home: str
    attribute: str
    kind: str
    default: Any
    read: Callable[[str], Any] | None = None
    check: Callable[[Any], object] | None = None
    flag: str | None = None
    help: str | None = None
    help_args: tuple[tuple[str, object], ...] = ()
    label: str | None = None
    title: str = ""
    nudge: Nudge | None = None
    schedules: tuple[str, ...] | None = None
    optimizers: tuple[str, ...] | None = None
    choices: tuple[str, ...] = ()
    nullable: bool = False
    also_schedule: bool = False
    losses: tuple[int, ...] | None = None
    titles: tuple[str, ...] = ()
    check2: Callable[[Any], object] | None = None
    labels: tuple[str, ...] = ()

    @property
    def dest(self) -> str | None:
        """The attribute argparse stores the flag's value in."""
        return None if self.flag is None else self.flag.lstrip("-").replace("-", "_")

    @property
    def optional(self) -> bool:
        """Whether only some schedules or optimizers use it (its field hides for the others)."""
        return self.schedules is not None or self.optimizers is not None

    def used(self, schedule: str, optimizer: str) -> bool:
        """Whether a run with ``schedule`` and ``optimizer`` uses it."""
        return (self.schedules is None or schedule in self.schedules) and (
            self.optimizers is None or optimizer in self.optimizers
        )

    def for_loss(self, count: int) -> bool:
        """Whether a run of a loss of ``count`` parameters uses it."""
        return self.losses is None or count in self.losses

    def title_for(self, count: int) -> str:
        """Its title (not a catalogue key) for a loss of ``count`` parameters, if it has one of
        its own (else :attr:`title`)."""
        return self.titles[count - 1] if len(self.titles) >= count else self.title

    def label_for(self, count: int) -> str | None:
        """The catalogue key of its title for a loss of ``count`` parameters (else
        :attr:`label`)."""
        return self.labels[count - 1] if len(self.labels) >= count else self.label

    def parse(self, text: str, count: int = 1) -> object:
        """The value of typed ``text`` if it is within the rule for a loss of ``count``
        parameters (a :class:`ParameterError` or a ``LossError`` otherwise): what the form's
        field accepts."""
        if self.read is None:
            raise TypeError(f"{self.name} is not typed")
        value = self.read(text)
        check = self.check2 if count == 2 and self.check2 is not None else self.check
        if check is not None:
            check(value)
        return value


def _default(cls: type, attribute: str) -> Any:
    """The default the engine's dataclass gives ``attribute``: its one home."""
    return next(f.default for f in dataclasses.fields(cls) if f.name == attribute)


def _number(name: str) -> Callable[[str], float]:
    return lambda text: parse_number(name, text)


def _run_rule(attribute: str) -> Callable[[Any], object]:
    """A run with only ``attribute`` set validates: the run's rule for it."""
    return lambda value: RunSpec(**{attribute: value}).validate()


def _schedule_rule(kind: str, attribute: str) -> Callable[[Any], object]:
    """A ``kind`` schedule with only ``attribute`` set validates: the schedule's rule for it."""
    return lambda value: Schedule(kind, **{attribute: value}).validate()


def _factors(values: tuple[float, ...]) -> tuple[float, ...]:
    """Piecewise factors: each 0 or more."""
    for value in values:
        if value < 0:
            raise ParameterError("factors", msg("field.at_least_0"))
    return values


def _loss(text: str) -> str:
    return str(parse_loss(text).source)


def _run(name: str, attribute: str, **more: Any) -> Parameter:
    """A number of the run (its default the run's own, its rule the run's)."""
    return Parameter(
        name,
        "run",
        attribute,
        "number",
        _default(RunSpec, attribute),
        read=_number(name),
        check=_run_rule(attribute),
        **({"flag": f"--{name}", "help": f"cli.help.{attribute}"} | more),
    )


def _keras(name: str, attribute: str, schedules: tuple[str, ...], **more: Any) -> Parameter:
    """A number of a keras schedule (its default the schedule's own, its rule the schedule's)."""
    return Parameter(
        name,
        "schedule",
        attribute,
        "number",
        _default(Schedule, attribute),
        read=_number(name),
        check=_schedule_rule(schedules[0], attribute),
        schedules=schedules,
        **({"flag": f"--{name}", "help": f"cli.help.{attribute}"} | more),
    )


#: w2's start when none is given, for a loss of w1 and w2: where w1 starts by default (the
#: engine's ``RunSpec.start2`` is ``None``, the start of no w2, for a loss of w).
START2_DEFAULT: float = _default(RunSpec, "w0")

_EXPONENTIAL = ("exponential",)
_RESTARTS = ("cosine-restarts",)

#: Every run parameter, in the command line's order.
PARAMETERS: tuple[Parameter, ...] = (
    _run(
        "w0",
        "w0",
        title="w0",
        titles=("w0", "w1"),
        check2=lambda value: RunSpec(w0=value, start2=0.0).validate(),
        nudge=Nudge("plus", 0.5),
    ),
    # w2's start, for a loss of w1 and w2 (w0 is then w1's): None for a loss of w. Not given,
    # it is the default here, as w1's is w0's: in the form, on the command line and in sessions.
    Parameter(
        "w2",
        "run",
        "start2",
        "number",
        START2_DEFAULT,
        read=_number("w2"),
        check=lambda value: RunSpec(start2=value).validate(),
        flag="--w2",
        help="cli.help.start2",
        title="w2",
        nudge=Nudge("plus", 0.5),
        nullable=True,
        losses=(2,),
    ),
    _run("lr", "lr", label="field.lr", nudge=Nudge("times", 10 ** (1 / 10))),
    Parameter(
        "epochs",
        "run",
        "epochs",
        "whole",
        _default(RunSpec, "epochs"),
        read=parse_epochs,
        flag="--epochs",
        help="cli.help.epochs",
        help_args=(("most", MAX_EPOCHS),),
        label="field.epochs",
        nudge=Nudge("times", 2.0, low=1, whole=True),
        labels=("field.epochs", "field.epochs.beside"),
    ),
    Parameter(
        "schedule",
        "schedule",
        "kind",
        "choice",
        "constant",
        flag="--schedule",
        help="cli.help.schedule",
        label="field.schedule",
        choices=SCHEDULE_KINDS,
    ),
    Parameter(
        "decay",
        "run",
        "decay",
        "number",
        0.99,
        read=_number("decay"),
        check=_run_rule("decay"),
        flag="--decay",
        help="cli.help.decay",
        label="field.decay",
        nudge=Nudge("plus", 0.005, low=0.005),
        schedules=_EXPONENTIAL,
        nullable=True,
    ),
    _run(
        "decay-steps",
        "decay_steps",
        label="field.decay-steps",
        nudge=Nudge("plus", 1.0, low=1.0),
        schedules=_EXPONENTIAL,
    ),
    _keras(
        "steps",
        "steps",
        ("inverse-time", "polynomial", "cosine", "cosine-restarts"),
        label="field.steps",
        nudge=Nudge("plus", 1.0, low=1.0),
        flag="--decay-steps",
        help="cli.help.decay_steps",
    ),
    Parameter(
        "staircase",
        "run",
        "staircase",
        "flag",
        _default(RunSpec, "staircase"),
        flag="--staircase",
        help="cli.help.staircase",
        label="field.staircase",
        schedules=("exponential", "inverse-time"),
        also_schedule=True,
    ),
    _keras("rate", "rate", ("inverse-time",), label="field.rate", nudge=Nudge("plus", 0.1, 0.1)),
    _keras(
        "alpha",
        "alpha",
        ("polynomial", "cosine", "cosine-restarts"),
        title="alpha",
        nudge=Nudge("plus", 0.05, low=0.0, high=1.0),
    ),
    _keras("power", "power", ("polynomial",), label="field.power", nudge=Nudge("plus", 0.5, 0.5)),
    Parameter(
        "cycle",
        "schedule",
        "cycle",
        "flag",
        _default(Schedule, "cycle"),
        flag="--cycle",
        help="cli.help.cycle",
        label="field.cycle",
        schedules=("polynomial",),
    ),
    _keras("t-mul", "t_mul", _RESTARTS, title="t_mul", nudge=Nudge("plus", 0.5, low=0.5)),
    _keras("m-mul", "m_mul", _RESTARTS, title="m_mul", nudge=Nudge("plus", 0.1, low=0.1)),
    Parameter(
        "boundaries",
        "schedule",
        "boundaries",
        "list",
        _default(Schedule, "boundaries"),
        read=lambda text: parse_list("boundaries", text, True),
        check=check_boundaries,
        flag="--boundaries",
        help="cli.help.boundaries",
        label="field.boundaries",
        schedules=("piecewise",),
    ),
    Parameter(
        "factors",
        "schedule",
        "factors",
        "list",
        _default(Schedule, "factors"),
        read=lambda text: parse_list("factors", text, False),
        check=_factors,
        flag="--factors",
        help="cli.help.factors",
        label="field.factors",
        schedules=("piecewise",),
    ),
    Parameter(
        "warmup",
        "run",
        "warmup",
        "whole",
        _default(RunSpec, "warmup"),
        read=lambda text: parse_steps("warmup", text),
        flag="--warmup",
        help="cli.help.warmup",
        label="field.warmup",
        nudge=Nudge("plus", 1.0, low=0, whole=True),
    ),
    Parameter(
        "optimizer",
        "run",
        "optimizer",
        "choice",
        _default(RunSpec, "optimizer"),
        flag="--optimizer",
        help="cli.help.optimizer",
        label="field.optimizer",
        choices=OPTIMIZERS,
    ),
    _run(
        "beta",
        "beta",
        title="beta",
        nudge=Nudge("plus", 0.01, low=0.0, high=0.99),
        optimizers=BETA_OPTIMIZERS,
    ),
    Parameter(
        "loss",
        "params",
        "loss",
        "text",
        SEED_LOSS,
        read=_loss,
        flag="--loss",
        help="cli.help.loss",
        help_args=(("default", SEED_LOSS), ("functions", ", ".join(FUNCTIONS))),
        title="loss(w)",
        titles=("loss(w)", "loss(w1, w2)"),
    ),
    # The tolerance judges a run (status, steps to it), not the run itself: it goes to Params.
    Parameter(
        "tol",
        "params",
        "tol",
        "number",
        DEFAULT_TOL,
        read=parse_tolerance,
        flag="--tol",
        help="cli.help.tol",
        label="field.tol",
        nudge=None,
    ),
)


def by_name(table: Iterable[Parameter] = PARAMETERS) -> dict[str, Parameter]:
    """The table's records by name."""
    return {p.name: p for p in table}


def schedule_fields(table: Iterable[Parameter] = PARAMETERS) -> dict[str, tuple[str, ...]]:
    """Per schedule, the fields only some schedules use that it uses (warm-up is for all)."""
    used = [(p.name, p.schedules) for p in table if p.schedules is not None]
    return {kind: tuple(name for name, kinds in used if kind in kinds) for kind in SCHEDULE_KINDS}


def optional_fields(table: Iterable[Parameter] = PARAMETERS) -> tuple[str, ...]:
    """Every field that only some schedules or optimizers use."""
    return tuple(p.name for p in table if p.optional)


def spec_from_values(
    values: dict[str, Any],
    table: Iterable[Parameter] = PARAMETERS,
    *,
    every: bool = False,
    count: int = 1,
) -> RunSpec:
    """The (validated) run that ``values`` (by parameter name) describe, with the schedule and
    optimizer they name, for a loss of ``count`` parameters; a value not given is its
    parameter's default, or ``None`` where the loss has no such parameter (w2's start for a
    loss of w).

    A parameter the chosen schedule or optimizer does not use takes its default, so that a
    hidden field cannot block a run; with ``every`` (the command line's rule: every option
    given is checked) every parameter is taken as given, only decay being off (``None``)
    unless the schedule is exponential.
    """
    records = [p for p in table if p.home != "params"]
    known = by_name(records)
    kind = values.get("schedule", known["schedule"].default)
    optimizer = values.get("optimizer", known["optimizer"].default)
    keras = kind in KERAS_SCHEDULES

    def value(p: Parameter, home: str) -> Any:
        if values.get(p.name) is None and not p.for_loss(count):
            return None
        if every:  # every option given is checked; decay alone is off unless exponential
            use = not p.nullable or p.used(kind, optimizer)
        elif home == "schedule":
            use = p.used(kind, optimizer)
        else:  # a field of exponential decay (staircase, T) means nothing to a keras schedule
            use = p.used(kind, optimizer) and (p.schedules is None or not keras)
        if not use:
            return None if p.nullable else p.default
        given = values.get(p.name)
        return p.default if given is None else given

    run: dict[str, Any] = {}
    schedule: dict[str, Any] = {}
    for p in records:
        if p.name == "schedule":
            continue
        if p.home == "run":
            run[p.attribute] = value(p, "run")
        if p.home == "schedule" or p.also_schedule:
            schedule[p.attribute] = value(p, "schedule")
    spec = RunSpec(**run, schedule=Schedule(kind, **schedule) if keras else None)
    return spec.validate()


#: Per schedule, the fields it uses of those only some schedules use (warm-up is for all).
SCHEDULE_FIELDS = schedule_fields()

#: Every field that only some schedules or optimizers use.
OPTIONAL_FIELDS = optional_fields()
