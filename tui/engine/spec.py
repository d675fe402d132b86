"""What one run is: its parameters, their limits and their validation (pure Python, no TF)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from tui.i18n import Msg, msg, t

#: The most steps one run may take. 10 million steps keep a run's arrays (w, loss, lr as
#: float32, lr as float64, padded to a power of two) under about 400 MB.
MAX_EPOCHS = 10_000_000

#: The most (steps x runs) cells one batched call may hold, for the same memory reason.
MAX_CELLS = 50_000_000

#: Default tolerance: a run has converged once its loss stays within this of its minimum (or,
#: where that minimum is unknown, its gradient is at most this and w has stopped moving).
DEFAULT_TOL = 1e-6

#: The largest finite float32; w0 and lr must fit in float32 to mean what they say.
FLOAT32_MAX = 3.4028234663852886e38

#: What messages call the starts of a run of one parameter (``w0``) and of two (``w1``, ``w2``),
#: as the command line spells them.
START_NAMES: dict[int, tuple[str, ...]] = {1: ("w0",), 2: ("w1", "w2")}


class ParameterError(ValueError):
    """A refused parameter: ``name`` is the option (``w0``, ``lr``, ...), ``reason`` the rule.

    ``reason`` is a :class:`~tui.i18n.Msg` (or text already in words), so ``str(err)``,
    ``name: reason``, is made when it is shown, in the language of that moment; the error
    pickles, and :attr:`message` is the same line as a message, for another process to show.
    """

    def __init__(self, name: str, reason: str | Msg) -> None:
        super().__init__(name, reason)
        self.name = name
        self.reason = reason

    @property
    def message(self) -> Msg:
        """``name: reason`` as a message, shown in the language of whoever shows it."""
        return msg("spec.error", name=self.name, reason=self.reason)

    def __str__(self) -> str:
        return t("spec.error", name=self.name, reason=self.reason)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle with the constructor's arguments."""
        return (type(self), (self.name, self.reason))


#: Every schedule, by name: the seed's two, then those computed by ``tf.keras`` schedules.
SCHEDULE_KINDS = (
    "constant",
    "exponential",
    "piecewise",
    "inverse-time",
    "polynomial",
    "cosine",
    "cosine-restarts",
)

#: The schedules computed by ``tf.keras.optimizers.schedules`` (see :class:`Schedule`).
KERAS_SCHEDULES = SCHEDULE_KINDS[2:]

#: Every optimizer, by name: ``gd`` is the seed's plain ``w -= lr * grads``; the others are
#: ``tf.keras.optimizers`` (SGD with momentum, with Nesterov momentum, Adagrad, RMSprop, Adam).
OPTIMIZERS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")

#: What each optimizer is: the seed's update (in words: a message, shown in the language of the
#: moment by ``str()`` or an f-string), or the ``tf.keras`` class with ``beta`` passed as (code).
OPTIMIZER_UPDATES: dict[str, str | Msg] = {
    "gd": msg("optimizer.gd"),
    "momentum": "tf.keras.optimizers.SGD(momentum=beta)",
    "nesterov": "tf.keras.optimizers.SGD(momentum=beta, nesterov=True)",
    "adagrad": "tf.keras.optimizers.Adagrad()",
    "rmsprop": "tf.keras.optimizers.RMSprop(rho=beta)",
    "adam": "tf.keras.optimizers.Adam(beta_1=beta)",
}

#: The optimizers that take ``beta``: momentum, RMSprop's rho, Adam's beta_1.
BETA_OPTIMIZERS = ("momentum", "nesterov", "rmsprop", "adam")


@dataclass(frozen=True)
class Schedule:
    """A ``tf.keras.optimizers.schedules`` schedule started from the run's ``lr``.

    Only the fields of ``kind`` are used: ``steps`` is the decay steps (the first period for
    ``cosine-restarts``); ``rate`` inverse-time's decay rate; ``alpha`` the final rate as a
    fraction of lr (polynomial, cosine, restarts); ``power`` and ``cycle`` polynomial's;
    ``staircase`` inverse-time's; ``t_mul`` and ``m_mul`` the restarts' period and peak factors;
    ``boundaries`` and ``factors`` the piecewise steps and the multiples of lr between them.
    """

    kind: str
    steps: float = 100.0
    rate: float = 1.0
    alpha: float = 0.0
    power: float = 1.0
    cycle: bool = False
    staircase: bool = False
    t_mul: float = 2.0
    m_mul: float = 1.0
    boundaries: tuple[int, ...] = (10,)
    factors: tuple[float, ...] = (1.0, 0.1)

    def validate(self) -> Schedule:
        """Return ``self`` if ``kind`` is known and its fields are within their rules."""
        if self.kind not in KERAS_SCHEDULES:
            raise ParameterError(
                "schedule",
                msg(
                    "spec.unknown_schedule",
                    kind=repr(self.kind),
                    known=", ".join(SCHEDULE_KINDS),
                ),
            )
        check_finite("steps", self.steps)
        if self.steps <= 0:
            raise ParameterError("steps", msg("spec.above_0"))
        check_finite("rate", self.rate)
        if self.rate < 0:
            raise ParameterError("rate", msg("spec.at_least_0"))
        check_finite("alpha", self.alpha)
        if not 0 <= self.alpha <= 1:
            raise ParameterError("alpha", msg("spec.fraction"))
        check_finite("power", self.power)
        if self.power <= 0:
            raise ParameterError("power", msg("spec.above_0"))
        for name, value in (("t-mul", self.t_mul), ("m-mul", self.m_mul)):
            check_finite(name, value)
            if value <= 0:
                raise ParameterError(name, msg("spec.above_0"))
        if self.kind == "piecewise":
            check_piecewise(self.boundaries, self.factors)
        return self


def check_piecewise(boundaries: tuple[int, ...], factors: tuple[float, ...]) -> None:
    """Refuse piecewise boundaries that are not rising whole steps, or factors that do not fit."""
    check_boundaries(boundaries)
    if len(factors) != len(boundaries) + 1:
        raise ParameterError(
            "factors",
            msg("spec.factors_count", wanted=len(boundaries) + 1, given=len(factors)),
        )
    for f in factors:
        check_finite("factors", f)
        if f < 0:
            raise ParameterError("factors", msg("spec.at_least_0"))


def check_boundaries(boundaries: tuple[int, ...]) -> tuple[int, ...]:
    """Return piecewise ``boundaries`` if they are at least one whole step, rising."""
    if not boundaries:
        raise ParameterError("boundaries", msg("spec.boundaries_empty"))
    for b in boundaries:
        if isinstance(b, bool) or not isinstance(b, int) or not 0 <= b <= MAX_EPOCHS:
            raise ParameterError("boundaries", msg("spec.boundaries_whole", max=MAX_EPOCHS))
    if any(b >= c for b, c in zip(boundaries, boundaries[1:], strict=False)):
        raise ParameterError("boundaries", msg("spec.boundaries_rise"))
    return boundaries


@dataclass(frozen=True)
class RunSpec:
    """The parameters of one descent run, as the seed's loop takes them.

    ``decay`` of ``None`` means a constant rate ``lr``; otherwise the rate at step s (0-based) is
    ``lr * decay ** (s / decay_steps)``, with the exponent floored when ``staircase`` is set.
    ``schedule`` names a ``tf.keras`` schedule instead (``decay`` must then be ``None``);
    ``warmup`` steps of linear warm-up from 0 to ``lr`` come before either. ``optimizer`` is
    ``gd``, the seed's plain update, or a ``tf.keras`` optimizer with ``beta`` as its momentum
    (RMSprop's rho, Adam's beta_1).

    ``start2`` is the start of ``w2`` for a loss of two parameters (``w0`` is then the start of
    ``w1``), ``None`` for a loss of ``w``; the engine refuses a spec whose starts do not match its
    loss's parameters (:meth:`check_starts`). Messages call the starts as the command line spells
    them: ``w0`` (one parameter), ``w1`` and ``w2`` (two).
    """

    w0: float = 5.0
    lr: float = 0.01
    epochs: int = 20
    decay: float | None = None
    decay_steps: float = 1.0
    staircase: bool = False
    schedule: Schedule | None = None
    warmup: int = 0
    optimizer: str = "gd"
    beta: float = 0.9
    start2: float | None = None

    def validate(self) -> RunSpec:
        """Return ``self`` if every field is within its rule, else raise :class:`ParameterError`."""
        names = START_NAMES[len(self.starts)]
        for name, value in zip(names, self.starts, strict=True):
            check_finite(name, value)
            if abs(value) > FLOAT32_MAX:
                raise ParameterError(name, msg("spec.start_float32", name=name, max=FLOAT32_MAX))
        check_finite("lr", self.lr)
        if self.lr < 0:
            raise ParameterError("lr", msg("spec.lr_negative"))
        if self.lr > FLOAT32_MAX:
            raise ParameterError("lr", msg("spec.lr_float32", max=FLOAT32_MAX))
        check_epochs(self.epochs)
        if self.decay is not None:
            check_finite("decay", self.decay)
            if self.decay <= 0:
                raise ParameterError("decay", msg("spec.above_0"))
        check_finite("decay-steps", self.decay_steps)
        if self.decay_steps <= 0:
            raise ParameterError("decay-steps", msg("spec.above_0"))
        if self.schedule is not None:
            if self.decay is not None:
                raise ParameterError("schedule", msg("spec.decay_and_schedule"))
            self.schedule.validate()
        if isinstance(self.warmup, bool) or not isinstance(self.warmup, int):
            raise ParameterError("warmup", msg("spec.whole", value=repr(self.warmup)))
        if not 0 <= self.warmup <= MAX_EPOCHS:
            raise ParameterError("warmup", msg("spec.warmup_range", max=MAX_EPOCHS))
        if self.optimizer not in OPTIMIZERS:
            raise ParameterError(
                "optimizer",
                msg(
                    "spec.unknown_optimizer",
                    name=repr(self.optimizer),
                    known=", ".join(OPTIMIZERS),
                ),
            )
        check_finite("beta", self.beta)
        if not 0 <= self.beta < 1:
            raise ParameterError("beta", msg("spec.beta_range"))
        return self

    @property
    def starts(self) -> tuple[float, ...]:
        """The start of each parameter: ``(w0,)``, or ``(w0, start2)`` (w1's and w2's)."""
        return (self.w0,) if self.start2 is None else (self.w0, self.start2)

    def check_starts(self, params: tuple[str, ...]) -> RunSpec:
        """Return ``self`` if it has one start per parameter of a loss of ``params`` (its
        :attr:`~tui.engine.losses.LossExpr.params`), else raise :class:`ParameterError`."""
        if len(params) > 1 and self.start2 is None:
            raise ParameterError("w2", msg("spec.start2_missing"))
        if len(params) == 1 and self.start2 is not None:
            raise ParameterError("w2", msg("spec.start2_unused"))
        return self

    @property
    def schedule_kind(self) -> str:
        """The schedule's name, one of :data:`SCHEDULE_KINDS`."""
        if self.schedule is not None:
            return self.schedule.kind
        return "exponential" if self.decay is not None else "constant"

    @property
    def decays(self) -> bool:
        """Whether the rate changes from step to step (any schedule but a constant, or warm-up)."""
        return self.decay is not None or self.schedule is not None or self.warmup > 0

    @property
    def plain(self) -> bool:
        """Whether the update is the seed's own ``w -= lr * grads`` (optimizer ``gd``)."""
        return self.optimizer == "gd"


def check_finite(name: str, value: float) -> float:
    """Return ``value`` if it is a finite number, else raise :class:`ParameterError`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(name, msg("spec.not_number", value=repr(value)))
    if not math.isfinite(value):
        raise ParameterError(name, msg("spec.not_finite", value=str(value)))
    return float(value)


def check_epochs(epochs: int) -> int:
    """Return ``epochs`` if it is a whole number from 1 to :data:`MAX_EPOCHS`."""
    if isinstance(epochs, bool) or not isinstance(epochs, int):
        raise ParameterError("epochs", msg("spec.whole", value=repr(epochs)))
    if epochs < 1:
        raise ParameterError("epochs", msg("spec.at_least_1"))
    if epochs > MAX_EPOCHS:
        raise ParameterError("epochs", msg("spec.at_most", max=MAX_EPOCHS))
    return epochs


def parse_number(name: str, text: str) -> float:
    """Parse a typed number for option ``name``; refuse nothing typed, words, nan and inf with
    a clear reason."""
    stripped = text.strip()
    if not stripped:
        raise ParameterError(name, msg("spec.empty"))
    try:
        value = float(stripped)
    except ValueError:
        raise ParameterError(name, msg("spec.not_number", value=repr(text))) from None
    return check_finite(name, value)


def parse_epochs(text: str) -> int:
    """Parse a typed step count: a whole number from 1 to :data:`MAX_EPOCHS` (``1e3`` allowed)."""
    stripped = text.strip().replace("_", "")
    if not stripped:
        raise ParameterError("epochs", msg("spec.empty"))
    try:
        value = int(stripped)
    except ValueError:
        try:
            number = float(stripped)
        except ValueError:
            raise ParameterError("epochs", msg("spec.not_number", value=repr(text))) from None
        if not math.isfinite(number) or number != int(number):
            raise ParameterError("epochs", msg("spec.whole", value=repr(text))) from None
        value = int(number)
    return check_epochs(value)


def parse_steps(name: str, text: str) -> int:
    """Parse a whole number of steps from 0 to :data:`MAX_EPOCHS` (``1e3`` allowed)."""
    value = parse_number(name, text.replace("_", ""))
    if value != int(value) or not 0 <= value <= MAX_EPOCHS:
        raise ParameterError(name, msg("spec.steps_range", max=MAX_EPOCHS))
    return int(value)


def parse_list(name: str, text: str, whole: bool) -> tuple[float, ...]:
    """Parse a list separated by commas or spaces: whole steps, or numbers."""
    items = [item for item in text.replace(",", " ").split() if item]
    if not items:
        raise ParameterError(name, msg("spec.list"))
    if whole:
        return tuple(parse_steps(name, item) for item in items)
    return tuple(parse_number(name, item) for item in items)
