"""Learning-rate schedules: the seed's, computed as its Python loop computes them, and the rest.

The seed evaluates ``LR_BASE * LR_DECAY ** (step / LR_STEP)`` in Python float64 at every step and
TensorFlow rounds the product to float32 when it meets the gradient. NumPy's vectorised
``np.power`` is *not* Python's ``**``: on this machine they differ in the last bit for 3,728 of
the first million steps of 0.99 ** step, so the powers go through Python's own float ``__pow__``
(``map`` over a list costs about 0.1 us a step). Everything else is IEEE division and
multiplication, which NumPy does exactly as Python does.

The other schedules are ``tf.keras.optimizers.schedules`` and are computed by
:mod:`tui.engine.keras_schedules` (loaded only when one is used: this module stays free of
TensorFlow, so the UI can show the formulas). Linear warm-up, before any schedule, follows
keras's own ``CosineDecay`` warm-up in float32: ``lr * (s / W)`` for ``s < W``, then the schedule
at step ``s - W``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache

import numpy as np

from tui.engine.spec import RunSpec, Schedule
from tui.i18n import Msg, msg, t


class _Texts(Mapping[str, str]):
    """A mapping to texts, some of them messages: each value is read in the current language."""

    def __init__(self, values: dict[str, str | Msg]) -> None:
        self._values = values

    def __getitem__(self, key: str) -> str:
        return str(self._values[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self)!r})"


#: Each schedule's rate at step s (0-based), as ``lr-explorer run --help`` and the UI state them.
#: The math is the same in every language; the words around it (``with staircase``...) are
#: read from the catalogue when a value is read, so each value is text in the current language.
FORMULAS: Mapping[str, str] = _Texts(
    {
        "constant": "lr",
        "exponential": msg("schedule.exponential"),
        "piecewise": msg("schedule.piecewise"),
        "inverse-time": msg("schedule.inverse-time"),
        "polynomial": msg("schedule.polynomial"),
        "cosine": "lr * ((1 - alpha) * (1 + cos(pi * min(s, T) / T)) / 2 + alpha)",
        "cosine-restarts": msg("schedule.cosine-restarts"),
    }
)

#: Linear warm-up, which may come before any schedule (a message: ``str()`` or an f-string
#: gives it in the current language).
WARMUP_FORMULA: Msg = msg("schedule.warmup")

#: The ``tf.keras.optimizers.schedules`` class behind each schedule.
KERAS_CLASSES: dict[str, str] = {
    "piecewise": "PiecewiseConstantDecay",
    "inverse-time": "InverseTimeDecay",
    "polynomial": "PolynomialDecay",
    "cosine": "CosineDecay",
    "cosine-restarts": "CosineDecayRestarts",
}


def formula(spec: RunSpec) -> str:
    """``spec``'s rate at step s with its numbers filled in, e.g. ``0.2 * 0.99^(s / 1)``.

    The few words in it (warm-up, piecewise steps, restarts) are in the current language.
    """
    lr = f"{spec.lr:g}"
    kind = spec.schedule_kind
    schedule = spec.schedule
    if kind == "constant":
        text = lr
    elif kind == "exponential":
        exponent = (
            f"floor(s / {spec.decay_steps:g})" if spec.staircase else f"s / {spec.decay_steps:g}"
        )
        text = f"{lr} * {spec.decay:g}^({exponent})"
    else:
        assert schedule is not None
        text = _keras_formula(lr, schedule)
    if spec.warmup:
        text = t("schedule.with_warmup", lr=lr, warmup=spec.warmup, text=text)
    return text


def _keras_formula(lr: str, schedule: Schedule) -> str:
    steps = f"{schedule.steps:g}"
    alpha = f"{schedule.alpha:g}"
    if schedule.kind == "piecewise":
        pieces = ", ".join(f"{f:g}" for f in schedule.factors)
        bounds = ", ".join(str(b) for b in schedule.boundaries)
        return t("schedule.piecewise_formula", lr=lr, pieces=pieces, bounds=bounds)
    if schedule.kind == "inverse-time":
        part = f"floor(s / {steps})" if schedule.staircase else f"s / {steps}"
        return f"{lr} / (1 + {schedule.rate:g} * {part})"
    if schedule.kind == "polynomial":
        key = (
            "schedule.polynomial_formula_cycle" if schedule.cycle else "schedule.polynomial_formula"
        )
        return t(key, lr=lr, steps=steps, power=f"{schedule.power:g}", alpha=alpha)
    if schedule.kind == "cosine":
        return f"{lr} * ((1 - {alpha}) * (1 + cos(pi * min(s, {steps}) / {steps})) / 2 + {alpha})"
    return t(
        "schedule.restarts_formula",
        lr=lr,
        alpha=alpha,
        steps=steps,
        t_mul=f"{schedule.t_mul:g}",
        m_mul=f"{schedule.m_mul:g}",
    )


def lr_tables(spec: RunSpec) -> tuple[np.ndarray, np.ndarray]:
    """``spec``'s rate at each step: float64 as computed (what the seed prints) and float32.

    The float32 table is what the update multiplies by; for the seed's schedules it is the
    float64 one rounded, for ``tf.keras`` schedules (float32 by nature) the two hold one value.
    """
    lr64 = lr_schedule(spec)
    with np.errstate(over="ignore"):
        # A rate beyond float32 becomes inf, the overflow it is; NumPy need not warn about it.
        return lr64, lr64.astype(np.float32)


def lr_schedule(spec: RunSpec) -> np.ndarray:
    """The float64 learning rate of each step of ``spec`` (0-based step s), read-only.

    A constant rate repeats ``spec.lr``; an exponential one is ``lr * decay ** (s / decay_steps)``,
    with ``floor`` on the exponent when ``staircase`` is set, computed as the seed computes it.
    ``tf.keras`` schedules and warm-up steps are float32 values, widened.
    """
    warm = min(spec.warmup, spec.epochs)
    rest = spec.epochs - warm
    if spec.schedule is not None:
        from tui.engine import keras_schedules  # TensorFlow: only the engine gets here

        tail = keras_schedules.table(spec.schedule, spec.lr, rest).astype(np.float64)
    elif spec.decay is None:
        tail = np.full(rest, spec.lr, dtype=np.float64)
    else:
        tail = _exponential(spec.lr, spec.decay, spec.decay_steps, spec.staircase, rest)
    if warm:
        tail = np.concatenate([warmup_table(spec.lr, spec.warmup)[:warm].astype(np.float64), tail])
    tail.flags.writeable = False
    return tail


def warmup_table(lr: float, warmup: int) -> np.ndarray:
    """Keras's linear warm-up from 0 in float32: ``lr * (s / W)`` for s from 0 to W - 1.

    Division and multiplication are IEEE operations, so NumPy gives TensorFlow's bits; steps
    below 2**24 are exact in float32.
    """
    steps = np.arange(warmup, dtype=np.float32)
    with np.errstate(over="ignore"):
        table: np.ndarray = np.float32(lr) * (steps / np.float32(warmup))
    return table


@lru_cache(maxsize=16)
def _exponential(
    base: float, decay: float, decay_steps: float, staircase: bool, epochs: int
) -> np.ndarray:
    exponents = np.arange(epochs, dtype=np.float64) / np.float64(decay_steps)
    if staircase:
        exponents = np.floor(exponents)
    try:
        powers = np.fromiter(map(decay.__pow__, exponents.tolist()), np.float64, count=epochs)
    except OverflowError:
        # Python raises where the rate grows past float64; the engine carries on with inf.
        powers = np.fromiter(map(_safe_pow(decay), exponents.tolist()), np.float64, count=epochs)
    table = base * powers
    table.flags.writeable = False
    return table


def _safe_pow(decay: float) -> Callable[[float], float]:
    def power(exponent: float) -> float:
        try:
            result: float = decay**exponent
            return result
        except OverflowError:
            return math.inf

    return power
