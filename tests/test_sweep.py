"""The range test: one batched call, each rate exactly its own run, and its suggestions."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import bits

from tui.engine import descent
from tui.engine.analysis import Outcome
from tui.engine.spec import ParameterError, RunSpec
from tui.engine.sweep import log_rates, suggest, sweep


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
    # The fastest rate is the one-step optimum 1/L = 0.5.
    reached = result.steps_to_tol >= 0
    fastest = result.lrs[reached][np.argmin(result.steps_to_tol[reached])]
    assert fastest == pytest.approx(0.5, rel=0.05)
    assert result.lrs[result.result_index(0.5)] == pytest.approx(0.5, rel=0.05)


def test_suggestions_sit_below_the_best_rate() -> None:
    result = sweep(RunSpec(w0=5.0, epochs=50), log_rates(1e-4, 2.0, 100), "(w + 1)**2")
    picks = suggest(result)
    assert picks.best is not None and picks.min_over_10 == pytest.approx(picks.best / 10)
    assert picks.steepest is not None and picks.steepest <= picks.best
    best_loss = float(np.nanmin(result.final_loss))
    assert result.final_loss[result.result_index(picks.best)] == best_loss
