"""The engine's gradients for playback's written-out update: exactly the loop's, asked for
without stopping a run, limited in size (no Textual here)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import numpy as np
import pytest
from conftest import bits
from test_engine_hub import GRAPH_LOSS, LocalHub, ready, reply, serving, until
from test_graph_path import spec_of

from tui.app.engine_client import Mailbox
from tui.engine import descent, tfenv
from tui.engine.gradients import MAX_POINTS, gradients
from tui.engine.losses import parse_loss
from tui.engine.protocol import (
    EngineReady,
    EngineRequest,
    GradientRequest,
    Gradients,
    RunDone,
    RunFailed,
    RunProgress,
    RunRequest,
)
from tui.engine.result import RunResult
from tui.engine.server import LoopHooks, serve_loop
from tui.engine.spec import RunSpec
from tui.i18n import msg

#: Losses of both engine paths: XLA-exact ones, and graph-mode ones.
LOSSES = {
    "(w + 1)**2": "xla",
    "0.25*w**4 - w**2 + 0.5*w": "xla",
    "sin(w) + 0.05*w**2": "xla",
    "tanh(w) + 0.1*w**2": "graph",
    "log(1 + exp(w)) + 0.01*w**2": "graph",
    "w*w + exp(w) - 3*w": "?",  # the gradients of w's three uses, summed in the eager order
}


def befores(result: RunResult) -> np.ndarray:
    """The w before each step: the start, then the w after each step but the last."""
    return np.concatenate(([np.float32(result.spec.w0)], result.w[:-1])).astype(np.float32)


def all_gradients(loss: str, ws: np.ndarray) -> np.ndarray:
    """The engine's gradient at every one of ``ws``, asked :data:`MAX_POINTS` at a time."""
    chunks = range(0, ws.size, MAX_POINTS)
    parts = [gradients(loss, ws[i : i + MAX_POINTS].tolist()) for i in chunks]
    return np.concatenate(parts) if parts else np.empty(0, np.float32)


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("schedule", ["constant", "exponential"])
@pytest.mark.parametrize("xla", ["on", "off"])
def test_every_step_of_random_runs_is_w_minus_lr_times_the_engines_gradient(
    loss: str, schedule: str, xla: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng([len(loss), len(schedule)])
    specs = [spec_of(rng, schedule, "gd") for _ in range(6)]
    if xla == "off":
        monkeypatch.setenv(tfenv.XLA_ENV, "off")  # every loss on the graph-mode path
        backend = "graph"
    elif not descent.xla_in_use():
        pytest.skip("XLA is not exact on this machine: every loss runs in graph mode")
    else:
        backend = "xla" if parse_loss(loss).xla_exact else "graph"
        assert LOSSES[loss] in (backend, "?")
    for result in descent.run_batch(specs[:3], loss) + [descent.run(s, loss) for s in specs[3:]]:
        assert result.backend == backend
        before = befores(result)
        grads = all_gradients(loss, before)
        with np.errstate(all="ignore"):
            update = (before - (result.lr * grads).astype(np.float32)).astype(np.float32)
        assert bits(update).tolist() == bits(result.w).tolist(), result.spec


def test_a_diverging_run_is_its_update_too() -> None:
    result = descent.run(RunSpec(lr=1.5, epochs=200), "(w + 1)**2")
    assert not np.isfinite(result.w[-1])
    before = befores(result)
    with np.errstate(all="ignore"):
        update = (before - (result.lr * all_gradients("(w + 1)**2", before))).astype(np.float32)
    np.testing.assert_array_equal(update, result.w)  # inf and nan where the log has them


def test_gradients_are_refused_for_a_bad_loss_and_limited_in_number() -> None:
    assert gradients("(w + 1)**2", [5.0, -1.0]).tolist() == [12.0, 0.0]
    with pytest.raises(ValueError, match="at most"):
        gradients("(w + 1)**2", [0.0] * (MAX_POINTS + 1))


# -- the serving loop -------------------------------------------------------------------------


class _HeldRun(LoopHooks):
    """A run that goes on, polling ``should_stop`` between its "chunks", until the test lets it
    end: whatever arrives meanwhile, it ends with its results unless it was made stale."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.polls = 0

    def ready(self) -> EngineReady:
        return EngineReady(0.0, False, "test")

    def run(
        self,
        request: RunRequest,
        should_stop: Callable[[], bool],
        progress: Callable[[int, int], None],
    ) -> list[RunResult]:
        progress(1, 2)
        while not self.release.wait(0.01):
            self.polls += 1
            if should_stop():
                raise descent.Cancelled
        return descent.run_batch(request.specs, request.loss, tol=request.tol)


def _serve(hooks: LoopHooks) -> tuple[object, object, threading.Thread]:
    import multiprocessing as mp

    ui, engine = mp.Pipe()
    thread = threading.Thread(target=serve_loop, args=(engine, engine, hooks), daemon=True)
    thread.start()
    assert isinstance(ui.recv(), EngineReady)
    return ui, engine, thread


def test_a_gradient_request_is_answered_during_a_run_and_does_not_stop_it() -> None:
    hooks = _HeldRun()
    ui, _, thread = _serve(hooks)
    try:
        ui.send(RunRequest(1, (RunSpec(),), "(w + 1)**2", 1e-6))
        assert isinstance(ui.recv(), RunProgress)  # the run is under way
        ui.send(GradientRequest(1, "(w + 1)**2", (5.0, 4.88)))
        assert ui.poll(60), "no answer to the gradients during the run"
        answer = ui.recv()
        expected = tuple(float(g) for g in gradients("(w + 1)**2", [5.0, 4.88]))
        assert expected[0] == 12.0
        assert answer == Gradients(1, "(w + 1)**2", (5.0, 4.88), expected)
        assert not hooks.release.is_set()  # answered while the run was still going
        hooks.release.set()
        assert ui.poll(60)
        done = ui.recv()
        assert isinstance(done, RunDone) and done.request_id == 1  # the run was not stopped
    finally:
        ui.close()
        thread.join(10)


def test_a_newer_run_still_makes_the_running_one_stale() -> None:
    hooks = _HeldRun()
    ui, _, thread = _serve(hooks)
    try:
        ui.send(RunRequest(1, (RunSpec(),), "(w + 1)**2", 1e-6))
        assert isinstance(ui.recv(), RunProgress)
        ui.send(GradientRequest(1, "(w + 1)**2", (5.0,)))
        ui.send(RunRequest(2, (RunSpec(lr=0.1),), "(w + 1)**2", 1e-6))
        replies = [ui.recv(), ui.recv()]  # the gradients; the second run's progress
        hooks.release.set()
        replies.append(ui.recv())
        assert [type(r) for r in replies] == [Gradients, RunProgress, RunDone]
        assert replies[-1].request_id == 2  # request 1 was cancelled: it has no reply
    finally:
        ui.close()
        thread.join(10)


def test_too_many_values_or_a_bad_loss_get_a_reason_not_gradients() -> None:
    ui, _, thread = _serve(LoopHooks())
    try:
        ui.send(GradientRequest(1, "(w + 1)**2", (1.0,) * (MAX_POINTS + 1)))
        too_many = ui.recv()
        assert too_many.grads == ()
        assert too_many.message == msg("spec.update_points", most=MAX_POINTS, count=MAX_POINTS + 1)
        assert str(too_many.message) == "at most 32 values of w at once, not 33"
        ui.send(GradientRequest(2, "w1 * w2", (1.0,)))
        two = ui.recv()
        assert two.ask_id == 2 and two.grads == () and two.message is not None
        ui.send(GradientRequest(3, "(w + 1)**2", ("x",)))  # type: ignore[arg-type]
        assert ui.recv().grads == ()  # a visitor's garbage: a reason, and the engine goes on
        ui.send(GradientRequest(4, "(w + 1)**2", (-1.0,)))
        assert ui.recv().grads == (0.0,)
    finally:
        ui.close()
        thread.join(10)


def test_the_mailbox_keeps_a_run_request_beside_a_newer_gradient_request() -> None:
    mailbox: Mailbox[EngineRequest] = Mailbox()
    run = RunRequest(1, (RunSpec(),), "(w + 1)**2", 1e-6)
    mailbox.put(run)
    mailbox.put(GradientRequest(1, "(w + 1)**2", (5.0,)))
    mailbox.put(GradientRequest(2, "(w + 1)**2", (4.0,)))
    assert mailbox.take() == run
    assert mailbox.take() == GradientRequest(2, "(w + 1)**2", (4.0,))


# -- the classroom's engine -------------------------------------------------------------------


@pytest.fixture
def hub() -> Iterator[LocalHub]:
    """A loaded hub in this process (test_engine_hub's), closed after the test."""
    with serving() as local:
        yield local


def test_the_hub_answers_gradients_during_a_visitors_long_run_which_goes_on(hub: LocalHub) -> None:
    visitor = ready(hub.connect())
    try:
        spec = RunSpec(lr=0.01, epochs=1_000_000)
        visitor.send(RunRequest(1, (spec,), GRAPH_LOSS, 1e-6))
        assert isinstance(reply(visitor), RunProgress), "the long run is under way"
        visitor.send(GradientRequest(7, GRAPH_LOSS, (5.0, -1.5)))
        seen = until(visitor, Gradients)
        assert not [r for r in seen if isinstance(r, RunDone | RunFailed)], seen
        expected = tuple(float(g) for g in gradients(GRAPH_LOSS, [5.0, -1.5]))
        assert seen[-1] == Gradients(7, GRAPH_LOSS, (5.0, -1.5), expected)
        assert isinstance(reply(visitor), RunProgress), "the run goes on after the answer"
        visitor.send(GradientRequest(8, GRAPH_LOSS, (0.0,) * 1_000))
        refused = until(visitor, Gradients)[-1]
        assert refused.grads == () and "at most 32" in str(refused.message)
    finally:
        visitor.close()  # its run stops at its next chunk
