"""How many steps plain descent and momentum take to the tolerance on a quadratic in w1, w2.

The error along each eigen-direction of the Hessian evolves on its own: plain descent multiplies
it by ``q = 1 - lr·λ`` a step, momentum follows ``x[k+1] = (1 + β - lr·λ) x[k] - β x[k-1]``. The
loss above its minimum is the sum over the directions of ``gap · (error / error at the start)²``.
These functions count the steps to the tolerance from those parts, as the engine's status
counts them (:func:`tui.engine.analysis.steps_to_tolerance`); :mod:`tui.engine.theory_plane`
uses them. NumPy only.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["descent_steps", "momentum_radius", "momentum_steps"]

#: A pair of numbers, one per direction.
Point = tuple[float, float]


def descent_steps(gaps: Point, factors: Point, tol: float) -> int | None:
    """The first k with ``Σ gaps[i]·factors[i]^(2k) <= tol``, or ``None`` if there is none."""
    terms = [(gap, abs(q)) for gap, q in zip(gaps, factors, strict=True) if gap > 0]
    if sum(gap for gap, _ in terms) <= tol:
        return 0
    if any(q >= 1 for _, q in terms):
        return None  # a direction that never shrinks holds its gap (or more) forever

    def gap_after(k: int) -> float:
        return sum(gap * math.exp(2 * k * math.log(q)) if q else 0.0 for gap, q in terms)

    if all(q == 0 for _, q in terms):
        return 1
    slowest = max(q for _, q in terms)
    total = sum(gap for gap, _ in terms)
    # Each term shrinks at least as fast as the slowest: after `high` steps even their sum is
    # within tol. The sum never rises, so the first step within tol is found by bisection.
    high = max(1, math.ceil(math.log(tol / total) / (2 * math.log(slowest))))
    while gap_after(high) > tol:  # float64 rounding at the edge
        high += 1
    low = 1
    while low < high:
        mid = (low + high) // 2
        if gap_after(mid) <= tol:
            high = mid
        else:
            low = mid + 1
    return low


def momentum_radius(lr: float, beta: float, lam: float) -> float:
    """The rate of convergence of ``x[k+1] = (1 + β - lr·λ) x[k] - β x[k-1]``: the larger size
    of the roots of ``z² - (1 + β - lr·λ) z + β``."""
    b = 1.0 + beta - lr * lam
    disc = b * b - 4.0 * beta
    if disc >= 0:
        root = math.sqrt(disc)
        return max(abs((b + root) / 2), abs((b - root) / 2))
    return math.sqrt(beta)  # complex roots of size √β


#: How many steps of momentum's recurrence are computed at once (see :func:`_momentum_steps`).
_BLOCK = 1 << 14


def momentum_steps(
    gaps: Point, eigenvalues: Point, lr: float, beta: float, tol: float, steps: int
) -> int | None:
    """Momentum's steps to ``tol``: the loss above its minimum after every step up to
    ``steps``, each direction's error by its recurrence ``x[k+1] = (1 + β - lr·λ) x[k] -
    β x[k-1]`` from ``x[0] = x[-1] = 1`` (velocity 0) in float64, a block of steps at a time
    (the block's matrix powers applied to the state at its start).

    It stops early once no later step can be above ``tol``: when a block's jump ``M**B`` does
    not grow any state (Frobenius norm at most 1, which bounds its 2-norm) and the largest
    power within a block, applied to the state now, keeps the loss within ``tol``; or once a
    state is no longer finite (every later loss is then above ``tol``).
    """
    terms = [(gap, lam) for gap, lam in zip(gaps, eigenvalues, strict=True) if gap > 0]
    if not terms:
        return 0
    block = min(_BLOCK, steps + 1)
    powers, jumps, reach, states = [], [], [], []
    for _, lam in terms:
        b = 1.0 + beta - lr * lam
        matrix = np.array([[b, -beta], [1.0, 0.0]])
        power = np.eye(2)[np.newaxis]
        doubled = matrix
        with np.errstate(over="ignore", invalid="ignore"):
            while len(power) < block:  # M**k for k < 2n from those for k < n, and M**n
                power = np.concatenate([power, power @ doubled])
                doubled = doubled @ doubled
            power = power[:block]
            jump = matrix @ power[-1]
            sizes = np.sqrt((power * power).sum(axis=(1, 2)))
        powers.append(power)
        jumps.append(jump)
        # The most a block can multiply a state by, if no block ever grows it; else inf.
        settles = bool(np.sqrt((jump * jump).sum()) <= 1)
        reach.append(float(sizes.max()) if settles else math.inf)
        states.append(np.array([1.0, 1.0]))
    last_above = -1
    for begin in range(0, steps + 1, block):
        count = min(block, steps + 1 - begin)
        loss = np.zeros(count)
        with np.errstate(over="ignore", invalid="ignore"):
            for i, (gap, _) in enumerate(terms):
                x = (powers[i][:count] @ states[i])[:, 0]
                loss += gap * x * x
                states[i] = jumps[i] @ states[i]
        above = np.nonzero(~(loss <= tol))[0]
        if above.size:
            last_above = begin + int(above[-1])
        if not all(np.isfinite(state).all() for state in states):
            return None
        with np.errstate(over="ignore", invalid="ignore"):
            bound = sum(
                gap * (size * float(np.sqrt(state @ state))) ** 2
                for (gap, _), size, state in zip(terms, reach, states, strict=True)
            )
        if bound <= tol:
            break
    if last_above == steps:
        return None
    return last_above + 1
