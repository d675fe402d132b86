"""The engine on losses of two parameters, bit for bit against the two-variable eager loop.

The reference is the loop of issue 15 (``tests/eager_reference.py``'s :func:`eager_run_two`):
two ``tf.Variable``, one tape, ``tape.gradient(loss, [w1, w2])``, then ``assign_sub`` of each or
``opt.apply_gradients(zip([g1, g2], [w1, w2]))``. Runs are random (seeded), in batches of several
starts and rates, with every schedule and optimizer, across chunk seams and into overflow, on
XLA and in graph mode. Also: the starts a spec must have, the result's second parameter, and
the statuses of two-parameter runs.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import bits
from eager_reference import eager_run_two
from test_graph_path import SCHEDULES, spec_of

from tui.engine import analysis, descent, keras_schedules, optimizers
from tui.engine.analysis import classify, steps_to_tolerance
from tui.engine.losses import parse_loss
from tui.engine.outcome import Outcome
from tui.engine.spec import OPTIMIZERS, ParameterError, RunSpec
from tui.i18n import msg

BOWL = "(w1 + 1)**2 + 10*(w2 - 1)**2"
ROSENBROCK = "(1 - w1)**2 + 100*(w2 - w1**2)**2"
SADDLE = "w1**2 - w2**2"
WAVES = "sin(w1)*cos(w2) + 0.1*(w1**2 + w2**2)"
ONLY_W1 = "(w1 - 2)**2"
#: Not XLA-exact (tanh, exp): graph mode, lane by lane, whatever the probe says.
GRAPH_LOSS = "tanh(w1)*exp(0.1*w2) + 0.5*(w1**2 + w2**2)"
LOSSES = (BOWL, ROSENBROCK, SADDLE, WAVES, ONLY_W1, GRAPH_LOSS)
KERAS = tuple(kind for kind in OPTIMIZERS if kind != "gd")


def two(rng: np.random.Generator, schedule: str = "constant", optimizer: str = "gd") -> RunSpec:
    """A random run of two parameters (see ``test_graph_path.spec_of``), w2 from -5 to 5."""
    spec = spec_of(rng, schedule, optimizer)
    return dataclasses.replace(spec, start2=float(rng.uniform(-5, 5))).validate()


def assert_same_as_eager(result: descent.RunResult, spec: RunSpec, loss: str) -> None:
    """``result`` bit for bit as the two-variable eager loop for ``spec`` on ``loss``."""
    w1s, w2s, losses, lrs, (final_loss, g1, g2) = eager_run_two(
        parse_loss(loss).tf_function(), spec
    )
    assert result.w2 is not None and result.final_grad2 is not None
    assert bits(result.w).tolist() == bits(w1s).tolist(), (loss, spec)
    assert bits(result.w2).tolist() == bits(w2s).tolist(), (loss, spec)
    assert bits(result.loss).tolist() == bits(losses).tolist(), (loss, spec)
    assert bits(result.lr).tolist() == bits(np.array(lrs, np.float64).astype(np.float32)).tolist()
    final = [result.final_loss, result.final_grad, result.final_grad2]
    assert bits(np.array(final)).tolist() == bits(np.array([final_loss, g1, g2])).tolist()


def run_and_check(specs: list[RunSpec], loss: str, backend: str) -> list[descent.RunResult]:
    """Run ``specs`` as one batch on ``loss`` and check each against the eager loop."""
    results = descent.run_batch(specs, loss)
    for spec, result in zip(specs, results, strict=True):
        assert result.spec == spec
        assert result.backend == backend, (loss, spec)
        assert_same_as_eager(result, spec, loss)
    return results


def backend_of(loss: str) -> str:
    """The backend the engine picks for ``loss`` on this machine."""
    return "xla" if parse_loss(loss).xla_exact and descent.xla_in_use() else "graph"


@pytest.fixture
def graph_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if XLA were not exact here: the plain loop's probe, every optimizer's probe and the
    schedules' spot check all say no (restored after the test)."""
    monkeypatch.setattr(descent, "_probe_result", False)
    monkeypatch.setattr(keras_schedules, "_xla_ok", False)
    monkeypatch.setattr(optimizers, "_probe_results", dict.fromkeys(KERAS, False))


@pytest.mark.parametrize("loss", LOSSES)
def test_plain_descent_batches_of_starts_and_rates(loss: str) -> None:
    rng = np.random.default_rng(sum(map(ord, loss)))
    specs = [two(rng, rng.choice(["constant", "exponential"])) for _ in range(5)]
    run_and_check(specs, loss, backend_of(loss))
    assert_same_as_eager(descent.run(specs[1], loss), specs[1], loss)  # alone, as in a batch


@pytest.mark.usefixtures("graph_only")
@pytest.mark.parametrize("loss", [BOWL, WAVES, ONLY_W1])
def test_plain_descent_in_graph_mode(loss: str) -> None:
    rng = np.random.default_rng(sum(map(ord, loss)) + 1)
    run_and_check([two(rng) for _ in range(4)], loss, "graph")


@pytest.mark.parametrize("graph", [False, True])
def test_every_schedule(graph: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if graph:
        monkeypatch.setattr(descent, "_probe_result", False)
        monkeypatch.setattr(keras_schedules, "_xla_ok", False)
    rng = np.random.default_rng(1502 + graph)
    specs = [two(rng, kind) for kind in SCHEDULES]
    run_and_check(specs, WAVES, "graph" if graph else backend_of(WAVES))


@pytest.mark.parametrize("kind", KERAS)
def test_every_optimizer(kind: str) -> None:
    rng = np.random.default_rng(sum(map(ord, kind)) + 15)
    specs = [two(rng, rng.choice(SCHEDULES), kind) for _ in range(3)]
    xla = descent.xla_in_use() and optimizers.xla_trusted(kind)
    run_and_check(specs, BOWL, "xla" if xla else "graph")
    run_and_check(specs[:2], GRAPH_LOSS, "graph")


@pytest.mark.usefixtures("graph_only")
@pytest.mark.parametrize("kind", KERAS)
def test_every_optimizer_in_graph_mode(kind: str) -> None:
    rng = np.random.default_rng(sum(map(ord, kind)) + 16)
    run_and_check([two(rng, "constant", kind) for _ in range(2)], ROSENBROCK, "graph")


def test_optimizers_and_plain_descent_in_one_batch() -> None:
    rng = np.random.default_rng(7)
    specs = [two(rng, "constant", kind) for kind in OPTIMIZERS]
    specs.append(dataclasses.replace(specs[1], beta=0.5, epochs=specs[1].epochs + 2))
    run_and_check(specs, ONLY_W1, backend_of(ONLY_W1))


@pytest.mark.parametrize("graph", [False, True])
@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_runs_longer_than_a_chunk(
    graph: bool, optimizer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if graph:
        monkeypatch.setattr(descent, "_probe_result", False)
        monkeypatch.setattr(optimizers, "_probe_results", dict.fromkeys(KERAS, False))
    rng = np.random.default_rng(99 + graph)
    specs = [
        dataclasses.replace(two(rng, "cosine", optimizer), epochs=epochs, beta=0.9)
        for epochs in (37, 21)
    ]
    whole = descent.run_batch(specs, BOWL)
    monkeypatch.setattr(descent, "XLA_CHUNK", 8)
    monkeypatch.setattr(descent, "GRAPH_CHUNK", 8)
    seen: list[tuple[int, int]] = []
    chunked = descent.run_batch(
        specs, BOWL, progress=lambda done, total: seen.append((done, total))
    )
    assert [done for done, _ in seen] == [8, 16, 24, 32, 37]
    for spec, one, other in zip(specs, chunked, whole, strict=True):
        assert_same_as_eager(one, spec, BOWL)
        assert bits(one.w2).tolist() == bits(other.w2).tolist()


def test_a_run_stops_between_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(descent, "XLA_CHUNK", 8)
    monkeypatch.setattr(descent, "GRAPH_CHUNK", 8)
    calls = []

    def should_stop() -> bool:
        calls.append(1)
        return len(calls) > 2

    spec = RunSpec(w0=1.0, start2=2.0, lr=0.01, epochs=40)
    with pytest.raises(descent.Cancelled):
        descent.run(spec, BOWL, should_stop=should_stop)
    assert len(calls) == 3


@pytest.mark.parametrize("graph", [False, True])
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "rmsprop"])
def test_overflow_to_inf_and_nan(
    graph: bool, optimizer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if graph:
        monkeypatch.setattr(descent, "_probe_result", False)
        monkeypatch.setattr(optimizers, "_probe_results", dict.fromkeys(KERAS, False))
    lr = {"gd": 0.5, "momentum": 40.0, "rmsprop": 1e30}[optimizer]  # RMSprop moves ~lr a step
    specs = [
        RunSpec(w0=3.0, start2=-2.0, lr=lr, epochs=30, optimizer=optimizer),
        RunSpec(w0=-1.5, start2=4.0, lr=lr / 3, epochs=25, optimizer=optimizer),
    ]
    results = descent.run_batch(specs, ROSENBROCK)
    for spec, result in zip(specs, results, strict=True):
        assert_same_as_eager(result, spec, ROSENBROCK)
        assert result.w2 is not None
        assert not (np.isfinite(result.w).all() and np.isfinite(result.w2).all())
        assert result.status.outcome is Outcome.DIVERGED


def test_gd_overflow_status_names_the_parameter() -> None:
    result = descent.run(RunSpec(w0=3.0, start2=-2.0, lr=0.5, epochs=30), ROSENBROCK)
    step = result.status.step
    assert step is not None
    assert result.w2 is not None
    w1, w2 = result.w[step - 1], result.w2[step - 1]
    assert np.isfinite(result.w[: step - 1]).all() and np.isfinite(result.w2[: step - 1]).all()
    if not np.isfinite(w1):
        assert result.status.reason.key == "status.param_overflowed"
        assert dict(result.status.reason.args)["name"] == "w1"
    elif not np.isfinite(w2):
        assert dict(result.status.reason.args)["name"] == "w2"
    else:
        assert result.status.reason.key == "status.loss_overflowed"


# --- Specs and results. -----------------------------------------------------------------------


def test_a_two_parameter_loss_needs_both_starts() -> None:
    with pytest.raises(ParameterError) as info:
        descent.run(RunSpec(w0=1.0, epochs=5), BOWL)
    assert info.value.name == "w2" and "needs a start for w2" in str(info.value)


def test_a_one_parameter_loss_refuses_a_second_start() -> None:
    with pytest.raises(ParameterError) as info:
        descent.run(RunSpec(w0=1.0, start2=2.0, epochs=5), "(w + 1)**2")
    assert info.value.name == "w2" and "has no w2" in str(info.value)


@pytest.mark.parametrize(
    ("spec", "name"),
    [
        (RunSpec(start2=float("nan")), "w2"),
        (RunSpec(start2=1e39), "w2"),
        (RunSpec(w0=-1e39, start2=0.0), "w1"),
        (RunSpec(w0=float("inf")), "w0"),
        (RunSpec(w0=1e39), "w0"),
    ],
)
def test_starts_are_validated_under_their_names(spec: RunSpec, name: str) -> None:
    with pytest.raises(ParameterError) as info:
        spec.validate()
    assert info.value.name == name
    assert str(info.value).startswith(f"{name}: ")


def test_starts() -> None:
    assert RunSpec(w0=2.0).starts == (2.0,)
    assert RunSpec(w0=2.0, start2=-1.0).starts == (2.0, -1.0)


def test_a_one_parameter_run_has_no_second_parameter() -> None:
    result = descent.run(RunSpec(w0=5.0, lr=0.1, epochs=8))
    assert result.w2 is None and result.final_grad2 is None
    assert result.ws == (result.w,)
    assert result.final_grads == (result.final_grad,)


def test_a_two_parameter_result_and_its_prefix() -> None:
    result = descent.run(RunSpec(w0=-3.0, start2=2.0, lr=0.05, epochs=12), BOWL)
    assert result.w2 is not None
    assert len(result.ws) == 2 and result.ws[1] is result.w2
    assert result.final_ws == (result.w[-1], result.w2[-1])
    head = result.prefix(5)
    assert head.w2 is not None
    assert head.w2.tolist() == result.w2[:5].tolist()
    assert head.w.tolist() == result.w[:5].tolist()


def test_an_unused_parameter_stands_still() -> None:
    result = descent.run(RunSpec(w0=0.0, start2=1.25, lr=0.1, epochs=10), ONLY_W1)
    assert result.w2 is not None
    assert set(result.w2.tolist()) == {1.25} and result.final_grad2 == 0


# --- Statuses of two-parameter runs. ----------------------------------------------------------


def test_gd_zig_zags_across_the_steep_direction() -> None:
    # lr 0.09 on 10*(w2 - 1)**2: w2's factor is 1 - 0.09*20 = -0.8, w1's 1 - 0.09*2 = 0.82.
    result = descent.run(RunSpec(w0=-3.0, start2=2.0, lr=0.09, epochs=15), BOWL)
    assert result.status.outcome is Outcome.OSCILLATING
    assert result.status.reason == msg("status.param_jumps", name="w2")


def test_a_converged_two_parameter_run() -> None:
    result = descent.run(RunSpec(w0=-3.0, start2=2.0, lr=0.05, epochs=300), BOWL)
    assert result.status.outcome is Outcome.CONVERGED
    assert result.w2 is not None
    loss_after = np.append(result.loss[1:], result.final_loss)
    step = result.status.step
    assert step is not None and (loss_after[step - 1 :] <= 1e-6).all()
    assert loss_after[step - 2] > 1e-6


def test_converged_within_the_tolerance_of_a_two_parameter_minimum() -> None:
    # The bowl's lowest loss is 3: converged is within the tolerance of 3, not of 0.
    spec = RunSpec(w0=-3.0, start2=2.0, lr=0.05, epochs=300)
    result = descent.run(spec, "(w1 + 1)**2 + 10*(w2 - 1)**2 + 3")
    assert result.status.outcome is Outcome.CONVERGED
    assert result.status.reason == msg("status.loss_min_tol", tol=1e-6, floor=3.0)


def test_a_saddle_run_is_not_converged() -> None:
    result = descent.run(RunSpec(w0=0.5, start2=0.01, lr=0.1, epochs=40), SADDLE)
    assert result.status.outcome is not Outcome.CONVERGED


def test_converged_by_the_gradient_norm_when_the_minimum_is_unknown() -> None:
    # The loss goes below 0 (its minimum is unknown): converged when |gradient| <= tol, as the
    # Euclidean norm of both components, and the point has stopped moving.
    w1 = np.full(12, 1.0, np.float32)
    w2 = np.full(12, 2.0, np.float32)
    loss = np.full(12, -3.0, np.float32)
    lr = np.full(12, 0.1, np.float32)
    small = (6e-7, 6e-7)  # each below 1e-6, the norm too (8.5e-7)
    large = (8e-7, 8e-7)  # each below 1e-6, the norm above (1.13e-6)
    args = (loss, lr, -3.0)
    assert steps_to_tolerance((1.0, 2.0), (w1, w2), *args, small) == 1
    assert steps_to_tolerance((1.0, 2.0), (w1, w2), *args, large) is None
    status = classify((1.0, 2.0), (w1, w2), *args, small)
    assert status.outcome is Outcome.CONVERGED
    assert status.reason == msg("status.gradient_tol", tol=1e-6)


def test_stalled_only_when_both_coordinates_stand_still() -> None:
    n = 12
    still = np.full(n, 2.0, np.float32)
    moving = np.linspace(1.0, 1.1, n).astype(np.float32)
    loss = np.linspace(5.0, 4.0, n).astype(np.float32)
    lr = np.zeros(n, np.float32)
    both = classify((3.0, 2.0), (still, still), loss, lr, 4.0, (1.0, 1.0))
    assert both.outcome is Outcome.STALLED
    assert both.reason == msg("status.lr_zero_two")
    for paths, starts in (((moving, still), (0.9, 2.0)), ((still, moving), (2.0, 0.9))):
        assert classify(starts, paths, loss, lr, 3.9, (1.0, 1.0)).outcome is not Outcome.STALLED


def test_overflow_in_either_coordinate_is_named() -> None:
    w1 = np.array([1.0, 2.0, 3.0], np.float32)
    w2 = np.array([1.0, np.inf, np.nan], np.float32)
    loss = np.array([1.0, 2.0, 3.0], np.float32)
    lr = np.full(3, 0.1, np.float32)
    status = classify((0.0, 0.0), (w1, w2), loss, lr, 4.0, (1.0, 1.0))
    assert (status.outcome, status.step) == (Outcome.DIVERGED, 2)
    assert status.reason == msg("status.param_overflowed", name="w2", value="inf")


def test_one_parameter_statuses_are_those_of_today() -> None:
    w = np.array([4.0, -3.0, 2.5, -2.0, 1.8, -1.5, 1.2, -1.0, 0.9, -0.8, 0.7], np.float32)
    loss = (w.astype(np.float64) ** 2).astype(np.float32)
    lr = np.full(w.size, 0.9, np.float32)
    one = classify(5.0, w, loss, lr, 0.49, 1.4)
    assert one == classify((5.0,), (w,), loss, lr, 0.49, (1.4,))
    assert one.reason == msg("status.jumps")
    assert analysis.steps_to_tolerance(5.0, w, loss, lr, 0.49, 1.4) is None
