"""Learning-rate schedules: the seed's, computed as its Python loop computes them, and the rest.

The seed evaluates ``LR_BASE * LR_DECAY ** (step / LR_STEP)`` in Python float64 at every step and
TensorFlow rounds the product to float32 when it meets the gradient. NumPy's vectorised
``np.power`` is *not* Python's ``**``: on this machine they differ in the last bit for 3,728 of
the first million steps of 0.99 ** step, so the powers go through Python's own float ``__pow__``
(``map`` over a list costs about 0.1 us a step). Everything else is IEEE division and
multiplication, which NumPy does exactly as Python does.

The other schedules are ``tf.keras.optimizers.schedules`` and are computed by
:mod:`tui.engine.keras_schedules` (loaded only when one is used: this module stays free of
TensorFlow). Their formulas, in words, are :mod:`tui.engine.schedule_formulas`' (free of
NumPy too, for the command line's parser and the explorer's first frame). Linear warm-up, before
any schedule, follows keras's own ``CosineDecay`` warm-up in float32: ``lr * (s / W)`` for
``s < W``, then the schedule at step ``s - W``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from tui.engine.spec import RunSpec


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
