"""The engine process: TensorFlow's native output stays off the terminal; stale runs are skipped."""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time

import pytest

from tui.app.engine_client import EngineClient
from tui.engine.launch import LOG_ENV
from tui.engine.protocol import EngineReady, RunDone
from tui.engine.spec import RunSpec


def replies_until(client: EngineClient, kind: type, timeout: float = 90.0) -> list[object]:
    """Every reply up to and including the first of type ``kind``."""
    seen: list[object] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reply = client.receive(0.1)
        if reply is not None:
            seen.append(reply)
            if isinstance(reply, kind):
                return seen
    raise AssertionError(f"no {kind.__name__} within {timeout} s; got {seen}")


#: A line written to file descriptor 2 by native code (libc's ``write``), not by Python.
NATIVE_LINE = "a native line from inside the engine process"

#: Loaded by every Python the test starts (as ``sitecustomize``): once something points file
#: descriptor 2 elsewhere (the engine's start does, before TensorFlow loads), libc's ``write``
#: puts a line on it, as TensorFlow's C++ logging does on any machine.
NATIVE_WRITER = f"""
import ctypes, os, threading, time

def _write_once_redirected():
    before = os.fstat(2)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        now = os.fstat(2)
        if (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino):
            line = b"{NATIVE_LINE}\\n"
            ctypes.CDLL(None).write(2, line, len(line))
            return
        time.sleep(0.005)

threading.Thread(target=_write_once_redirected, daemon=True).start()
"""


def fd_target(pid: int, fd: int) -> str | None:
    """What file descriptor ``fd`` of process ``pid`` points at (``None`` without ``/proc``)."""
    try:
        return os.readlink(f"/proc/{pid}/fd/{fd}")
    except OSError:
        return None


def test_native_logs_go_to_the_log_file_not_the_terminal(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "engine.log"
    monkeypatch.setenv(LOG_ENV, str(log))
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(NATIVE_WRITER)
    paths = [str(hook), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    client = EngineClient()
    client.start()
    try:
        replies_until(client, EngineReady)
        request = client.submit([RunSpec(lr=0.99)], "(w + 1)**2", 1e-6)
        done = replies_until(client, RunDone)[-1]
        assert isinstance(done, RunDone) and done.request_id == request
        assert f"{float(done.results[0].final_w):f}" == "3.005651"
        (engine,) = [p for p in mp.active_children() if p.name == "lr-explorer-engine"]
        assert engine.pid is not None
        targets = [fd_target(engine.pid, fd) for fd in (1, 2)]
        if targets != [None, None]:  # where /proc shows it (Linux): both at the log file
            assert targets == [str(log)] * 2
    finally:
        client.stop()
    out, err = capfd.readouterr()
    assert out == "" and err == "", "the engine process wrote to the terminal"
    assert NATIVE_LINE in log.read_text(), "a native write to fd 2 should have reached the log"


def test_a_newer_request_makes_the_running_one_stale() -> None:
    client = EngineClient()
    client.start()
    try:
        replies_until(client, EngineReady)
        # A graph-mode loss: a million steps take seconds, in chunks the engine can stop between.
        slow = client.submit([RunSpec(epochs=1_000_000)], "tanh(w) + 0.1*w**2", 1e-6)
        time.sleep(0.5)
        quick = client.submit([RunSpec(epochs=20)], "(w + 1)**2", 1e-6)
        done = [r for r in replies_until(client, RunDone) if isinstance(r, RunDone)]
        assert [d.request_id for d in done] == [quick], f"stale run {slow} was not dropped"
    finally:
        client.stop()


@pytest.mark.parametrize("entry", ["serve", "quick start"])
def test_a_runs_reply_comes_out_of_band_with_the_in_process_bits(entry: str) -> None:
    """Both engine processes (the explorer's restarts' :func:`serve` and the early quick start)
    send a run's arrays out of band: the UI never holds the reply whole as one message besides
    its arrays (issue 14's memory goal); the arrays are the bits of a run in this process."""
    from tui.engine import descent, launch
    from tui.engine.protocol import Buffers, RunRequest, read_buffers
    from tui.engine.server import serve

    specs = (RunSpec(epochs=30_000, lr=0.001), RunSpec(epochs=30_000, lr=0.5, decay=0.999))
    engine = launch.start(serve if entry == "serve" else None)
    try:
        assert engine.replies.poll(90) and isinstance(engine.replies.recv(), EngineReady)
        engine.requests.send(RunRequest(1, specs, "tanh(w) + 0.1*w**2", 1e-6))
        item = engine.replies.recv()
        while not isinstance(item, Buffers):  # progress replies go whole
            assert not isinstance(item, RunDone), "the run's reply came pickled whole"
            item = engine.replies.recv()
        done = read_buffers(engine.replies, item)
    finally:
        engine.kill()
        engine.process.join(10)
    assert isinstance(done, RunDone) and done.request_id == 1
    here = descent.run_batch(specs, "tanh(w) + 0.1*w**2", tol=1e-6)
    for mine, theirs in zip(here, done.results, strict=True):
        for name in ("step", "w", "loss", "lr", "lr64"):
            assert getattr(mine, name).tobytes() == getattr(theirs, name).tobytes(), name


def report_niceness(requests: object, replies: mp.connection.Connection, log: object) -> None:
    """An engine entry that only says how nice its process is."""
    replies.send(os.nice(0))


#: A fresh interpreter (one thread, no Textual: the engine is forked, as the explorer's first
#: is): prints its own niceness, then its engine's. Its entry is its own, :func:`report_niceness`
#: again: importing this module would load Textual, and the engine would be spawned.
FORKED_NICENESS = """
import os, sys
from tui.engine import launch

def report(requests, replies, log):
    replies.send(os.nice(0))

assert launch.can_fork()
engine = launch.start(report)
print(os.nice(0), engine.replies.recv() if engine.replies.poll(60) else None)
"""


def nicer(niceness: int, by: int) -> int:
    """``niceness`` raised ``by``, as the kernel caps it (19: a test run under ``nice`` too)."""
    return min(niceness + by, 19)


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the first engine is forked on Linux alone"
)
def test_the_engine_gives_way_to_the_ui_forked_or_spawned() -> None:
    """The engine runs ``ENGINE_NICENESS`` steps nicer than the UI that started it, forked
    from a small interpreter or spawned from a loaded one, so that the UI's first frame and
    its keys do not wait for a CPU behind TensorFlow's threads."""
    import subprocess

    from tui.engine import launch

    assert launch.ENGINE_NICENESS > 0
    found = subprocess.run(
        [sys.executable, "-c", FORKED_NICENESS], capture_output=True, text=True, timeout=120
    )
    assert found.returncode == 0, found.stderr
    ui, engine = (int(word) for word in found.stdout.split())
    assert engine == nicer(ui, launch.ENGINE_NICENESS)

    assert not launch.can_fork()  # this process has loaded Textual or NumPy: spawned
    started = launch.start(report_niceness)
    try:
        assert started.replies.poll(60)
        assert started.replies.recv() == nicer(os.nice(0), launch.ENGINE_NICENESS)
    finally:
        started.kill()
        started.process.join(10)
