"""The classroom's engine seen from the server: :class:`HubSupervisor` starts the hub
(:mod:`tui.engine.hub`) in a process of its own, restarts it at the same address when it dies,
and hands visitors' apps the environment that points them at it
(:data:`~tui.engine.server.HUB_ENV`, :data:`~tui.engine.server.KEY_ENV`).

Only the hub's process loads TensorFlow; this module imports nothing of the engine but the
names of those variables.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from tui.engine.server import HUB_ENV, KEY_ENV

#: Seconds the supervisor waits before its first restart of a hub that died, and at most.
RESTART_FIRST = 0.25
RESTART_MOST = 8.0

#: Seconds a hub must have run for its next death to be restarted after the shortest wait.
RESTART_STABLE = 60.0

#: The socket's name in the hub's private folder.
SOCKET_NAME = "engine.sock"


class HubSupervisor:
    """The classroom's engine, seen from the server: start it, restart it, point apps at it.

    The socket lives in a private folder made for this supervisor; the key is 32 random
    bytes, handed to the hub on its standard input (never on its command line, which any
    user of the machine can read). A supervisor thread restarts a hub that died, at the same
    address, after a wait that doubles from :data:`RESTART_FIRST` to :data:`RESTART_MOST`.
    """

    def __init__(self, log_path: str | None = None) -> None:
        self.log_path = log_path
        self._folder = tempfile.mkdtemp(prefix="lr-explorer-hub-")  # mode 0700
        self.address = os.path.join(self._folder, SOCKET_NAME)
        """The hub's socket."""
        self.authkey = secrets.token_bytes(32)
        """The key every connection to the hub proves."""
        self.restarts = 0
        """How many times the hub was restarted after it died."""
        self._process: subprocess.Popen[bytes] | None = None
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        """The running hub's process id (``None`` before :meth:`start`)."""
        process = self._process
        return None if process is None else process.pid

    def environment(self) -> dict[str, str]:
        """The variables a visitor's app needs to use this hub (read by
        ``tui.app.room_engine.engine_from_environment``)."""
        return {HUB_ENV: self.address, KEY_ENV: self.authkey.hex()}

    def start(self) -> None:
        """Start the hub and its supervisor thread; returns at once (TensorFlow loads in the
        hub, which accepts connections meanwhile). Raises ``OSError`` if no process starts."""
        with self._lock:
            self._process = self._spawn()
        self._watcher = threading.Thread(
            target=self._watch, name="lr-explorer-hub-supervisor", daemon=True
        )
        self._watcher.start()

    def _spawn(self) -> subprocess.Popen[bytes]:
        log = open(self.log_path or os.devnull, "ab")  # noqa: SIM115 - handed to the child
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "tui.engine.hub", self.address],
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=log,
                close_fds=True,
                start_new_session=True,  # a ctrl+c at the server's terminal is the server's
            )
        finally:
            log.close()
        assert process.stdin is not None
        process.stdin.write(self.authkey.hex().encode("ascii") + b"\n")
        process.stdin.flush()
        return process

    def _watch(self) -> None:
        """Restart the hub whenever it dies, until :meth:`stop`."""
        wait = RESTART_FIRST
        while True:
            process = self._process
            assert process is not None
            started = time.monotonic()
            process.wait()
            if time.monotonic() - started > RESTART_STABLE:
                wait = RESTART_FIRST
            if self._stopped.wait(wait):
                return
            wait = min(wait * 2, RESTART_MOST)
            with self._lock:
                if self._stopped.is_set():
                    return
                with contextlib.suppress(OSError):  # no process now: tried again after a wait
                    old, self._process = self._process, self._spawn()
                    if old is not None and old.stdin is not None:
                        old.stdin.close()
                    self.restarts += 1

    def stop(self) -> None:
        """Stop the hub (killed: nothing of it is worth waiting for) and remove its folder."""
        self._stopped.set()
        with self._lock:
            process = self._process
        if process is not None:
            with contextlib.suppress(OSError):
                process.kill()
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(2.0)
        if self._watcher is not None:
            self._watcher.join(2.0)
        shutil.rmtree(self._folder, ignore_errors=True)
