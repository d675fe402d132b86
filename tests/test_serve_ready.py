"""The room's ready apps (:mod:`tui.serve.ready`): apps started before their visitors come,
driven as a browser drives them (``["stdin", text]`` in, binary frames out, as in
``test_serve.py``).

Most tests keep stand-in apps ready (``serve_stand_in.py``, whose first packet reports its
pid and ``COLUMNS``); one keeps the real explorer ready and reads the lesson's first results on
the visitor's screen. Nothing is timed: waits are generous and only say how long to wait at
most.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

import aiohttp
import pytest
import serve_stand_in
from test_serve import (
    PATIENCE,
    alive,
    children_of,
    eventually,
    kill_group,
    receive,
    report,
    served_stand_in,
    serving,
    until_the_lesson,
    ws_url,
)

from tui.serve import limits, ready, visitor
from tui.serve.server import READY_ENV, ClassroomServer, ready_apps
from tui.serve.visitor import VisitorApp, Websocket

POLITE = serve_stand_in.command("polite")
#: A page of the size ready apps are first drawn at.
READY_QUERY = "?width={}&height={}".format(*limits.READY_SIZE)


def waiting(room: ClassroomServer, count: int = 1) -> bool:
    """Whether the room has ``count`` ready apps that have written something."""
    apps = [] if room.ready is None else room.ready.apps
    return sum(1 for app in apps if app.pid is not None and app.output_bytes > 0) >= count


def ready_pids(room: ClassroomServer) -> list[int]:
    """The pids of the room's ready apps."""
    assert room.ready is not None
    return [app.pid for app in room.ready.apps if app.pid is not None]


class Sink:
    """A visitor's websocket that records what it is sent."""

    def __init__(self) -> None:
        self.sent: list[bytes | str] = []
        self.closed = False

    async def write_bytes(self, data: bytes) -> None:
        self.sent.append(data)
        await asyncio.sleep(0)  # a send that yields, as a websocket's does

    async def write_str(self, text: str) -> None:
        self.sent.append(text)
        await asyncio.sleep(0)

    async def close(self) -> None:
        self.closed = True

    def websocket(self) -> Websocket:
        return Websocket(self.write_bytes, self.write_str, self.close)


def unstarted_app(activity: Any = None) -> VisitorApp:
    """A visitor's app with no process and no websocket (what it writes is fed by the test)."""
    return VisitorApp(["true"], {}, download_manager=cast(Any, None), activity=activity)


# ------------------------------------------------------------------------------------------
# what a ready app wrote reaches its visitor, whole and in order
# ------------------------------------------------------------------------------------------


async def test_what_an_app_wrote_before_its_visitor_is_sent_first_in_order() -> None:
    app = unstarted_app()
    await app._write_bytes(b"\x1b[?1049h")
    await app._write_bytes(b"screen")
    await app._write_str('["deliver_file_start", "k"]')
    await app._write_bytes(b"more")
    sink = Sink()
    await app.attach(sink.websocket())
    await app._write_bytes(b"live")
    assert sink.sent == [b"\x1b[?1049hscreen", '["deliver_file_start", "k"]', b"more", b"live"]


async def test_output_written_during_the_replay_comes_after_it() -> None:
    app = unstarted_app()
    await app._write_bytes(b"first")
    sink = Sink()
    gate = asyncio.Event()
    plain = sink.write_bytes
    calls = []

    async def slow_first(data: bytes) -> None:
        calls.append(data)
        if len(calls) == 1:
            await gate.wait()  # the visitor's socket is slow to take the replay
        await plain(data)

    sink.write_bytes = slow_first  # type: ignore[method-assign]
    attaching = asyncio.ensure_future(app.attach(sink.websocket()))
    await asyncio.sleep(0)  # attach is sending "first"
    await app._write_bytes(b"second")  # the app writes on meanwhile
    gate.set()
    await attaching
    await app._write_bytes(b"third")
    assert sink.sent == [b"first", b"second", b"third"]


async def test_an_app_that_ended_before_its_visitor_closes_their_page_after_its_output() -> None:
    app = unstarted_app()
    await app._write_bytes(b"bye")
    await app._close()
    sink = Sink()
    await app.attach(sink.websocket())
    assert sink.sent == [b"bye"] and sink.closed


async def test_an_app_that_writes_too_much_before_its_visitor_is_not_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(visitor, "READY_OUTPUT_MOST", 10)
    app = unstarted_app()
    await app._write_bytes(b"12345")
    assert not app.overflowed
    await app._write_bytes(b"678901")
    assert app.overflowed
    pool = ready.ReadyApps(unstarted_app, 1)
    pool._apps.append(app)
    app._task = cast(Any, object())  # as started
    assert pool.take(80, 24) is None


# ------------------------------------------------------------------------------------------
# the room keeps apps ready, gives each to one visitor
# ------------------------------------------------------------------------------------------


async def test_a_visitor_gets_a_ready_app_and_what_it_wrote() -> None:
    async with serving(POLITE, ready=1) as (room, base):
        assert await eventually(lambda: waiting(room))
        (before,) = ready_pids(room)
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(ws_url(base, room.token, READY_QUERY)) as ws,
        ):
            first = await report(ws)  # written before the visitor came
            assert first["pid"] == before
            assert first["visitor"] == "1"
            await ws.send_str(json.dumps(["stdin", "hi"]))
            echoed = await receive(ws)
            assert echoed.data == b"echo:hi"  # and live since
            (app,) = room.visitors
            assert app.pid == before


async def test_a_visitor_of_another_size_gets_their_app_resized() -> None:
    async with serving(POLITE, ready=1) as (room, base):
        assert await eventually(lambda: waiting(room))
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(ws_url(base, room.token, "?width=100&height=30")) as ws,
        ):
            first = await report(ws)
            assert first["columns"] == str(limits.READY_SIZE[0])
            resized = await receive(ws)
            assert resized.data == b"resized:100x30"


async def test_a_ready_app_is_given_to_one_visitor_and_ends_with_them() -> None:
    async with serving(POLITE, ready=2) as (room, base):
        assert await eventually(lambda: waiting(room, 2))
        pool = set(ready_pids(room))
        async with aiohttp.ClientSession() as http:
            one = await http.ws_connect(ws_url(base, room.token, READY_QUERY))
            two = await http.ws_connect(ws_url(base, room.token, READY_QUERY))
            first, second = await report(one), await report(two)
            assert first["pid"] != second["pid"]
            assert {first["pid"], second["pid"]} == pool
            await one.close()
            try:
                assert await eventually(lambda: not alive(first["pid"]))
            finally:
                kill_group(first["pid"])
            # Its app went with it: not back among the ready ones.
            assert first["pid"] not in ready_pids(room)
            await two.close()


async def test_the_ready_apps_end_with_the_room() -> None:
    async with serving(POLITE, ready=2) as (room, _):
        assert await eventually(lambda: waiting(room, 2))
        pids = ready_pids(room)
    try:
        assert await eventually(lambda: not any(alive(pid) for pid in pids))
    finally:
        for pid in pids:
            kill_group(pid)


async def test_the_ready_apps_die_with_a_killed_server() -> None:
    """SIGKILL leaves the server no say: the kernel ends the apps it kept ready too."""
    async with served_stand_in("deaf", {"STAND_IN_READY": "2"}) as (server, _):
        assert await eventually(lambda: len(children_of(server.pid)) == 2)
        pids = children_of(server.pid)
        try:
            server.kill()
            assert await eventually(lambda: not any(alive(pid) for pid in pids))
        finally:
            for pid in pids:
                kill_group(pid)


async def test_a_taken_app_is_made_again_only_once_the_room_is_quiet(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr(ready.time, "monotonic", lambda: now[0])
    pool = ready.ReadyApps(unstarted_app, 1)
    assert pool._quiet(now[0])  # nobody came yet: make them
    assert pool.take(100, 30) is None
    assert pool.size == (100, 30)  # the next one at the last visitor's size
    now[0] += limits.READY_QUIET / 2
    assert not pool._quiet(now[0])
    pool.busy()  # someone typed
    now[0] += limits.READY_QUIET / 2
    assert not pool._quiet(now[0])
    now[0] += limits.READY_QUIET
    assert pool._quiet(now[0])


async def test_a_visitor_s_app_drawing_keeps_the_room_busy_a_ready_one_does_not() -> None:
    said: list[str] = []
    app = unstarted_app(lambda: said.append("busy"))
    await app._write_bytes(b"drawn ahead")  # a ready app making its first screen
    assert said == []
    await app.attach(Sink().websocket())
    await app._write_bytes(b"a new run")
    assert said == ["busy"]


def test_the_explorer_s_room_keeps_ready_apps_unless_turned_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(READY_ENV, raising=False)
    assert ClassroomServer(serve_stand_in.EXPLORER, title="t").ready_count == limits.READY_APPS
    assert ClassroomServer(serve_stand_in.EXPLORER, title="t", max_visitors=3).ready_count == 3
    assert ClassroomServer(POLITE, title="t").ready_count == 0
    assert ready_apps({READY_ENV: "0"}, 40) == 0
    assert ready_apps({READY_ENV: "5"}, 40) == 5
    assert ready_apps({READY_ENV: "many"}, 40) == limits.READY_APPS


# ------------------------------------------------------------------------------------------
# the real explorer
# ------------------------------------------------------------------------------------------


async def test_a_ready_explorer_shows_the_lesson_s_first_results_to_its_visitor() -> None:
    """The real explorer kept ready: its visitor, at another size than it was drawn at, reads
    the lesson's first log row on their screen (the load bench's terminal emulator), and it is
    the app that was ready."""
    async with serving(serve_stand_in.EXPLORER, ready=1) as (room, base):
        assert await eventually(lambda: waiting(room), 4 * PATIENCE)
        (before,) = ready_pids(room)
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(ws_url(base, room.token), max_msg_size=0) as ws,
        ):
            await until_the_lesson(ws, "bench_serve_for_ready")
            (app,) = room.visitors
            assert app.pid == before and app.forked
