"""The UI's side of the engine process: start it, send it requests, read its replies.

TensorFlow never loads in the UI's process (see :mod:`tui.engine.server`). Requests carry a
growing id; a shared counter tells the engine which one is newest, so it drops or stops the
stale ones (a request waiting in its pipe makes the running one stale), and the UI ignores any
stale reply that still arrives.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
from collections.abc import Sequence

from tui.engine.protocol import EngineReply, RunRequest
from tui.engine.server import serve
from tui.engine.spec import RunSpec
from tui.i18n import t

#: Where the engine process writes TensorFlow's native log lines (default: nowhere).
LOG_ENV = "LR_EXPLORER_ENGINE_LOG"


class EngineClient:
    """A handle on the engine process: start, submit, receive and stop."""

    def __init__(self) -> None:
        self._context = mp.get_context("spawn")
        self._requests_out, self._replies_in = None, None
        self._process: mp.process.BaseProcess | None = None
        self._next_id = 0

    @property
    def latest_id(self) -> int:
        """The id of the newest request sent."""
        return self._next_id

    def start(self) -> None:
        """Start the engine process (it loads TensorFlow, then sends :class:`EngineReady`)."""
        requests_in, requests_out = self._context.Pipe(duplex=False)
        replies_in, replies_out = self._context.Pipe(duplex=False)
        self._process = self._context.Process(
            target=serve,
            args=(requests_in, replies_out, os.environ.get(LOG_ENV)),
            name="lr-explorer-engine",
            daemon=True,
        )
        # Textual swaps sys.stderr for a capture whose fileno() is -1, which multiprocessing
        # would hand to its resource tracker: start with the real streams in place.
        captured = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        try:
            self._process.start()
        finally:
            sys.stdout, sys.stderr = captured
        # Our copies of the engine's ends: closed, so that a dead engine reads as end-of-file.
        requests_in.close()
        replies_out.close()
        self._requests_out, self._replies_in = requests_out, replies_in

    def submit(self, specs: Sequence[RunSpec], loss: str, tol: float) -> int:
        """Ask for a batched run; return its id. Every earlier request becomes stale."""
        self._next_id += 1
        assert self._requests_out is not None, "start() first"
        self._requests_out.send(RunRequest(self._next_id, tuple(specs), loss, tol))
        return self._next_id

    def receive(self, timeout: float) -> EngineReply | None:
        """The next reply, or ``None`` if none came within ``timeout`` seconds.

        Raises ``EOFError`` once the engine process is gone.
        """
        assert self._replies_in is not None, "start() first"
        if self._replies_in.poll(timeout):
            return self._replies_in.recv()
        if self._process is not None and not self._process.is_alive():
            raise EOFError(t("engine.stopped"))
        return None

    def stop(self) -> None:
        """Stop the engine at once, whatever it is doing (quitting must not wait for it)."""
        if self._process is not None and self._process.is_alive():
            self._process.kill()
        # The reply pipe is left to the reader, which sees end-of-file and returns.
