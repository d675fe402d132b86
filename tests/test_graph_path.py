"""The graph-mode path, which machines whose XLA is not exact get: the probe's switch to it, and
the lesson's tables and random runs on it, bit for bit against the eager loop.

On this machine the probe usually trusts XLA, so nothing else in the suite runs the plain
update's graph-mode loop for the seed's loss; here it is forced (the probe's result and the
schedules' spot check set to "not exact"), as a one-bit difference would force it.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import tensorflow as tf
from conftest import bits, seed_tables
from eager_reference import eager_run_spec
from test_schedules_optimizers import random_schedule

from tui import formats
from tui.engine import descent, keras_schedules, tfenv
from tui.engine.losses import SEED_LOSS
from tui.engine.spec import KERAS_SCHEDULES, OPTIMIZERS, RunSpec

#: The lesson's three runs: lr 0.01, lr 0.99, and lr 0.2 decaying by 0.99 a step.
LESSON = [
    RunSpec(w0=5.0, lr=0.01, epochs=20),
    RunSpec(w0=5.0, lr=0.99, epochs=20),
    RunSpec(w0=5.0, lr=0.2, epochs=20, decay=0.99, decay_steps=1.0),
]

#: Every schedule: the seed's two and the keras ones.
SCHEDULES = ("constant", "exponential", *KERAS_SCHEDULES)


def seed_loss(w: tf.Tensor) -> tf.Tensor:
    """The lesson's loss, as it writes it (not the engine's translation)."""
    return tf.square(w + 1)


def seed_printout(result: descent.RunResult) -> list[str]:
    """The lesson's lines for ``result``, as the seed prints them."""
    lr = result.lr64 if result.spec.decays else None
    return formats.seed_lines(result.step, result.w, result.loss, lr).decode().splitlines()


@pytest.fixture
def graph_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The state a machine is in once XLA was found inexact: the descent probe's answer and the
    schedules' spot check both "no" (restored after the test)."""
    monkeypatch.setattr(descent, "_probe_result", False)
    monkeypatch.setattr(keras_schedules, "_xla_ok", False)


def test_one_bit_of_difference_in_the_probe_means_graph_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    honest = descent._compiled_loop

    def xla_one_bit_off(expr: str, backend: str):
        loop = honest(expr, backend)
        if backend != "xla":
            return loop

        def off(*args):
            ws, *rest = loop(*args)  # ws: one array of w per parameter
            flipped = ws[0].numpy().copy()
            flipped.view(np.int32)[-1, -1] ^= 1  # the last bit of one w of one lane
            return ((tf.constant(flipped),), *rest)

        return off

    monkeypatch.setattr(descent, "_compiled_loop", xla_one_bit_off)
    monkeypatch.setattr(descent, "_probe_result", None)
    assert not descent.xla_in_use()
    result = descent.run(LESSON[1])
    assert result.backend == "graph"
    assert seed_printout(result) == seed_tables()[1]


def test_the_switch_turns_xla_off_without_asking_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_xla(expr: str, backend: str):
        assert backend != "xla", "XLA was tried although it is switched off"
        return honest(expr, backend)

    honest = descent._compiled_loop
    monkeypatch.setattr(descent, "_compiled_loop", no_xla)
    monkeypatch.setattr(descent, "_probe_result", None)
    monkeypatch.setenv(tfenv.XLA_ENV, "off")
    assert not descent.xla_in_use()
    assert descent.run(LESSON[0]).backend == "graph"
    for value, allowed in [("", True), ("on", True), ("OFF", False), ("0", False), ("no", False)]:
        monkeypatch.setenv(tfenv.XLA_ENV, value)
        assert tfenv.xla_allowed() is allowed, value


@pytest.mark.usefixtures("graph_only")
def test_the_lessons_three_tables_on_the_graph_path() -> None:
    tables = seed_tables()
    for spec, table in zip(LESSON, tables, strict=True):
        result = descent.run(spec)
        assert result.backend == "graph"
        assert seed_printout(result) == table
    batch = descent.run_batch(LESSON, SEED_LOSS)
    assert [seed_printout(result) for result in batch] == tables
    assert {result.backend for result in batch} == {"graph"}


def spec_of(
    rng: np.random.Generator, schedule: str, optimizer: str, beta: float | None = None
) -> RunSpec:
    """A random run with ``schedule`` and ``optimizer`` (warm-up sometimes), at ``beta`` if
    given, else at a random one."""
    return RunSpec(
        w0=float(rng.choice([5.0, rng.uniform(-10, 10)])),
        lr=float(10 ** rng.uniform(-3, 0.1)),
        epochs=int(rng.integers(1, 40)),
        decay=float(rng.uniform(0.8, 1.0)) if schedule == "exponential" else None,
        decay_steps=float(rng.choice([1.0, rng.uniform(0.5, 5)])),
        staircase=bool(rng.random() < 0.3),
        schedule=random_schedule(rng, schedule) if schedule in KERAS_SCHEDULES else None,
        warmup=int(rng.choice([0, rng.integers(1, 12)])),
        optimizer=optimizer,
        beta=float(rng.choice([0.9, rng.uniform(0, 0.99)])) if beta is None else beta,
    ).validate()


def assert_same_as_eager(result: descent.RunResult, spec: RunSpec) -> None:
    """``result`` bit for bit as the eager loop with the lesson's loss written by hand."""
    ws, losses, lrs = eager_run_spec(seed_loss, spec)
    assert result.backend == "graph"
    assert bits(result.w).tolist() == bits(ws).tolist(), spec
    assert bits(result.loss).tolist() == bits(losses).tolist(), spec
    assert bits(result.lr).tolist() == bits(np.array(lrs, np.float64).astype(np.float32)).tolist()


@pytest.mark.usefixtures("graph_only")
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_schedule_with_each_optimizer_on_the_graph_path(optimizer: str) -> None:
    rng = np.random.default_rng(sum(map(ord, optimizer)) + 16)
    specs = [spec_of(rng, kind, optimizer) for kind in SCHEDULES]
    specs.append(dataclasses.replace(specs[0], lr=specs[0].lr * 1.5, epochs=specs[0].epochs + 3))
    batch = descent.run_batch(specs, SEED_LOSS)
    for spec, result in zip(specs, batch, strict=True):
        assert result.spec == spec
        assert_same_as_eager(result, spec)
    assert_same_as_eager(descent.run(specs[-2]), specs[-2])  # one alone, as well as in a batch


@pytest.mark.usefixtures("graph_only")
def test_random_plain_runs_on_the_graph_path() -> None:
    """The seed's update (the path XLA would take), any w0, lr, decay and length."""
    rng = np.random.default_rng(20261201)
    specs = [spec_of(rng, str(rng.choice(["constant", "exponential"])), "gd") for _ in range(12)]
    for spec, result in zip(specs, descent.run_batch(specs), strict=True):
        assert_same_as_eager(result, spec)


def test_the_lessons_tables_in_a_short_run_take_no_loop_trace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Within ``graph_only`` (the explorer's first run, ``lr-explorer run``'s short one) a short
    run takes one compiled step a call (``lanes.stepwise_loop``), never the while loop's trace,
    and gives the loop's bits: the lesson's own lines, batched or one by one."""
    from tui.engine import lanes

    monkeypatch.setattr(descent, "_probe_result", False)  # graph mode outside graph_only too
    specs = [*LESSON, RunSpec(lr=0.5, epochs=7)]  # a shorter lane: its end taken on its own
    looped = descent.run_batch(specs, SEED_LOSS, tol=1e-6)

    def no_loop(expr: str, lanes: int):
        raise AssertionError("a short run traced the while loop")

    monkeypatch.setattr(lanes, "compiled_loop", no_loop)
    tables = seed_tables()
    with tfenv.graph_only():
        batch = descent.run_batch(specs, SEED_LOSS, tol=1e-6)
        alone = [descent.run(spec, tol=1e-6) for spec in LESSON]
    assert [seed_printout(result) for result in alone] == tables
    for mine, loop in zip(batch, looped, strict=True):
        assert mine.backend == "graph"
        for name in ("w", "loss", "lr"):
            assert bits(getattr(mine, name)).tolist() == bits(getattr(loop, name)).tolist()
        assert bits(mine.final_grad) == bits(loop.final_grad)
        assert bits(mine.final_loss) == bits(loop.final_loss)
