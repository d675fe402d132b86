"""End-to-end latency of the terminal UI in a real terminal: tmux at 120x40.

Usage: ``python bench/bench_ui.py [--repeat 20] [--launches 3] [--quick] [--silent]``

The app runs as ``python -m tui ...`` (no shell, stderr left to the terminal) in detached
sessions of a private tmux server (socket ``benchui-<pid>``, killed at the end, also on errors).
One tmux control-mode client (``tmux -C``) sends the keys and captures the pane in a tight loop:
a capture costs tens of microseconds there, where a ``tmux capture-pane`` process costs
milliseconds and would compete with the app for the CPU. Every latency runs from just before a
key is sent to the first capture that shows the expected screen. The checkout's ``tui`` is
byte-compiled first, as ``pip install`` compiles an installed copy (:func:`byte_compile`).
Measured:

1. launch to first frame ("learning rate" on screen);
2. launch to the seed's first results (the status line shows the CLI's ``w = 3.005648``), with
   the moment "TensorFlow ... loaded" shows and the load time the app reports;
3. key to new results at 20 epochs: ``up`` / ``down`` in the lr field (lr x or / 10^0.1, the
   field's text computed as the app does), each run's status, ``w`` and loss taken beforehand
   from the CLI's ``run --format summary`` (``tui.cli.main``, all runs in one process); also key
   to the field's echo;
4. the same at 100,000 epochs, and on a landscape (a loss of w1 and w2) at 20 and 10,000 epochs;
5. key to visible change while a 1,000,000-step graph-mode run (``tanh(3*w) + 0.1*w**2``) is
   under way: focus keys ``t`` / ``c`` / ``f``, escape, ``up`` in the lr field, and (unless
   ``--quick``) ``v`` over the first run's chart while later runs go on; the same keys idle;
6. ``ctrl+q`` to process exit: (a) 0.3 s after launch and at the first frame, while TensorFlow
   loads, (b) during the long run, (c) idle; with when the screen was restored and when the
   app's children (engine, resource tracker) were gone;
7. baselines from the same run: a capture (the polling resolution), a ``tmux capture-pane``
   process, a send-keys, launch to output of ``python -c "print('x')"``, and a one-label Textual
   app's launch to first frame, key to change (also during the long run, in another session:
   the machine's share of a slowdown) and ctrl+q to exit.

For key figures the app's CPU time and its time runnable but waiting for a CPU (from
``/proc/<pid>/task/*/schedstat``) are shown too, so that a slow figure can be told apart from a
loaded machine. The tables give median, min, max, target, the ratio to a baseline and a verdict
on the median ("max over": some sample missed the target; "lost": a key never showed).
The exit status is 0 whatever the figures (this is a benchmark, not a test).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 120, 40
#: The final w the seed prints after its 20 steps at lr 0.01.
SEED_W = "3.005648"
SLOW_LOSS = "tanh(3*w) + 0.1*w**2"
#: The lr field's nudge factor (``NUDGES["lr"]`` in tui/app/widgets/params.py).
LR_FACTOR = 10 ** (1 / 10)
#: Seconds between two captures while polling.
POLL_INTERVAL = 0.002
#: What "instant" means for quitting, in seconds (no figure is given by the issue).
INSTANT = 0.1
#: At least this many samples of the one-label app's key -> change (the keys' baseline).
BASELINE_KEYS = 15


Screen = list[str]

CLI_HELPER = r"""
import io, json, sys
from tui.cli import main
answers = []
for argv in json.load(sys.stdin):
    buffer = io.BytesIO()
    real = sys.stdout
    sys.stdout = wrapper = io.TextIOWrapper(buffer, encoding="utf-8")
    try:
        code = main(argv)
        wrapper.flush()
        text = buffer.getvalue().decode()
    finally:
        sys.stdout = real
        wrapper.detach()
    answers.append([code, text])
json.dump(answers, sys.stdout)
"""

TEXTUAL_BASELINE = """\
from textual.app import App
from textual.widgets import Static


class Baseline(App):
    BINDINGS = [("t", "toggle", "toggle")]

    def compose(self):
        yield Static("learning rate", id="label")

    def action_toggle(self):
        self.flag = not getattr(self, "flag", False)
        self.query_one("#label", Static).update("learning rate" + (" *" if self.flag else ""))


Baseline().run()
"""

SUMMARY_RE = re.compile(r"step (\d+): w = (\S+), loss = (\S+), status: (.+)")
SUMMARY_TWO_RE = re.compile(r"step (\d+): w1 = (\S+), w2 = (\S+), loss = (\S+), status: (.+)")

#: The two-parameter runs of the landscape keystrokes (issue 15): the lesson's bowl stretched.
TWO_PARAMETERS = ("--loss", "(w1 + 1)**2 + 10*(w2 - 1)**2", "--w1", "5", "--w2", "2")


# -- tmux ---------------------------------------------------------------------------------------


def tmux_quote(arg: str) -> str:
    """Quote ``arg`` for tmux's command parser (single quotes: nothing inside is special)."""
    if "'" in arg:
        raise ValueError(f"cannot quote an argument holding a single quote: {arg!r}")
    return f"'{arg}'"


class TmuxError(RuntimeError):
    """A tmux command answered with an error."""


class Tmux:
    """A private tmux server at ``WIDTH`` x ``HEIGHT``, driven through one control-mode client."""

    def __init__(self, socket: str) -> None:
        self.socket = socket
        self.base = ["tmux", "-L", socket, "-f", "/dev/null"]
        self._client: subprocess.Popen[bytes] | None = None
        self._socket_path = ""

    def start(self) -> None:
        """Start the server with an idle ``keeper`` session and attach the control client."""
        subprocess.run(
            [*self.base, "new-session", "-d", "-s", "keeper", "-x", str(WIDTH), "-y", str(HEIGHT)]
            + ["sleep", "86400"],
            check=True,
        )
        self._client = subprocess.Popen(
            [*self.base, "-C", "attach-session", "-t", "keeper"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._write("display-message", "-p", "ready")
        while self._read_reply() != ["ready"]:
            pass  # the attach's own reply comes first
        self._socket_path = self.command("display-message", "-p", "#{socket_path}")[0]
        # A pane whose program ended stays, with its last output, until its session is killed.
        self.command("set-option", "-g", "remain-on-exit", "on")

    def close(self) -> None:
        """Detach the client and stop the server (every session on this socket ends)."""
        if self._client is not None:
            try:
                assert self._client.stdin is not None
                self._client.stdin.close()
                self._client.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self._client.kill()
            self._client = None
        subprocess.run(
            [*self.base, "kill-server"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if self._socket_path:
            Path(self._socket_path).unlink(missing_ok=True)

    def command(self, *args: str) -> list[str]:
        """Run one tmux command through the control client; return its output lines."""
        self._write(*args)
        return self._read_reply()

    def _write(self, *args: str) -> None:
        client = self._client
        assert client is not None and client.stdin is not None
        client.stdin.write((" ".join(tmux_quote(a) for a in args) + "\n").encode())
        client.stdin.flush()

    def _read_reply(self) -> list[str]:
        """The next reply to one of our commands (``%begin`` with flags 1 to its ``%end``).

        Notifications between replies are skipped, and so are blocks with flags 0, which
        answer commands tmux ran itself (the attach's own reply may come after ours).
        """
        client = self._client
        assert client is not None and client.stdout is not None
        number, ours = None, False
        lines: list[str] = []
        while True:
            raw = client.stdout.readline()
            if not raw:
                raise TmuxError("the tmux control client went away")
            line = raw.decode("utf-8", "replace").rstrip("\n")
            parts = line.split()
            if number is None:
                if len(parts) >= 4 and parts[0] == "%begin":
                    number, ours, lines = parts[2], parts[3] == "1", []
                continue  # notifications between replies
            if len(parts) >= 3 and parts[0] in ("%end", "%error") and parts[2] == number:
                if not ours:
                    number = None
                    continue
                if parts[0] == "%error":
                    raise TmuxError("; ".join(lines) or "tmux error")
                return lines
            lines.append(line)

    def new_session(self, name: str, argv: Sequence[str], cwd: Path) -> int:
        """Start ``argv`` (no shell) in a new detached session; return its process id."""
        out = self.command(
            "new-session", "-d", "-P", "-F", "#{pane_pid}", "-s", name, "-c", str(cwd),
            "-x", str(WIDTH), "-y", str(HEIGHT), *argv,
        )  # fmt: skip
        return int(out[0])

    def capture(self, name: str, escapes: bool = False) -> Screen | None:
        """The pane's lines (with colour codes if ``escapes``), or ``None`` once it is gone."""
        try:
            return self.command("capture-pane", "-p", *(["-e"] if escapes else []), "-t", name)
        except TmuxError:
            return None

    def send(self, name: str, *keys: str, literal: bool = False) -> None:
        """Send keys (tmux key names such as ``Up``, ``C-q``; or text with ``literal``)."""
        self.command("send-keys", "-t", name, *(["-l"] if literal else []), *keys)

    def kill_session(self, name: str) -> None:
        """End session ``name`` if it still exists."""
        with suppress(TmuxError):
            self.command("kill-session", "-t", name)


# -- processes ----------------------------------------------------------------------------------


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie, exited but not yet reaped, does not)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            state = stat.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in (b"Z", b"X")


def sched_ns(pid: int) -> tuple[int, int]:
    """Nanoseconds that process ``pid``'s threads ran, and waited for a CPU while runnable."""
    ran = waited = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0, 0
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as stat:
                fields = stat.read().split()
        except OSError:
            continue
        ran += int(fields[0])
        waited += int(fields[1])
    return ran, waited


def descendants(pid: int) -> list[int]:
    """The ids of every process below ``pid``."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                parents[int(entry)] = int(stat.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def engine_pid(pid: int) -> int | None:
    """The app's engine process, if it has started: multiprocessing's spawned child, or the
    child forked from the app's own command (the first engine, on Linux: tui.engine.launch)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            own = cmdline.read()
    except OSError:
        return None
    for child in descendants(pid):
        try:
            with open(f"/proc/{child}/cmdline", "rb") as cmdline:
                command = cmdline.read()
        except OSError:
            continue
        if b"spawn_main" in command or command == own:
            return child
    return None


def wait_exit(pids: Sequence[int], since: float, timeout: float) -> float | None:
    """Seconds from ``since`` until every process in ``pids`` is gone, or ``None`` on timeout."""
    deadline = time.perf_counter() + timeout
    while any(alive(pid) for pid in pids):
        if time.perf_counter() > deadline:
            return None
        time.sleep(0.0005)
    return time.perf_counter() - since


# -- the app ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """A run as the CLI summarises it, and how the app's status line shows it."""

    status: str
    w: str
    loss: str
    w2: str | None = None
    """w2 of a run of two parameters (``w`` is then w1)."""

    @property
    def pattern(self) -> re.Pattern[str]:
        """Matches the status line of a run with this status: ``<status>  w = <w>  loss = <l>``
        (the numbers in groups), or ``w1 = <w1>  w2 = <w2>`` for a run of two parameters."""
        if self.w2 is not None:
            return re.compile(re.escape(self.status) + r"\s+w1 = (\S+)\s+w2 = (\S+)\s+loss = (\S+)")
        return re.compile(re.escape(self.status) + r"\s+w = (\S+)\s+loss = (\S+)")

    def shown(self, screen: Screen) -> bool:
        """Whether ``screen`` shows this run's results.

        The summary prints ``%f``; the status line prints ``%.6e`` where ``%f`` would show only
        zeros or be very wide (``tui.readable``): a number shown matches if its ``%f`` is the
        summary's (``2.046363e-12`` is ``0.000000``)."""
        for line in screen:
            for match in self.pattern.finditer(line):
                wanted = (self.w, self.loss) if self.w2 is None else (self.w, self.w2, self.loss)
                if all(
                    _as_f(text) == want for text, want in zip(match.groups(), wanted, strict=True)
                ):
                    return True
        return False


def _as_f(text: str) -> str | None:
    """``text`` (a number as the status line shows it) printed as ``%f``, or ``None``."""
    try:
        return f"{float(text):f}"
    except ValueError:
        return None


def cli_summaries(argvs: Sequence[Sequence[str]]) -> list[Expected]:
    """``python -m tui run ... --format summary`` for each argument list, in one process."""
    jobs = [["run", *argv, "--format", "summary"] for argv in argvs]
    done = subprocess.run(
        [sys.executable, "-c", CLI_HELPER],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the CLI helper failed:\n{done.stderr[-3000:]}")
    expected = []
    for job, (code, text) in zip(jobs, json.loads(done.stdout), strict=True):
        match, two = SUMMARY_RE.search(text), SUMMARY_TWO_RE.search(text)
        if code != 0 or (match is None and two is None):
            raise RuntimeError(f"unexpected CLI summary for {job}: {code} {text!r}")
        if two is not None:
            expected.append(Expected(two[5].strip(), two[2], two[4], w2=two[3]))
        elif match is not None:
            expected.append(Expected(match[4].strip(), match[2], match[3]))
    return expected


def lr_sequence(start: str, count: int) -> tuple[list[str], list[str]]:
    """The lr field's texts after ``count`` nudges (up for the first half, then down).

    Returns the texts (``start`` first) and the keys that produce them, computed as the app's
    nudge does: ``f"{float(text) * factor:.6g}"``.
    """
    texts, keys = [start], []
    for index in range(count):
        up = index < math.ceil(count / 2)
        value = float(texts[-1])
        value = value * LR_FACTOR if up else value / LR_FACTOR
        texts.append(f"{value:.6g}")
        keys.append("Up" if up else "Down")
    return texts, keys


def lr_field(screen: Screen) -> str | None:
    """The text in the learning-rate field, read off the screen."""
    for row, line in enumerate(screen[:-1]):
        if "learning rate" in line:
            match = re.match(r"^\S\s+(\S+)\s", screen[row + 1])
            return match[1] if match else None
    return None


def lr_row(screen: Screen) -> int:
    """The index of the row that holds the learning-rate field's text."""
    rows = [row + 1 for row, line in enumerate(screen) if "learning rate" in line]
    return rows[0] if rows else 1


def status_row(screen: Screen) -> str:
    """The status line (the row above the footer)."""
    return screen[-2] if len(screen) >= 2 else ""


def app_argv(*options: str) -> list[str]:
    """The command that starts the app with ``options``, in English (the screens it waits for
    are the English ones, whatever the locale or the kept setting)."""
    return [sys.executable, "-m", "tui", "--lang", "en", *options]


class Bench:
    """The measurements, against one tmux server."""

    def __init__(self, tmux: Tmux, verbose: bool, textual_app: Path) -> None:
        self.tmux = tmux
        self.verbose = verbose
        self.textual_app = textual_app
        """A one-label Textual app (``t`` toggles a star): the baseline for launches and keys."""
        self._last_key, self._last_sent = "", 0.0
        self._pids: dict[str, int] = {}
        self._sessions = 0
        self.notes: list[str] = []

    def log(self, text: str) -> None:
        """Progress on stderr (the table goes to stdout)."""
        if self.verbose:
            print(f"  {text}", file=sys.stderr, flush=True)

    def note(self, text: str) -> None:
        """Something worth reporting under the table."""
        self.notes.append(text)
        self.log(f"NOTE: {text}")

    @contextmanager
    def session(self, argv: Sequence[str], cwd: Path = ROOT) -> Iterator[tuple[str, int, float]]:
        """A fresh session running ``argv`` in ``cwd`` (the checkout, by default): its name,
        its pid and when it was launched."""
        self._sessions += 1
        name = f"bench{self._sessions}"
        launched = time.perf_counter()
        pid = self.tmux.new_session(name, argv, cwd)
        self._pids[name] = pid
        try:
            yield name, pid, launched
        finally:
            self.tmux.kill_session(name)
            wait_exit([pid], time.perf_counter(), 5)
            del self._pids[name]

    def wait_for(
        self,
        name: str,
        predicate: Callable[[Screen], bool],
        timeout: float,
        escapes: bool = False,
    ) -> tuple[float | None, Screen | None]:
        """Poll until ``predicate(screen)``: (time of that capture, screen), or ``None`` times.

        Gives up at once if the session's process has exited, noting its last screen (the
        pane stays, so a traceback printed on the way out is kept).
        """
        deadline = time.perf_counter() + timeout
        screen: Screen | None = None
        pid = self._pids.get(name)
        while True:
            screen = self.tmux.capture(name, escapes)
            now = time.perf_counter()
            if screen is None:
                return None, None
            if predicate(screen):
                return now, screen
            if pid is not None and not alive(pid):
                last = [line.rstrip() for line in self.tmux.capture(name) or [] if line.strip()]
                self.note(f"{name} exited unexpectedly; its last lines: {' | '.join(last[-8:])}")
                return None, screen
            if now > deadline:
                return None, screen
            time.sleep(POLL_INTERVAL)

    def key_to_change(
        self,
        name: str,
        pid: int,
        key: str,
        fig: Figure,
        ignore_rows: Sequence[int] = (),
        only_rows: Sequence[int] | None = None,
        timeout: float = 10.0,
    ) -> float | None:
        """Send ``key``; add to ``fig`` the seconds until the screen changes.

        Any row counts but ``ignore_rows``, colours included; with ``only_rows``, only the text
        of those rows counts (a text field's blinking cursor is a change of colour).
        ``fig.extras`` gets the CPU time the app's threads used in that span, and the time they
        spent runnable but waiting for a CPU (the machine's load).
        """
        escapes = only_rows is None

        def visible(screen: Screen) -> list[str]:
            """The part of ``screen`` that counts."""
            if only_rows is not None:
                return [screen[row] if row < len(screen) else "" for row in only_rows]
            return [line for row, line in enumerate(screen) if row not in ignore_rows]

        before = self.tmux.capture(name, escapes=escapes)
        if before is None:
            fig.failures += 1
            return None
        reference = visible(before)
        ran, waited = sched_ns(pid)
        sent = time.perf_counter()
        self.tmux.send(name, key)
        seen, _ = self.wait_for(name, lambda s: visible(s) != reference, timeout, escapes=escapes)
        if seen is None:
            fig.failures += 1
            self.note(
                f"{fig.label.strip()}: key {key!r} showed no change within {timeout:g} s "
                f"(the key before: {self._last_key!r}, {sent - self._last_sent:.2f} s earlier)"
            )
            self._last_key, self._last_sent = key, sent
            return None
        self._last_key, self._last_sent = key, sent
        self.add_sched(fig, pid, ran, waited)
        fig.samples.append(seen - sent)
        return seen - sent

    @staticmethod
    def add_sched(fig: Figure, pid: int, ran: int, waited: int) -> None:
        """Note in ``fig.extras`` the app's CPU time and CPU wait since ``sched_ns`` gave these."""
        ran_now, waited_now = sched_ns(pid)
        fig.extras.setdefault("app CPU", []).append((ran_now - ran) / 1e9)
        fig.extras.setdefault("app waiting for a CPU", []).append((waited_now - waited) / 1e9)

    def textual_keys(self, fig: Figure, count: int, quit_fig: Figure | None = None) -> None:
        """Launch the one-label Textual app, add ``count`` key latencies to ``fig``, quit it."""
        with self.session([sys.executable, str(self.textual_app)]) as (name, pid, _launched):
            seen, _ = self.wait_for(name, lambda s: any("learning rate" in x for x in s), 20)
            if seen is None:
                fig.failures += 1
                return
            for _ in range(count):
                time.sleep(0.1)
                self.key_to_change(name, pid, "t", fig)
            if quit_fig is not None:
                time.sleep(0.3)
                self.quit(name, pid, quit_fig)

    def quit(self, name: str, pid: int, fig: Figure, timeout: float = 10.0) -> float | None:
        """Send ctrl+q; add to ``fig`` the seconds to the process's exit (``None`` if none).

        Also noted in ``fig.extras``: when the UI left the screen (the terminal restored) and
        when the last of the app's child processes (engine, resource tracker) was gone.
        """
        children = descendants(pid)
        before = self.tmux.capture(name) or []
        restored = None if any("learning rate" in line for line in before) else -1.0
        sent = time.perf_counter()
        self.tmux.send(name, "C-q")
        deadline = sent + timeout
        exited = None
        polls = 0
        while (restored is None or exited is None) and time.perf_counter() < deadline:
            polls += 1
            if restored is None and polls % 4 == 0:  # a capture every 2 ms, the pid every 0.5
                screen = self.tmux.capture(name)
                if screen is None or not any("learning rate" in line for line in screen):
                    restored = time.perf_counter() - sent
            if exited is None and not alive(pid):
                exited = time.perf_counter() - sent
            time.sleep(0.0005)
        if exited is None:
            fig.failures += 1
            return None
        fig.samples.append(exited)
        if restored is not None and restored >= 0:
            fig.extras.setdefault("screen restored", []).append(restored)
        if children:
            all_gone = wait_exit(children, sent, timeout)
            if all_gone is None:
                self.note(f"{fig.label}: a child process outlived the app by {timeout:g} s")
            else:
                fig.extras.setdefault("children gone", []).append(all_gone)
        return exited


# -- results ------------------------------------------------------------------------------------


@dataclass
class Figure:
    """One line of the table: samples in seconds, a target, and what the samples mean."""

    label: str
    _: KW_ONLY
    samples: list[float] = field(default_factory=list)
    target: float | None = None
    failures: int = 0
    """Samples that never showed the expected screen (lost keys, timeouts)."""
    baseline: str | None = None
    """The key of the baseline this figure is quoted against."""
    detail: str = ""
    extras: dict[str, list[float]] = field(default_factory=dict)
    """Secondary timings, printed as medians under the figure."""

    @property
    def median(self) -> float | None:
        """The median sample, if any."""
        return statistics.median(self.samples) if self.samples else None

    def verdict(self) -> str:
        """PASS or MISS on the median; the max and failures are flagged too."""
        if self.target is None:
            return ""
        if self.median is None:
            return "MISS (no sample)"
        text = "PASS" if self.median <= self.target else "MISS"
        extra = []
        if max(self.samples) > self.target:
            extra.append("max over")
        if self.failures:
            extra.append(f"{self.failures} lost")
        return f"{text} ({', '.join(extra)})" if extra else text


def ms(seconds: float | None) -> str:
    """Seconds as milliseconds for the table."""
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.2f}" if seconds < 0.01 else f"{seconds * 1000:,.1f}"


def print_table(title: str, figures: Sequence[Figure], baselines: dict[str, float]) -> None:
    """Print ``figures`` with their medians, min, max, targets, ratios and verdicts."""
    print(f"\n{title}")
    head = (
        f"{'measure':54} {'n':>3} {'median ms':>10} {'min ms':>9} {'max ms':>9} "
        f"{'target ms':>9} {'vs baseline':>16}  verdict"
    )
    print(head)
    print("-" * (len(head) + 12))
    for fig in figures:
        low = min(fig.samples) if fig.samples else None
        high = max(fig.samples) if fig.samples else None
        ratio = ""
        if fig.baseline and fig.median is not None and baselines.get(fig.baseline):
            ratio = f"{fig.median / baselines[fig.baseline]:.1f}x {fig.baseline}"
        n = f"{len(fig.samples)}" + (f"+{fig.failures}" if fig.failures else "")
        print(
            f"{fig.label:54} {n:>3} {ms(fig.median):>10} {ms(low):>9} {ms(high):>9} "
            f"{ms(fig.target):>9} {ratio:>16}  {fig.verdict()}"
        )
        if fig.extras:
            parts = [
                f"{what} {ms(statistics.median(values))} ms"
                + (f" (n={len(values)})" if len(values) > 1 else "")
                for what, values in fig.extras.items()
            ]
            print(f"{'':4}{'; '.join(parts)}")
        if fig.detail:
            print(f"{'':4}{fig.detail}")


# -- the scenarios ------------------------------------------------------------------------------


def measure_baselines(bench: Bench, rounds: int, repeat: int) -> dict[str, Figure]:
    """Tmux's own costs, and trivial programs launched, keyed and quit in the app's setup."""
    tmux = bench.tmux
    figures = {
        "capture": Figure("capture-pane via the control client (poll cost)"),
        "capture_proc": Figure("`tmux capture-pane -p` as a process"),
        "send": Figure("send-keys via the control client"),
        "print": Figure("print: launch -> output of python -c \"print('x')\""),
        "tx_launch": Figure("tx_launch: one-label Textual app, launch -> frame"),
        "tx_key": Figure("tx_key: one-label Textual app, key -> change"),
        "tx_quit": Figure("tx_quit: one-label Textual app, ctrl+q -> exit"),
    }
    with bench.session(["cat"]) as (name, _pid, _launched):
        for _ in range(50):
            start = time.perf_counter()
            tmux.capture(name)
            figures["capture"].samples.append(time.perf_counter() - start)
        for _ in range(20):
            start = time.perf_counter()
            subprocess.run([*tmux.base, "capture-pane", "-p", "-t", name], capture_output=True)
            figures["capture_proc"].samples.append(time.perf_counter() - start)
        for _ in range(20):
            start = time.perf_counter()
            tmux.send(name, "a")
            figures["send"].samples.append(time.perf_counter() - start)
    for round_ in range(rounds):
        code = 'print("x", flush=True); import time; time.sleep(60)'
        with bench.session([sys.executable, "-c", code]) as (name, _pid, launched):
            seen, _ = bench.wait_for(name, lambda s: any(line == "x" for line in s), 10)
            if seen is None:
                figures["print"].failures += 1
            else:
                figures["print"].samples.append(seen - launched)
        with bench.session([sys.executable, str(bench.textual_app)]) as (name, pid, launched):
            seen, _ = bench.wait_for(name, lambda s: any("learning rate" in x for x in s), 20)
            if seen is None:
                figures["tx_launch"].failures += 1
            else:
                figures["tx_launch"].samples.append(seen - launched)
        # The baseline key's latency is bimodal here (about 2.8 ms or 5.3 ms, as a frame lands):
        # a few more samples than the app's keys keep its median, every ratio's divisor, steady.
        keys = max(repeat, BASELINE_KEYS) if round_ == 0 else 0
        bench.textual_keys(figures["tx_key"], keys, figures["tx_quit"])
    return figures


def measure_launches(bench: Bench, rounds: int, seed: Expected) -> tuple[Figure, Figure, Figure]:
    """Launch the app ``rounds`` times: first frame, seed results, then quit while idle."""
    first = Figure("1. launch -> first frame ('learning rate')", target=0.6, baseline="tx_launch")
    results = Figure(f"2. launch -> seed results (w = {seed.w})", target=3.5, baseline="tx_launch")
    quit_idle = Figure("6c. ctrl+q -> app exit, idle", target=INSTANT, baseline="tx_quit")
    statuses = []
    loaded_re = re.compile(r"TensorFlow \S+ loaded in ([\d.]+) s \(([^)]*)\)")
    for round_ in range(rounds):
        with bench.session(app_argv()) as (name, pid, launched):
            seen, _ = bench.wait_for(name, lambda s: any("learning rate" in x for x in s), 20)
            if seen is None:
                first.failures += 1
            else:
                first.samples.append(seen - launched)
            loaded: list[tuple[float, re.Match[str]]] = []

            def check(screen: Screen, loaded: list[tuple[float, re.Match[str]]] = loaded) -> bool:
                """Seed results shown? Note when "TensorFlow ... loaded" first shows."""
                match = loaded_re.search(status_row(screen))
                if match and not loaded:
                    loaded.append((time.perf_counter(), match))
                return seed.shown(screen)

            seen, screen = bench.wait_for(name, check, 60)
            if seen is None:
                results.failures += 1
                bench.note(
                    f"launch {round_ + 1}: no seed results; status: {status_row(screen or [])}"
                )
                continue
            results.samples.append(seen - launched)
            if loaded:
                at, match = loaded[0]
                results.extras.setdefault("'TensorFlow loaded' on screen", []).append(at - launched)
                results.extras.setdefault("TF load as the app reports it", []).append(
                    float(match[1])
                )
                results.extras.setdefault("then to results", []).append(seen - at)
                results.detail = f"engine path reported at load: {match[2]}"
            statuses.append(status_row(screen or []).strip())
            bench.log(f"launch {round_ + 1}: {ms(first.samples[-1])} / {ms(seen - launched)} ms")
            time.sleep(1.0)
            bench.quit(name, pid, quit_idle)
    if statuses:
        parts = [results.detail, f"final status line: {statuses[-1]}"]
        results.detail = "; ".join(part for part in parts if part)
    return first, results, quit_idle


def measure_early_quit(bench: Bench, rounds: int) -> tuple[Figure, Figure]:
    """ctrl+q 0.3 s after launch, and again right after the first frame, while TF loads."""
    early = Figure("6a. ctrl+q sent 0.3 s after launch -> exit", target=INSTANT, baseline="tx_quit")
    loading = Figure(
        "6a'. ctrl+q at first frame (TF loading) -> exit", target=INSTANT, baseline="tx_quit"
    )
    for round_ in range(rounds):
        with bench.session(app_argv()) as (name, pid, launched):
            time.sleep(max(0.0, launched + 0.3 - time.perf_counter()))
            framed = any("learning rate" in x for x in bench.tmux.capture(name) or [])
            if bench.quit(name, pid, early, timeout=3) is None:
                bench.note(
                    f"6a round {round_ + 1}: ctrl+q sent 0.3 s after launch (first frame "
                    f"{'already' if framed else 'not yet'} on screen) did not quit the app "
                    "within 3 s: the key was lost"
                )
        with bench.session(app_argv()) as (name, pid, launched):
            seen, screen = bench.wait_for(name, lambda s: any("learning rate" in x for x in s), 20)
            if seen is None:
                loading.failures += 1
                continue
            line = status_row(screen or [])
            still_loading = "loaded" not in line and " w = " not in line
            if bench.quit(name, pid, loading) is None:
                bench.note(f"6a' round {round_ + 1}: ctrl+q at the first frame did not quit")
            elif not still_loading:
                bench.note(f"6a' round {round_ + 1}: TF had loaded before ctrl+q was sent")
    return early, loading


def measure_keystrokes(
    bench: Bench,
    epochs: int,
    texts: Sequence[str],
    keys: Sequence[str],
    expected: Sequence[Expected],
    target: float,
    label: str,
    options: Sequence[str] = (),
) -> tuple[Figure, Figure, Figure]:
    """Launch at ``epochs`` (and ``options``), then nudge the lr field: key to the field's echo
    and to results."""
    echo = Figure(f"{label} key -> lr field shows the new value", baseline="tx_key")
    result = Figure(
        f"{label} key -> new results (status w = CLI's)", target=target, baseline="tx_key"
    )
    launch = Figure(f"{label} launch -> first results")
    with bench.session(app_argv(*options, "--epochs", str(epochs))) as (name, pid, launched):
        seen, screen = bench.wait_for(name, expected[0].shown, 120)
        if seen is None:
            bench.note(f"{label}: first results never shown; status: {status_row(screen or [])}")
            result.failures = len(keys)
            return echo, result, launch
        launch.samples.append(seen - launched)
        # The explorer opens on the chart, where up and down reach no field: f focuses the lr
        # field, which the footer shows (the keys that type in a field leave it).
        footer = (screen or [""])[-1]
        bench.tmux.send(name, "f")
        if bench.wait_for(name, lambda s: s[-1:] != [footer], 10)[0] is None:
            bench.note(f"{label}: f changed nothing in the footer; is the lr field focused?")
        time.sleep(0.2)
        engine = engine_pid(pid)
        for index, key in enumerate(keys, start=1):
            want, text = expected[index], texts[index]
            if want == expected[index - 1]:
                bench.note(f"{label}: lr {text} gives the same summary as the one before; skipped")
                bench.tmux.send(name, key)
                bench.wait_for(name, lambda s, t=text: lr_field(s) == t, 120)
                continue
            time.sleep(0.15)
            echoed: list[float] = []

            def check(
                screen: Screen,
                text: str = text,
                want: Expected = want,
                echoed: list[float] = echoed,
            ) -> bool:
                """This run's results shown? Note when the field first shows ``text``."""
                if not echoed and lr_field(screen) == text:
                    echoed.append(time.perf_counter())
                return want.shown(screen)

            ran, waited = sched_ns(pid)
            engine_ran, engine_waited = sched_ns(engine) if engine else (0, 0)
            sent = time.perf_counter()
            bench.tmux.send(name, key)
            seen, screen = bench.wait_for(name, check, 120)
            if seen is None:
                result.failures += 1
                bench.note(
                    f"{label}: lr {text} never showed {want}; field {lr_field(screen or [])!r}, "
                    f"status: {status_row(screen or []).strip()}"
                )
                bench.wait_for(name, lambda s, t=text: lr_field(s) == t, 5)
                continue
            result.samples.append(seen - sent)
            bench.add_sched(result, pid, ran, waited)
            if engine:
                engine_now, engine_waited_now = sched_ns(engine)
                result.extras.setdefault("engine CPU", []).append((engine_now - engine_ran) / 1e9)
                result.extras.setdefault("engine waiting for a CPU", []).append(
                    (engine_waited_now - engine_waited) / 1e9
                )
            echo.samples.append((echoed[0] if echoed else seen) - sent)
            if lr_field(screen or []) != text:
                bench.note(f"{label}: results for lr {text} with {lr_field(screen or [])!r} shown")
            bench.log(f"{label} lr {text}: {ms(result.samples[-1])} ms")
        result.detail = f"last status line: {status_row(screen or []).strip()}"
    return echo, result, launch


def measure_long_run(bench: Bench, repeat: int, quick: bool) -> list[Figure]:
    """Keys during 1,000,000 graph-mode steps, then ctrl+q while a run is still under way.

    Phase A, the first run under way (empty chart): ``t`` / ``c``, ``f``, and the
    one-label Textual app keyed in another session (the machine's share of the latency).
    Unless ``quick``: phase B, idle once it has ended (1,000,000-point chart): ``t`` / ``c``
    and ``v``. Then ``up`` in the lr field (each a new run) and escape from the field; unless
    ``quick``, phase C, later runs under way: ``v`` and ``t`` / ``c``.
    Returns the figures, the last one being the quit's.
    """
    base = "tx_key"
    focus = Figure("5. t / c (focus table / chart), run under way", target=0.1, baseline=base)
    focus_idle = Figure("   t / c, idle (same app, no run)", baseline=base)
    escape = Figure("5. escape (lr field -> chart), incl. ESCDELAY", baseline=base)
    field_key = Figure("5. f (focus the fields), run under way", target=0.1, baseline=base)
    typing = Figure("5. up in lr field -> field echo (restarts run)", target=0.1, baseline=base)
    view = Figure("5. v (chart view, 1M-step chart), run under way", target=0.1, baseline=base)
    view_idle = Figure("   v, idle (same app, no run)", baseline=base)
    loaded = Figure("   tx_key in another session, run under way", baseline=base)
    to_running = Figure("5. launch -> 'running…' on screen")
    full_run = Figure("5. launch -> first 1,000,000-step results")
    quit_busy = Figure("6b. ctrl+q -> app exit, during the run", target=INSTANT, baseline="tx_quit")
    status = HEIGHT - 2  # the status row, ignored: its step counter moves on its own
    misplaced: list[str] = []

    def running(screen: Screen) -> bool:
        """Whether the status line says a run is under way."""
        return "running…" in status_row(screen)

    argv = app_argv("--loss", SLOW_LOSS, "--epochs", "1000000")
    with bench.session(argv) as (name, pid, launched):

        def sample(fig: Figure, key: str, busy: bool = True) -> None:
            """Add one latency of ``key`` to ``fig``, noting if a run was (not) under way."""
            time.sleep(0.15)
            screen = bench.tmux.capture(name) or []
            if running(screen) != busy:
                misplaced.append(f"{key} ({'idle' if busy else 'busy'})")
            # In the lr field the cursor blinks: there, watch the footer or the field's text.
            only = {"Escape": [HEIGHT - 1], "Up": [lr_row(screen)]}.get(key)
            latency = bench.key_to_change(name, pid, key, fig, [status], only)
            bench.log(f"5: {key}{'' if busy else ' (idle)'}: {ms(latency)} ms")

        seen, screen = bench.wait_for(name, running, 60)
        if seen is None:
            bench.note(f"5: never saw 'running…'; status: {status_row(screen or [])}")
            focus.failures += 1
            return [focus, quit_busy]
        to_running.samples.append(seen - launched)
        # Escape is measured from the lr field, below: the explorer opens on the chart, where
        # it changes nothing to see.
        for index in range(repeat):
            sample(focus, "tc"[index % 2])
        bench.textual_keys(loaded, max(5, repeat // 2))
        sample(field_key, "f")
        if not quick:
            seen, screen = bench.wait_for(name, lambda s: " w = " in status_row(s), 300)
            if seen is None:
                bench.note("5: the first 1,000,000-step run never finished")
            else:
                full_run.samples.append(seen - launched)
                full_run.detail = f"status line: {status_row(screen or []).strip()}"
                bench.tmux.send(name, "Escape")
                time.sleep(0.3)
                for index in range(max(2, repeat // 2)):
                    sample(focus_idle, "tc"[index % 2], busy=False)
                for _ in range(max(5, repeat // 2)):
                    sample(view_idle, "v", busy=False)
                bench.tmux.send(name, "f")
                time.sleep(0.2)
                bench.tmux.send(name, "Up")  # a second run, with the first one's chart on screen
                bench.wait_for(name, running, 30)
        for _ in range(max(1, repeat // 4)):
            sample(typing, "Up")  # each one supersedes the run under way
            bench.wait_for(name, running, 30)
        sample(escape, "Escape")
        if not quick:
            for _ in range(repeat):
                sample(view, "v")
            for index in range(max(2, repeat // 2)):
                sample(focus, "tc"[index % 2])
        if misplaced:
            bench.note(f"5: keys not sent in the intended state: {', '.join(misplaced)}")
        if not running(bench.tmux.capture(name) or []):
            bench.note("6b: no run was under way when ctrl+q was sent")
        bench.quit(name, pid, quit_busy)
    figures = [
        focus, focus_idle, field_key, typing, view, view_idle, escape, loaded, to_running, full_run
    ]  # fmt: skip
    return [f for f in figures if f.samples or f.failures] + [quit_busy]


def measure_busy_quits(bench: Bench, rounds: int, fig: Figure) -> None:
    """More samples for 6b: launch the 1,000,000-step run, quit once it is under way."""
    argv = app_argv("--loss", SLOW_LOSS, "--epochs", "1000000")
    for round_ in range(rounds):
        with bench.session(argv) as (name, pid, _launched):
            seen, screen = bench.wait_for(name, lambda s: "running…" in status_row(s), 60)
            if seen is None:
                fig.failures += 1
                bench.note(f"6b round {round_ + 2}: no run under way; {status_row(screen or [])}")
                continue
            time.sleep(0.5)
            bench.quit(name, pid, fig)


# -- main ---------------------------------------------------------------------------------------


def byte_compile(tree: Path) -> None:
    """Write the bytecode of ``tree``'s ``tui`` package beside it, as ``pip install`` does for
    an installed app: measured from a checkout otherwise, every launch compiles every module
    again where ``PYTHONDONTWRITEBYTECODE`` is set (it is on the project's machines), about a
    fifth of the explorer's launch -> first frame there, a cost no installed copy pays."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "tui"],
        cwd=tree,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def run(args: argparse.Namespace) -> None:
    """Compute the expected results, run every scenario, print the tables."""
    byte_compile(ROOT)
    repeat = args.repeat if args.repeat is not None else (5 if args.quick else 20)
    launches = args.launches if args.launches is not None else (1 if args.quick else 3)
    verbose = not args.silent
    started = time.perf_counter()
    load_before = os.getloadavg()

    texts, keys = lr_sequence("0.01", repeat)
    print(f"computing {2 * len(texts) + 1} expected results with the CLI…", file=sys.stderr)
    cli_started = time.perf_counter()
    expected = cli_summaries(
        [[]]
        + [["--lr", text, "--epochs", "20"] for text in texts]
        + [["--lr", text, "--epochs", "100000"] for text in texts]
        + [[*TWO_PARAMETERS, "--lr", text, "--epochs", "20"] for text in texts]
        + [[*TWO_PARAMETERS, "--lr", text, "--epochs", "10000"] for text in texts]
    )
    cli_seconds = time.perf_counter() - cli_started
    n = len(texts)
    seed, at_20, at_100k = expected[0], expected[1 : n + 1], expected[n + 1 : 2 * n + 1]
    two_20, two_10k = expected[2 * n + 1 : 3 * n + 1], expected[3 * n + 1 :]

    tmux = Tmux(f"benchui-{os.getpid()}")
    textual_app = Path(tempfile.gettempdir()) / f"bench_ui_textual_{os.getpid()}.py"
    textual_app.write_text(TEXTUAL_BASELINE)
    bench = Bench(tmux, verbose, textual_app)
    if seed.w != SEED_W:
        bench.note(f"the CLI gives w = {seed.w} for the seed, not {SEED_W}")
    try:
        tmux.start()
        print("baselines…", file=sys.stderr)
        base = measure_baselines(bench, max(1, launches), repeat)
        print("launches…", file=sys.stderr)
        first, results, quit_idle = measure_launches(bench, launches, seed)
        print("quit while TensorFlow loads…", file=sys.stderr)
        early, loading = measure_early_quit(bench, max(1, launches))
        print("keystrokes at 20 epochs…", file=sys.stderr)
        echo20, key20, _ = measure_keystrokes(bench, 20, texts, keys, at_20, 0.1, "3. 20 epochs:")
        print("keystrokes at 100,000 epochs…", file=sys.stderr)
        echo100k, key100k, launch100k = measure_keystrokes(
            bench, 100_000, texts, keys, at_100k, 0.25, "4. 100k epochs:"
        )
        print("keystrokes on a landscape (two parameters)…", file=sys.stderr)
        _, land20, _ = measure_keystrokes(
            bench, 20, texts, keys, two_20, 0.1, "5. landscape, 20 epochs:", TWO_PARAMETERS
        )
        _, land10k, _ = measure_keystrokes(
            bench, 10_000, texts, keys, two_10k, 0.1, "6. landscape, 10k epochs:", TWO_PARAMETERS
        )
        print("during a 1,000,000-step run…", file=sys.stderr)
        long_run = measure_long_run(bench, repeat, args.quick)
        print("quit during a run…", file=sys.stderr)
        measure_busy_quits(bench, launches - 1, long_run[-1])
    finally:
        tmux.close()
        textual_app.unlink(missing_ok=True)

    baselines = {key: fig.median for key, fig in base.items() if fig.median is not None}
    load_after = os.getloadavg()
    print(
        f"\nbench_ui: tmux {WIDTH}x{HEIGHT} (control-mode polling every {POLL_INTERVAL * 1000:g} "
        f"ms + capture), {os.cpu_count()} CPUs, load {load_before[0]:.2f} -> {load_after[0]:.2f}, "
        f"repeat {repeat}, launches {launches}, {time.perf_counter() - started:.0f} s in all "
        f"(CLI expectations: {cli_seconds:.1f} s)"
    )
    print_table("Baselines (same run)", list(base.values()), baselines)
    print_table(
        "Launch",
        [first, results, launch100k],
        baselines,
    )
    print_table(
        "Keystrokes (lr up/down in the field)", [key20, echo20, key100k, echo100k], baselines
    )
    print_table(
        "Keystrokes on a landscape (a loss of w1 and w2; goal: median at most 100 ms)",
        [land20, land10k],
        baselines,
    )
    print_table("During a 1,000,000-step graph-mode run (tanh loss)", long_run[:-1], baselines)
    print_table(
        f"Quit (target 'instant', read as <= {INSTANT * 1000:g} ms)",
        [early, loading, long_run[-1], quit_idle],
        baselines,
    )
    print(
        "\nvs baseline: median / the median of a baseline above, measured in this run: "
        "tx_launch, tx_key, tx_quit = the one-label Textual app's launch -> first frame, "
        "key -> change, ctrl+q -> exit."
    )
    print("Latencies run from just before send-keys to the first capture showing the change.")
    print("Escape goes through Textual's ESCDELAY (100 ms by default) before it is a key.")
    if bench.notes:
        print("\nNotes:")
        for text in bench.notes:
            print(f"- {text}")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options and run the benchmark; always 0 (figures are not a verdict)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=None, help="keys per series (default 20)")
    parser.add_argument("--launches", type=int, default=None, help="app launches (default 3)")
    parser.add_argument(
        "--quick", action="store_true", help="5 keys, 1 launch, no wait for the 1M-step result"
    )
    parser.add_argument("--silent", action="store_true", help="no per-sample progress on stderr")
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.launches is not None and args.launches < 1:
        parser.error("--launches must be at least 1")
    # Stopped from outside: unwind, so that the tmux server and the app are cleaned up.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _stop)
    run(args)
    return 0


def _stop(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    sys.exit(main())
