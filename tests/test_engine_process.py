"""The engine process: TensorFlow's native output stays off the terminal; stale runs are skipped."""

from __future__ import annotations

import time

import pytest

from tui.app.engine_client import LOG_ENV, EngineClient
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


def test_native_logs_go_to_the_log_file_not_the_terminal(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "engine.log"
    monkeypatch.setenv(LOG_ENV, str(log))
    client = EngineClient()
    client.start()
    try:
        replies_until(client, EngineReady)
        request = client.submit([RunSpec(lr=0.99)], "(w + 1)**2", 1e-6)
        done = replies_until(client, RunDone)[-1]
        assert isinstance(done, RunDone) and done.request_id == request
        assert f"{float(done.results[0].final_w):f}" == "3.005651"
    finally:
        client.stop()
    out, err = capfd.readouterr()
    assert out == "" and err == "", "the engine process wrote to the terminal"
    assert "oneDNN" in log.read_text(), "TensorFlow's notices should have reached the log"


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
