"""Schedules beyond the seed's and keras optimizers: bit-exact with the eager loop they define."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import tensorflow as tf
from conftest import bits
from eager_reference import eager_run_spec, keras_schedule_reference

from tui.engine import descent, keras_schedules, optimizers, schedule_formulas, schedules, tfenv
from tui.engine.losses import parse_loss
from tui.engine.outcome import Outcome
from tui.engine.spec import (
    KERAS_SCHEDULES,
    OPTIMIZERS,
    ParameterError,
    RunSpec,
    Schedule,
)


def random_schedule(rng: np.random.Generator, kind: str) -> Schedule:
    """A schedule of ``kind`` with random parameters, turning points inside a short run."""
    boundaries = tuple(
        sorted(rng.choice(np.arange(0, 60), size=int(rng.integers(1, 4)), replace=False).tolist())
    )
    return Schedule(
        kind,
        steps=float(rng.choice([rng.uniform(1, 40), float(rng.integers(1, 40))])),
        rate=float(rng.uniform(0, 3)),
        alpha=float(rng.choice([0.0, rng.uniform(0, 0.5)])),
        power=float(rng.uniform(0.3, 3)),
        cycle=bool(rng.random() < 0.5),
        staircase=bool(rng.random() < 0.5),
        t_mul=float(rng.uniform(0.5, 3)),
        m_mul=float(rng.uniform(0.2, 1.2)),
        boundaries=tuple(int(b) for b in boundaries),
        factors=tuple(float(f) for f in rng.uniform(0, 2, size=len(boundaries) + 1)),
    )


@pytest.mark.parametrize("kind", KERAS_SCHEDULES)
def test_keras_schedule_tables_equal_eager_scalar_calls(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exact whichever path computes the table; and where XLA's whole table is exact, no spot
    check may have turned XLA off (on a machine whose XLA is not exact, the fallback is right)."""
    rng = np.random.default_rng(len(kind))
    for _ in range(4):
        schedule = random_schedule(rng, kind).validate()
        lr = float(10 ** rng.uniform(-3, 0.3))
        n = 300
        monkeypatch.setattr(keras_schedules, "_xla_ok", tfenv.xla_allowed())  # a fresh start
        table = keras_schedules.table(schedule, lr, n)
        reference = keras_schedule_reference(schedule, lr)
        expected = np.array([reference(step).numpy() for step in range(n)], np.float32)
        assert bits(table).tolist() == bits(expected).tolist(), schedule
        if tfenv.xla_allowed():
            whole = keras_schedules._xla_table(schedule, lr, n)
            if bits(whole).tolist() == bits(expected).tolist():
                assert keras_schedules.xla_in_use(), f"a spot check failed wrongly: {schedule}"


def test_the_graph_fallback_gives_the_same_table(monkeypatch: pytest.MonkeyPatch) -> None:
    schedule = Schedule("cosine-restarts", steps=7.0, t_mul=1.5, m_mul=0.8, alpha=0.05)
    fast = keras_schedules.table(schedule, 0.3, 200)
    monkeypatch.setattr(keras_schedules, "_xla_ok", False)
    slow = keras_schedules.table(schedule, 0.3, 200)
    assert bits(fast).tolist() == bits(slow).tolist()


def test_a_failed_spot_check_switches_to_the_exact_fallback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    schedule = Schedule("cosine", steps=50.0)
    honest = keras_schedules._xla_table

    def one_bit_off(schedule: Schedule, lr: float, n: int) -> np.ndarray:
        table = honest(schedule, lr, n).copy()
        table.view(np.int32)[-1] += 1
        return table

    monkeypatch.setattr(keras_schedules, "_xla_table", one_bit_off)
    monkeypatch.setattr(keras_schedules, "_xla_ok", True)
    table = keras_schedules.table(schedule, 0.4, 100)
    assert not keras_schedules.xla_in_use()
    expected = keras_schedules.eager_rates(schedule, 0.4, np.arange(100))
    assert bits(table).tolist() == bits(expected).tolist()


def test_warmup_then_cosine_is_keras_cosine_decay_with_its_own_warmup() -> None:
    spec = RunSpec(lr=0.6, epochs=90, warmup=17, schedule=Schedule("cosine", steps=50.0, alpha=0.1))
    _, lr32 = schedules.lr_tables(spec.validate())
    keras = tf.keras.optimizers.schedules.CosineDecay(
        0.0, 50.0, alpha=0.1, warmup_target=0.6, warmup_steps=17
    )
    expected = np.array([keras(step).numpy() for step in range(90)], np.float32)
    assert bits(lr32).tolist() == bits(expected).tolist()
    assert lr32[0] == 0.0 and lr32[17] == np.float32(0.6)


def random_spec(rng: np.random.Generator, optimizer: str | None = None) -> RunSpec:
    """Any schedule (the seed's two included), warm-up or not, any optimizer."""
    kind = str(rng.choice(["constant", "exponential", *KERAS_SCHEDULES]))
    return RunSpec(
        w0=float(rng.choice([5.0, rng.uniform(-10, 10)])),
        lr=float(10 ** rng.uniform(-3, 0.1)),
        epochs=int(rng.integers(1, 45)),
        decay=float(rng.uniform(0.8, 1.0)) if kind == "exponential" else None,
        decay_steps=float(rng.choice([1.0, rng.uniform(0.5, 5)])),
        staircase=bool(rng.random() < 0.3),
        schedule=random_schedule(rng, kind) if kind in KERAS_SCHEDULES else None,
        warmup=int(rng.choice([0, 0, rng.integers(1, 12)])),
        optimizer=optimizer or str(rng.choice(OPTIMIZERS)),
        beta=float(rng.choice([0.9, rng.uniform(0, 0.99)])),
    ).validate()


def assert_same(result, spec: RunSpec, fn) -> None:
    ws, losses, lrs = eager_run_spec(fn, spec)
    assert bits(result.w).tolist() == bits(ws).tolist(), spec
    assert bits(result.loss).tolist() == bits(losses).tolist(), spec
    assert bits(result.lr).tolist() == bits(np.array(lrs, np.float64).astype(np.float32)).tolist()


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_each_optimizer_with_random_schedules_matches_the_eager_loop(optimizer: str) -> None:
    rng = np.random.default_rng(sum(map(ord, optimizer)))
    fn = parse_loss("(w + 1)**2").tf_function()
    for _ in range(4):
        spec = random_spec(rng, optimizer)
        assert_same(descent.run(spec), spec, fn)


@pytest.mark.parametrize(
    "text", ["(w + 1)**2", "sin(3*w) + 0.1*w**2", "log(1 + exp(w)) + w**2 / 4"]
)
def test_a_mixed_batch_matches_each_eager_run(text: str) -> None:
    """Optimizers, schedules and run lengths mixed in one call, on both loss paths."""
    rng = np.random.default_rng(len(text))
    specs = [random_spec(rng) for _ in range(9)]
    specs += [dataclasses.replace(specs[0], lr=specs[0].lr * 1.5, epochs=specs[0].epochs + 3)]
    expr = parse_loss(text)
    results = descent.run_batch(specs, expr)
    for spec, result in zip(specs, results, strict=True):
        assert result.spec == spec
        assert_same(result, spec, expr.tf_function())


def test_optimizer_chunk_seams_are_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(descent, "GRAPH_CHUNK", 7)
    spec = RunSpec(
        lr=0.3, epochs=33, optimizer="adam", warmup=4, schedule=Schedule("cosine", steps=20.0)
    )
    fn = parse_loss("(w + 1)**2").tf_function()
    assert_same(descent.run(spec.validate()), spec, fn)


def test_plain_descent_keeps_the_seed_path_and_momentum_changes_the_run() -> None:
    plain = descent.run(RunSpec(lr=0.01, epochs=20))
    momentum = descent.run(RunSpec(lr=0.01, epochs=20, optimizer="momentum"))
    assert plain.backend == ("xla" if descent.xla_in_use() else "graph")  # the probe's choice
    assert momentum.backend == ("xla" if optimizers.xla_trusted("momentum") else "graph")
    # Momentum gathers speed: after 20 steps it is much nearer the minimum at -1.
    assert abs(momentum.final_w + 1) < abs(plain.final_w + 1) / 2


def test_a_rate_that_reaches_zero_is_said_to_stall_because_lr_is_zero() -> None:
    spec = RunSpec(lr=0.1, epochs=60, schedule=Schedule("polynomial", steps=20.0))
    result = descent.run(spec.validate())
    assert result.status.outcome is Outcome.STALLED
    assert "lr is 0" in str(result.status.reason)


@pytest.mark.parametrize(
    ("spec", "name"),
    [
        (RunSpec(schedule=Schedule("sawtooth")), "schedule"),
        (RunSpec(decay=0.9, schedule=Schedule("cosine")), "schedule"),
        (RunSpec(schedule=Schedule("cosine", steps=0.0)), "steps"),
        (RunSpec(schedule=Schedule("cosine", alpha=1.5)), "alpha"),
        (RunSpec(schedule=Schedule("polynomial", power=0.0)), "power"),
        (RunSpec(schedule=Schedule("cosine-restarts", t_mul=-1.0)), "t-mul"),
        (
            RunSpec(schedule=Schedule("piecewise", boundaries=(5, 5), factors=(1, 2, 3))),
            "boundaries",
        ),
        (RunSpec(schedule=Schedule("piecewise", boundaries=(5,), factors=(1.0,))), "factors"),
        (RunSpec(schedule=Schedule("piecewise", boundaries=(), factors=(1.0,))), "boundaries"),
        (RunSpec(warmup=-1), "warmup"),
        (RunSpec(optimizer="lbfgs"), "optimizer"),
        (RunSpec(optimizer="adam", beta=1.0), "beta"),
    ],
)
def test_bad_schedule_and_optimizer_parameters_are_named(spec: RunSpec, name: str) -> None:
    with pytest.raises(ParameterError) as caught:
        spec.validate()
    assert caught.value.name == name


def test_formulas_fill_in_the_numbers() -> None:
    cosine = RunSpec(lr=0.5, schedule=Schedule("cosine", steps=100.0, alpha=0.1), warmup=10)
    assert schedule_formulas.formula(cosine) == (
        "0.5 * s / 10 for s < 10, then 0.5 * ((1 - 0.1) * (1 + cos(pi * min(s, 100) / 100)) / 2"
        " + 0.1) at s - 10"
    )
    seed = RunSpec(lr=0.2, decay=0.99)
    assert schedule_formulas.formula(seed) == "0.2 * 0.99^(s / 1)"
    assert set(schedule_formulas.FORMULAS) == {"constant", "exponential", *KERAS_SCHEDULES}
