"""The keras optimizers under XLA: bit for bit keras's own eager ``apply_gradients`` loop.

Every optimizer, every schedule, several betas, XLA-exact losses, 8 lanes in one call (the
width at which vector kernels take over), chunk seams and overflow to inf and nan. The probe
that lets XLA run an optimizer, and its fallback to graph mode, are checked here too.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import tensorflow as tf
from conftest import bits
from eager_reference import eager_run_spec
from test_graph_path import spec_of

from tui.engine import descent, optimizers, tfenv
from tui.engine.losses import parse_loss
from tui.engine.spec import BETA_OPTIMIZERS, KERAS_SCHEDULES, OPTIMIZERS, RunSpec, Schedule

KERAS_OPTIMIZERS = tuple(kind for kind in OPTIMIZERS if kind != "gd")

#: Every schedule: the seed's two and the keras ones.
SCHEDULES = ("constant", "exponential", *KERAS_SCHEDULES)

#: XLA-exact losses with more than one op kind in their gradients (sin, cos, atan, sqrt).
LOSSES = (
    "(w + 1)**2",
    "sin(3*w) + 0.1*w**2",
    "atan(w - 1) + 0.05*w**2",
    "sqrt(w**2 + 1) + cos(w)",
    "-0.5*w**2 + 0.01*w**4",
)


def xla_expected(kind: str) -> bool:
    """Whether the engine should run ``kind`` under XLA here (both probes trust it)."""
    return descent.xla_in_use() and optimizers.xla_trusted(kind)


def assert_same_as_eager(result: descent.RunResult, spec: RunSpec, text: str) -> None:
    """``result`` bit for bit as keras's eager ``apply_gradients`` loop for ``spec`` alone, and
    its final loss and gradient as the eager tape's at the last w."""
    fn = parse_loss(text).tf_function()
    ws, losses, lrs = eager_run_spec(fn, spec)
    assert bits(result.w).tolist() == bits(ws).tolist(), spec
    assert bits(result.loss).tolist() == bits(losses).tolist(), spec
    assert bits(result.lr).tolist() == bits(np.array(lrs, np.float64).astype(np.float32)).tolist()
    w = tf.Variable(tf.constant(ws[-1], tf.float32))
    with tf.GradientTape() as tape:
        loss = fn(w)
    grad = tape.gradient(loss, w)
    assert bits(result.final_loss).tolist() == bits(loss.numpy()).tolist(), spec
    assert bits(result.final_grad).tolist() == bits(grad.numpy()).tolist(), spec


def run_and_check(specs: list[RunSpec], text: str, backend: str) -> None:
    """Run ``specs`` in one call on ``text``: each result on ``backend``, as its eager loop."""
    results = descent.run_batch(specs, text)
    for spec, result in zip(specs, results, strict=True):
        assert result.backend == backend, spec
        assert_same_as_eager(result, spec, text)


@pytest.mark.parametrize("kind", KERAS_OPTIMIZERS)
def test_every_schedule_on_8_lanes_under_xla_is_the_eager_loop(kind: str) -> None:
    """One call of 8 lanes (every schedule, then a longer run) per beta, on two losses."""
    rng = np.random.default_rng(sum(map(ord, kind)) + 14)
    backend = "xla" if xla_expected(kind) else "graph"
    betas = [0.9, float(rng.uniform(0, 0.99))] if kind in BETA_OPTIMIZERS else [0.9]
    for number, beta in enumerate(betas):
        specs = [spec_of(rng, schedule, kind, beta) for schedule in SCHEDULES]
        specs.append(dataclasses.replace(specs[0], lr=specs[0].lr * 1.5, epochs=45))
        text = LOSSES[(KERAS_OPTIMIZERS.index(kind) + number) % len(LOSSES)]
        run_and_check(specs, text, backend)


@pytest.mark.parametrize("text", LOSSES[1:4])
def test_each_loss_with_mixed_optimizers_and_betas(text: str) -> None:
    """Every optimizer in one batch, two betas each, one lane per group and pairs of lanes."""
    rng = np.random.default_rng(len(text) + 1)
    specs = []
    for kind in KERAS_OPTIMIZERS:
        beta = float(rng.choice([0.0, 0.5, 0.99, rng.uniform(0, 0.99)]))
        specs += [spec_of(rng, str(rng.choice(SCHEDULES)), kind, beta) for _ in range(2)]
    results = descent.run_batch(specs, text)
    for spec, result in zip(specs, results, strict=True):
        assert result.backend == ("xla" if xla_expected(spec.optimizer) else "graph")
        assert_same_as_eager(result, spec, text)


def test_chunk_seams_under_xla_are_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run longer than a chunk (7 steps here): the optimizer's state carries over each seam,
    and lanes of different lengths stop where they should."""
    monkeypatch.setattr(descent, "XLA_CHUNK", 7)
    check_seams()


def test_chunk_seams_of_the_graph_fallback_are_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    """As above with XLA not trusted (test_schedules_optimizers' seam test now runs XLA)."""
    monkeypatch.setattr(descent, "GRAPH_CHUNK", 7)
    monkeypatch.setattr(optimizers, "_probe_results", {"adam": False, "momentum": False})
    check_seams()


def check_seams() -> None:
    """Three adam and momentum lanes of different lengths, 33 steps at most, on a sin loss."""
    base = RunSpec(lr=0.3, epochs=33, optimizer="adam", warmup=4)
    specs = [
        dataclasses.replace(base, schedule=Schedule("cosine", steps=20.0)),
        dataclasses.replace(base, epochs=12, w0=-3.0),
        dataclasses.replace(base, epochs=21, lr=0.05),
    ]
    for kind in ("adam", "momentum"):
        batch = [dataclasses.replace(spec, optimizer=kind).validate() for spec in specs]
        run_and_check(batch, "sin(3*w) + 0.1*w**2", "xla" if xla_expected(kind) else "graph")


@pytest.mark.parametrize("kind", KERAS_OPTIMIZERS)
def test_overflow_to_inf_and_nan_is_the_eager_loops(kind: str) -> None:
    """Rates that blow w up: inf, then nan, with the eager loop's bits (the sign of nan too)."""
    specs = [
        RunSpec(w0=w0, lr=lr, epochs=30, optimizer=kind, beta=0.9).validate()
        for w0, lr in [(5.0, 3.0), (-4.0, 1.2), (1e18, 0.9), (2e19, 5.0)]
    ]
    run_and_check(specs, "w**4 - 3*w**2", "xla" if xla_expected(kind) else "graph")
    results = descent.run_batch(specs, "w**4 - 3*w**2")
    assert any(not np.isfinite(result.w).all() for result in results)  # it did overflow


@pytest.mark.parametrize("kind", ["adam", "rmsprop"])
def test_the_graph_fallback_on_8_lanes_takes_the_scalar_kernels(
    monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """With XLA not trusted, 8 lanes of a sin loss still give the eager bits (Eigen's vector
    sin differs from the scalar one a one-element eager tensor takes)."""
    monkeypatch.setattr(optimizers, "_probe_results", {kind: False})
    rng = np.random.default_rng(8)
    specs = [spec_of(rng, schedule, kind, 0.9) for schedule in SCHEDULES]
    specs.append(dataclasses.replace(specs[0], epochs=40))
    run_and_check(specs, "sin(3*w) + 0.1*w**2", "graph")


def test_a_loss_xla_does_not_compute_exactly_stays_on_graph_mode() -> None:
    spec = RunSpec(lr=0.1, epochs=25, optimizer="adam").validate()
    run_and_check([spec, dataclasses.replace(spec, w0=-2.0)], "tanh(w) + 0.1*w**2", "graph")


def test_one_bit_of_difference_in_the_probe_means_graph_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    honest = optimizers.LanesRunner.final

    def one_bit_off(self: optimizers.LanesRunner) -> tuple[np.ndarray, np.ndarray]:
        value, grad = honest(self)
        if self.backend == "xla":
            grad = grad.copy()
            grad.view(np.int32)[-1] ^= 1  # the last bit of one lane's final gradient
        return value, grad

    monkeypatch.setattr(optimizers.LanesRunner, "final", one_bit_off)
    monkeypatch.setattr(optimizers, "_probe_results", {})
    assert not optimizers.xla_trusted("momentum")
    spec = RunSpec(lr=0.05, epochs=20, optimizer="momentum").validate()
    run_and_check([spec], "(w + 1)**2", "graph")


def test_an_error_from_xla_in_the_probe_means_graph_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    honest = optimizers.LanesRunner.steps

    def failing(self: optimizers.LanesRunner, *args: object) -> tuple[np.ndarray, np.ndarray]:
        if self.backend == "xla":
            raise RuntimeError("XLA compilation failed")  # as a broken XLA might
        return honest(self, *args)

    monkeypatch.setattr(optimizers.LanesRunner, "steps", failing)
    monkeypatch.setattr(optimizers, "_probe_results", {})
    assert not optimizers.xla_trusted("adagrad")


def test_the_switch_turns_optimizer_xla_off_without_asking_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_xla(*args: object, **kwargs: object) -> None:
        raise AssertionError("XLA was probed although it is switched off")

    monkeypatch.setattr(optimizers, "_probe", no_xla)
    monkeypatch.setattr(optimizers, "_probe_results", {})
    monkeypatch.setenv(tfenv.XLA_ENV, "off")
    assert not any(optimizers.xla_trusted(kind) for kind in KERAS_OPTIMIZERS)


def test_xla_runs_every_optimizer_the_probe_trusts() -> None:
    """On a machine whose XLA is exact (this one), every optimizer runs under XLA."""
    untrusted = [kind for kind in KERAS_OPTIMIZERS if not xla_expected(kind)]
    if untrusted:
        pytest.skip(f"XLA is not exact here for {untrusted} (or switched off): graph mode is used")
    for kind in KERAS_OPTIMIZERS:
        spec = RunSpec(lr=0.05, epochs=3, optimizer=kind).validate()
        assert descent.run(spec, "sin(w) + w**2").backend == "xla"
