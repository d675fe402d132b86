"""What each learning-rate schedule does to the rate, in words and formulas: ``lr-explorer run
--help``, the help screen, the fields' formula line and the exports' ``formula`` say it.

Pure Python (no NumPy, no TensorFlow): the command line's parser and the explorer's first frame
load it. The rates themselves are :mod:`tui.engine.schedules`'.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

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
