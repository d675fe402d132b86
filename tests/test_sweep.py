"""The range test: one batched call, each rate exactly its own run, and its suggestions."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import tensorflow as tf
from conftest import bits
from eager_reference import eager_run_spec
from test_graph_path import spec_of

from tui.engine import descent
from tui.engine.losses import parse_loss
from tui.engine.outcome import Outcome
from tui.engine.result import RunResult
from tui.engine.spec import ParameterError, RunSpec
from tui.engine.sweep import Sweep, log_rates, suggest, sweep, sweep_specs


def test_log_rates_are_log_spaced_and_validated() -> None:
    lrs = log_rates(1e-4, 2.0, 200)
    assert lrs.size == 200 and lrs[0] == pytest.approx(1e-4) and lrs[-1] == pytest.approx(2.0)
    ratios = lrs[1:] / lrs[:-1]
    assert np.allclose(ratios, ratios[0])
    for bad in ((0.0, 1.0, 10), (1.0, 0.5, 10), (1e-3, 1.0, 1), (1e-3, float("inf"), 10)):
        with pytest.raises(ParameterError):
            log_rates(*bad)


def test_each_rate_of_a_sweep_is_exactly_its_own_run() -> None:
    lrs = log_rates(1e-3, 1.5, 9)
    base = RunSpec(w0=5.0, epochs=300)
    result = sweep(base, lrs, "(w + 1)**2")
    for index, lr in enumerate(lrs):
        single = descent.run(RunSpec(w0=5.0, epochs=300, lr=float(lr)))
        assert bits(result.final_loss[index]) == bits(single.final_loss)
        assert result.outcomes[index] is single.status.outcome


def test_the_seed_loss_sweep_finds_the_theory() -> None:
    result = sweep(RunSpec(w0=5.0, epochs=1000), log_rates(1e-4, 2.0, 200), "(w + 1)**2")
    assert result.lrs.size == 200
    # Above the critical rate 2/L = 1 every run diverges; below it every run converges or descends.
    above = result.lrs > 1.0 + 1e-9
    assert all(result.outcomes[i] is Outcome.DIVERGED for i in np.nonzero(above)[0])
    assert not any(result.outcomes[i] is Outcome.DIVERGED for i in np.nonzero(~above)[0])
    # Steps to tol, by theory: on (w+1)^2 each step multiplies w + 1 by 1 - 2 lr, so the loss
    # after k steps is 36 (1 - 2 lr)^(2k); the first k with that <= 1e-6 (float32 may move a
    # count by one at a boundary). Never within 1000 steps: -1.
    q = np.abs(1 - 2 * result.lrs)
    expected = np.full(result.lrs.size, -1)
    for i in np.nonzero(q < 1)[0]:
        k = math.ceil(math.log(1e-6 / 36) / (2 * math.log(q[i]))) if q[i] > 0 else 1
        expected[i] = k if k <= 1000 else -1
    assert np.abs(result.steps_to_tol - expected).max() <= 1
    assert (result.steps_to_tol >= 0).sum() > 100
    # The fastest rate is the grid's nearest to the one-step optimum 1/L = 0.5 in |1 - 2 lr|.
    reached = result.steps_to_tol >= 0
    fastest = result.lrs[reached][np.argmin(result.steps_to_tol[reached])]
    assert fastest == result.lrs[np.argmin(q)]


def test_result_index_is_the_nearest_rate_in_log() -> None:
    result = sweep(RunSpec(w0=5.0, epochs=3), np.array([0.01, 0.1, 1.0]), "(w + 1)**2")
    assert [result.result_index(x) for x in (1e-5, 0.031, 0.032, 0.3, 0.32, 50.0)] == [
        0,
        0,
        1,
        1,
        2,
        2,
    ]


def synthetic(lrs: np.ndarray, loss: np.ndarray, steps: np.ndarray | None = None) -> Sweep:
    """A :class:`Sweep` with a final-loss curve made up for the test."""
    steps = np.full(lrs.size, -1, np.int64) if steps is None else steps
    return Sweep(
        tol=1e-6,
        lrs=lrs,
        final_loss=np.asarray(loss, np.float32),
        steps_to_tol=steps,
        outcomes=(Outcome.DESCENDING,) * lrs.size,
        seconds=0.0,
    )


def test_suggestions_on_a_curve_whose_steepest_point_and_minimum_are_known() -> None:
    # ln(loss) against x = log10(lr), on a grid of x in steps of 0.05: a tanh step that falls
    # fastest at x = -2.525 (the middle of the grid step from -2.55 to -2.5), its minimum at
    # x = -1 (lr 0.1), then a rise; and past the minimum a far steeper drop that stays above
    # the minimum, which the suggestion must not take (it lies past the best rate).
    lrs = np.geomspace(1e-4, 10.0, 101)
    x = np.linspace(-4.0, 1.0, 101)
    low = int(np.argmin(np.abs(x + 1)))
    log_loss = -3.0 * np.tanh((x + 2.525) / 0.4)
    rise = log_loss[low] + 2.0 * (x + 1)
    drop = np.maximum(rise - 42.0 * np.maximum(x - 0.2, 0), log_loss[low] + 0.5)
    log_loss = np.where(x > -1, drop, log_loss)
    loss = np.exp(log_loss)
    loss[-3:] = [np.inf, np.nan, np.inf]  # diverged runs
    picks = suggest(synthetic(lrs, loss))
    assert picks.best == pytest.approx(0.1, rel=1e-9)
    assert picks.min_over_10 == pytest.approx(0.01, rel=1e-9)
    # The rate where the steepest grid step starts.
    assert picks.steepest == pytest.approx(10**-2.55, rel=1e-9)


def test_the_best_rate_among_tied_lowest_losses_is_the_fastest() -> None:
    lrs = np.geomspace(0.01, 1.0, 5)
    loss = [3.0, 1.0, 0.0, 0.0, 0.0]
    steps = np.array([-1, -1, 9, 4, 6], np.int64)
    picks = suggest(synthetic(lrs, loss, steps))
    assert picks.best == lrs[3]
    assert picks.steepest == lrs[0], "the log needs a positive loss: 0 is left out"
    assert picks.min_over_10 == pytest.approx(lrs[3] / 10)


def test_no_suggestions_from_fewer_than_two_finite_losses() -> None:
    lrs = np.geomspace(0.01, 1.0, 3)
    picks = suggest(synthetic(lrs, [1.0, np.inf, np.nan]))
    assert (picks.best, picks.steepest, picks.min_over_10) == (None, None, None)


def test_suggestions_of_a_real_sweep_are_its_measured_best() -> None:
    result = sweep(RunSpec(w0=5.0, epochs=50), log_rates(1e-4, 2.0, 100), "(w + 1)**2")
    picks = suggest(result)
    best_loss = float(np.nanmin(result.final_loss))
    assert picks.best is not None
    assert result.final_loss[result.result_index(picks.best)] == best_loss


#: Graph-mode range tests (losses XLA does not compute exactly): the loss, optimizer, schedule.
GRAPH_SWEEPS = [
    ("tanh(w) + 0.1*w**2", "gd", "constant"),
    ("w*w + exp(w) - 3*w", "gd", "exponential"),
    ("log(1 + w**2) + tanh(w)*w", "gd", "cosine"),
    ("softplus(w) + (w - 2)**4 / 50", "adam", "constant"),
    ("tanh(w) + 0.1*w**2", "momentum", "piecewise"),
    ("abs(w)**1.5 + exp(-w)", "rmsprop", "exponential"),
    # Three uses of w: the order their gradients are summed in matters.
    ("w*w + 1/w - 3*w", "adam", "constant"),
    ("w*w + exp(w)", "nesterov", "inverse-time"),
    ("sin(w) + cos(w) + tanh(w) + w*w", "adagrad", "constant"),
]


@pytest.mark.parametrize(("loss", "optimizer", "schedule"), GRAPH_SWEEPS)
def test_a_graph_mode_sweep_is_each_rates_eager_run(
    loss: str, optimizer: str, schedule: str
) -> None:
    """Every rate of a range test (7 of them: no power of two) is bit for bit the eager loop's
    run at that rate, for the seed's update and keras optimizers, with any schedule."""
    rng = np.random.default_rng(sum(map(ord, loss + optimizer + schedule)))
    base = replace(spec_of(rng, schedule, optimizer), epochs=int(rng.integers(12, 30)))
    lrs = log_rates(1e-3, 1.5, 7)
    results: list[RunResult] = []

    def run_batch(specs, text, tol):
        results.extend(descent.run_batch(specs, text, tol=tol))
        return results

    swept = sweep(base, lrs, loss, run_batch=run_batch)
    fn = parse_loss(loss).tf_function()
    for index, spec in enumerate(sweep_specs(base, lrs)):
        ws, losses, _ = eager_run_spec(fn, spec)
        assert results[index].backend == "graph"
        assert bits(results[index].w).tolist() == bits(ws).tolist(), spec
        assert bits(results[index].loss).tolist() == bits(losses).tolist(), spec
        last = fn(tf.constant(ws[-1])).numpy()
        assert bits(swept.final_loss[index]) == bits(last), spec
