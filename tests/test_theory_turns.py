"""The theory's check that a run moved one way or turned back (tui.engine.turns
.moves_and_turns) gives what the path's own Python floats say, for paths of every kind:
still, one way, turning, through infinities and NaN, and long."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from tui.engine.turns import moves_and_turns


def in_python(w0: float, ws: np.ndarray) -> tuple[int, bool]:
    """The check as Python lists make it (how it was written first)."""
    path = [w0, *ws.astype(float).tolist()]
    moves = [b - a for a, b in pairwise(path) if b != a]
    turns = [i for i in range(1, len(moves)) if (moves[i] > 0) != (moves[i - 1] > 0)]
    return len(moves), bool(turns)


def paths() -> list[tuple[float, np.ndarray]]:
    rng = np.random.default_rng(14)
    f32 = np.float32
    made = [
        (5.0, np.array([], f32)),
        (5.0, np.full(50, 5.0, f32)),  # never moves
        (5.0, np.linspace(5, -1, 40, dtype=f32)),  # one way
        (5.0, np.array([3, -2, 1.5, -1.2, -1.2, 0.9], f32)),  # turns, with a repeat
        (5.0, np.array([5, 4, 4, 3], f32)),
        (1.0, np.array([10, 1e30, np.inf, np.inf, np.nan, np.nan], f32)),  # to inf, then NaN
        (1.0, np.array([-np.inf, np.inf, -np.inf], f32)),
        (0.0, np.array([-0.0, 0.0, 1e-45, -1e-45], f32)),  # zeros of both signs, subnormals
        (2.0, rng.normal(size=100_000).astype(f32)),
        (2.0, np.cumsum(np.abs(rng.normal(size=100_000))).astype(f32)),
    ]
    return made


@pytest.mark.parametrize(("w0", "ws"), paths())
def test_moves_and_turns_are_what_the_paths_floats_say(w0: float, ws: np.ndarray) -> None:
    assert moves_and_turns(w0, ws) == in_python(w0, ws)
