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
"""

from __future__ import annotations

import os
import time
from multiprocessing.connection import Connection

from tui.engine.protocol import EngineReady, RunDone, RunFailed, RunProgress, RunRequest

#: Seconds between two progress replies of one long run.
PROGRESS_EVERY = 0.1


def serve(requests: Connection, replies: Connection, log_path: str | None) -> None:
    """The engine process: descriptors 1 and 2 to the log, then :func:`serve_loop`."""
    log = os.open(log_path or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    serve_loop(requests, replies)


def serve_loop(requests: Connection, replies: Connection) -> None:
    """Load the engine, then answer :class:`RunRequest` s until the UI closes the pipe.

    The process runs it after :func:`serve`'s set-up; an in-process engine
    (:class:`tui.app.engine_client.ThreadEngine`) runs the same loop in a thread.
    """
    started = time.perf_counter()
    from tui.engine import descent
    from tui.engine.losses import LossError
    from tui.engine.spec import ParameterError

    try:
        replies.send(
            EngineReady(time.perf_counter() - started, descent.xla_in_use(), descent.tf.__version__)
        )
        while True:
            request = _newest(requests)
            if request is None:
                return

            def stale() -> bool:
                return requests.poll()

            progress = _Progress(replies, request.request_id)

            try:
                results = descent.run_batch(
                    request.specs,
                    request.loss,
                    tol=request.tol,
                    should_stop=stale,
                    progress=progress,
                )
            except descent.Cancelled:
                continue
            except (ParameterError, LossError) as err:
                replies.send(RunFailed(request.request_id, err.message))
                continue
            except ConnectionError:
                raise  # a progress reply to a UI that has gone: see below
            except Exception as err:  # noqa: BLE001 - the UI shows it; the engine keeps serving
                replies.send(RunFailed(request.request_id, f"{type(err).__name__}: {err}"))
                continue
            replies.send(RunDone(request.request_id, tuple(results), _curvature(request)))
    except (EOFError, OSError):
        return  # the UI has gone, or closed its end: nobody is left to answer


class _Progress:
    """Sends a long run's progress, at most once per :data:`PROGRESS_EVERY` seconds."""

    def __init__(self, replies: Connection, request_id: int) -> None:
        self.replies = replies
        self.request_id = request_id
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if done < total and now - self.last >= PROGRESS_EVERY:
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


def _newest(requests: Connection) -> RunRequest | None:
    """Block for a request, then skip any that newer ones have already replaced."""
    request: RunRequest | None = requests.recv()
    while request is not None and requests.poll():
        request = requests.recv()
    return request
