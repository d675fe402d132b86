"""Shared test set-up: TensorFlow's environment must be configured before anything imports it."""

from __future__ import annotations

import gc
import importlib
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

# A hook: the run ends with a line for each test skipped for a missing program (chromium, ...).
from missing_tools import pytest_terminal_summary  # noqa: F401

from tui import i18n
from tui.engine import tfenv

if TYPE_CHECKING:
    from tui.app.engine_client import ThreadEngine

tfenv.configure_environment()

#: The collector's youngest-generation threshold in test processes (Python's default is 700). A
#: Textual app makes and drops tens of thousands of objects a test, and TensorFlow's import
#: leaves about 300,000 behind, which every full collection walked again: a third of the CPU of
#: the Pilot tests went to the collector (measured with gc.callbacks on tests/test_app.py).
GC_YOUNG = 10_000

gc.set_threshold(GC_YOUNG, 20, 10)
_modules_frozen = 0


def freeze_loaded_modules() -> None:
    """Move what the imports so far have left (TensorFlow's hundreds of thousands of objects)
    out of the collector's sight, after collecting what is garbage: those live until the
    process ends, and each full collection would walk them again. Only when modules were
    loaded since the last call."""
    global _modules_frozen
    if len(sys.modules) != _modules_frozen:
        gc.collect()
        gc.freeze()
        _modules_frozen = len(sys.modules)


def idle_is_the_ui_threads_idle() -> bool:
    """Make Pilot's wait for an idle app read the CPU time of the thread that waits (the UI's),
    not the process's; whether Textual is there to patch.

    Textual 8.2.8's ``textual._wait.wait_for_idle`` (after every key Pilot presses, twice, and
    in every ``pilot.pause()``) sleeps 20 ms at a time until the process spent under 1 ms of
    CPU in one, or a second has gone. With the engine in a thread of the test process, the
    engine's computing counts too: a key pressed while a run computed waited the whole second.
    The UI thread's own CPU time is what it measured when the engine was a process of its own.
    """
    try:
        from textual import _wait
    except ImportError:
        return False
    _wait.process_time = time.thread_time
    return True


idle_is_the_ui_threads_idle()


#: Test processes per core for ``-n auto``: a test process is idle for about a third of its
#: time (Pilot's waits of 20 ms after each key, engine processes starting, programs run), which
#: a second process on the same core fills (a serial run of Pilot tests: its main thread on the
#: CPU 17 s, waiting for a CPU 28 s, idle 23 s, of 68 s).
WORKERS_PER_CORE = 2

#: Memory a test process may take at its peak (the million-step run's), in bytes: ``-n auto``
#: starts no more test processes than the memory available holds.
WORKER_MEMORY = 1_500_000_000


def available_memory(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """The memory available to new processes, in bytes (``None`` where it cannot be read)."""
    try:
        for line in meminfo.read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def auto_workers(cores: int, memory: int | None) -> int:
    """How many test processes ``-n auto`` starts on ``cores`` cores with ``memory`` bytes
    available: :data:`WORKERS_PER_CORE` a core, as many as the memory holds, at least one."""
    count = WORKERS_PER_CORE * cores
    if memory is not None:
        count = min(count, memory // WORKER_MEMORY)
    return max(1, count)


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto`` (the default, see pyproject.toml): :func:`auto_workers` for this machine's
    cores, unless ``PYTEST_XDIST_AUTO_NUM_WORKERS`` gives the number (xdist reads it then)."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    affinity = getattr(os, "sched_getaffinity", None)  # Linux: the cores this process may use
    cores = len(affinity(0)) if affinity is not None else os.cpu_count() or 1
    return auto_workers(cores, available_memory())


def chunk_sizes(count: int, workers: int) -> list[int]:
    """The sizes of the runs of consecutive tests pytest-xdist's ``worksteal`` first gives its
    ``workers`` (each the rest divided by the workers left, as its ``check_schedule`` does)."""
    sizes = []
    for left in range(workers, 0, -1):
        sizes.append(count // left)
        count -= sizes[-1]
    return sizes


def long_tests_first(items: list[pytest.Item], workers: int) -> list[pytest.Item]:
    """``items`` with the tests marked ``long`` at the heads of the workers' first runs, a
    share each, the others in their order: a long test started last is the run's tail."""
    marked = [item for item in items if item.get_closest_marker("long") is not None]
    rest = iter([item for item in items if item.get_closest_marker("long") is None])
    ordered: list[pytest.Item] = []
    for worker, size in enumerate(chunk_sizes(len(items), workers)):
        head = marked[worker::workers]
        ordered += head
        ordered += [next(rest) for _ in range(max(0, size - len(head)))]
    ordered += rest
    return ordered


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a worker of ``-n``, the long tests first (:func:`long_tests_first`); every worker
    orders its collection the same way, as xdist requires."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    if workers > 1:
        items[:] = long_tests_first(items, workers)


def pytest_collection_finish(session: pytest.Session) -> None:
    """The test modules and what they import are loaded: out of the collector's sight."""
    freeze_loaded_modules()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """What the last test loaded (TensorFlow, on the first app's engine) out of sight too."""
    freeze_loaded_modules()


#: Seconds an in-process engine may take to end after its test (it stops at a run's next chunk).
ENGINE_JOIN = 60.0

SEED_FILE = Path(__file__).parent / "data" / "seed_lesson.txt"
SEED_LINE = re.compile(
    r"第 (\d+) 次迭代后的w是 (-?[\d.]+),对应的loss值是 ([\d.]+)(?:,学习率是([\d.]+))?"
)


def seed_tables() -> list[list[str]]:
    """The lesson's three printed 20-line tables, each line exactly as printed."""
    lines = [m.group(0) for m in SEED_LINE.finditer(SEED_FILE.read_text(encoding="utf-8"))]
    assert len(lines) == 60, "the lesson prints 60 lines"
    return [lines[0:20], lines[20:40], lines[40:60]]


def bits(array: np.ndarray) -> np.ndarray:
    """The raw float32 bit patterns, for bit-for-bit comparisons (NaN payloads included)."""
    return np.asarray(array, np.float32).view(np.int32)


@pytest.fixture(autouse=True)
def own_config_dir(tmp_path_factory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test keeps its settings in a folder of its own, never the user's."""
    folder = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("LR_EXPLORER_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts in English, whatever the machine's locale, and leaves it so; the
    programs tests start get an English locale too (tests of the locale set their own)."""
    monkeypatch.setenv("LANGUAGE", "en")
    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture(autouse=True)
def in_process_engine(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[ThreadEngine]]:
    """Every app a test makes runs the engine in a thread of the test process (the same
    serving loop over the same pipes), so TensorFlow loads once per test run, not once per
    app; tests marked ``engine_process`` keep the engine process. Each engine is stopped and
    its threads waited for when the test ends, so no test sees another's replies."""
    engines: list[ThreadEngine] = []
    try:  # imported here, so that tests of other layers run while the UI does not import
        app_module = importlib.import_module("tui.app.app")
        from tui.app.engine_client import ThreadEngine
    except ImportError:
        app_module = None
    if app_module is None or request.node.get_closest_marker("engine_process") is not None:
        yield engines
        return

    def make() -> ThreadEngine:
        # Loaded here, in the main thread, before any app runs: TensorFlow's import holds the
        # GIL for seconds, which the engine thread would otherwise do under a running app.
        import tui.engine.descent  # noqa: F401

        engine = ThreadEngine()
        engines.append(engine)
        return engine

    monkeypatch.setattr(app_module, "default_engine", make)
    yield engines
    left = [engine for engine in engines if not engine.join(ENGINE_JOIN)]
    assert not left, "an in-process engine thread outlived its test"


@pytest.fixture(scope="session")
def seed_lines_expected() -> list[list[str]]:
    """The seed's 60 lines, as three tables."""
    return seed_tables()
