"""One visitor's app: a process that ends with its visitor, and with the server.

textual-serve 1.1.3's :class:`~textual_serve.app_service.AppService` starts the app through a
shell (``create_subprocess_shell``) and, when the visitor leaves, sends a "quit" meta packet and
waits for the app for ever. An app still loading (TensorFlow takes seconds) or frozen never
reads that packet: it outlived its visitor at ~100% of a CPU, and the server too. Here the app
is started without a shell, in a session (process group) of its own, set to be killed if the
server dies; leaving asks it to quit, then terminates and kills its whole group.

With a fork server (:mod:`tui.serve.fork_server`), the app is forked from the zygote, which
has its imports done, instead: the same app in the same environment, in a session of its own
that ends with the server (its lifeline), stopped the same way. Without one, or when it
cannot give an app, the app is started as above.

An app may be started before its visitor comes (the room's ready apps, :mod:`tui.serve.ready`):
until :meth:`VisitorApp.attach` gives it a visitor's websocket, what it writes is kept, in
order, and the visitor then gets all of it before anything newer, exactly the bytes the app
would have sent them had it started when they came.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import shlex
import signal
import sys
import time
from asyncio.subprocess import Process
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from tui.serve import VISITOR_ENV
from tui.serve.fork_server import ForkedApp, ForkServer
from tui.serve.limits import DRAIN_WAIT, QUIT_WAIT, READY_OUTPUT_MOST, TERM_WAIT
from tui.ui_threads import APP_THREADS

#: Linux's prctl option that sends the child a signal when its parent thread ends.
_PR_SET_PDEATHSIG = 1


def app_environment(
    environment: Mapping[str, str], width: int = 80, height: int = 24, debug: bool = False
) -> dict[str, str]:
    """The environment of a visitor's app: textual-serve's (the web driver, the size), then
    ``environment``, the visitor mode and :data:`~tui.ui_threads.APP_THREADS` (one BLAS
    thread: the room's engine does the arithmetic)."""
    service = AppService.__new__(AppService)  # textual-serve builds it from its debug flag only
    service.debug = debug
    built = AppService._build_environment(service, width, height)
    built.update(environment)
    built[VISITOR_ENV] = "1"
    built.update(APP_THREADS)
    return built


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that has the child killed (SIGKILL) when this process dies (Linux;
    ``None`` elsewhere).

    The kernel sends the signal when the thread that forked the child ends: the server forks
    from its event loop's thread, which lives as long as the server.
    """
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the server died before prctl took effect
            os._exit(1)

    return preexec


@dataclass(frozen=True)
class Websocket:
    """Where a visitor's app sends what it writes: the visitor's websocket (textual-serve's
    ``write_bytes``, ``write_str`` and ``close``)."""

    write_bytes: Callable[[bytes], Awaitable[None]]
    write_str: Callable[[str], Awaitable[None]]
    close: Callable[[], Awaitable[None]]


class VisitorApp(AppService):
    """The app of one visitor, started from ``argv`` (no shell) with ``environment`` added to
    textual-serve's (:func:`app_environment`), forked by ``fork_server`` when there is one and
    it can; :meth:`stop` ends it for certain.

    ``websocket`` is the visitor's; without one (an app started before its visitor comes), what
    the app writes is kept until :meth:`attach` (at most
    :data:`~tui.serve.limits.READY_OUTPUT_MOST` bytes: beyond, :attr:`overflowed`).
    ``activity`` is called whenever the visitor types or their app draws (the room's ready
    apps wait for a quiet room to be made)."""

    def __init__(
        self,
        argv: Sequence[str],
        environment: Mapping[str, str],
        *,
        websocket: Websocket | None = None,
        download_manager: DownloadManager,
        debug: bool = False,
        fork_server: ForkServer | None = None,
        activity: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(
            shlex.join(argv),
            write_bytes=self._write_bytes,
            write_str=self._write_str,
            close=self._close,
            download_manager=download_manager,
            debug=debug,
        )
        self.argv = list(argv)
        self.environment = dict(environment)
        self.fork_server = fork_server
        self.activity = activity
        self.size: tuple[int, int] | None = None
        """The terminal size the app was started at."""
        self.output_bytes = 0
        """How many bytes of terminal output the app has written."""
        self.last_output: float | None = None
        """When (``time.monotonic``) it last wrote some."""
        self.overflowed = False
        """Whether it wrote more than it may before its visitor came (it is then not given to
        one)."""
        self.ended = False
        """Whether its output has ended (it quit, or failed to start)."""
        self._websocket = websocket
        # What the app wrote before its visitor came, in order: bytes (terminal output) or a
        # str (a message for the page); and whether it asked for the page to be closed.
        self._kept: list[bytes | str] = []
        self._kept_bytes = 0
        self._close_asked = False
        self._forked: ForkedApp | None = None
        self._stopping: asyncio.Task[None] | None = None

    @property
    def started(self) -> bool:
        """Whether the app's process was started and its output is being read."""
        return self._task is not None

    @property
    def attached(self) -> bool:
        """Whether the app has its visitor's websocket."""
        return self._websocket is not None

    async def attach(self, websocket: Websocket) -> None:
        """Give the app its visitor's websocket: everything it wrote so far is sent first, in
        order (the terminal output in one frame: the same bytes), then whatever comes next."""
        while self._kept:
            # Whatever the app writes during these sends is kept behind, and sent by this loop.
            kept, self._kept, self._kept_bytes = self._kept, [], 0
            run: list[bytes] = []
            for item in kept:
                if isinstance(item, bytes):
                    run.append(item)
                    continue
                if run:
                    await websocket.write_bytes(b"".join(run))
                    run = []
                await websocket.write_str(item)
            if run:
                await websocket.write_bytes(b"".join(run))
        self._websocket = websocket  # no await since the loop found nothing kept
        if self._close_asked:
            await websocket.close()

    async def _write_bytes(self, data: bytes) -> None:
        self.output_bytes += len(data)
        self.last_output = time.monotonic()
        if self._websocket is not None:
            if self.activity is not None:
                self.activity()
            await self._websocket.write_bytes(data)
            return
        self._keep(data, len(data))

    async def _write_str(self, text: str) -> None:
        if self._websocket is not None:
            await self._websocket.write_str(text)
            return
        self._keep(text, len(text))

    def _keep(self, item: bytes | str, size: int) -> None:
        if self.overflowed:
            return
        if self._kept_bytes + size > READY_OUTPUT_MOST:
            self.overflowed = True  # never given to a visitor: what it wrote is not whole
            self._kept, self._kept_bytes = [], 0
            return
        self._kept.append(item)
        self._kept_bytes += size

    async def _close(self) -> None:
        if self._websocket is not None:
            await self._websocket.close()
        else:
            self._close_asked = True

    async def send_bytes(self, data: bytes) -> bool:
        """Send the visitor's keys to the app (and say the room is busy)."""
        if self.activity is not None:
            self.activity()
        return await super().send_bytes(data)

    @property
    def forked(self) -> bool:
        """Whether the app was forked by the fork server."""
        return self._forked is not None

    @property
    def pid(self) -> int | None:
        """The app's process id (also its process group's), once started."""
        return None if self._process is None else self._process.pid

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        return app_environment(self.environment, width, height, self.debug)

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        self.size = (width, height)
        environment = self._build_environment(width=width, height=height)
        if self.fork_server is not None:
            forked = await self.fork_server.fork(self.argv, environment)
            if forked is not None:
                self._forked = forked
                # What textual-serve's AppService reads of its process (stdout, stderr), and
                # what stop() does (pid, returncode, wait), a ForkedApp has.
                self._process = cast(Process, forked)
                self._stdin = forked.stdin
                return self._process
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=environment,
            start_new_session=True,
            preexec_fn=die_with_parent(),
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def run(self) -> None:
        """Relay the app's output until it ends, then close the visitor's websocket (an app
        that quits or fails to start ends the visit, freeing its place in the room)."""
        try:
            await super().run()
        finally:
            self.ended = True
        with contextlib.suppress(Exception):
            await self.remote_close()

    async def stop(self) -> None:
        """End the app: ask it to quit, then terminate, then kill its process group; wait until
        its output has ended. Safe to call more than once and from several tasks."""
        if self._process is None:
            return  # not started (yet): the handler that starts it stops it
        if self._stopping is None:
            self._stopping = asyncio.ensure_future(self._stop())
        # Shielded: a visitor's handler cancelled at shutdown still leaves no app behind.
        await asyncio.shield(self._stopping)

    async def _stop(self) -> None:
        process = self._process
        assert process is not None
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        if process.returncode is None:
            await self.send_meta({"type": "quit"})
            if not await _exited(process, QUIT_WAIT):
                _signal_group(process.pid, signal.SIGTERM)
                await _exited(process, TERM_WAIT)
        # Killed if it is still there, and whatever it left in its group (its engine process)
        # with it. The group's id cannot name another group meanwhile: Linux hands out process
        # ids in sequence.
        _signal_group(process.pid, signal.SIGKILL)
        await process.wait()
        if self._forked is not None:
            self._forked.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.TimeoutError):  # wait_for cancels the reader
                await asyncio.wait_for(self._task, DRAIN_WAIT)
            self._task = None


async def _exited(process: Process, timeout: float) -> bool:
    """Whether ``process`` ends within ``timeout`` seconds."""
    try:
        await asyncio.wait_for(process.wait(), timeout)
    except asyncio.TimeoutError:
        return False
    return True


def _signal_group(group: int, signum: int) -> None:
    """Send ``signum`` to process group ``group``, if any of it is left."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signum)
