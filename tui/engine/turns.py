"""Whether a run's w moved one way or turned back: the theory checks a monotone regime's run
turned back, a jumping one's went one way (:func:`tui.engine.theory.contradiction`)."""

from __future__ import annotations

import numpy as np


def moves_and_turns(w0: float, ws: np.ndarray) -> tuple[int, bool]:
    """How many times the path from ``w0`` through ``ws`` moves (a point that differs from the
    one before it), and whether it ever turns back (a move up after a move down, or the other
    way; a move to or from NaN counts as one down). In NumPy: a diverging run of 100,000 steps
    took 8 ms a key in Python lists."""
    path = np.concatenate([[w0], ws.astype(np.float64)])
    moved = path[1:] != path[:-1]
    with np.errstate(invalid="ignore"):  # inf - inf is a move to NaN, as in Python
        ups = (path[1:] - path[:-1])[moved] > 0
    return int(ups.size), bool((ups[1:] != ups[:-1]).any())
