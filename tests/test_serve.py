"""The classroom server (``lr-explorer serve``, :mod:`tui.serve`), driven as a browser drives
it: aiohttp's client fetches the page and speaks textual-serve's websocket protocol
(``["stdin", text]`` in, binary frames out).

Most tests serve a stand-in app (``serve_stand_in.py``): they are about the server, and the
explorer takes seconds to start (TensorFlow). A few serve the real explorer. Apps here start
afresh, each a child of the server; ``test_serve_zygote.py`` tests them forked by the fork
server (as ``serve`` starts the explorer).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import serve_stand_in
from aiohttp import web

from tui import cli, i18n
from tui.cli import app_arguments
from tui.engine.server import HUB_ENV, KEY_ENV
from tui.i18n import catalogue
from tui.serve import VISITOR_ENV, address
from tui.serve.limits import MAX_CELLS
from tui.serve.server import READY_ENV, ZYGOTE_ENV, ClassroomServer

#: Seconds a test waits for something that takes a moment (a process to end, an app to
#: start); generous, since the machine may be busy: these are not timings.
PATIENCE = 60.0

POLITE = serve_stand_in.command("polite")
DEAF = serve_stand_in.command("deaf")


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def serving(
    argv: list[str], *, host: str = "127.0.0.1", **options: Any
) -> AsyncIterator[tuple[ClassroomServer, str]]:
    """A :class:`ClassroomServer` of ``argv`` in this test's event loop, on a free port of
    ``host``; yields it and ``http://127.0.0.1:PORT``. Stopped (its visitors too) afterwards."""
    room = ClassroomServer(argv, title="test", **options)
    runner = web.AppRunner(await room.make_app(), access_log=None)
    await runner.setup()
    sock = address.bind(host, 0)
    await web.SockSite(runner, sock).start()
    try:
        yield room, f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        await asyncio.wait_for(runner.cleanup(), PATIENCE)


def ws_url(base: str, token: str, query: str = "?width=100&height=30") -> str:
    """The websocket address as textual.js builds it: the page's, then its size appended."""
    return base.replace("http", "ws", 1) + f"/ws?token={token}" + query


def page_urls(html: str) -> tuple[str, str]:
    """The page's websocket address and its script's address."""
    websocket = re.search(r'data-session-websocket-url="([^"]*)"', html)
    script = re.search(r'<script src="([^"]*textual\.js)"', html)
    assert websocket and script, html
    return websocket.group(1), script.group(1)


async def receive(ws: aiohttp.ClientWebSocketResponse) -> aiohttp.WSMessage:
    """The next message, within :data:`PATIENCE` seconds. (``ws.receive(timeout=...)`` of
    aiohttp 3.14 waits afresh after each ping, and the server pings every 15 s: a message that
    never comes would hang the test rather than fail it.)"""
    async with asyncio.timeout(PATIENCE):
        return await ws.receive()


async def report(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    """The stand-in app's first data packet: its report."""
    message = await receive(ws)
    assert message.type == aiohttp.WSMsgType.BINARY, message
    return dict(json.loads(message.data))


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def group(pgid: int) -> list[int]:
    """The live processes of process group ``pgid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z" and int(fields[2]) == pgid:
                found.append(int(entry.name))
    return found


async def until_the_lesson(ws: aiohttp.ClientWebSocketResponse, name: str) -> None:
    """Ask for a 100x30 screen over ``ws`` and read it (the load bench's terminal emulator,
    its module loaded as ``name``) until it shows the lesson's first log row; skipped without
    pyte."""
    import importlib.util

    if importlib.util.find_spec("pyte") is None:
        pytest.skip("pyte is not installed (pip install -e '.[test]')")
    bench_path = Path(__file__).resolve().parents[1] / "bench" / "bench_serve.py"
    spec = importlib.util.spec_from_file_location(name, bench_path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench  # its dataclasses look their module up
    spec.loader.exec_module(bench)
    screen = bench.ScreenReader(100, 30)
    lesson = bench.first_row_pattern(0.01)
    await ws.send_str(json.dumps(["resize", {"width": 100, "height": 30}]))
    async with asyncio.timeout(4 * PATIENCE):  # its own engine loads TensorFlow
        while not screen.find(lesson):
            message = await ws.receive()
            assert message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT), (
                message,
                screen.text(),
            )
            if message.type == aiohttp.WSMsgType.BINARY:
                screen.feed(message.data)


async def eventually(condition: Callable[[], bool], timeout: float = PATIENCE) -> bool:
    """Whether ``condition()`` holds within ``timeout`` seconds (polled)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


def children_of(parent: int) -> list[int]:
    """The children of process ``parent``."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return [int(pid) for pid in children]


def kill_group(pgid: int) -> None:
    """Kill what is left of a test's process group (a failed test leaves nothing behind)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


# ------------------------------------------------------------------------------------------
# only the room gets in
# ------------------------------------------------------------------------------------------


async def test_the_page_needs_the_token() -> None:
    async with serving(POLITE) as (room, base), aiohttp.ClientSession() as http:
        for query in ("", "?token=", "?token=wrong", f"?token={room.token[:-1]}"):
            async with http.get(f"{base}/{query}") as response:
                assert response.status == 403, query
                text = await response.text()
                assert catalogue("en")["serve.forbidden.title"] in text
                assert room.token not in text
        async with http.get(f"{base}/?token={room.token}") as response:
            assert response.status == 200
            assert "textual.js" in await response.text()


async def test_the_refusal_is_in_the_servers_language() -> None:
    i18n.set_language("zh")
    async with (
        serving(POLITE) as (_, base),
        aiohttp.ClientSession() as http,
        http.get(f"{base}/") as response,
    ):
        text = await response.text()
    assert response.status == 403 and 'lang="zh"' in text
    assert catalogue("zh")["serve.forbidden.title"] in text


async def test_the_websocket_needs_the_token() -> None:
    async with serving(POLITE) as (room, base), aiohttp.ClientSession() as http:
        for token in ("", "wrong", room.token + "x"):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(ws_url(base, token))
            assert refused.value.status == 403, token
        assert not room.visitors


async def test_the_page_points_at_the_address_the_visitor_used() -> None:
    """The page's script and websocket come from the request's Host (a student's browser
    reaches the server at its network address), never from where it listens (0.0.0.0)."""
    async with serving(POLITE, host="0.0.0.0") as (room, base), aiohttp.ClientSession() as http:
        port = base.rsplit(":", 1)[1]
        for host in (f"127.0.0.1:{port}", "192.168.1.20:8123", "teacher.local:8000"):
            url = f"{base}/?token={room.token}"
            async with http.get(url, headers={"Host": host}) as response:
                html = await response.text()
            websocket, script = page_urls(html)
            assert websocket == f"ws://{host}/ws?token={room.token}"
            assert script == f"http://{host}/static/js/textual.js"
            assert "0.0.0.0" not in html and "localhost" not in html


async def test_a_public_url_gives_the_pages_addresses_and_origin() -> None:
    public = "https://room.example.org"
    async with (
        serving(POLITE, public_url=public + "/") as (room, base),
        aiohttp.ClientSession() as http,
    ):
        async with http.get(f"{base}/?token={room.token}") as response:
            websocket, script = page_urls(await response.text())
        assert websocket == f"wss://room.example.org/ws?token={room.token}"
        assert script == f"{public}/static/js/textual.js"
        async with http.ws_connect(ws_url(base, room.token), origin=public) as ws:
            assert (await report(ws))["pid"] > 0
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(ws_url(base, room.token), origin="https://evil.example.org")
        assert refused.value.status == 403


async def test_a_page_of_another_site_cannot_open_the_websocket() -> None:
    """Cross-site websocket hijacking: a page on another local port must not drive the app."""
    async with serving(POLITE) as (room, base), aiohttp.ClientSession() as http:
        port = int(base.rsplit(":", 1)[1])
        for origin in (f"http://127.0.0.1:{port + 1}", "http://localhost:8000", "null"):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(ws_url(base, room.token), origin=origin)
            assert refused.value.status == 403, origin
        assert not room.visitors
        async with http.ws_connect(ws_url(base, room.token), origin=base) as ws:
            assert (await report(ws))["pid"] > 0


async def test_the_visitors_app_gets_the_size_textual_js_asks_for_and_the_visitor_mode() -> None:
    async with serving(POLITE) as (room, base), aiohttp.ClientSession() as http:
        async with http.get(f"{base}/?token={room.token}") as response:
            websocket, _ = page_urls(await response.text())
        # textual.js appends "?width=..&height=.." to the page's websocket address as it is.
        async with http.ws_connect(websocket + "?width=123&height=45", origin=base) as ws:
            first = await report(ws)
            assert first["columns"] == "123" and first["visitor"] == "1"
            await ws.send_str(json.dumps(["stdin", "w"]))
            echo = await ws.receive(timeout=PATIENCE)
            assert echo.data == b"echo:w"
        # A size no window has is held to the most the server gives an app.
        async with http.ws_connect(websocket + "?width=99999999&height=0", origin=base) as ws:
            assert (await report(ws))["columns"] == str(MAX_CELLS)


async def test_each_visitors_app_gets_the_rooms_engine() -> None:
    rooms = iter(["/tmp/a/engine.sock", "/tmp/b/engine.sock"])

    def environment() -> dict[str, str]:
        return {HUB_ENV: next(rooms)}  # read as each visitor arrives (a restarted hub's)

    async with (
        serving(POLITE, environment=environment) as (room, base),
        aiohttp.ClientSession() as http,
    ):
        for expected in ("/tmp/a/engine.sock", "/tmp/b/engine.sock"):
            async with http.ws_connect(ws_url(base, room.token)) as ws:
                assert (await report(ws))["hub"] == expected


def test_serve_starts_the_rooms_engine_first_and_stops_it_last(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui.engine import hub_supervisor

    events: list[str] = []

    class Hub:
        """The classroom's engine, not started."""

        def __init__(self, log_path: str | None) -> None:
            pass

        def start(self) -> None:
            events.append("hub started")

        def environment(self) -> dict[str, str]:
            return {HUB_ENV: "the room's"}

        def stop(self) -> None:
            events.append("hub stopped")

    def serve_on(self: ClassroomServer, sock: socket.socket) -> None:
        events.append(f"served with {self.environment()[HUB_ENV]}")

    monkeypatch.setattr(hub_supervisor, "HubSupervisor", Hub)
    monkeypatch.setattr(ClassroomServer, "serve_on", serve_on)
    monkeypatch.setattr(address, "bind", lambda host, port: socket.create_server((host, 0)))
    assert cli.main(["serve", "--lr", "0.5"]) == 0
    assert events == ["hub started", "served with the room's", "hub stopped"]


@pytest.mark.parametrize("visiting", [True, False])
def test_a_visitors_explorer_is_in_visitor_mode_on_the_rooms_engine(
    visiting: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tui.app
    from tui.app.room_engine import RemoteEngine

    made: list[dict[str, Any]] = []

    class App:
        """The explorer, not run."""

        return_code = 0

        def __init__(self, params: object, **options: Any) -> None:
            made.append(options)

        def run(self) -> None:
            pass

    monkeypatch.setattr(tui.app, "ExplorerApp", App)
    if visiting:
        monkeypatch.setenv(VISITOR_ENV, "1")
        monkeypatch.setenv(HUB_ENV, "/tmp/room/engine.sock")
        monkeypatch.setenv(KEY_ENV, "00" * 32)
    else:
        for name in (VISITOR_ENV, HUB_ENV, KEY_ENV):
            monkeypatch.delenv(name, raising=False)
    assert cli.main(["--lr", "0.5"]) == 0
    assert made[0]["visitor"] is visiting
    engine = made[0]["engine"]
    if visiting:
        assert isinstance(engine, RemoteEngine) and engine.address == "/tmp/room/engine.sock"
    else:
        assert engine is None


async def test_a_full_room_says_so_and_refuses_the_websocket() -> None:
    async with (
        serving(POLITE, max_visitors=1) as (room, base),
        aiohttp.ClientSession() as http,
    ):
        page = f"{base}/?token={room.token}"
        async with http.ws_connect(ws_url(base, room.token)) as ws:
            await report(ws)
            async with http.get(page) as response:
                assert response.status == 503
                text = await response.text()
            full = catalogue("en")["serve.full"].format(count=1, most=1)
            assert full in text and "1 of 1" in full
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(ws_url(base, room.token))
            assert refused.value.status == 503

        async def page_status() -> int:
            async with http.get(page) as response:
                return response.status

        # The visitor has left: the place is free again.
        assert await eventually(lambda: not room.visitors)
        assert await page_status() == 200


def test_the_printed_address_of_an_any_address_is_reachable() -> None:
    for host in ("0.0.0.0", "::"):
        url = address.base_url(host, 8123)
        assert url.startswith("http://") and url.endswith(":8123")
        assert "0.0.0.0" not in url and "[::]" not in url
    assert address.base_url("127.0.0.1", 8123) == "http://127.0.0.1:8123"
    assert address.base_url("::1", 8123) == "http://[::1]:8123"


def test_serves_own_options_are_not_passed_to_the_visitors() -> None:
    argv = ["serve", "--lr", "0.5", "--public-url", "http://x.org", "--max-visitors=3"]
    assert app_arguments(argv, None) == ["--lr", "0.5"]


@pytest.mark.parametrize(
    ("option", "value"),
    [("--max-visitors", "0"), ("--max-visitors", "many"), ("--public-url", "ftp://x.org")],
)
def test_bad_serve_options_are_one_line(option: str, value: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tui", "serve", option, value],
        capture_output=True,
        text=True,
        timeout=PATIENCE,
    )
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and option in proc.stderr


def test_a_busy_port_is_one_line_and_status_2() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "tui", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=PATIENCE,
        )
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    reason = catalogue("en")["cli.error.bind.in_use"]
    expected = catalogue("en")["cli.error.bind"].format(host="127.0.0.1", port=port, why=reason)
    assert proc.stderr == f"lr-explorer: error: {expected}\n"


# ------------------------------------------------------------------------------------------
# visitors' apps end with their visitor, and with the server
# ------------------------------------------------------------------------------------------


async def test_a_frozen_app_ends_when_its_visitor_leaves() -> None:
    """The app ignores SIGTERM and never reads the quit packet; its child in its group too."""
    async with serving(DEAF) as (room, base), aiohttp.ClientSession() as http:
        async with http.ws_connect(ws_url(base, room.token)) as ws:
            first = await report(ws)
        pids = [first["pid"], first["child"]]
        try:
            assert await eventually(lambda: not any(map(alive, pids))), pids
            assert await eventually(lambda: not room.visitors)
        finally:
            kill_group(first["pid"])


@pytest.mark.parametrize(("mode", "word"), [("polite", "quit"), ("busy", "terminated")])
async def test_a_leaving_visitors_app_is_asked_to_quit_then_terminated(
    mode: str, word: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killing is the last resort: an app that reads its input is asked to quit; one that
    does not, but ends on SIGTERM, is terminated."""
    mark = tmp_path / "mark"
    monkeypatch.setenv("STAND_IN_MARK", str(mark))
    async with serving(serve_stand_in.command(mode)) as (room, base):
        async with aiohttp.ClientSession() as http, http.ws_connect(ws_url(base, room.token)) as ws:
            first = await report(ws)
        try:
            assert await eventually(lambda: not alive(first["pid"]))
        finally:
            kill_group(first["pid"])
    assert mark.read_text() == word


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "spawned"])
async def test_the_explorer_ends_when_its_visitor_leaves_during_load(fork: bool) -> None:
    """The real explorer, its visitor gone right after the websocket opened (the app and its
    engine still loading): nothing of its process group is left, whether the fork server
    forked it or it started afresh."""
    async with (
        serving(serve_stand_in.EXPLORER, fork=fork, ready=0) as (room, base),
        aiohttp.ClientSession() as http,
    ):
        ws = await http.ws_connect(ws_url(base, room.token))
        visitor = next(iter(room.visitors))
        await ws.close()
        assert await eventually(lambda: visitor.pid is not None)
        assert visitor.forked is fork
        pgid = visitor.pid
        assert pgid is not None
        try:
            assert await eventually(lambda: not group(pgid)), group(pgid)
        finally:
            kill_group(pgid)


@contextlib.asynccontextmanager
async def served_stand_in(
    mode: str, env: dict[str, str] | None = None
) -> AsyncIterator[tuple[subprocess.Popen[bytes], str]]:
    """``serve_stand_in.py server mode`` as a process of its own (``env`` added to its
    environment); yields it and its room's address (with the token). Killed afterwards."""
    server = subprocess.Popen(
        [sys.executable, serve_stand_in.__file__, "server", mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        # Every app a child of the server, started afresh when its visitor comes
        # (test_serve_zygote.py forks them, test_serve_ready.py has them ready ahead).
        env={**os.environ, ZYGOTE_ENV: "0", READY_ENV: "0", **(env or {})},
    )
    try:
        assert server.stdout is not None
        line = await asyncio.wait_for(
            asyncio.get_running_loop().run_in_executor(None, server.stdout.readline), PATIENCE
        )
        yield server, line.decode().strip()
    finally:
        server.kill()
        server.wait(PATIENCE)


async def visit(room_url: str, http: aiohttp.ClientSession) -> dict[str, Any]:
    """Open the room's websocket as its page would, and read the stand-in's report."""
    base, token = room_url.split("/?token=")
    ws = await http.ws_connect(ws_url(base, token))
    return await report(ws)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_the_server_stopped_stops_every_visitors_app(signum: int) -> None:
    async with served_stand_in("deaf") as (server, url), aiohttp.ClientSession() as http:
        first = await visit(url, http)
        second = await visit(url, http)
        pids = [first["pid"], first["child"], second["pid"], second["child"]]
        try:
            server.send_signal(signum)
            assert await eventually(lambda: server.poll() is not None)
            assert server.returncode == 0
            assert await eventually(lambda: not any(map(alive, pids))), pids
        finally:
            kill_group(first["pid"])
            kill_group(second["pid"])


async def test_a_visitors_app_dies_with_a_killed_server() -> None:
    """SIGKILL leaves the server no say: the kernel ends its apps (PR_SET_PDEATHSIG)."""
    async with served_stand_in("deaf") as (server, url), aiohttp.ClientSession() as http:
        first = await visit(url, http)
        try:
            server.kill()
            assert await eventually(lambda: not alive(first["pid"]))
        finally:
            kill_group(first["pid"])


async def test_the_explorer_dies_with_a_killed_server() -> None:
    """The real explorer, on screen in the visitor's page, and its engine process (loading
    TensorFlow or done): nothing of its group is left once the server is killed."""
    async with served_stand_in("explorer") as (server, url), aiohttp.ClientSession() as http:
        base, token = url.split("/?token=")
        ws = await http.ws_connect(ws_url(base, token))
        first = await ws.receive(timeout=PATIENCE)  # the app's first frame: it is running
        assert first.type == aiohttp.WSMsgType.BINARY, first
        pgid = next(pid for pid in children_of(server.pid) if pid != server.pid)
        try:
            server.kill()
            assert await eventually(lambda: not group(pgid)), group(pgid)
        finally:
            kill_group(pgid)
