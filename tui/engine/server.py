"""The engine in a process of its own, serving run requests from the UI over two pipes.

TensorFlow's import holds the GIL for long stretches, and its native code writes log lines to
file descriptor 2: in the UI's process, either would freeze or scribble over the screen. Here it
has a process, and descriptors 1 and 2 pointing at a log file or ``/dev/null``. Every request
supersedes the ones before it, so a request waiting in the pipe means the run under way is stale:
it stops at its next chunk, and queued requests are skipped for the newest. The UI writes each
newest request as soon as the pipe has room (:mod:`tui.app.engine_client`): one it holds back is
held only while the pipe is full, so ``poll()`` sees a newer request all the same.

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

from tui.engine.protocol import EngineReady, RunDone, RunFailed, RunProgress, RunRequest
from tui.i18n import Msg

if TYPE_CHECKING:
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
    serve_loop(requests, replies)


class LoopHooks:
    """What :func:`serve_loop` does at each point; these defaults are one UI's own engine's.

    The classroom's hub (:mod:`tui.engine.hub`) overrides them: the same loop then serves one
    visitor among many.
    """

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


def serve_loop(requests: Connection, replies: Connection, hooks: LoopHooks | None = None) -> None:
    """Load the engine, then answer :class:`RunRequest` s until the UI closes the pipe.

    The process runs it after :func:`serve`'s set-up; an in-process engine
    (:class:`tui.app.engine_client.ThreadEngine`) runs the same loop in a thread, and the
    classroom's hub one per visitor, with its own ``hooks``. ``requests`` and ``replies`` may
    be one duplex connection.
    """
    hooks = hooks if hooks is not None else LoopHooks()
    try:
        replies.send(hooks.ready())
        while True:
            request = _newest(requests)
            if request is None:
                return
            reply = _answer(request, requests, replies, hooks)
            if reply is not None:
                replies.send(reply)
    except (EOFError, OSError):
        return  # the UI has gone, or closed its end: nobody is left to answer


def _answer(
    request: RunRequest, requests: Connection, replies: Connection, hooks: LoopHooks
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
                if requests.poll():
                    return True
                pass_turn()  # others' chunks may run here
                return requests.poll()

            results = hooks.run(request, stale, progress)
            curvature = _curvature(request)
    except descent.Cancelled:
        return None
    except (ParameterError, LossError) as err:
        return RunFailed(request.request_id, err.message)
    except ConnectionError:
        raise  # a progress reply to a UI that has gone: serve_loop ends
    except Exception as err:  # noqa: BLE001 - the UI shows it; the engine keeps serving
        return RunFailed(request.request_id, f"{type(err).__name__}: {err}")
    return RunDone(request.request_id, tuple(results), curvature)


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


def _curvature(request: RunRequest) -> float | None:
    """The local curvature at w0 for a loss that is not quadratic (its theory is local)."""
    from tui.engine.losses import parse_loss
    from tui.engine.theory import local_curvature, quadratic

    expr = parse_loss(request.loss)
    if quadratic(expr) is not None:
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


def _newest(requests: Connection) -> RunRequest | None:
    """Block for a request, then skip any that newer ones have already replaced."""
    request: RunRequest | None = requests.recv()
    while request is not None and requests.poll():
        request = requests.recv()
    return request
