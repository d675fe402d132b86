"""The engine in a process of its own, serving run requests from the UI over two pipes.

TensorFlow's import holds the GIL for long stretches, and its native code writes log lines to
file descriptor 2: in the UI's process, either would freeze or scribble over the screen. Here it
has a process, and descriptors 1 and 2 pointing at a log file or ``/dev/null``. Every run request
supersedes the ones before it, so a run request waiting in the pipe means the run under way is
stale: it stops at its next chunk, and queued requests are skipped for the newest. The UI writes
each newest request as soon as the pipe has room (:mod:`tui.app.engine_client`): one it holds back
is held only while the pipe is full, so ``poll()`` sees a newer request all the same.

A :class:`~tui.engine.protocol.GradientRequest` (playback's written-out update) supersedes only
an older one, never a run: read between two chunks of a run, it is answered there, under the
run's turn, and the run goes on (:class:`_Inbox`). It is small (at most
:data:`tui.engine.gradients.MAX_POINTS` values of w), so answering it delays a run by little.

The engine ends when the UI closes its end of the request pipe, or when a reply can no longer be
sent (the UI has gone): never with a traceback on a terminal the UI draws on.

The classroom's shared engine (:mod:`tui.engine.hub`) serves each visitor with the same loop,
:func:`serve_loop`, through :class:`LoopHooks` of its own: it loads TensorFlow once for all,
refuses requests over its limits, runs each under a turn shared fairly by the visitors, and
never blocks on a visitor who does not read.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

from tui.engine.protocol import (
    EngineReady,
    GradientRequest,
    Gradients,
    RunDone,
    RunFailed,
    RunProgress,
    RunRequest,
    send_out_of_band,
)
from tui.i18n import Msg, msg

if TYPE_CHECKING:
    from tui.engine.plane_quadratic import LocalHessian
    from tui.engine.result import RunResult

#: Seconds between two progress replies of one long run.
PROGRESS_EVERY = 0.1

#: The environment variables that point a visitor's app at the classroom's shared engine
#: (:mod:`tui.engine.hub`): the hub's Unix socket, and its 32-byte key in hex.
HUB_ENV = "LR_EXPLORER_ENGINE_HUB"
KEY_ENV = "LR_EXPLORER_ENGINE_KEY"


def serve(requests: Connection, replies: Connection, log_path: str | None) -> None:
    """The engine process: descriptors 1 and 2 to the log, then :func:`serve_loop`."""
    log = os.open(log_path or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    serve_loop(requests, replies, ProcessHooks())


class LoopHooks:
    """What :func:`serve_loop` does at each point; these defaults are one UI's own engine's.

    The classroom's hub (:mod:`tui.engine.hub`) overrides them: the same loop then serves one
    visitor among many.
    """

    out_of_band = False
    """Whether a run's reply goes with its arrays out of band
    (:func:`~tui.engine.protocol.send_out_of_band`), to a reader that reads it by
    :func:`~tui.engine.protocol.receive`: a UI's own engine process (:class:`ProcessHooks`)."""

    def ready(self) -> EngineReady:
        """Load the engine (TensorFlow) and say so."""
        started = time.perf_counter()
        from tui.engine import descent

        return EngineReady(
            time.perf_counter() - started, descent.xla_in_use(), descent.tf.__version__
        )

    def refuse(self, request: RunRequest) -> Msg | None:
        """Why ``request`` is not run at all, or ``None`` to run it."""
        return None

    @contextmanager
    def turn(self) -> Iterator[Callable[[], None]]:
        """Hold the engine while a request runs; yields what to call between two chunks (here
        nothing: one UI's engine is its own)."""
        yield lambda: None

    def run(
        self,
        request: RunRequest,
        should_stop: Callable[[], bool],
        progress: Callable[[int, int], None],
    ) -> list[RunResult]:
        """Run ``request``'s specs (raising ``descent.Cancelled`` once ``should_stop()``)."""
        from tui.engine import descent

        return descent.run_batch(
            request.specs, request.loss, tol=request.tol, should_stop=should_stop, progress=progress
        )

    def can_send(self, replies: Connection) -> bool:
        """Whether a progress reply may be sent now (a skipped one is simply not sent)."""
        return True


class ProcessHooks(LoopHooks):
    """A UI's own engine process's hooks: a run's reply goes with its arrays out of band (the
    UI's link reads it by :func:`~tui.engine.protocol.receive`)."""

    out_of_band = True


def serve_loop(requests: Connection, replies: Connection, hooks: LoopHooks | None = None) -> None:
    """Load the engine, then answer :class:`RunRequest` s (and :class:`GradientRequest` s) until
    the UI closes the pipe.

    The process runs it after :func:`serve`'s set-up; an in-process engine
    (:class:`tui.app.engine_client.ThreadEngine`) runs the same loop in a thread, and the
    classroom's hub one per visitor, with its own ``hooks``. ``requests`` and ``replies`` may
    be one duplex connection.
    """
    hooks = hooks if hooks is not None else LoopHooks()
    inbox = _Inbox(requests)
    try:
        replies.send(hooks.ready())
        while True:
            inbox.wait()
            if inbox.closed:
                return
            if inbox.gradients is not None:
                with hooks.turn():
                    inbox.answer_gradients(replies, hooks)
            elif inbox.run is not None:
                request, inbox.run = inbox.run, None
                reply = _answer(request, inbox, replies, hooks)
                if isinstance(reply, RunDone) and hooks.out_of_band:
                    send_out_of_band(replies, reply)
                elif reply is not None:
                    replies.send(reply)
            inbox.send_held(replies)
    except (EOFError, OSError):
        return  # the UI has gone, or closed its end: nobody is left to answer


class _Inbox:
    """What the UI asked and the loop has not answered yet: the newest run request, the newest
    gradient request, and a gradient answer held back (the hub's visitor was not reading)."""

    def __init__(self, requests: Connection) -> None:
        self.requests = requests
        self.run: RunRequest | None = None
        self.gradients: GradientRequest | None = None
        self.held: Gradients | None = None
        self.closed = False
        """Whether the UI closed its end (nothing more will come)."""

    def _put(self, item: object) -> None:
        if item is None:
            self.closed = True
        elif isinstance(item, GradientRequest):
            self.gradients = item  # an older one waiting is stale: the UI asks for the newest
        elif isinstance(item, RunRequest):
            self.run = item
        # Anything else is no request of ours: nothing to answer.

    def wait(self) -> None:
        """Block for a request unless one is waiting, then take every other already sent."""
        if self.run is None and self.gradients is None and not self.closed:
            self._put(self.requests.recv())
        self.read_waiting()

    def read_waiting(self) -> None:
        """Take every request already in the pipe, without waiting."""
        try:
            while not self.closed and self.requests.poll():
                self._put(self.requests.recv())
        except (EOFError, OSError):
            self.closed = True

    def stale(self) -> bool:
        """Whether the run under way is stale: a newer run asked for, or the UI gone."""
        return self.run is not None or self.closed

    def answer_gradients(self, replies: Connection, hooks: LoopHooks) -> None:
        """Answer the waiting gradient request (the caller holds the turn); the answer is held
        back while ``hooks`` say a reply cannot be sent now, and sent by :meth:`send_held`."""
        ask, self.gradients = self.gradients, None
        if ask is None:
            return
        answer = _gradients(ask)
        if hooks.can_send(replies):
            replies.send(answer)
        else:
            self.held = answer

    def send_held(self, replies: Connection) -> None:
        """Send the gradient answer held back, if any (outside the turn)."""
        held, self.held = self.held, None
        if held is not None:
            replies.send(held)


def _gradients(ask: GradientRequest) -> Gradients:
    """The answer to ``ask``: its gradients, or why there are none."""
    from tui.engine.losses import LossError

    try:
        from tui.engine.gradients import MAX_POINTS, gradients

        ws = tuple(float(w) for w in ask.ws[: MAX_POINTS + 1])
        if len(ask.ws) > MAX_POINTS:
            why = msg("spec.update_points", most=MAX_POINTS, count=len(ask.ws))
            return Gradients(ask.ask_id, ask.loss, (), message=why)
        grads = gradients(ask.loss, ws)
    except LossError as err:
        return Gradients(ask.ask_id, ask.loss, (), message=err.message)
    except Exception as err:  # noqa: BLE001 - the UI says it; the engine keeps serving
        return Gradients(ask.ask_id, ask.loss, (), message=f"{type(err).__name__}: {err}")
    return Gradients(ask.ask_id, ask.loss, ws, tuple(float(g) for g in grads))


def _answer(
    request: RunRequest, inbox: _Inbox, replies: Connection, hooks: LoopHooks
) -> RunDone | RunFailed | None:
    """Run one request: its reply, or ``None`` once a newer request made it stale."""
    from tui.engine import descent
    from tui.engine.losses import LossError
    from tui.engine.spec import ParameterError

    progress = _Progress(replies, request.request_id, hooks)
    try:
        refusal = hooks.refuse(request)
        if refusal is not None:
            return RunFailed(request.request_id, refusal)
        with hooks.turn() as pass_turn:

            def stale() -> bool:
                # Gradients asked for meanwhile are answered here: they never stop the run.
                inbox.read_waiting()
                inbox.answer_gradients(replies, hooks)
                if inbox.stale():
                    return True
                pass_turn()  # others' chunks may run here
                inbox.read_waiting()
                inbox.answer_gradients(replies, hooks)
                return inbox.stale()

            results = hooks.run(request, stale, progress)
            curvature = _curvature(request)
            hessian = _hessian(request)
    except descent.Cancelled:
        return None
    except (ParameterError, LossError) as err:
        return RunFailed(request.request_id, err.message)
    except ConnectionError:
        raise  # a progress reply to a UI that has gone: serve_loop ends
    except Exception as err:  # noqa: BLE001 - the UI shows it; the engine keeps serving
        return RunFailed(request.request_id, f"{type(err).__name__}: {err}")
    return RunDone(request.request_id, tuple(results), curvature, hessian)


class _Progress:
    """Sends a long run's progress, at most once per :data:`PROGRESS_EVERY` seconds."""

    def __init__(self, replies: Connection, request_id: int, hooks: LoopHooks) -> None:
        self.replies = replies
        self.request_id = request_id
        self.hooks = hooks
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if done < total and now - self.last >= PROGRESS_EVERY and self.hooks.can_send(self.replies):
            self.last = now
            self.replies.send(RunProgress(self.request_id, done, total))


def _hessian(request: RunRequest) -> LocalHessian | None:
    """The loss, gradient and Hessian at the starts of a loss of w1, w2 that is not quadratic
    (its theory is local); ``None`` for any other loss."""
    from tui.engine.plane_quadratic import start_hessian

    return start_hessian(request.loss, request.specs[0].starts)


def _curvature(request: RunRequest) -> float | None:
    """The local curvature at w0 for a loss that is not quadratic (its theory is local)."""
    from tui.engine.losses import parse_loss
    from tui.engine.theory import local_curvature, quadratic

    expr = parse_loss(request.loss)
    if len(expr.params) != 1 or quadratic(expr) is not None:  # w1, w2: start_hessian's
        return None
    try:
        return local_curvature(expr, request.specs[0].w0)
    except Exception:  # noqa: BLE001 - no curvature means no theory, never a failed run
        return None


def shut(connection: Connection) -> None:
    """End a socket connection both ways at once, waking a thread blocked reading it.

    Closing a descriptor does not wake a ``recv`` or ``accept`` waiting on it in another thread
    (Linux); ``shutdown`` does, and leaves the descriptor to whoever reads it, who sees
    end-of-file and closes it: no other file can take its number in between.
    """
    with contextlib.suppress(OSError, ValueError):
        duplicate = socket.socket(fileno=os.dup(connection.fileno()))
        with duplicate:
            duplicate.shutdown(socket.SHUT_RDWR)
