"""The engine against the seed: its 60 lines, and a literal eager loop for any parameters."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from conftest import bits
from eager_reference import eager_run

from tui import formats
from tui.engine import descent
from tui.engine.losses import parse_loss
from tui.engine.outcome import Outcome
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


def _cube(x: tf.Tensor) -> tf.Tensor:
    """``x**3`` as one multiplication and one square of the same ``x`` (how the engine lowers
    it: see :mod:`tui.engine.losses`)."""
    return x * tf.square(x)


# Each typed loss beside the same loss written by hand in TensorFlow, as a user of the lesson
# would write it (not the engine's own translation). They take both paths: XLA (only ops of
# XLA_EXACT_OPS) and graph mode (exp, division, pow, ...). Per loss: the range w0 is drawn from
# (wide, but where the loss stays finite) and the range of lr.
LOSSES = {
    "(w + 1)**2": (lambda w: tf.square(w + 1.0), 1e4, 0.9),
    "w**4 - 3*w**2 + w": (lambda w: tf.square(tf.square(w)) - 3.0 * tf.square(w) + w, 3.0, 0.02),
    "sin(3*w) + 0.1*w**2": (lambda w: tf.sin(3.0 * w) + 0.1 * tf.square(w), 200.0, 0.3),
    "sqrt(1 + w**2) + 0.1*sin(w)": (
        lambda w: tf.sqrt(1.0 + tf.square(w)) + 0.1 * tf.sin(w),
        1e3,
        0.5,
    ),
    "-0.5*w**2 + 0.01*w**4": (
        lambda w: -0.5 * tf.square(w) + 0.01 * tf.square(tf.square(w)),
        10.0,
        0.05,
    ),
    "cos(3*w) + 0.01*w**4 - atan(w)": (
        lambda w: tf.cos(3.0 * w) + 0.01 * tf.square(tf.square(w)) - tf.atan(w),
        8.0,
        0.05,
    ),
    "w*(w - 3)**3 + atan(w)*cos(w)": (
        lambda w: w * _cube(w - 3.0) + tf.atan(w) * tf.cos(w),
        4.0,
        0.002,
    ),
    "abs(w - 2)": (lambda w: tf.abs(w - 2.0), 1e3, 0.5),
    "log(1 + exp(w))": (lambda w: tf.math.log(1.0 + tf.exp(w)), 30.0, 0.9),
    "w**2 / (1 + w**2)": (lambda w: tf.square(w) / (1.0 + tf.square(w)), 50.0, 0.9),
    "sqrt(1 + w**2) + 0.01*abs(w)**2.5": (
        lambda w: tf.sqrt(1.0 + tf.square(w)) + 0.01 * tf.pow(tf.abs(w), 2.5),
        20.0,
        0.3,
    ),
    "log1p(w**2) + sigmoid(w) + softplus(-w) - exp(-w**2)": (
        lambda w: (
            tf.math.log1p(tf.square(w)) + tf.sigmoid(w) + tf.nn.softplus(-w) - tf.exp(-tf.square(w))
        ),
        20.0,
        0.5,
    ),
    "tanh(w) + cosh(0.3*w) - sinh(0.1*w) + tan(0.2*w) + min(w, 1) + max(0.5, w)": (
        lambda w: (
            tf.tanh(w)
            + tf.cosh(0.3 * w)
            - tf.sinh(0.1 * w)
            + tf.tan(0.2 * w)
            + tf.minimum(w, 1.0)
            + tf.maximum(0.5, w)
        ),
        6.0,
        0.1,
    ),
}

#: Lanes in one batch: XLA computes a batch as vectors, wider than 64 lanes here (two and more
#: vector registers' worth, padded to a power of two). Graph mode computes each lane as its own
#: scalar whatever the batch, and builds one copy of the loss per lane, so fewer lanes suffice.
XLA_LANES = 70
GRAPH_LANES = 12


def test_the_hand_written_losses_cover_every_function_and_every_xla_exact_op() -> None:
    from tui.engine.losses import FUNCTIONS, XLA_EXACT_OPS

    exprs = [parse_loss(text) for text in LOSSES]
    on_xla = set().union(*(e.ops for e in exprs if e.xla_exact))
    assert on_xla == XLA_EXACT_OPS
    assert set().union(*(e.ops for e in exprs)) >= set(FUNCTIONS) | {"div", "pow", "neg"}


@pytest.mark.parametrize("text", list(LOSSES))
def test_typed_losses_match_the_hand_written_eager_loop_single_and_batched(text: str) -> None:
    expr = parse_loss(text)
    fn, scale, top = LOSSES[text]
    rng = np.random.default_rng(len(text))
    lanes = XLA_LANES if expr.xla_exact else GRAPH_LANES
    # w0 over the whole range, its magnitude spread in log from scale / 1000 to scale.
    w0 = rng.choice([-1.0, 1.0], lanes) * scale * 10 ** rng.uniform(-3, 0, lanes)
    specs = [
        RunSpec(
            w0=float(w0[k]),
            lr=float(top * 10 ** rng.uniform(-2, 0)),
            epochs=int(rng.integers(5, 30)),
            decay=0.97 if k % 2 else None,
        )
        for k in range(lanes)
    ]
    batch = descent.run_batch(specs, expr)
    assert batch[0].backend == ("xla" if expr.xla_exact and descent.xla_in_use() else "graph")
    for lane, (spec, result) in enumerate(zip(specs, batch, strict=True)):
        expected = _eager(spec, fn)
        assert np.isfinite(expected[0]).all(), (lane, "keep the references finite")
        _assert_same(result, *expected)
        if lane < 4:
            _assert_same(descent.run(spec, expr), *expected)


@pytest.mark.parametrize("trusted", [True, False])
def test_the_path_reported_is_the_probes_decision_and_both_are_exact(
    trusted: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if trusted and not descent.xla_in_use():
        pytest.skip("the probe found XLA inexact on this machine: only graph mode runs here")
    monkeypatch.setattr(descent, "_probe_result", trusted)
    spec = RunSpec(w0=-3.0, lr=0.3, epochs=300, decay=0.99)
    result = descent.run(spec, "(w+1)^2")
    assert result.backend == ("xla" if trusted else "graph")
    _assert_same(result, *_eager(spec))
    # A loss outside XLA's exact set takes graph mode whatever the probe found.
    assert descent.run(spec, "log(1 + (w+1)**2)").backend == "graph"


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
    spec = RunSpec(w0=1.0, lr=0.05, epochs=400)
    result = descent.run(spec, "w**4 - 3*w**2 + w")
    assert result.status.outcome is Outcome.CONVERGED
    assert abs(float(result.final_grad)) <= 1e-6
    # At a stationary point, the step after the last that moved w by more than lr * tol (the
    # definition in the help), from the eager loop's own w.
    ws, _, _ = _eager(spec, LOSSES["w**4 - 3*w**2 + w"][0])
    path = np.concatenate([[np.float32(1.0)], ws]).astype(np.float64)
    moved = np.nonzero(np.abs(np.diff(path)) > 0.05 * 1e-6)[0]
    assert result.status.step == int(moved[-1]) + 2


def test_a_negative_loss_still_falling_has_not_converged() -> None:
    """Below 0 is not within the tolerance of a minimum nobody knows: the gradient is far from
    0 and the loss still falls."""
    result = descent.run(RunSpec(w0=-0.5, lr=0.01, epochs=5), "sin(3*w) + 0.1*w**2")
    assert float(result.final_loss) < 0 and abs(float(result.final_grad)) > 0.01
    assert result.status.outcome is not Outcome.CONVERGED


def test_a_run_that_rose_lately_but_ends_below_its_start_has_not_diverged() -> None:
    """Momentum overshoots: the loss rose over the last steps, yet ends far below where it
    started."""
    for epochs in (25, 45):
        result = descent.run(RunSpec(lr=0.01, epochs=epochs, optimizer="momentum", beta=0.9))
        seen = np.append(result.loss, result.final_loss)
        assert seen[-1] < seen[0] / 10 and seen[-1] > seen[-11], epochs
        assert result.status.outcome is not Outcome.DIVERGED, (epochs, str(result.status))


def test_stalled_needs_w_unmoved_over_the_last_ten_steps() -> None:
    """lr 0 from step 17 on: w stands still after step 16. Four steps of that are not a stall;
    fourteen are, from step 17."""
    from tui.engine.spec import Schedule

    def run(epochs: int) -> descent.RunResult:
        piecewise = Schedule("piecewise", boundaries=(15,), factors=(1.0, 0.0))
        return descent.run(RunSpec(lr=0.01, epochs=epochs, schedule=piecewise))

    short, long = run(20), run(30)
    assert bits(short.w[-4:]).tolist() == [bits(short.w[15:16])[0]] * 4
    assert short.status.outcome is not Outcome.STALLED
    assert long.status.outcome is Outcome.STALLED and long.status.step == 17


def test_a_run_whose_steps_fall_below_float32_resolution_is_stalled() -> None:
    result = descent.run(RunSpec(w0=1.0, lr=0.01, epochs=1000), "sin(3*w) + 0.1*w**2")
    moved = np.nonzero(np.diff(bits(result.w)))[0]
    assert result.status.outcome is Outcome.STALLED
    assert result.status.step == int(moved[-1]) + 3  # the first step after the last move
    assert float(result.final_grad) != 0.0


def test_cancelled_before_the_first_chunk() -> None:
    with pytest.raises(descent.Cancelled):
        descent.run(RunSpec(epochs=descent.XLA_CHUNK * 2), should_stop=lambda: True)


@pytest.mark.parametrize(
    ("loss", "optimizer"), [("(w + 1)**2", "gd"), ("log(1 + exp(w))", "gd"), ("(w + 1)**2", "adam")]
)
def test_cancelled_after_some_chunks(
    loss: str, optimizer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``should_stop`` is polled before each chunk; once it says stop, no further chunk runs
    and :class:`Cancelled` is raised (no partial result), on every path."""
    monkeypatch.setattr(descent, "XLA_CHUNK", 100)
    monkeypatch.setattr(descent, "GRAPH_CHUNK", 100)
    polls, seen = [], []

    def should_stop() -> bool:
        polls.append(len(seen))
        return len(polls) == 3

    with pytest.raises(descent.Cancelled):
        descent.run(
            RunSpec(epochs=450, optimizer=optimizer),
            loss,
            should_stop=should_stop,
            progress=lambda d, t: seen.append((d, t)),
        )
    assert polls == [0, 1, 2], "polled before each chunk, after the progress of the last"
    assert seen == [(100, 450), (200, 450)]


def test_progress_is_reported_per_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(descent, "XLA_CHUNK", 100)
    monkeypatch.setattr(descent, "GRAPH_CHUNK", 100)
    seen = []
    descent.run(RunSpec(epochs=205), progress=lambda d, t: seen.append((d, t)))
    assert seen == [(100, 205), (200, 205), (205, 205)]


SEAM_LOSSES = {
    "(w + 1)**2": seed_loss,
    "log(1 + exp(w)) + 0.01*w**2": lambda w: tf.math.log(1.0 + tf.exp(w)) + 0.01 * tf.square(w),
}


@pytest.mark.parametrize("text", list(SEAM_LOSSES))
def test_chunk_seams_are_exact(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(descent, "XLA_CHUNK", 7)
    monkeypatch.setattr(descent, "GRAPH_CHUNK", 7)
    spec = RunSpec(w0=3.0, lr=0.07, epochs=31, decay=0.95, decay_steps=2.0)
    _assert_same(descent.run(spec, text), *_eager(spec, SEAM_LOSSES[text]))
