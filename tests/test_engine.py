"""The engine against the seed: its 60 lines, and a literal eager loop for any parameters."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from conftest import bits
from eager_reference import eager_run

from tui import formats
from tui.engine import descent
from tui.engine.analysis import Outcome
from tui.engine.losses import parse_loss
from tui.engine.spec import RunSpec

SEED_SPECS = [
    RunSpec(w0=5.0, lr=0.01, epochs=20),
    RunSpec(w0=5.0, lr=0.99, epochs=20),
    RunSpec(w0=5.0, lr=0.2, epochs=20, decay=0.99, decay_steps=1.0),
]


def seed_loss(w: tf.Tensor) -> tf.Tensor:
    """The lesson's loss, as it writes it."""
    return tf.square(w + 1)


@pytest.mark.parametrize("table", [0, 1, 2])
def test_engine_prints_the_seeds_lines(table: int, seed_lines_expected) -> None:
    spec = SEED_SPECS[table]
    result = descent.run(spec)
    lr = result.lr64 if spec.decays else None
    text = formats.seed_lines(result.step, result.w, result.loss, lr).decode("utf-8")
    assert text.splitlines() == seed_lines_expected[table]


def test_result_arrays_are_numpy_float32() -> None:
    result = descent.run(SEED_SPECS[0])
    for name in ("w", "loss", "lr"):
        array = getattr(result, name)
        assert isinstance(array, np.ndarray) and array.dtype == np.float32, name
        assert array.shape == (20,)
    assert result.step.tolist() == list(range(1, 21))
    assert result.lr64.dtype == np.float64


def _assert_same(result: descent.RunResult, ws: np.ndarray, losses: np.ndarray, lrs) -> None:
    assert bits(result.w).tolist() == bits(ws).tolist()
    assert bits(result.loss).tolist() == bits(losses).tolist()
    assert result.lr64.tolist() == lrs
    assert bits(result.lr).tolist() == bits(np.array(lrs, np.float32)).tolist()


def _random_spec(rng: np.random.Generator) -> RunSpec:
    decay = float(rng.uniform(0.5, 1.1)) if rng.random() < 0.5 else None
    return RunSpec(
        w0=float(rng.choice([rng.uniform(-10, 10), rng.uniform(-1e4, 1e4), 5.0])),
        lr=float(rng.choice([rng.uniform(0, 1.2), 10 ** rng.uniform(-4, 0), 0.99, 0.01])),
        epochs=int(rng.integers(1, 40)),
        decay=decay,
        decay_steps=float(rng.choice([1.0, 3.0, rng.uniform(0.3, 7)])),
        staircase=bool(rng.random() < 0.3),
    )


def _eager(spec: RunSpec, fn=seed_loss):
    return eager_run(
        fn, spec.w0, spec.lr, spec.epochs, spec.decay, spec.decay_steps, spec.staircase
    )


def test_random_parameters_match_the_eager_loop_bit_for_bit() -> None:
    rng = np.random.default_rng(20261125)
    for _ in range(25):
        spec = _random_spec(rng)
        _assert_same(descent.run(spec), *_eager(spec))


def test_a_batch_matches_each_eager_run() -> None:
    rng = np.random.default_rng(7)
    specs = [_random_spec(rng) for _ in range(11)]
    results = descent.run_batch(specs)
    assert len(results) == len(specs)
    for spec, result in zip(specs, results, strict=True):
        assert result.spec == spec
        _assert_same(result, *_eager(spec))


# Losses that take both paths: XLA (polynomials, abs, ...) and graph mode (exp, division, pow).
LOSSES = {
    "(w + 1)**2": lambda w: tf.square(w + 1),
    "w**4 - 3*w**2 + w": None,
    "sin(3*w) + 0.1*w**2": None,
    "abs(w - 2)": None,
    "log(1 + exp(w))": None,
    "w**2 / (1 + w**2)": None,
    "sqrt(1 + w**2) + w**2.5 * 0": None,
    "-0.5*w**2 + 0.01*w**4": None,
    "cos(3*w) + 0.01*w**4 - atan(w)": None,
}


@pytest.mark.parametrize("text", list(LOSSES))
def test_typed_losses_match_the_eager_loop_single_and_batched(text: str) -> None:
    expr = parse_loss(text)
    fn = LOSSES[text] or expr.tf_function()
    rng = np.random.default_rng(len(text))
    specs = [
        RunSpec(
            w0=float(rng.uniform(-2, 2)),
            lr=float(rng.uniform(0.001, 0.3)),
            epochs=int(rng.integers(5, 30)),
            decay=0.97 if k % 2 else None,
        )
        for k in range(5)
    ]
    batch = descent.run_batch(specs, expr)
    for spec, result in zip(specs, batch, strict=True):
        expected = _eager(spec, fn)
        _assert_same(result, *expected)
        _assert_same(descent.run(spec, expr), *expected)


def test_the_typed_seed_loss_takes_the_fast_exact_path() -> None:
    result = descent.run(RunSpec(epochs=1000), "(w+1)^2")
    assert result.backend == ("xla" if descent.xla_in_use() else "graph")
    assert descent.xla_in_use(), "XLA should be exact on x86-64 with the FMA cap"


def test_overflow_does_not_raise_and_is_reported() -> None:
    spec = RunSpec(w0=5.0, lr=1e30, epochs=12)
    result = descent.run(spec)
    ws, losses, _ = _eager(spec)
    # inf and nan in the same places as the eager loop.
    assert np.array_equal(np.isnan(result.w), np.isnan(ws))
    assert np.array_equal(result.w[~np.isnan(ws)], ws[~np.isnan(ws)])
    assert result.status.outcome is Outcome.DIVERGED
    first_bad = int(np.argmax(~np.isfinite(ws) | ~np.isfinite(np.append(losses[1:], 0)))) + 1
    assert result.status.step == first_bad
    assert str(result.status) == f"diverged at step {first_bad}"


def test_growing_decay_overflows_to_inf_rather_than_raising() -> None:
    result = descent.run(RunSpec(w0=1.0, lr=0.1, epochs=1200, decay=2.0))
    assert np.isinf(result.lr64[-1])
    assert result.status.outcome is Outcome.DIVERGED


@pytest.mark.parametrize(
    ("spec", "outcome"),
    [
        (SEED_SPECS[0], Outcome.DESCENDING),
        (SEED_SPECS[1], Outcome.OSCILLATING),
        (SEED_SPECS[2], Outcome.CONVERGED),
        (RunSpec(lr=1.0, epochs=20), Outcome.OSCILLATING),
        (RunSpec(lr=1.01, epochs=20), Outcome.DIVERGED),
        (RunSpec(lr=0.5, epochs=3), Outcome.CONVERGED),
        (RunSpec(lr=1e-12, epochs=20), Outcome.STALLED),
        (RunSpec(lr=0.0, epochs=20), Outcome.STALLED),
    ],
)
def test_status_of_the_lessons_runs(spec: RunSpec, outcome: Outcome) -> None:
    assert descent.run(spec).status.outcome is outcome


def test_lr_half_reaches_the_minimum_in_one_step() -> None:
    result = descent.run(RunSpec(lr=0.5, epochs=3))
    assert result.w.tolist() == [-1.0, -1.0, -1.0]
    assert result.loss.tolist() == [36.0, 0.0, 0.0]
    assert str(result.status) == "converged at step 1"


def test_stationary_point_of_a_loss_with_negative_values_converges() -> None:
    result = descent.run(RunSpec(w0=1.0, lr=0.05, epochs=400), "w**4 - 3*w**2 + w")
    assert result.status.outcome is Outcome.CONVERGED
    assert abs(float(result.final_grad)) <= 1e-6


def test_a_run_whose_steps_fall_below_float32_resolution_is_stalled() -> None:
    result = descent.run(RunSpec(w0=1.0, lr=0.01, epochs=1000), "sin(3*w) + 0.1*w**2")
    moved = np.nonzero(np.diff(bits(result.w)))[0]
    assert result.status.outcome is Outcome.STALLED
    assert result.status.step == int(moved[-1]) + 3  # the first step after the last move
    assert float(result.final_grad) != 0.0


def test_cancelled_between_chunks() -> None:
    with pytest.raises(descent.Cancelled):
        descent.run(RunSpec(epochs=descent.XLA_CHUNK * 2), should_stop=lambda: True)


def test_progress_is_reported_per_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(descent, "XLA_CHUNK", 100)
    monkeypatch.setattr(descent, "GRAPH_CHUNK", 100)
    seen = []
    descent.run(RunSpec(epochs=205), progress=lambda d, t: seen.append((d, t)))
    assert seen == [(100, 205), (200, 205), (205, 205)]


@pytest.mark.parametrize("text", ["(w + 1)**2", "log(1 + exp(w)) + 0.01*w**2"])
def test_chunk_seams_are_exact(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(descent, "XLA_CHUNK", 7)
    monkeypatch.setattr(descent, "GRAPH_CHUNK", 7)
    spec = RunSpec(w0=3.0, lr=0.07, epochs=31, decay=0.95, decay_steps=2.0)
    expr = parse_loss(text)
    _assert_same(descent.run(spec, expr), *_eager(spec, expr.tf_function()))
