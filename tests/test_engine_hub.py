"""The classroom's shared engine (tui.engine.hub): exact, fair, bounded, supervised.

Most tests run the hub in threads of the test process (TensorFlow loads once per test run) and
talk to it over its real Unix socket; two start hub processes (the supervisor's restart, and a
hub that outlives no supervisor).
"""

from __future__ import annotations

import contextlib
import multiprocessing.connection as mpc
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, fields

import numpy as np
import pytest
from app_helpers import seed_row_values, table_lines, wait_for_run, wait_until

from tui import i18n
from tui.app import ExplorerApp
from tui.app.app import PRESETS
from tui.app.engine_client import EngineStopped
from tui.app.room_engine import RemoteEngine, engine_from_environment
from tui.engine import hub as hub_module
from tui.engine.hub import Hub, Turns, refusal, run_in_groups
from tui.engine.hub_supervisor import HubSupervisor
from tui.engine.protocol import EngineReady, RunDone, RunFailed, RunProgress, RunRequest
from tui.engine.result import RunResult
from tui.engine.server import HUB_ENV, KEY_ENV
from tui.engine.spec import RunSpec, Schedule

SEED = "(w + 1)**2"

#: A loss off the XLA path (graph mode): a long run of it goes in many short chunks.
GRAPH_LOSS = "tanh(w) + 0.1*w**2"

#: Seconds any one reply may take to come (generous: the machine may be busy).
WAIT = 120.0


def raw(result: RunResult) -> list[object]:
    """Every compared field of a result, arrays as their raw bytes (NaN payloads included)."""
    return [
        value.tobytes() if isinstance(value, np.ndarray | np.generic) else value
        for value in (getattr(result, f.name) for f in fields(result) if f.compare)
    ]


def mixed_specs() -> list[RunSpec]:
    """Plain runs of several lengths, a schedule, and two optimizers: one batch of each kind."""
    return [
        RunSpec(lr=0.1),
        RunSpec(w0=-3.0, lr=0.99, epochs=37),
        RunSpec(lr=0.5, decay=0.9, decay_steps=3.0, staircase=True, epochs=50),
        RunSpec(lr=0.2, schedule=Schedule("cosine", steps=40.0), warmup=5, epochs=45),
        RunSpec(lr=0.05, optimizer="adam", beta=0.8, epochs=60),
        RunSpec(lr=0.05, optimizer="momentum", beta=0.9, epochs=25),
        RunSpec(w0=2.5, lr=1.5, epochs=30),
    ]


@dataclass
class LocalHub:
    """A hub serving from threads of this process."""

    hub: Hub
    address: str
    authkey: bytes

    def connect(self) -> mpc.Connection:
        """A visitor's raw connection."""
        return mpc.Client(self.address, family="AF_UNIX", authkey=self.authkey)


@pytest.fixture
def local_hub() -> Iterator[LocalHub]:
    """A loaded hub in this process, closed (and its threads waited for) after the test."""
    with serving() as hub:
        yield hub


@contextlib.contextmanager
def serving() -> Iterator[LocalHub]:
    """A loaded hub in this process while the block runs; closed, its threads waited for."""
    folder = tempfile.mkdtemp(prefix="hub-")  # a short path: AF_UNIX allows 107 bytes
    try:
        with serving_at(os.path.join(folder, "engine.sock"), secrets.token_bytes(32)) as hub:
            yield hub
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def serving_at(address: str, authkey: bytes) -> Iterator[LocalHub]:
    """:func:`serving` at a given address (a hub restarted where the last one was)."""
    hub = Hub(address, authkey)
    hub.load()
    acceptor = threading.Thread(target=hub.serve_forever, daemon=True)
    acceptor.start()
    try:
        yield LocalHub(hub, address, authkey)
    finally:
        hub.close()
        acceptor.join(10)
        for thread in hub.visitors:
            thread.join(WAIT)
        assert not acceptor.is_alive(), "the hub's accepting thread outlived its close"
        assert not any(t.is_alive() for t in hub.visitors), "a visitor's thread outlived it"


def reply(connection: mpc.Connection) -> object:
    """The next reply on a raw connection."""
    assert connection.poll(WAIT), "no reply"
    return connection.recv()


def until(connection: mpc.Connection, kind: type | tuple[type, ...]) -> list[object]:
    """Every reply up to and including the first of ``kind``."""
    seen = []
    while not isinstance(seen[-1] if seen else None, kind):
        seen.append(reply(connection))
    return seen


def ready(connection: mpc.Connection) -> mpc.Connection:
    """``connection`` once the hub has said it is ready."""
    assert isinstance(reply(connection), EngineReady)
    return connection


def test_results_through_the_hub_are_the_engines_bit_for_bit() -> None:
    from tui.engine import descent

    specs = tuple(mixed_specs())
    # A range test's worth of rates: more than one lane group of the hub's.
    rates = tuple(RunSpec(lr=float(lr)) for lr in np.geomspace(1e-3, 1.5, 40))
    assert len(rates) > hub_module.GROUP_LANES
    # Run first, with descent's own cached optimizer runners (the hub has a pool of its own).
    direct = [descent.run_batch(batch, SEED, tol=1e-6) for batch in (specs, rates)]
    with serving() as local_hub:
        visitor = ready(local_hub.connect())
        answers = []
        for number, batch in enumerate((specs, rates), 1):
            visitor.send(RunRequest(number, batch, SEED, 1e-6))
            answers.append(until(visitor, (RunDone, RunFailed))[-1])
        visitor.close()
    assert [type(a) for a in answers] == [RunDone, RunDone]
    assert [a.request_id for a in answers] == [1, 2]
    for answer, expected in zip(answers, direct, strict=True):
        assert [raw(r) for r in answer.results] == [raw(r) for r in expected]


@pytest.mark.parametrize("loss", [SEED, GRAPH_LOSS])
def test_lane_groups_give_the_unsplit_batchs_bits(loss: str) -> None:
    from tui.engine import descent

    # Three groups of three lanes; the last group's runs are shorter than the longest overall.
    specs = tuple(mixed_specs() + [RunSpec(lr=0.3, epochs=10), RunSpec(lr=0.01, epochs=12)])
    seen: list[tuple[int, int]] = []
    split = run_in_groups(specs, loss, 1e-6, lambda: False, lambda d, t: seen.append((d, t)), 3)
    whole = descent.run_batch(specs, loss, tol=1e-6)
    assert len(split) == len(specs)
    assert [raw(r) for r in split] == [raw(r) for r in whole]
    steps = max(spec.epochs for spec in specs)
    assert {total for _, total in seen} == {3 * steps}, "progress counts over all groups"
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1][0] == 3 * steps


@pytest.mark.parametrize("optimizer", ["gd", "adam"])  # adam: both want the same runner
def test_a_short_run_is_served_between_a_long_runs_chunks(
    local_hub: LocalHub, optimizer: str
) -> None:
    loss = GRAPH_LOSS  # in graph mode, a long run goes in many chunks (XLA's are long)
    long, short = ready(local_hub.connect()), ready(local_hub.connect())
    spec = RunSpec(lr=0.01, epochs=1_000_000, optimizer=optimizer)
    long.send(RunRequest(1, (spec,), loss, 1e-6))
    assert isinstance(reply(long), RunProgress), "the long run is under way"
    short.send(RunRequest(1, (RunSpec(lr=0.1, optimizer=optimizer),), loss, 1e-6))
    assert isinstance(until(short, (RunDone, RunFailed))[-1], RunDone)
    # Without turns handed on between chunks, the long run's results would be waiting here.
    early = []
    while long.poll(0):
        early.append(long.recv())
    assert not any(isinstance(r, RunDone | RunFailed) for r in early), early
    long.close()  # its run stops at its next chunk
    short.close()


def test_a_newer_request_makes_the_running_one_stale(local_hub: LocalHub) -> None:
    visitor = ready(local_hub.connect())
    visitor.send(RunRequest(1, (RunSpec(lr=0.01, epochs=1_000_000),), GRAPH_LOSS, 1e-6))
    assert isinstance(reply(visitor), RunProgress)
    visitor.send(RunRequest(2, (RunSpec(lr=0.1),), SEED, 1e-6))
    seen = until(visitor, RunDone)
    assert seen[-1].request_id == 2
    assert not [r for r in seen if isinstance(r, RunDone | RunFailed) and r.request_id == 1]
    visitor.close()


def test_a_visitor_who_does_not_read_holds_up_nobody(local_hub: LocalHub) -> None:
    deaf = ready(local_hub.connect())
    # Results of some 28 MB: far more than a socket holds, so the hub waits to send them.
    deaf.send(RunRequest(1, (RunSpec(lr=0.1, epochs=1_000_000),), SEED, 1e-6))
    other = ready(local_hub.connect())
    for number in range(1, 4):
        other.send(RunRequest(number, (RunSpec(lr=0.1 * number),), SEED, 1e-6))
        assert until(other, RunDone)[-1].request_id == number
    other.close()
    deaf.close()


def test_a_visitor_who_leaves_mid_run_stops_only_their_run(
    local_hub: LocalHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    ended: list[str] = []

    def recorded(*args: object, **kwargs: object) -> list[RunResult]:
        try:
            results = run_in_groups(*args, **kwargs)  # type: ignore[arg-type]
        except BaseException as err:  # stopped: Cancelled, or a progress reply to nobody
            ended.append(type(err).__name__)
            raise
        ended.append("done")
        return results

    monkeypatch.setattr(hub_module, "run_in_groups", recorded)
    leaving = ready(local_hub.connect())
    staying = ready(local_hub.connect())
    leaving.send(RunRequest(1, (RunSpec(lr=0.01, epochs=1_000_000),), GRAPH_LOSS, 1e-6))
    assert isinstance(reply(leaving), RunProgress)
    leaving.close()
    first = local_hub.hub.visitors[0]
    first.join(WAIT)
    assert not first.is_alive(), "the thread of a visitor who left ended"
    assert len(ended) == 1 and ended != ["done"], "their run stopped at its next chunk"
    staying.send(RunRequest(7, (RunSpec(lr=0.1),), SEED, 1e-6))
    assert until(staying, RunDone)[-1].request_id == 7
    staying.close()


def test_requests_over_the_classroom_limits_are_refused_naming_limit_and_value(
    local_hub: LocalHub,
) -> None:
    visitor = ready(local_hub.connect())
    visitor.send(RunRequest(1, (RunSpec(epochs=10_000_000),), SEED, 1e-6))
    failed = reply(visitor)
    assert isinstance(failed, RunFailed) and failed.request_id == 1
    assert str(failed.message) == (
        "the classroom server runs at most 1,000,000 steps per run; this one asks for 10,000,000"
    )
    i18n.set_language("zh")
    assert str(failed.message) == "课堂服务器每次运行最多 1,000,000 步；这次要求 10,000,000 步"
    i18n.set_language("en")
    rates = tuple(RunSpec(lr=0.001 * (i + 1)) for i in range(hub_module.MAX_SPECS + 1))
    assert str(refusal(rates)) == (
        "the classroom server runs at most 2,000 runs (rates) at once; this asks for 2,001"
    )
    cells = tuple(RunSpec(epochs=1_000_000) for _ in range(3))
    assert str(refusal(cells)) == (
        "the classroom server runs at most 2,000,000 steps x runs at once; "
        "this asks for 3 x 1,000,000 = 3,000,000"
    )
    assert refusal(tuple(RunSpec(epochs=1000) for _ in range(2000))) is None
    assert refusal((RunSpec(epochs=1_000_000), RunSpec())) is None
    visitor.close()


def test_turns_go_round_robin_first_come_first_served() -> None:
    turns, order = Turns(), []
    turns.acquire()

    def visitor(name: str) -> None:
        with turns.held() as pass_on:
            order.append(name)
            pass_on()
            order.append(name)

    threads = [threading.Thread(target=visitor, args=(n,)) for n in "ab"]
    for thread in threads:
        thread.start()
        while turns.waiting() < threads.index(thread) + 1:
            time.sleep(0.001)
    turns.pass_on()  # the holder lets both waiting threads go first, in their order
    order.append("holder")
    turns.release()
    for thread in threads:
        thread.join(10)
    assert order == ["a", "b", "holder", "a", "b"]


def test_the_environment_names_the_hub_and_its_key() -> None:
    assert engine_from_environment({}) is None
    engine = engine_from_environment({HUB_ENV: "/x/engine.sock", KEY_ENV: "ab" * 32})
    assert isinstance(engine, RemoteEngine)
    assert (engine.address, engine.authkey) == ("/x/engine.sock", bytes.fromhex("ab" * 32))


async def test_the_app_shows_the_lessons_rows_through_the_hub(
    local_hub: LocalHub, seed_lines_expected
) -> None:
    engine = RemoteEngine(local_hub.address, local_hub.authkey)
    app = ExplorerApp(PRESETS[3], engine=engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        rows = [tuple(line.split()[:3]) for line in table_lines(app)]
    assert rows == [seed_row_values(line) for line in seed_lines_expected[2]]
    assert engine.join(30.0), "the app's connection outlived it"


async def test_the_app_runs_its_screen_again_once_the_hub_is_back(seed_lines_expected) -> None:
    with serving() as first:
        engine = RemoteEngine(first.address, first.authkey)
        app = ExplorerApp(PRESETS[3], engine=engine)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for_run(pilot)
            shown = engine.latest_id
            first.hub.close()  # the room's engine goes: the app sees it stop, and reconnects
            with serving_at(first.address, first.authkey):
                await wait_until(pilot, lambda: app.shown_request > shown, what="a new run")
                rows = [tuple(line.split()[:3]) for line in table_lines(app)]
                notes = [str(n.message) for n in app._notifications]
    assert rows == [seed_row_values(line) for line in seed_lines_expected[2]]
    assert any("the room's engine stopped" in note for note in notes), notes
    assert engine.join(30.0)


def replies_until(engine: RemoteEngine, kind: type) -> list[object]:
    """Every reply of ``engine`` up to and including the first of ``kind``."""
    seen: list[object] = []
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        got = engine.receive(0.1)
        if got is not None:
            seen.append(got)
            if isinstance(got, kind):
                return seen
    raise AssertionError(f"no {kind.__name__}; got {seen}")


def test_a_killed_hub_is_restarted_and_its_visitors_connect_again() -> None:
    supervisor = HubSupervisor()
    supervisor.start()
    engine = RemoteEngine(supervisor.address, supervisor.authkey)
    try:
        engine.start()
        replies_until(engine, EngineReady)
        engine.submit([RunSpec(lr=0.99)], SEED, 1e-6)
        before = replies_until(engine, RunDone)[-1]
        killed = supervisor.pid
        assert killed is not None
        os.kill(killed, signal.SIGKILL)
        with pytest.raises(EngineStopped) as stopped:
            deadline = time.monotonic() + WAIT
            while time.monotonic() < deadline:
                engine.receive(0.1)
        assert str(stopped.value.reason) == "the room's engine stopped"
        engine.start()  # tried again while the new hub comes up
        replies_until(engine, EngineReady)
        assert supervisor.restarts == 1 and supervisor.pid not in (None, killed)
        request = engine.submit([RunSpec(lr=0.99)], SEED, 1e-6)
        after = replies_until(engine, RunDone)[-1]
        assert after.request_id == request == 2
        assert [raw(r) for r in after.results] == [raw(r) for r in before.results]
    finally:
        engine.stop()
        assert engine.join(10)
        supervisor.stop()
    assert not os.path.exists(supervisor.address)


def process_gone(pid: int) -> bool:
    """Whether process ``pid`` has ended (a zombie waiting for its parent counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc to watch a process")
def test_the_hub_ends_with_its_supervisors_process() -> None:
    code = (
        "import time\n"
        "from tui.engine.hub_supervisor import HubSupervisor\n"
        "s = HubSupervisor()\n"
        "s.start()\n"
        "print(s.pid, s.address, flush=True)\n"
        "time.sleep(600)\n"
    )
    server = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    pid_text, address = server.stdout.readline().split()
    hub_pid = int(pid_text)
    try:
        server.kill()  # SIGKILL: the supervisor cleans nothing up
        server.wait(10)
        deadline = time.monotonic() + 30.0  # it goes at once, even while TensorFlow loads
        while not process_gone(hub_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert process_gone(hub_pid), "the hub outlived its supervisor's process"
        assert not os.path.exists(os.path.dirname(address)), "it removed its socket's folder"
    finally:
        if not process_gone(hub_pid):
            os.kill(hub_pid, signal.SIGKILL)
        shutil.rmtree(os.path.dirname(address), ignore_errors=True)
