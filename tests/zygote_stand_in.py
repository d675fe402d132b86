"""A stand-in for a visitor's app forked by the classroom's fork server
(:mod:`tui.serve.zygote`), and a server that forks it; for ``tests/test_serve_zygote.py``.

``python zygote_stand_in.py app polite|deaf`` speaks enough of Textual's web driver for
textual-serve (as ``serve_stand_in.py`` does): the ``__GANGLION__`` prelude, then one data
packet with a JSON report of what a forked app must be (its pid and parent, its session and
process group, its threads, its open descriptors, its size, a random number and its
multiprocessing key, the
:data:`STATE` of the preloaded module :mod:`zygote_state` after it added its own pid). A
*polite* app then echoes data packets (``echo:...``) and ends on the "quit" meta packet; a
*deaf* one ignores SIGTERM, never reads its input, and leaves a child in its group that
ignores SIGTERM too. With ``STAND_IN_MARK`` set, the polite app ends as a program's end is
seen: a thread it started (not a daemon) writes ``thread`` to that file once the app has
quit, then an ``atexit`` function adds ``, atexit``.

``python zygote_stand_in.py server polite|deaf|explorer`` serves that stand-in (or the real
explorer), its apps forked, and prints the room's address, then the fork server's pid, on
its first two lines.
"""

from __future__ import annotations

import atexit
import json
import multiprocessing
import os
import random
import signal
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: The environment that lets the fork server import :mod:`zygote_state` from here.
ENVIRONMENT = {"PYTHONPATH": str(HERE)}

#: What the fork server imports before it forks the stand-in.
PRELOAD = ["zygote_state"]


def _packet(kind: bytes, payload: bytes) -> None:
    out = sys.stdout.buffer
    out.write(kind + len(payload).to_bytes(4, "big") + payload)
    out.flush()


def app(mode: str) -> None:
    """The stand-in app (see the module's docstring)."""
    import zygote_state

    zygote_state.STATE.append(os.getpid())
    child = 0
    if mode == "deaf":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        child = os.fork()
        if child == 0:
            while True:
                time.sleep(1)
    sys.stdout.buffer.write(b"__GANGLION__\n")
    sys.stdout.buffer.flush()
    report = {
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "sid": os.getsid(0),
        "pgid": os.getpgid(0),
        "child": child,
        "threads": sorted(thread.name for thread in threading.enumerate()),
        "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
        "columns": os.environ.get("COLUMNS"),
        "random": random.random(),
        "authkey": multiprocessing.current_process().authkey.hex(),
        "state": list(zygote_state.STATE),
        "preloaded": zygote_state.IMPORTED_IN,
        "argv": sys.argv[1:],
    }
    _packet(b"D", json.dumps(report).encode())
    if mode == "deaf":
        while True:
            time.sleep(1)
    quit = threading.Event()
    if mark := os.environ.get("STAND_IN_MARK"):

        def at_the_end() -> None:
            quit.wait()
            time.sleep(0.2)  # still running when the app's main code has returned
            Path(mark).write_text("thread")

        threading.Thread(target=at_the_end, name="ending").start()
        atexit.register(lambda: Path(mark).write_text(Path(mark).read_text() + ", atexit"))
    stdin = sys.stdin.buffer
    while len(head := stdin.read(5)) == 5:
        payload = stdin.read(int.from_bytes(head[1:], "big"))
        if head[:1] == b"D":
            _packet(b"D", b"echo:" + payload)
        elif json.loads(payload).get("type") == "quit":
            break
    quit.set()


def command(mode: str) -> list[str]:
    """The argv that starts the stand-in app in ``mode`` (``explorer``: the real one)."""
    if mode == "explorer":
        return [sys.executable, "-m", "tui", "--lang", "en"]
    return [sys.executable, str(HERE / "zygote_stand_in.py"), "app", mode]


def server(mode: str) -> None:
    """Serve the stand-in app in ``mode``, forked; print the room's address and the fork
    server's pid first."""
    from tui.serve import address
    from tui.serve.server import ClassroomServer

    explorer = mode == "explorer"
    room = ClassroomServer(
        command(mode),
        title="stand-in",
        fork=True,
        preload=None if explorer else PRELOAD,
        environment=lambda: dict(ENVIRONMENT),
    )
    sock = address.bind("127.0.0.1", 0)
    print(room.room_url(address.base_url("127.0.0.1", sock.getsockname()[1])), flush=True)

    async def said(app: object) -> None:
        assert room.fork_server is not None
        print(room.fork_server.pid, flush=True)

    original = room.make_app

    async def make_app() -> object:
        made = await original()
        made.on_startup.append(said)
        return made

    room.make_app = make_app  # type: ignore[method-assign]
    room.serve_on(sock)


if __name__ == "__main__":
    {"app": app, "server": server}[sys.argv[1]](sys.argv[2])
