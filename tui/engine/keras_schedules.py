"""The ``tf.keras.optimizers.schedules`` behind the schedules beyond the seed's, as lr tables.

The reference is the schedule called once per step, eagerly, as a training loop calls it:
``schedule(step)``, a float32 scalar. Calling it on a whole vector of steps is *not* the same:
in eager and graph mode Eigen's vectorised ``cos`` and ``pow`` differ from the scalar kernels
in the last bit (201 of 3,000 cosine rates, 396 of 3,000 polynomial ones in our trial). Compiled
with XLA, on this machine (see :mod:`tui.engine.tfenv` for its flags), the vector of steps gives
the scalar calls' bits: 0 mismatches over 39,000 rates of every schedule in our trial. So a table
is computed with XLA, then checked at sample steps against the eager scalar calls; a mismatch
turns XLA off for schedules and the table is recomputed in graph mode, one scalar step at a
time (about 9 us a step), which uses the eager kernels.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from tui.engine import tfenv
from tui.engine.spec import Schedule

tf = tfenv.load()

#: How many steps of each table are checked against eager scalar calls (spread over the table).
SPOT_CHECKS = 24

_lock = threading.Lock()
_xla_ok = tfenv.xla_allowed()  # and False once a spot check fails


def keras_schedule(schedule: Schedule, lr: float) -> Any:
    """The ``tf.keras`` schedule object for ``schedule`` starting from ``lr`` (the reference).

    Rates proportional to ``lr`` (the piecewise values, polynomial's end rate) are products in
    float64, rounded to float32 by the schedule as any Python float it is given.
    """
    return _build(schedule, rate_values(schedule, lr).tolist())


def rate_values(schedule: Schedule, lr: float) -> np.ndarray:
    """The rates the schedule is built on, as float32: piecewise values, else ``[lr, end]``."""
    if schedule.kind == "piecewise":
        values = [lr * f for f in schedule.factors]
    else:
        values = [lr, lr * schedule.alpha]
    with np.errstate(over="ignore"):
        return np.array(values, np.float64).astype(np.float32)


def _build(schedule: Schedule, values: Sequence[Any]) -> Any:
    """The schedule on ``values`` (Python floats, or float32 tensors in a compiled table)."""
    schedules = tf.keras.optimizers.schedules
    kind = schedule.kind
    if kind == "piecewise":
        return schedules.PiecewiseConstantDecay(list(schedule.boundaries), list(values))
    lr, end = values[0], values[1]
    if kind == "inverse-time":
        return schedules.InverseTimeDecay(
            lr, schedule.steps, schedule.rate, staircase=schedule.staircase
        )
    if kind == "polynomial":
        return schedules.PolynomialDecay(
            lr, schedule.steps, end_learning_rate=end, power=schedule.power, cycle=schedule.cycle
        )
    if kind == "cosine":
        return schedules.CosineDecay(lr, schedule.steps, alpha=schedule.alpha)
    if kind == "cosine-restarts":
        return schedules.CosineDecayRestarts(
            lr, schedule.steps, t_mul=schedule.t_mul, m_mul=schedule.m_mul, alpha=schedule.alpha
        )
    raise ValueError(f"not a keras schedule: {kind!r}")


def table(schedule: Schedule, lr: float, n: int) -> np.ndarray:
    """The float32 rate at steps 0 to n - 1, bit for bit as the eager ``schedule(step)`` gives."""
    global _xla_ok
    if n == 0:
        return np.zeros(0, np.float32)
    if _xla_ok:
        rates = _xla_table(schedule, lr, n)
        steps = _sample_steps(schedule, n)
        if np.array_equal(
            rates[steps].view(np.int32), eager_rates(schedule, lr, steps).view(np.int32)
        ):
            return rates
        with _lock:
            _xla_ok = False
    values = tf.constant(rate_values(schedule, lr))
    return _graph_function(schedule)(values, tf.constant(n, tf.int32)).numpy()


def eager_rates(schedule: Schedule, lr: float, steps: np.ndarray) -> np.ndarray:
    """The reference: the schedule called eagerly once per step, as a training loop calls it."""
    function = keras_schedule(schedule, lr)
    return np.array([function(int(step)).numpy() for step in steps], np.float32)


def xla_in_use() -> bool:
    """Whether schedules are still computed with XLA (no spot check has failed)."""
    return _xla_ok


def _sample_steps(schedule: Schedule, n: int) -> np.ndarray:
    """Steps to check: the first and last, those around the schedule's turning points, and a
    spread over the table."""
    marks = {0, 1, 2, n - 1, n - 2}
    turns = list(schedule.boundaries) if schedule.kind == "piecewise" else [int(schedule.steps)]
    for turn in turns:
        marks.update((turn - 1, turn, turn + 1))
    marks.update(np.linspace(0, n - 1, SPOT_CHECKS, dtype=np.int64).tolist())
    return np.array(sorted(s for s in marks if 0 <= s < n), np.int64)


def _xla_table(schedule: Schedule, lr: float, n: int) -> np.ndarray:
    size = tfenv.bucket(n)  # padded: one compiled table serves many lengths
    values = tf.constant(rate_values(schedule, lr))
    return _xla_function(schedule)(values, tf.range(size)).numpy()[:n]


@lru_cache(maxsize=32)
def _xla_function(schedule: Schedule) -> Callable[[Any, Any], Any]:
    """A compiled table; rates and steps are arguments, so a new lr or length reuses it.

    The steps must be an argument: a ``tf.range`` inside would be a constant, and XLA folds
    constant expressions with its own evaluator, whose ``cos`` and ``pow`` are not the kernels'.
    """

    @tf.function(jit_compile=True, autograph=False)
    def rates(values: Any, steps: Any) -> Any:
        function = _build(schedule, tf.unstack(values))
        return tf.cast(function(steps), tf.float32)

    return rates


@lru_cache(maxsize=8)
def _graph_function(schedule: Schedule) -> Callable[[Any, Any], Any]:
    """Graph mode, one scalar step at a time (the eager kernels): the fallback."""

    @tf.function(autograph=False)
    def rates(values: Any, n: Any) -> Any:
        function = _build(schedule, tf.unstack(values))
        out = tf.TensorArray(tf.float32, size=n)

        def body(i: Any, out: Any) -> tuple[Any, Any]:
            return i + 1, out.write(i, tf.cast(function(i), tf.float32))

        _, out = tf.while_loop(lambda i, *_: i < n, body, (tf.constant(0), out))
        return out.stack()

    return rates
