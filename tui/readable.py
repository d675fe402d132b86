"""One number for a person to read on screen: the lesson's ``%f`` where it shows the value, the
same six digits in scientific notation where ``%f`` would not.

``%f`` of a diverging run's loss is 30 digits wide (``327418102092712889030887342080.000000``)
and squeezes every column beside it; ``%f`` of 1e-9 is ``0.000000``, which hides that the value
is not zero. So a value of magnitude 1e6 or more, or below 5e-7 (where ``%f`` rounds it to zero),
is written ``%.6e`` (``3.274181e+29``, ``1.000000e-09``): at most 13 characters, as wide as
``-999999.000000`` less one. Every other value, zero, ``inf`` and ``nan`` are ``%f`` exactly as the
lesson prints them, so the lesson's own numbers (from 0.000001 to 36.000000) read as it does.

Pure Python; the width of a whole column of them is :func:`tui.readable_width.readable_width`.
"""

from __future__ import annotations

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
