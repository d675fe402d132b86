"""Start-up and quit: the engine starts before Textual loads, the first short runs never wait for
XLA, and quitting leaves no engine behind."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from tui.engine import tfenv
from tui.engine.protocol import RunRequest
from tui.engine.spec import RunSpec

ROOT = Path(__file__).resolve().parents[1]

#: Seconds a process started here may take (it loads TensorFlow on a loaded machine).
SLOW = 180.0


def python(code: str, *args: str, timeout: float = SLOW) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter of this environment, from the checkout (without a
    thread limit the machine's environment may set, which the entry point sets itself)."""
    environment = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=timeout,
    )


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie does not)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except (OSError, IndexError):
        return False


def gone(pid: int, within: float = 30.0) -> bool:
    """Whether process ``pid`` has ended, looking until ``within`` seconds have passed."""
    deadline = time.monotonic() + within
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def children(pid: int) -> list[int]:
    """The ids of the processes whose parent is ``pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat:
                    if int(stat.read().rsplit(b")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")

#: ``lr-explorer`` with an app that records what it was given and asks its engine for the
#: lesson's first run, then ends: whether Textual was loaded when the engine was started.
EXPLORER_RECORDING = """
import json, os, sys, time
import tui.app
from tui.engine import launch

seen = {}
start = launch.start

def recording_start():
    seen.setdefault("textual_loaded_at_engine_start", "textual" in sys.modules)
    started = start()
    seen.setdefault("engine_pids", []).append(started.process.pid)
    seen.setdefault("engine_start", type(started.process).__name__)
    return started

launch.start = recording_start

class RecordingApp:
    def __init__(self, params, *, engine, **_options):
        self.engine, self.params = engine, params
        self.return_code, self.last_session, self.wrote = 0, None, []

    def run(self):
        from tui.engine.protocol import EngineReady, RunDone

        seen["engine_kind"] = type(self.engine).__name__
        seen["ui_blas_threads"] = os.environ.get("OPENBLAS_NUM_THREADS")
        self.engine.start()
        seen["adopted_pid"] = self.engine.pid
        replies = []
        deadline = time.monotonic() + 170
        while not any(isinstance(r, RunDone) for r in replies) and time.monotonic() < deadline:
            reply = self.engine.receive(0.1)
            if isinstance(reply, EngineReady):
                self.engine.submit([self.params.spec], self.params.loss, self.params.tol)
            if reply is not None:
                replies.append(reply)
        done = [r for r in replies if isinstance(r, RunDone)]
        seen["w"] = [float(w) for w in done[0].results[0].w] if done else None
        seen["backend"] = done[0].results[0].backend if done else None
        print(json.dumps(seen), flush=True)

tui.app.ExplorerApp = RecordingApp  # read by the command line as it opens the explorer
sys.argv = ["lr-explorer", "--lang", "en"]
from tui.__main__ import main
main()
"""


@needs_proc
def test_the_engine_starts_before_textual_loads_and_the_app_adopts_it(
    seed_lines_expected: list[list[str]],
) -> None:
    done = python(EXPLORER_RECORDING)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["textual_loaded_at_engine_start"] is False
    assert seen["engine_kind"] == "QuickEngineClient"
    assert seen["engine_pids"] == [seen["adopted_pid"]]  # the process started first, no other
    # The UI's NumPy starts no OpenBLAS pool beside the engine's load.
    assert seen["ui_blas_threads"] == "1"
    if sys.platform.startswith("linux"):  # forked from the small interpreter it was then
        assert seen["engine_start"] == "ForkProcess"
    printed = [line.split("w是 ")[1].split(",")[0] for line in seed_lines_expected[0]]
    assert [f"{w:.6f}" for w in seen["w"]] == printed
    assert seen["backend"] == "graph"  # a short first run waits for no XLA
    assert gone(seen["adopted_pid"]), "the engine outlived the command"


def test_importing_the_engine_client_loads_no_textual() -> None:
    done = python(
        """
        import sys
        import tui.app.quick_engine, tui.app.room_engine, tui.engine.launch, tui.__main__
        print("textual" in sys.modules, "tensorflow" in sys.modules, "numpy" in sys.modules)
        import tui.engine.launch
        """
    )
    assert done.returncode == 0, done.stderr
    textual, tensorflow, _numpy = done.stdout.split()
    assert (textual, tensorflow) == ("False", "False")


def test_the_entry_and_the_launcher_import_only_the_standard_library() -> None:
    """What the UI imports before it starts the engine, and the engine before TensorFlow."""
    done = python(
        """
        import sys
        before = set(sys.modules)
        import tui.__main__, tui.engine.launch
        print(sorted(m for m in set(sys.modules) - before if m.split(".")[0] != "tui"))
        print(sorted(m for m in set(sys.modules) - before if m.split(".")[0] == "tui"))
        """
    )
    assert done.returncode == 0, done.stderr
    others, ours = (eval(line) for line in done.stdout.splitlines())  # noqa: S307 - our output
    assert ours == ["tui", "tui.__main__", "tui.engine", "tui.engine.launch"]
    assert not [name for name in others if name.split(".")[0] in ("numpy", "textual", "rich")]


def test_tensorflow_loads_without_keras_which_still_loads_when_used() -> None:
    done = python(
        """
        import sys
        from tui.engine import tfenv
        tf = tfenv.load()
        print("keras.src.optimizers" in sys.modules, "keras.src.optimizers" in sys.modules)
        print(type(tf.keras.optimizers.Adam(0.1)).__name__, "keras.src.optimizers" in sys.modules)
        """
    )
    assert done.returncode == 0, done.stderr[-3000:]
    first, second = done.stdout.splitlines()
    assert first == "False False"
    assert second == "Adam True"


def test_graph_only_holds_for_its_thread_and_its_span() -> None:
    seen: list[bool] = []
    with tfenv.graph_only():
        seen.append(tfenv.xla_allowed())
        thread = threading.Thread(target=lambda: seen.append(tfenv.xla_allowed()))
        thread.start()
        thread.join()
        with tfenv.graph_only():
            seen.append(tfenv.xla_allowed())
        seen.append(tfenv.xla_allowed())
    seen.append(tfenv.xla_allowed())
    assert seen == [False, tfenv.xla_allowed(), False, False, tfenv.xla_allowed()]


def test_graph_is_enough_for_short_runs_on_the_lessons_schedules() -> None:
    from tui.engine.spec import Schedule

    assert tfenv.graph_is_enough([RunSpec()])
    assert tfenv.graph_is_enough([RunSpec(epochs=tfenv.GRAPH_ENOUGH)])
    assert not tfenv.graph_is_enough([RunSpec(epochs=tfenv.GRAPH_ENOUGH + 1)])
    assert not tfenv.graph_is_enough([RunSpec(epochs=1000)] * 3)  # lanes x epochs
    assert tfenv.graph_is_enough([RunSpec(decay=0.99, optimizer="adam")])
    cosine = RunSpec(schedule=Schedule("cosine"))
    assert not tfenv.graph_is_enough([cosine])


def test_a_short_run_takes_graph_mode_and_decides_nothing_about_xla(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tui.engine import descent

    monkeypatch.delenv(tfenv.XLA_ENV, raising=False)
    monkeypatch.setattr(descent, "_probe_result", None)
    with tfenv.graph_only():
        result = descent.run(RunSpec())
    assert result.backend == "graph"
    assert descent._probe_result is None  # the probe is still to be made, when a run needs it
    assert descent.run(RunSpec()).backend == ("xla" if descent.xla_in_use() else "graph")


def test_run_of_a_short_table_makes_no_xla_probe(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui import cli
    from tui.engine import descent

    monkeypatch.delenv(tfenv.XLA_ENV, raising=False)
    monkeypatch.setattr(descent, "_probe_result", None)
    assert cli.main(["run", "--format", "summary"]) == 0
    assert "w = 3.005648" in capsys.readouterr().out
    assert descent._probe_result is None  # graph mode, without asking XLA
    assert cli.main(["run", "--format", "summary", "--epochs", "5000"]) == 0
    assert descent._probe_result is not None  # a long run is worth XLA's probe


def test_the_quick_hooks_answer_a_short_first_run_in_graph_mode_then_ready_xla(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tui.engine import descent
    from tui.engine.quickstart import QuickHooks

    monkeypatch.delenv(tfenv.XLA_ENV, raising=False)
    monkeypatch.setattr(descent, "_probe_result", None)
    hooks = QuickHooks()
    ready = hooks.ready()
    assert ready.xla is False and ready.seconds > 0  # said at once: the first runs' path
    assert descent._probe_result is None
    request = RunRequest(1, (RunSpec(),), "(w + 1)**2", 1e-6)
    first = hooks.run(request, lambda: False, lambda done, total: None)
    assert [r.backend for r in first] == ["graph"]
    assert hooks.warmed.wait(SLOW), "XLA was never readied"
    assert descent._probe_result is not None  # probed while the first results were shown
    again = hooks.run(RunRequest(2, (RunSpec(lr=0.5),), "(w + 1)**2", 1e-6), lambda: False, print)
    assert [r.backend for r in again] == ["xla" if descent._probe_result else "graph"]
    assert again[0].w.tobytes() == descent.run(RunSpec(lr=0.5)).w.tobytes()


def test_a_long_first_run_is_not_forced_onto_graph_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.engine import descent
    from tui.engine.quickstart import QuickHooks

    monkeypatch.delenv(tfenv.XLA_ENV, raising=False)
    hooks = QuickHooks()
    spec = RunSpec(epochs=tfenv.GRAPH_ENOUGH + 1)
    results = hooks.run(RunRequest(1, (spec,), "(w + 1)**2", 1e-6), lambda: False, print)
    assert results[0].backend == ("xla" if descent.xla_in_use() else "graph")
    assert not hooks.warmed.is_set() and hooks._warming is None  # nothing to ready


def read_until(fd: int, text: bytes, seen: bytearray, timeout: float) -> bool:
    """Read the terminal's output into ``seen`` until ``text`` is in it (or the time is up)."""
    deadline = time.monotonic() + timeout
    while text not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([fd], [], [], min(left, 0.2))
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return False
            if not chunk:
                return False
            seen += chunk
    return True


@needs_proc
def test_ctrl_q_during_a_long_run_ends_the_app_and_its_engine() -> None:
    """``lr-explorer`` in a terminal (a pseudo-terminal here): quit while a 1,000,000-step
    graph-mode run goes on; the app exits with status 0 and no engine process is left."""
    argv = [sys.executable, "-m", "tui", "--lang", "en"]
    argv += ["--loss", "tanh(3*w) + 0.1*w**2", "--epochs", "1000000"]
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    app = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env, start_new_session=True
    )
    os.close(slave)
    seen = bytearray()
    try:
        progress = b"of 1,000,000 steps"  # the status line while the run goes on
        assert read_until(master, progress, seen, SLOW), bytes(seen[-2000:])
        engines = children(app.pid)
        assert engines, "the app has an engine process"
        _, stop = _drained(master)  # the app must never block writing to its terminal
        os.write(master, b"\x11")  # ctrl+q
        assert app.wait(timeout=SLOW) == 0
        stop.set()
        assert all(gone(pid) for pid in engines), "a process of the app outlived it"
    finally:
        if app.poll() is None:
            os.killpg(app.pid, signal.SIGKILL)
            app.wait()
        os.close(master)


def _drained(master: int) -> tuple[threading.Thread, threading.Event]:
    """A thread that reads what the app writes to its terminal (it must never block on it),
    until the event is set or the terminal closes."""
    stop = threading.Event()

    def keep_reading() -> None:
        while not stop.is_set():
            if select.select([master], [], [], 0.1)[0]:
                try:
                    if not os.read(master, 65536):
                        return
                except OSError:
                    return

    drain = threading.Thread(target=keep_reading, daemon=True)
    drain.start()
    return drain, stop


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX terminal's line discipline")
def test_ctrl_q_typed_while_the_explorer_loads_quits_it_and_the_terminal_is_restored() -> None:
    """Until Textual puts the terminal in raw mode (about half a second after launch), the
    terminal is as the shell left it, and its line discipline took ``ctrl+q`` as XON: a quit
    typed at once was lost. The explorer lets it through from its first moment (the terminal
    still cooked); the key waits in the terminal's input and quits the app once Textual reads
    it; the terminal's modes are then the shell's again."""
    import termios

    master, slave = pty.openpty()
    shells = termios.tcgetattr(slave)
    assert shells[0] & termios.IXON and shells[3] & termios.ICANON  # a shell's terminal
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    argv = [sys.executable, "-m", "tui", "--lang", "en"]
    app = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env, start_new_session=True
    )
    drain, stop = _drained(master)
    try:
        deadline = time.monotonic() + SLOW
        modes = termios.tcgetattr(slave)
        while modes[0] & termios.IXON:
            assert time.monotonic() < deadline and app.poll() is None, "IXON was never cleared"
            time.sleep(0.001)
            modes = termios.tcgetattr(slave)
        # Textual's raw mode clears ICANON with IXON, at once: still cooked, the app is loading.
        assert modes[3] & termios.ICANON, "the flow keys were let through only in raw mode"
        os.write(master, b"\x11")  # ctrl+q
        assert app.wait(timeout=SLOW) == 0
        assert termios.tcgetattr(slave) == shells
    finally:
        stop.set()
        if app.poll() is None:
            os.killpg(app.pid, signal.SIGKILL)
            app.wait()
        drain.join(5)
        os.close(slave)
        os.close(master)


#: An engine forked by :func:`launch.start` (the command line's first act: one thread, no
#: NumPy) that waits for the end of its request pipe, and says when it sees it.
FORKED_ENGINE = """
from tui.engine import launch

def target(requests, replies, log_path):
    try:
        requests.recv()
    except EOFError:
        replies.send("end of file")

engine = launch.start(target)
print(type(engine.process).__name__)
engine.requests.close()
print(engine.replies.recv() if engine.replies.poll(20) else "no end of file", flush=True)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the engine forks on Linux")
def test_a_forked_engine_sees_the_ui_close_its_request_pipe() -> None:
    """The forked engine closes the UI's pipe ends it inherited: else it would hold the request
    pipe open itself, and never see the UI close it (nor die)."""
    done = python(FORKED_ENGINE, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split("\n")[:2] == ["ForkProcess", "end of file"]


def test_an_engine_started_from_a_loaded_process_is_spawned() -> None:
    """This process runs NumPy (its BLAS threads), as a UI restarting its engine runs Textual
    and threads: a fork is unsafe there, so the engine is spawned."""
    import numpy  # noqa: F401 - loaded, as in every test process

    from tui.engine import launch

    assert not launch.can_fork()
