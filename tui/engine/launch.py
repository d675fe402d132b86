"""Start a UI's own engine process, early and cheaply.

``lr-explorer`` starts its engine first thing (:mod:`tui.__main__`), before the command line is
parsed and before the UI imports Textual, so that TensorFlow (in the engine) and Textual (in the
UI) load side by side; the UI adopts the process once it runs
(:class:`tui.app.quick_engine.QuickEngineClient`, which also starts later engines here).

This module imports nothing but the standard library: the UI's process imports it before
anything else, and the engine process imports it to find its entry, :func:`engine_main`, which
loads the engine and serves the UI with :class:`~tui.engine.quickstart.QuickHooks` (ready as
soon as TensorFlow is in, a short run at once in graph mode).

The first engine, started while the UI's process is still a small interpreter of one thread,
is forked from it (Linux): a spawned one first starts a new interpreter, 0.1 to 0.25 s here
before its first line, on the path to the first results. Any later one (a restart, from a UI
with Textual loaded and threads running, where a fork is unsafe) is spawned.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

#: Where the engine process writes TensorFlow's native log lines (default: nowhere).
LOG_ENV = "LR_EXPLORER_ENGINE_LOG"


@dataclass
class EngineProcess:
    """An engine process just started, with the UI's ends of its two pipes."""

    process: BaseProcess
    requests: Connection
    """Where the UI writes requests."""
    replies: Connection
    """Where the UI reads replies."""

    def kill(self) -> None:
        """Kill the process, whatever it is doing (quitting never waits for TensorFlow)."""
        if self.process.is_alive():
            self.process.kill()


#: How much lower the engine's scheduling priority is than the UI's (``nice``; a process may
#: lower its own priority, never raise it). While TensorFlow loads, its threads shared the
#: UI's CPU: the UI waited for a CPU about 50 to 70 ms on its way to its first frame (the
#: one-label app 3 to 4 ms), and about 20 ms with the engine at 5. When the UI is idle, the
#: engine has the CPUs as before; when both want one, the keys' pictures come first.
ENGINE_NICENESS = 5

#: Modules whose presence makes a fork unsafe or wasteful: their native threads (NumPy's BLAS,
#: TensorFlow's pools) or a UI the engine has no use for.
_NO_FORK_WITH = ("textual", "tensorflow", "numpy")


def can_fork() -> bool:
    """Whether this process may fork its engine rather than spawn it: on Linux, while it runs
    one thread and has loaded none of :data:`_NO_FORK_WITH` (the command line's first act)."""
    return (
        sys.platform.startswith("linux")
        and threading.active_count() == 1
        and not any(name in sys.modules for name in _NO_FORK_WITH)
    )


def start(
    target: Callable[[Connection, Connection, str | None], None] | None = None,
) -> EngineProcess:
    """Start an engine process running ``target(requests, replies, log_path)``, by default
    :func:`engine_main` (it loads TensorFlow, then sends ``EngineReady``): forked where
    :func:`can_fork`, else spawned.

    Raises ``OSError`` (or ``ValueError``) if no process can be made.
    """
    forked = can_fork()
    context = mp.get_context("fork") if forked else mp.get_context("spawn")
    requests_in, requests_out = context.Pipe(duplex=False)
    replies_in, replies_out = context.Pipe(duplex=False)
    # A forked engine inherits the UI's ends too: it closes them first, or it would hold the
    # request pipe open itself and never see the UI close it (nor a UI that died).
    ours = (requests_out, replies_in) if forked else ()
    process = context.Process(
        target=_engine_entry,
        args=(engine_main if target is None else target, ours, requests_in, replies_out),
        kwargs={"log_path": os.environ.get(LOG_ENV)},
        name="lr-explorer-engine",
        daemon=True,
    )
    # Textual swaps sys.stderr for a capture whose fileno() is -1, which multiprocessing would
    # hand to its resource tracker: start with the real streams in place.
    captured = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    try:
        process.start()
    except BaseException:
        for end in (requests_in, requests_out, replies_in, replies_out):
            end.close()
        raise
    finally:
        sys.stdout, sys.stderr = captured
    # Our copies of the engine's ends: closed, so that a dead engine reads as end-of-file (and
    # a write to it fails) instead of waiting for ever.
    requests_in.close()
    replies_out.close()
    return EngineProcess(process, requests_out, replies_in)


def _engine_entry(
    target: Callable[[Connection, Connection, str | None], None],
    inherited: tuple[Connection, ...],
    requests: Connection,
    replies: Connection,
    log_path: str | None,
) -> None:
    """The engine process's first act: close the UI's pipe ends it ``inherited`` (forked),
    give way to the UI (:data:`ENGINE_NICENESS`), then ``target``."""
    for end in inherited:
        end.close()
    lower_priority(ENGINE_NICENESS)
    target(requests, replies, log_path)


def lower_priority(by: int) -> None:
    """This process's scheduling priority lowered ``by`` steps of ``nice``, where the system
    has them (not on Windows); a refusal leaves it as it was."""
    nice = getattr(os, "nice", None)
    if nice is not None:
        with contextlib.suppress(OSError):
            nice(by)


def engine_main(requests: Connection, replies: Connection, log_path: str | None) -> None:
    """The engine process: descriptors 1 and 2 to the log (TensorFlow's native lines never
    reach the UI's terminal), then the serving loop with the quick start's hooks."""
    started = time.perf_counter()
    log = os.open(log_path or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    from tui.engine.quickstart import QuickHooks
    from tui.engine.server import serve_loop

    serve_loop(requests, replies, QuickHooks(started))
