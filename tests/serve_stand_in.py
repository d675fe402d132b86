"""Stand-ins for a visitor's app in the classroom server's tests, and a server to run them.

``python serve_stand_in.py app polite|deaf`` speaks enough of Textual's web driver for
textual-serve: the ``__GANGLION__`` prelude, then one data packet with a JSON report (its pid,
its process group's second process, ``COLUMNS``, ``LR_EXPLORER_VISITOR``,
``LR_EXPLORER_ENGINE_HUB``). A *polite* app then
echoes data packets (``echo:...``) and ends on the "quit" meta packet; a *deaf* one ignores
SIGTERM, never reads its input and leaves a child in its group that ignores SIGTERM too (as an
app frozen in its start-up, with its engine process, would); a *busy* one never reads its input
but ends on SIGTERM. The polite app answers a "resize" meta packet with ``resized:WxH``. With
``STAND_IN_MARK`` set, the polite app writes ``quit`` to that file when asked to quit, the busy
one ``terminated`` when terminated.

``python serve_stand_in.py server polite|deaf|busy|explorer`` serves that stand-in (or the real
explorer) with
:class:`~tui.serve.server.ClassroomServer` on a free port of 127.0.0.1 and prints the room's
address on its first line; with ``STAND_IN_READY=N``, the room keeps N ready apps.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time


def _packet(kind: bytes, payload: bytes) -> None:
    out = sys.stdout.buffer
    out.write(kind + len(payload).to_bytes(4, "big") + payload)
    out.flush()


def _mark(word: str) -> None:
    if mark := os.environ.get("STAND_IN_MARK"):
        with open(mark, "w") as file:
            file.write(word)


def _terminated(signum: int, frame: object) -> None:
    _mark("terminated")
    os._exit(0)


def app(mode: str) -> None:
    """The stand-in app (see the module's docstring)."""
    child = 0
    if mode == "busy":
        signal.signal(signal.SIGTERM, _terminated)
    if mode == "deaf":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        child = os.fork()
        if child == 0:
            while True:
                time.sleep(1)
    sys.stdout.buffer.write(b"__GANGLION__\n")
    report = {
        "pid": os.getpid(),
        "child": child,
        "columns": os.environ.get("COLUMNS"),
        "visitor": os.environ.get("LR_EXPLORER_VISITOR"),
        "hub": os.environ.get("LR_EXPLORER_ENGINE_HUB"),
    }
    _packet(b"D", json.dumps(report).encode())
    if mode in ("deaf", "busy"):
        while True:
            time.sleep(1)
    stdin = sys.stdin.buffer
    while len(head := stdin.read(5)) == 5:
        payload = stdin.read(int.from_bytes(head[1:], "big"))
        if head[:1] == b"D":
            _packet(b"D", b"echo:" + payload)
        elif (meta := json.loads(payload)).get("type") == "resize":
            _packet(b"D", f"resized:{meta['width']}x{meta['height']}".encode())
        elif meta.get("type") == "quit":
            _mark("quit")
            break


#: The real explorer, as ``lr-explorer serve`` starts it for a visitor.
EXPLORER = [sys.executable, "-m", "tui", "--lang", "en"]


def command(mode: str) -> list[str]:
    """The argv that starts the stand-in app in ``mode`` (``explorer``: the real one)."""
    if mode == "explorer":
        return EXPLORER
    return [sys.executable, os.path.abspath(__file__), "app", mode]


def server(mode: str) -> None:
    """Serve the stand-in app in ``mode``; print the room's address first."""
    from tui.serve import address
    from tui.serve.server import ClassroomServer

    ready = os.environ.get("STAND_IN_READY")
    room = ClassroomServer(
        command(mode), title="stand-in", ready=None if ready is None else int(ready)
    )
    sock = address.bind("127.0.0.1", 0)
    print(room.room_url(address.base_url("127.0.0.1", sock.getsockname()[1])), flush=True)
    room.serve_on(sock)


if __name__ == "__main__":
    {"app": app, "server": server}[sys.argv[1]](sys.argv[2])
