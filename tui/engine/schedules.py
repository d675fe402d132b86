"""Learning-rate schedules, computed exactly as the seed's Python loop computes them.

The seed evaluates ``LR_BASE * LR_DECAY ** (step / LR_STEP)`` in Python float64 at every step and
TensorFlow rounds the product to float32 when it meets the gradient. NumPy's vectorised
``np.power`` is *not* Python's ``**``: on this machine they differ in the last bit for 3,728 of
the first million steps of 0.99 ** step, so the powers go through Python's own float ``__pow__``
(``map`` over a list costs about 0.1 us a step). Everything else is IEEE division and
multiplication, which NumPy does exactly as Python does.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from tui.engine.spec import RunSpec


def lr_schedule(spec: RunSpec) -> np.ndarray:
    """The float64 learning rate of each step of ``spec`` (0-based step s), as the seed computes it.

    A constant rate repeats ``spec.lr``; an exponential one is ``lr * decay ** (s / decay_steps)``,
    with ``floor`` on the exponent when ``staircase`` is set. The array is read-only and cached.
    """
    if spec.decay is None:
        table = np.full(spec.epochs, spec.lr, dtype=np.float64)
        table.flags.writeable = False
        return table
    return _exponential(spec.lr, spec.decay, spec.decay_steps, spec.staircase, spec.epochs)


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


def _safe_pow(decay: float):
    def power(exponent: float) -> float:
        try:
            return decay**exponent
        except OverflowError:
            return math.inf

    return power
