"""The in-process engine (:class:`ThreadEngine`) tests use: the same loop as the process's.

Pilot and snapshot tests run the engine in a thread of the test process (``tests/conftest.py``),
so what they check is only worth as much as this: the thread gives bit for bit what the process
gives, the app takes whichever engine it is handed, and an engine stopped is a thread ended.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import fields

import numpy as np
import pytest
from app_helpers import seed_row_values, table_lines, wait_for_run

from tui.app import ExplorerApp
from tui.app.app import PRESETS
from tui.app.engine_client import EngineClient, EngineStopped, ThreadEngine
from tui.engine.protocol import EngineReady, RunDone
from tui.engine.result import RunResult
from tui.engine.spec import RunSpec

#: The lesson's three experiments, as one batch (the app sends each on its own).
LESSON = [PRESETS[n] for n in (1, 2, 3)]


def replies_until(engine: EngineClient | ThreadEngine, kind: type, timeout: float = 90.0) -> list:
    """Every reply up to and including the first of type ``kind``."""
    seen: list[object] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reply = engine.receive(0.1)
        if reply is not None:
            seen.append(reply)
            if isinstance(reply, kind):
                return seen
    raise AssertionError(f"no {kind.__name__} within {timeout} s; got {seen}")


def lesson_results(engine: EngineClient | ThreadEngine) -> list[list[RunResult]]:
    """The lesson's three experiments run by ``engine``: one batch each, then all three in one."""
    engine.start()
    try:
        replies_until(engine, EngineReady)
        batches = [[p.spec] for p in LESSON] + [[p.spec for p in LESSON]]
        out = []
        for specs in batches:
            request = engine.submit(specs, LESSON[0].loss, LESSON[0].tol)
            done = replies_until(engine, RunDone)[-1]
            assert done.request_id == request
            out.append(list(done.results))
        return out
    finally:
        engine.stop()


def raw(result: RunResult) -> list[object]:
    """Every field of a result, arrays as their raw bytes (NaN payloads and signs included)."""
    return [
        value.tobytes() if isinstance(value, np.ndarray | np.generic) else value
        for value in (getattr(result, f.name) for f in fields(result) if f.compare)
    ]


def test_the_thread_gives_what_the_process_gives_bit_for_bit() -> None:
    in_process = lesson_results(ThreadEngine())
    in_its_own = lesson_results(EngineClient())
    assert [len(batch) for batch in in_process] == [1, 1, 1, 3]
    assert [[raw(r) for r in batch] for batch in in_process] == [
        [raw(r) for r in batch] for batch in in_its_own
    ]


@pytest.mark.engine_process  # the default engine (a process) is left in place
@pytest.mark.parametrize("kind", ["process", "thread"])
async def test_the_seed_lines_appear_with_either_engine(kind: str, seed_lines_expected) -> None:
    engine = EngineClient() if kind == "process" else ThreadEngine()
    app = ExplorerApp(PRESETS[3], engine=engine)
    assert app.engine is engine
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        rows = [tuple(line.split()[:3]) for line in table_lines(app)]
    assert rows == [seed_row_values(line) for line in seed_lines_expected[2]]
    if isinstance(engine, ThreadEngine):
        assert engine.join(60.0), "the engine thread outlived its app"


async def test_apps_in_tests_run_the_engine_in_process(in_process_engine) -> None:
    app = ExplorerApp()
    assert isinstance(app.engine, ThreadEngine) and in_process_engine == [app.engine]
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)


@pytest.mark.engine_process
def test_tests_marked_engine_process_keep_the_process() -> None:
    assert isinstance(ExplorerApp().engine, EngineClient)


def test_a_stopped_thread_engine_ends_and_says_so_and_a_restart_is_a_new_one() -> None:
    engine = ThreadEngine()
    engine.start()
    replies_until(engine, EngineReady)
    # A long graph-mode run, stopped in the middle: the loop ends at its next chunk.
    engine.submit([RunSpec(epochs=1_000_000)], "tanh(w) + 0.1*w**2", 1e-6)
    engine.stop()
    with pytest.raises(EngineStopped):
        while True:
            assert not isinstance(engine.receive(0.1), RunDone), "a stopped run finished"
    first = engine.links[0]
    assert not first.thread.is_alive()
    engine.start()
    replies_until(engine, EngineReady)
    request = engine.submit([RunSpec(lr=0.99)], "(w + 1)**2", 1e-6)
    done = replies_until(engine, RunDone)[-1]
    assert done.request_id == request == 2, "request ids keep growing across restarts"
    assert f"{float(done.results[0].final_w):f}" == "3.005651"
    assert engine.join(60.0) and len(engine.links) == 2


def test_the_thread_engine_loads_tensorflow_only_once_started() -> None:
    code = (
        "import sys\n"
        "from tui.app.engine_client import ThreadEngine\n"
        "engine = ThreadEngine()\n"
        "print('tensorflow' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.split() == ["False"]
