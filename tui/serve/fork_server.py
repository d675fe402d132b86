"""The fork server seen from the classroom server: :class:`ForkServer` starts the zygote
(:mod:`tui.serve.zygote`), asks it for each visitor's app, and restarts it when it dies;
:class:`ForkedApp` is such an app, as :class:`~tui.serve.visitor.VisitorApp` uses it.

Whenever the zygote cannot give an app (not started yet and not ready in time, refused,
dead, slow to answer), :meth:`ForkServer.fork` says ``None`` and the visitor's app is started
as a process of its own, as without a zygote: a room never waits on a broken zygote. A zygote
that failed is killed and replaced, at the next visitor after a wait that doubles from
:data:`~tui.serve.limits.ZYGOTE_RESTART_FIRST` to :data:`~tui.serve.limits.ZYGOTE_RESTART_MOST`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence

from tui.serve.limits import (
    ZYGOTE_ANSWER_WAIT,
    ZYGOTE_READY_WAIT,
    ZYGOTE_RESTART_FIRST,
    ZYGOTE_RESTART_MOST,
)
from tui.serve.zygote import READY

log = logging.getLogger("textual-serve")

#: The modules a visitor's explorer imports before its first screen is drawn (``python -m tui``
#: in visitor mode on the room's engine): what the zygote imports once for everyone. Names,
#: imported by the zygote's process, never by the server's (it imports none of the UI).
#: ``tui.app`` alone loads none of the UI (``ExplorerApp`` is imported on first use), so the
#: app's module is named, and the catalogues of both languages (a visitor may have either);
#: found with ``sys.modules`` in a forked child after its first screen and its results pane.
#: None of them imports TensorFlow or starts a thread (``tests/test_serve_zygote.py``).
EXPLORER_PRELOAD = (
    "tui.collector",
    "tui.cli",
    "tui.app",
    "tui.app.app",
    "tui.app.room_engine",
    # The results pane, mounted once the first frame is out (NumPy and plotext with it).
    "tui.app.widgets.results",
    "tui.i18n.en",
    "tui.i18n.zh",
    "textual.drivers.web_driver",
    # What Textual and Rich import as the first screen is laid out and drawn.
    "textual.layouts.factory",
    "textual.layouts.horizontal",
    "textual.layouts.stream",
    "textual.scrollbar",
    "rich._emoji_codes",
    "concurrent.futures.thread",
    # Every stylesheet source the explorer parses as it starts, parsed once for all.
    "tui.app.styling:prefill_explorer",
)

#: The size of a forked app's output buffer, as asyncio's subprocesses have.
_STREAM_LIMIT = 2**16


def forking_works() -> bool:
    """Whether this system can wait on a process that is not its child (Linux's pidfd) and
    pass descriptors over a Unix socket: what a zygote needs."""
    return hasattr(os, "pidfd_open") and hasattr(socket, "send_fds")


class ForkedApp:
    """A visitor's app forked by the zygote, with what :class:`~tui.serve.visitor.VisitorApp`
    reads of an asyncio :class:`~asyncio.subprocess.Process`: ``pid``, ``stdin``, ``stdout``,
    ``stderr``, ``returncode`` and :meth:`wait`.

    It is the zygote's child, not the server's: its end is seen on its pidfd, and its exit
    status is the zygote's to read, so ``returncode`` is ``-1`` once it ended (``None`` while
    it runs). :meth:`close` closes the server's end of its lifeline: whatever is left of its
    process group kills itself.
    """

    def __init__(
        self,
        pid: int,
        pidfd: int,
        lifeline: int,
        stdin: asyncio.StreamWriter,
        stdout: asyncio.StreamReader,
        stderr: asyncio.StreamReader,
    ) -> None:
        self.pid = pid
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.returncode: int | None = None
        self._lifeline: int | None = lifeline
        self._pidfd: int | None = pidfd
        self._ended: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().add_reader(pidfd, self._on_end)

    def _on_end(self) -> None:
        self._close_pidfd()
        self.returncode = -1
        if not self._ended.done():
            self._ended.set_result(-1)

    def _close_pidfd(self) -> None:
        pidfd, self._pidfd = self._pidfd, None
        if pidfd is not None:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(pidfd)
            os.close(pidfd)

    async def wait(self) -> int:
        """Wait until the app has ended."""
        return await asyncio.shield(self._ended)

    def close(self) -> None:
        """Let go of the app: its lifeline and standard input closed (safe more than once)."""
        lifeline, self._lifeline = self._lifeline, None
        if lifeline is not None:
            os.close(lifeline)
        self.stdin.close()
        if self._ended.done():
            self._close_pidfd()


async def _connect(
    pid: int, pidfd: int, stdin: int, stdout: int, stderr: int, lifeline: int
) -> ForkedApp:
    """A :class:`ForkedApp` of the server's ends of its pipes."""
    loop = asyncio.get_running_loop()
    readers = []
    for fd in (stdout, stderr):
        reader = asyncio.StreamReader(limit=_STREAM_LIMIT, loop=loop)
        await loop.connect_read_pipe(
            functools.partial(asyncio.StreamReaderProtocol, reader, loop=loop),
            os.fdopen(fd, "rb", buffering=0),
        )
        readers.append(reader)
    transport, flow = await loop.connect_write_pipe(
        asyncio.streams.FlowControlMixin, os.fdopen(stdin, "wb", buffering=0)
    )
    writer = asyncio.StreamWriter(transport, flow, None, loop)
    return ForkedApp(pid, pidfd, lifeline, writer, readers[0], readers[1])


class ForkServer:
    """The room's zygote: started by :meth:`start` (from the event loop's thread: it is set to
    die with that thread), asked by :meth:`fork`, ended by :meth:`stop`.

    ``preload`` names the modules the zygote imports; ``environment`` is the environment of
    a visitor's app (at any size): the zygote imports with it, and forks only for a visitor
    whose environment is the same but for the size.
    """

    def __init__(self, preload: Sequence[str], environment: Mapping[str, str]) -> None:
        self.preload = list(preload)
        self.environment = dict(environment)
        self.restarts = 0
        """How many times a zygote that failed was replaced."""
        self.forked = 0
        """How many apps the zygotes forked."""
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._ready = False
        self._lock = threading.Lock()  # one request at a time on the socket
        self._failed_at: float | None = None
        self._wait = ZYGOTE_RESTART_FIRST
        self._stopped = False

    @property
    def pid(self) -> int | None:
        """The zygote's process id (``None`` when there is none)."""
        process = self._process
        return None if process is None else process.pid

    def start(self) -> None:
        """Start a zygote (it imports its modules meanwhile); on failure there is none, and
        visitors' apps start without it."""
        from tui.serve.visitor import die_with_parent

        if not forking_works() or self._stopped:
            return
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "tui.serve.zygote", str(theirs.fileno()), *self.preload],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=self.environment,
                pass_fds=[theirs.fileno()],
                start_new_session=True,  # a ctrl+c at the server's terminal is the server's
                preexec_fn=die_with_parent(),
            )
        except OSError as error:
            log.error("The fork server did not start: %s", error)
            ours.close()
            self._failed_at = time.monotonic()
            return
        finally:
            theirs.close()
        self._control = ours
        self._ready = False
        self._failed_at = None

    async def fork(self, argv: Sequence[str], environment: Mapping[str, str]) -> ForkedApp | None:
        """``argv`` forked by the zygote with ``environment``, or ``None``: start it another
        way (see the module's docstring)."""
        if self._stopped:
            return None
        if self._control is None:
            self._restart_if_due()
            return None
        request = json.dumps({"argv": list(argv), "env": dict(environment)}).encode()
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        life_r, life_w = os.pipe()
        try:
            answer = await asyncio.to_thread(self._ask, request, [in_r, out_w, err_w, life_r])
        finally:
            for fd in (in_r, out_w, err_w, life_r):
                os.close(fd)
        if answer is None:
            for fd in (in_w, out_r, err_r, life_w):
                os.close(fd)
            return None
        pid, pidfd = answer
        self.forked += 1
        return await _connect(pid, pidfd, in_w, out_r, err_r, life_w)

    def _ask(self, request: bytes, fds: list[int]) -> tuple[int, int] | None:
        """Send one request; the child's pid and pidfd, or ``None`` (the zygote refused, or
        failed: then it is let go)."""
        with self._lock:
            control = self._control
            if control is None:
                return None
            try:
                if not self._ready:
                    control.settimeout(ZYGOTE_READY_WAIT)
                    if control.recv(len(READY)) != READY:
                        raise ConnectionError("the fork server ended before it was ready")
                    self._ready = True
                control.settimeout(ZYGOTE_ANSWER_WAIT)
                socket.send_fds(control, [request], fds)
                message, given, _, _ = socket.recv_fds(control, 1 << 16, 1)
                if not message:
                    raise ConnectionError("the fork server ended")
                answer = json.loads(message)
            except (OSError, ValueError) as error:
                log.error("The fork server failed (%s): visitors' apps start without it", error)
                self._let_go()
                return None
            if "pid" in answer and len(given) == 1:
                return int(answer["pid"]), given[0]
            for fd in given:
                os.close(fd)
            log.warning("The fork server refused an app: %s", answer.get("refused"))
            return None

    def _let_go(self) -> None:
        """Close the zygote's socket and kill it (a zygote that failed once is not trusted
        again); the next visitor after a wait starts another."""
        control, self._control = self._control, None
        if control is not None:
            control.close()
        self._kill()
        self._failed_at = time.monotonic()

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            with contextlib.suppress(OSError):
                process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(2.0)

    def _restart_if_due(self) -> None:
        """Start another zygote if the last one failed long enough ago."""
        if self._failed_at is None or time.monotonic() - self._failed_at < self._wait:
            return
        with self._lock:
            if self._control is not None:
                return
            self._wait = min(self._wait * 2, ZYGOTE_RESTART_MOST)
            self.restarts += 1
            self.start()

    def stop(self) -> None:
        """End the zygote (the apps it forked are their visitors' and end with them)."""
        self._stopped = True
        control = self._control
        if control is not None:
            with contextlib.suppress(OSError):  # wakes a request waiting on the zygote
                control.shutdown(socket.SHUT_RDWR)
        with self._lock:
            control, self._control = self._control, None
            if control is not None:
                control.close()  # the zygote ends at once when it sees this
            process, self._process = self._process, None
        if process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(ZYGOTE_ANSWER_WAIT)
            with contextlib.suppress(OSError):
                process.kill()
            process.wait()
