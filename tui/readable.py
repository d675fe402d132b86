"""One number for a person to read on screen: the lesson's ``%f`` where it shows the value, the
same six digits in scientific notation where ``%f`` would not.

``%f`` of a diverging run's loss is 30 digits wide (``327418102092712889030887342080.000000``)
and squeezes every column beside it; ``%f`` of 1e-9 is ``0.000000``, which hides that the value
is not zero. So a value of magnitude 1e6 or more, or below 5e-7 (where ``%f`` rounds it to zero),
is written ``%.6e`` (``3.274181e+29``, ``1.000000e-09``): at most 13 characters, as wide as
``-999999.000000`` less one. Every other value, zero, ``inf`` and ``nan`` are ``%f`` exactly as the
lesson prints them, so the lesson's own numbers (from 0.000001 to 36.000000) read as it does.
"""

from __future__ import annotations

import numpy as np

#: ``%f`` from here up would be wider than the scientific form.
LARGE = 1e6

#: ``%f`` below this (in magnitude, but for zero) prints ``0.000000``.
TINY = 5e-7


def readable(x: float) -> str:
    """``x`` as ``%f``, or as ``%.6e`` where ``%f`` would be very wide or show only zeros."""
    magnitude = abs(x)  # the tests are false for nan; inf is %f's "inf"
    if x != 0 and magnitude != float("inf") and (magnitude >= LARGE or magnitude < TINY):
        return f"{x:.6e}"
    return f"{x:f}"


def readable_width(values: np.ndarray) -> int:
    """The width of the widest :func:`readable` of ``values``, found without formatting them
    all: the fixed ones are widest at their extremes, the scientific ones at their extreme
    magnitudes (the exponent's digits), plus a sign if any of them is negative."""
    x = np.asarray(values, dtype=np.float64)
    width = 3 if np.isnan(x).any() else 1
    infinite = np.isinf(x)
    if infinite.any():
        width = max(width, 4 if (x[infinite] < 0).any() else 3)
    finite = x[np.isfinite(x)]
    magnitude = np.abs(finite)
    scientific = (finite != 0) & ((magnitude >= LARGE) | (magnitude < TINY))
    fixed = finite[~scientific]
    if fixed.size:
        width = max(width, *(len(readable(float(v))) for v in (fixed.min(), fixed.max())))
        if np.signbit(fixed).any():  # -0.0 is no less than 0.0, but prints a sign
            width = max(width, len(readable(-0.0)))
    if scientific.any():
        sizes = magnitude[scientific]
        sign = 1 if (finite[scientific] < 0).any() else 0
        width = max(width, sign + max(len(readable(float(v))) for v in (sizes.min(), sizes.max())))
    return width
