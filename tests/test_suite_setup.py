"""The test processes' own set-up (``tests/conftest.py``): what keeps the suite's CPU down."""

from __future__ import annotations

import gc
import sys
import threading
import time

import conftest
import pytest

from tui.app.engine_client import ThreadEngine
from tui.app.pilot_helpers import wait_until
from tui.engine.protocol import EngineReady, RunDone
from tui.engine.spec import RunSpec

#: Seconds for TensorFlow's import and a run on a loaded machine (only a failure waits them out).
WAIT = 60.0


def test_what_the_imports_leave_is_out_of_the_collectors_sight(
    request: pytest.FixtureRequest,
) -> None:
    assert gc.get_threshold()[0] == conftest.GC_YOUNG
    assert gc.get_freeze_count() > 0, "nothing was frozen before this test"
    import tui.engine.descent  # noqa: F401  (TensorFlow: hundreds of thousands of objects)

    conftest.pytest_runtest_setup(request.node)
    assert gc.get_freeze_count() > 100_000


def _writing_a_runs_reply(thread: threading.Thread) -> bool:
    """Whether the engine thread is writing a run's answer (computed) to its reply pipe."""
    frame = sys._current_frames().get(thread.ident or -1)
    writing = False
    while frame is not None:
        writing = writing or frame.f_code.co_name == "_send"
        if frame.f_code.co_name == "serve_loop":
            return writing and isinstance(frame.f_locals.get("reply"), RunDone)
        frame = frame.f_back
    return False


def test_an_engine_thread_whose_long_reply_nobody_reads_ends_when_joined() -> None:
    # The app that asked has gone (quit, or crashed) before its reader took the reply: 200,000
    # steps are megabytes, which the loop writes into a pipe of 64 KiB that nobody reads.
    engine = ThreadEngine()
    engine.start()
    assert isinstance(engine.receive(WAIT), EngineReady)
    engine.submit([RunSpec(epochs=200_000)], "(w - 1)**2", 1e-6)
    link = engine.links[0]
    deadline = time.monotonic() + WAIT
    while not _writing_a_runs_reply(link.thread):
        assert time.monotonic() < deadline, "the run's reply was never written"
        time.sleep(0.01)
    assert engine.join(WAIT), "the engine thread waits for ever to write its reply"


def test_pilots_wait_for_an_idle_app_counts_the_ui_threads_cpu_alone() -> None:
    # Another thread (an in-process engine) computing is no busy app: Pilot's wait, after every
    # key and pause, ends once the thread that waits is idle.
    from textual import _wait

    assert conftest.idle_is_the_ui_threads_idle()
    done = threading.Event()
    counted = [0]
    computed = [0.0]

    def compute() -> None:
        while not done.is_set():
            counted[0] += 1
        computed[0] = time.thread_time()

    thread = threading.Thread(target=compute, daemon=True)
    before = _wait.process_time()
    thread.start()
    try:
        while counted[0] < 2_000_000:  # a tenth of a second of CPU or so, in the other thread
            time.sleep(0.02)
    finally:
        done.set()
        thread.join()
    assert _wait.process_time() - before < computed[0] / 10


class _CountingPilot:
    """Stands in for Pilot in :func:`wait_until`: counts its pauses."""

    def __init__(self) -> None:
        self.pauses = 0

    async def pause(self) -> None:
        self.pauses += 1


async def test_waiting_looks_without_pausing_and_returns_right_after_a_pause() -> None:
    # Five looks before the condition holds, then it holds at a look but no longer after the
    # pause, then holds again at a look and after its pause: two pauses in all.
    answers = iter([False] * 6 + [True, False] + [False] * 3 + [True, True])
    pilot = _CountingPilot()
    await wait_until(pilot, lambda: next(answers))  # type: ignore[arg-type]
    assert pilot.pauses == 2
    assert next(answers, None) is None, "it returned before the condition held after a pause"


def test_auto_starts_two_test_processes_a_core_as_far_as_the_memory_holds(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gigabytes = 1_000_000_000
    assert conftest.auto_workers(2, 18 * gigabytes) == 4
    assert conftest.auto_workers(2, None) == 4, "memory unknown: two a core"
    assert conftest.auto_workers(8, 7 * gigabytes) == 4, "as many as 7 GB hold"
    assert conftest.auto_workers(2, 1 * gigabytes) == 1, "always one"
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:  8000000 kB\nMemAvailable:  6000000 kB\n", encoding="ascii")
    assert conftest.available_memory(meminfo) == 6_000_000 * 1024
    assert conftest.available_memory(tmp_path / "none") is None
    monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", "3")
    assert conftest.pytest_xdist_auto_num_workers(None) is None  # type: ignore[arg-type]


class _Item:
    """Stands in for a collected test: a name, marked ``long`` or not."""

    def __init__(self, name: str, long: bool) -> None:
        self.name = name
        self.long = long

    def get_closest_marker(self, name: str) -> object | None:
        return object() if name == "long" and self.long else None


def test_each_worker_starts_with_a_share_of_the_long_tests() -> None:
    assert conftest.chunk_sizes(10, 3) == [3, 3, 4]  # as xdist's worksteal first divides them
    items = [_Item(f"t{number}", long=number in (4, 7, 8)) for number in range(10)]
    ordered = conftest.long_tests_first(items, 3)  # type: ignore[arg-type]
    assert sorted(item.name for item in ordered) == sorted(item.name for item in items)
    heads = [ordered[0], ordered[3], ordered[6]]  # the first test of each worker's run
    assert [item.name for item in heads] == ["t4", "t7", "t8"]
    others = [item.name for item in ordered if not item.long]
    assert others == [f"t{number}" for number in (0, 1, 2, 3, 5, 6, 9)], "in their order"
