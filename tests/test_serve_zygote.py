"""The classroom server's fork server (:mod:`tui.serve.zygote`, :mod:`tui.serve.fork_server`):
visitors' apps forked from a process that has done their imports, driven as a browser drives
them (``["stdin", text]`` in, binary frames out, as in ``test_serve.py``).

Most tests fork a stand-in app (``zygote_stand_in.py``), which reports what a forked app must
be: a session of its own, the zygote's child, its own size, nothing of the server's open, and
module state of its own. One test forks the real explorer and reads the lesson's first results
on its screen. Nothing is timed: waits are generous and only say how long to wait at most.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import types
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import zygote_stand_in
from test_serve import (
    PATIENCE,
    alive,
    eventually,
    kill_group,
    report,
    serving,
    until_the_lesson,
    ws_url,
)

from tui.serve import fork_server, zygote
from tui.serve.server import ZYGOTE_ENV, ClassroomServer
from tui.serve.visitor import app_environment
from tui.ui_threads import APP_THREADS

POLITE = zygote_stand_in.command("polite")
DEAF = zygote_stand_in.command("deaf")
EXPLORER = zygote_stand_in.command("explorer")


def forking(argv: list[str] = POLITE, **options: Any) -> Any:
    """:func:`test_serve.serving` of ``argv`` with its apps forked by a fork server that
    preloads :mod:`zygote_state`."""
    return serving(
        argv,
        fork=True,
        preload=zygote_stand_in.PRELOAD,
        environment=lambda: dict(zygote_stand_in.ENVIRONMENT),
        **options,
    )


async def echo(ws: aiohttp.ClientWebSocketResponse, text: str) -> bytes:
    """What the polite stand-in answers to ``text`` typed in its page."""
    await ws.send_str(json.dumps(["stdin", text]))
    message = await ws.receive(timeout=PATIENCE)
    assert message.type == aiohttp.WSMsgType.BINARY, message
    return bytes(message.data)


# ------------------------------------------------------------------------------------------
# a forked app is what a fresh one would be
# ------------------------------------------------------------------------------------------


async def test_a_forked_app_is_a_process_of_its_own_with_nothing_of_the_server() -> None:
    async with forking() as (room, base), aiohttp.ClientSession() as http:
        assert room.fork_server is not None
        async with http.ws_connect(ws_url(base, room.token, "?width=77&height=21")) as ws:
            first = await report(ws)
            (visitor,) = room.visitors
            assert visitor.forked and visitor.pid == first["pid"]
            # The zygote's child, having imported what it preloaded, in a session of its own.
            assert first["ppid"] == first["preloaded"] == room.fork_server.pid
            assert first["sid"] == first["pgid"] == first["pid"]
            assert first["columns"] == "77" and first["argv"] == ["app", "polite"]
            # Its standard streams, the descriptor listing its descriptors, its lifeline.
            assert len(first["fds"]) == 5 and first["fds"][:3] == [0, 1, 2], first["fds"]
            assert first["threads"] == ["MainThread", "lr-explorer-lifeline"]
            assert await echo(ws, "hello") == b"echo:hello"


async def test_a_forked_app_ends_as_a_program_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asked to quit, the app's main code returns; as the interpreter would, the child then
    waits for the threads it started and runs its ``atexit`` functions."""
    mark = tmp_path / "mark"
    monkeypatch.setenv("STAND_IN_MARK", str(mark))  # the server's: the zygote's and the app's
    async with forking() as (room, base), aiohttp.ClientSession() as http:
        async with http.ws_connect(ws_url(base, room.token)) as ws:
            first = await report(ws)
            assert all(visitor.forked for visitor in room.visitors)
        try:
            assert await eventually(lambda: not alive(first["pid"]))
        finally:
            kill_group(first["pid"])
    assert mark.read_text() == "thread, atexit"


async def test_two_forked_visitors_share_nothing() -> None:
    async with (
        forking() as (room, base),
        aiohttp.ClientSession() as http,
        http.ws_connect(ws_url(base, room.token)) as one,
        http.ws_connect(ws_url(base, room.token)) as two,
    ):
        first, second = await report(one), await report(two)
        assert all(visitor.forked for visitor in room.visitors)
        assert first["pid"] != second["pid"] and first["sid"] != second["sid"]
        # Module state the zygote imported, changed by each: each sees only its change.
        assert first["state"] == [first["pid"]] and second["state"] == [second["pid"]]
        assert first["random"] != second["random"]  # random is seeded again in each child
        assert first["authkey"] != second["authkey"]  # as two fresh interpreters make theirs
        assert await echo(two, "two") == b"echo:two"
        assert await echo(one, "one") == b"echo:one"


def test_the_fork_server_refuses_what_a_fresh_start_would_do_otherwise() -> None:
    python = sys.executable
    own = {"TEXTUAL_FPS": "60", "COLUMNS": "80", "ROWS": "24"}
    resized = {"TEXTUAL_FPS": "60", "COLUMNS": "120", "ROWS": "40"}
    assert zygote.refusal([python, "-m", "tui"], resized, own, threads=1) is None
    assert zygote.refusal([python, "app.py", "x"], own, own, threads=1) is None
    refused = {
        "another variable": ([python, "-m", "tui"], {**own, "TEXTUAL_FPS": "5"}, 1),
        "a variable more": ([python, "-m", "tui"], {**own, "TEXTUAL_DEBUG": "1"}, 1),
        "a thread alive": ([python, "-m", "tui"], own, 2),
        "an interpreter option": ([python, "-X", "dev", "-m", "tui"], own, 1),
        "another interpreter": (["/usr/bin/python3", "-m", "tui"], own, 1),
        "no module": ([python, "-m"], own, 1),
    }
    for case, (argv, env, threads) in refused.items():
        assert zygote.refusal(argv, env, own, threads) is not None, case


async def test_a_visitor_whose_environment_differs_gets_an_app_started_afresh() -> None:
    """Textual reads its variables at import: an app forked from a zygote that imported with
    other values would not be the app the visitor's environment makes."""
    calls = iter(range(1000))

    def environment() -> dict[str, str]:  # the zygote's, then each visitor's
        return {**zygote_stand_in.ENVIRONMENT, "ROOM_VALUE": str(next(calls))}

    async with (
        serving(POLITE, fork=True, environment=environment) as (room, base),
        aiohttp.ClientSession() as http,
        http.ws_connect(ws_url(base, room.token)) as ws,
    ):
        first = await report(ws)
        (visitor,) = room.visitors
        assert not visitor.forked and first["ppid"] == os.getpid()
        assert await echo(ws, "still") == b"echo:still"


#: Run with the explorer's preload as arguments: preloads as the zygote does, then prints the
#: threads alive and whether TensorFlow is loaded.
PRELOADED = """
import os, sys
from tui.serve import zygote
for name in sys.argv[1:]:
    zygote.preload(name)
print(len(os.listdir('/proc/self/task')), 'tensorflow' in sys.modules)
"""

#: Run with the explorer's preload as arguments: preloads as the zygote does, then starts an
#: explorer to its first screen and its results pane (an engine that never loads) and prints,
#: as JSON, the modules of the UI it imported and the stylesheet sources it parsed.
FIRST_SCREEN_AFTER_PRELOAD = """
import asyncio, json, sys, time
from tui.serve import zygote
for name in sys.argv[1:]:
    zygote.preload(name)
before = set(sys.modules)
import textual.css.stylesheet as stylesheet
parsed = []
parse = stylesheet.parse
def counted(scope, css, read_from, **options):
    parsed.append(read_from)
    return parse(scope, css, read_from, **options)
stylesheet.parse = counted
from tui.app import ExplorerApp
sys.path.insert(0, TESTS_FOLDER)
from unloaded_engine import Unloaded
async def first_screen():
    app = ExplorerApp(show_timings=False, engine=Unloaded())
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert app.explorer.is_mounted
        while not app.explorer.results_mounted:  # (mounted once the first frame is out)
            await pilot.pause()
asyncio.run(first_screen())
ui = ("tui.", "textual.widgets", "textual_plotext", "plotext")
imported = sorted(m for m in set(sys.modules) - before if m.startswith(ui))
print(json.dumps({"imported": imported, "parsed": parsed}))
"""


def _preloaded(script: str) -> str:
    """The standard output of ``script`` run with the explorer's preload, in a visitor's
    environment."""
    proc = subprocess.run(
        [sys.executable, "-c", script, *fork_server.EXPLORER_PRELOAD],
        capture_output=True,
        text=True,
        env=app_environment({}, debug=False),
        timeout=PATIENCE,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_the_explorers_preload_starts_no_thread_and_loads_no_tensorflow() -> None:
    """A thread is not copied by fork: the zygote must have none but its own when it forks.
    numpy's OpenBLAS starts one per core at import unless told otherwise (APP_THREADS).
    TensorFlow is the room's engine's alone."""
    assert _preloaded(PRELOADED).split() == ["1", "False"]
    assert APP_THREADS["OPENBLAS_NUM_THREADS"] == "1"


def test_after_the_explorers_preload_its_first_screen_imports_and_parses_no_more() -> None:
    """What the zygote preloads is all a forked explorer's first screen needs of the UI's
    modules (``tui.app`` alone imports none of them: the app loads on first use), and the
    stylesheet sources it parses are parsed already (``tui.app.styling.prefill_explorer``)."""
    script = FIRST_SCREEN_AFTER_PRELOAD.replace("TESTS_FOLDER", repr(str(Path(__file__).parent)))
    shown = json.loads(_preloaded(script).splitlines()[-1])
    assert shown == {"imported": [], "parsed": []}


def test_a_preload_name_with_a_function_calls_it_once_imported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    module = types.ModuleType("preloaded_stand_in")
    module.warm = lambda: calls.append("warm")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "preloaded_stand_in", module)
    zygote.preload("preloaded_stand_in")
    assert calls == []
    zygote.preload("preloaded_stand_in:warm")
    assert calls == ["warm"]
    with pytest.raises(AttributeError):
        zygote.preload("preloaded_stand_in:missing")


def test_the_explorer_is_forked_unless_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ZYGOTE_ENV, raising=False)
    explorer = ClassroomServer(EXPLORER, title="t")
    assert explorer.fork and explorer.preload == list(fork_server.EXPLORER_PRELOAD)
    assert not ClassroomServer(POLITE, title="t").fork
    monkeypatch.setenv(ZYGOTE_ENV, "0")
    assert not ClassroomServer(EXPLORER, title="t").fork


async def test_a_forked_explorer_shows_the_lessons_first_results() -> None:
    """The real explorer, forked, over textual-serve's websocket: its screen (read by the
    load bench's terminal emulator) comes to show the lesson's first log row."""
    async with (
        serving(EXPLORER, ready=0) as (room, base),
        aiohttp.ClientSession() as http,
        http.ws_connect(ws_url(base, room.token), max_msg_size=0) as ws,
    ):
        (visitor,) = room.visitors
        await until_the_lesson(ws, "bench_serve_for_zygote")
        assert visitor.forked
        assert room.fork_server is not None
        assert Path(f"/proc/{visitor.pid}/stat").read_text().split(")")[1].split()[1] == str(
            room.fork_server.pid
        )


# ------------------------------------------------------------------------------------------
# forked apps end with their visitor and with the server; a dead zygote is replaced
# ------------------------------------------------------------------------------------------


async def test_a_forked_frozen_app_ends_when_its_visitor_leaves() -> None:
    """The app ignores SIGTERM and never reads the quit packet; its child in its group too."""
    async with forking(DEAF) as (room, base), aiohttp.ClientSession() as http:
        async with http.ws_connect(ws_url(base, room.token)) as ws:
            first = await report(ws)
            assert all(visitor.forked for visitor in room.visitors)
        pids = [first["pid"], first["child"]]
        try:
            assert await eventually(lambda: not any(map(alive, pids))), pids
            assert await eventually(lambda: not room.visitors)
        finally:
            kill_group(first["pid"])


@contextlib.asynccontextmanager
async def forking_server(mode: str) -> AsyncIterator[tuple[subprocess.Popen[bytes], str, int]]:
    """``zygote_stand_in.py server mode`` as a process of its own; yields it, its room's
    address (with the token) and its fork server's pid. Killed afterwards."""
    server = subprocess.Popen(
        [sys.executable, zygote_stand_in.__file__, "server", mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert server.stdout is not None
        read = asyncio.get_running_loop().run_in_executor
        url = await asyncio.wait_for(read(None, server.stdout.readline), PATIENCE)
        pid = await asyncio.wait_for(read(None, server.stdout.readline), PATIENCE)
        yield server, url.decode().strip(), int(pid)
    finally:
        server.kill()
        server.wait(PATIENCE)


async def visit(room_url: str, http: aiohttp.ClientSession) -> dict[str, Any]:
    """Open the room's websocket as its page would, and read the stand-in's report."""
    base, token = room_url.split("/?token=")
    return await report(await http.ws_connect(ws_url(base, token)))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
async def test_the_server_stopped_or_killed_leaves_no_forked_app(signum: int) -> None:
    """Stopped, the server stops every app; killed, it has no say: each forked app's lifeline
    ends it and its group (the server is not its parent), and the zygote dies with it."""
    async with forking_server("deaf") as (server, url, zygote_pid), aiohttp.ClientSession() as http:
        first = await visit(url, http)
        second = await visit(url, http)
        assert first["ppid"] == second["ppid"] == zygote_pid
        pids = [first["pid"], first["child"], second["pid"], second["child"], zygote_pid]
        try:
            server.send_signal(signum)
            assert await eventually(lambda: server.poll() is not None)
            assert await eventually(lambda: not any(map(alive, pids))), pids
        finally:
            kill_group(first["pid"])
            kill_group(second["pid"])


async def test_a_dead_fork_server_is_replaced_and_the_room_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The zygote killed: its apps live on with their visitors; the next visitor's app starts
    afresh at once; a new zygote forks the ones after."""
    monkeypatch.setattr(fork_server, "ZYGOTE_RESTART_FIRST", 0.0)
    async with forking() as (room, base), aiohttp.ClientSession() as http:
        forks = room.fork_server
        assert forks is not None
        async with http.ws_connect(ws_url(base, room.token)) as first_ws:
            first = await report(first_ws)
            old = forks.pid
            assert old is not None and first["ppid"] == old
            os.kill(old, signal.SIGKILL)
            assert await eventually(lambda: not alive(old))
            apps = []
            for _ in range(3):
                ws = await http.ws_connect(ws_url(base, room.token))
                apps.append((ws, await report(ws)))
            parents = [app["ppid"] for _, app in apps]
            # Started afresh while there is no zygote, then forked by the new one.
            assert parents[0] == os.getpid() and parents[-1] not in (old, os.getpid())
            assert parents[-1] == forks.pid and forks.restarts == 1
            assert await echo(first_ws, "alive") == b"echo:alive"  # the old zygote's child
            for ws, _ in apps:
                await ws.close()
