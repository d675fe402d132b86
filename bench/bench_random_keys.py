"""Random keys, text, pastes and resizes against the real app in tmux: does anything crash it?

Usage: ``python bench/bench_random_keys.py [--runs 10] [--keys 1500] [--seed 1] [--delay 0.03]``

Each run starts ``python -m tui --lang en`` in a detached session of a private tmux server
(socket ``benchrk-<pid>``, killed at the end, also on errors), in a temporary folder that is
also its config folder (``LR_EXPLORER_CONFIG_DIR``) and where anything it exports or saves
lands. Once the lesson's first run is on screen it sends ``--keys`` random events, seeded by
``--seed + run``: single keys (every kind a keyboard sends, bar the quitting ``ctrl+q`` and
``ctrl+c``), keys that open each screen (help, range test, export, session, the command palette,
demo, playback), text typed into whatever has focus (numbers, long digit runs, words,
punctuation, unicode), bracketed pastes of session lines (valid, damaged, cut, huge, 100,000
nested brackets), the language key and window resizes from 20x8 to 200x60, ``--delay`` seconds
apart. A run ends as:

- ``crashed``: the pane shows a Python traceback, or the app exited (the pane is kept with
  ``remain-on-exit`` so its last screen and exit status can be read);
- ``frozen``: the app is alive but, back at 120x40 with escape pressed, keys ``2`` and ``1``
  (the presets) do not bring the lesson's final ``w`` (3.005651, then 3.005648), in 3 tries of
  20 s (:func:`answers`: an escape and the next key read together are one alt+key);
- ``ok`` otherwise; then ``ctrl+q`` must end it with status 0.

The pane of every run that did not end ``ok`` is saved, with its last events, under the
printed folder. Before the runs, the time from a key to its echo in the lr field is measured
(median of 20), which says whether ``--delay`` leaves the app time to handle each key. The
exit status is 1 if any run crashed or froze.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: The final w of the lesson's first run (lr 0.01, 20 steps), as the status line shows it.
SEED_W = "3.005648"
#: The final w of its second run (lr 0.99).
SECOND_W = "3.005651"
LINE_PREFIX = "lrx1:"
#: tmux names of keys sent one at a time.
NAMED_KEYS = [
    "Tab", "BTab", "Escape", "Enter", "Space", "BSpace", "DC", "Up", "Down", "Left", "Right",
    "S-Left", "S-Right", "Home", "End", "PPage", "NPage", "C-a", "C-e", "C-k", "C-u", "C-w",
    "C-x", "C-v", "C-z", "C-y", "C-Left", "C-Right", "C-Home", "C-End", "F1", "F2", "F5",
    "F10", "IC", "M-x", "C-o", "C-r", "C-t",
]  # fmt: skip
PRINTABLE = list("0123456789.-+eE=_,;:/*()^[]<>?!'\"@#$%&|~`{} abcdlmpstvxwfqXDSPL")
UNICODE = list("é中文ω√∞😀−")
#: Keys that open the explorer's screens and modes from its main screen.
SCREEN_KEYS = ["?", "s", "e", "C-s", "C-p", "d", "Space", "v", "l", "p", "F1"]
TRACEBACK = ("Traceback (most recent call last)", "Error: ", "Exception: ")


class Tmux:
    """A private tmux server, driven one command at a time."""

    def __init__(self, socket: str) -> None:
        self.base = ["tmux", "-L", socket, "-f", "/dev/null"]

    def __call__(self, *args: str, check: bool = True, stdin: str | None = None) -> str:
        """Run one tmux command (given ``stdin``, if any); return what it printed."""
        done = subprocess.run(
            [*self.base, *args], input=stdin, capture_output=True, text=True, timeout=30
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args[:3])}: {done.stderr.strip()}")
        return done.stdout

    def kill(self) -> None:
        """Stop the server and everything in it."""
        subprocess.run([*self.base, "kill-server"], capture_output=True, timeout=30)


@dataclass
class Run:
    """One run's seed, what was sent and how it ended."""

    number: int
    seed: int
    keys: int = 0
    resizes: int = 0
    pastes: int = 0
    seconds: float = 0.0
    outcome: str = "ok"
    detail: str = ""
    recent: deque[str] = field(default_factory=lambda: deque(maxlen=40))


class App:
    """The explorer in one tmux session."""

    def __init__(self, tmux: Tmux, folder: Path, name: str) -> None:
        self.tmux, self.name = tmux, name
        self.pastes = 0
        # The exit status as the shell saw it, in a file: tmux 3.3a sometimes marks a pane
        # dead with neither a status nor a signal.
        self.status_file = folder / "exit-status"
        env = [f"LR_EXPLORER_CONFIG_DIR={folder}", "LANGUAGE=en", "TERM=xterm-256color"]
        app = shlex.join(["env", *env, sys.executable, "-m", "tui", "--lang", "en"])
        command = ["sh", "-c", f"{app}; echo $? > {shlex.quote(str(self.status_file))}"]
        for attempt in range(3):
            try:
                tmux(
                    "new-session", "-d", "-s", name, "-x", "120", "-y", "40", "-c", str(folder),
                    *command, ";", "set-option", "-t", name, "remain-on-exit", "on",
                )  # fmt: skip
                break
            except RuntimeError as err:
                # The last session killed, the server exits: a new session asked for at that
                # moment meets the server on its way out (tmux 3.3a). Ask a new one again.
                if "server exited unexpectedly" not in str(err) or attempt == 2:
                    raise
                time.sleep(0.5)

    def screen(self, history: bool = False) -> str:
        """The pane's text now (with ``history``, also what scrolled off, where a traceback
        printed after the app's exit may be)."""
        more = ["-S", "-"] if history else []
        return self.tmux("capture-pane", "-p", *more, "-t", self.name, check=False)

    def dead(self) -> tuple[bool, str]:
        """Whether the app has exited, and its exit status (or the signal that ended it)."""
        form = "#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}"
        for _ in range(40):
            dead, status, signal = (
                self.tmux("display", "-p", "-t", self.name, form).strip().split("|")
            )
            if dead != "1" or status or signal:
                break
            time.sleep(0.05)  # tmux marks the pane dead a moment before it has the status
        if dead == "1" and self.status_file.exists():
            code = int(self.status_file.read_text().strip() or -1)
            # The shell's status: 128 + n for signal n.
            return True, str(code) if code < 128 else f"signal {code - 128}"
        return dead == "1", status or (f"signal {signal}" if signal else "unknown")

    def keys(self, *keys: str) -> None:
        """Send tmux key names."""
        self.tmux("send-keys", "-t", self.name, *keys)

    def text(self, text: str) -> None:
        """Send ``text`` as typed characters."""
        self.tmux("send-keys", "-t", self.name, "-l", "--", text)

    def paste(self, text: str) -> None:
        """Paste ``text`` (bracketed, as a terminal pastes)."""
        self.pastes += 1
        buffer = f"bench{self.pastes}"
        self.tmux("load-buffer", "-b", buffer, "-", stdin=text)  # too long for set-buffer
        # A buffer of its own per paste, never deleted nor replaced while tmux may still be
        # writing it: with paste-buffer -d and one reused buffer, the tmux 3.3a server
        # segfaulted in libevent (3 of 10 runs; the kernel log names tmux: server).
        self.tmux("paste-buffer", "-p", "-b", buffer, "-t", self.name)

    def resize(self, width: int, height: int) -> None:
        """Resize the window, as a terminal window is resized."""
        self.tmux("resize-window", "-t", self.name, "-x", str(width), "-y", str(height))

    def wait_for(self, text: str, timeout: float) -> bool:
        """Wait until ``text`` is on screen (False after ``timeout`` seconds or if it exits)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.screen():
                return True
            if self.dead()[0]:
                return False
            time.sleep(0.05)
        return False


def session_lines() -> list[str]:
    """A few valid session lines, made by the app's own writer."""
    from tui.model.params import PRESETS
    from tui.model.session import Session, to_line

    return [to_line(Session(params)) for params in PRESETS.values()]


def _text(rng: random.Random) -> str:
    """Something a user might type into a field."""
    kind = rng.randrange(7)
    if kind == 0:
        return f"{rng.uniform(-3, 3):.{rng.randrange(1, 8)}g}"
    if kind == 1:
        return "1" * rng.randrange(15, 40) + rng.choice("a.e-x")
    if kind == 2:
        return rng.choice(["(w - 2)**4", "w + 1", "sin(w)", "w**2", "exp(w)", "1/w", "w*"])
    if kind == 3:
        return "".join(rng.choice(PRINTABLE) for _ in range(rng.randrange(1, 12)))
    if kind == 4:
        return "".join(rng.choice(UNICODE) for _ in range(rng.randrange(1, 6)))
    if kind == 5:
        return rng.choice(["1e308", "-1e-320", "nan", "inf", "0", "-0", "1e6", "999999999"])
    return "9" * rng.randrange(40, 200)


def _paste(rng: random.Random, lines: list[str]) -> str:
    """A session line, valid or not, or junk."""
    line = rng.choice(lines)
    kind = rng.randrange(7)
    if kind == 0:
        return line
    if kind == 1:
        chars = list(line)
        for _ in range(rng.randrange(1, 6)):
            chars[rng.randrange(len(LINE_PREFIX), len(chars))] = rng.choice("A_-z9=")
        return "".join(chars)
    if kind == 2:
        return line[: rng.randrange(1, len(line))]
    if kind == 3:
        return line[len(LINE_PREFIX) :]
    if kind == 4:
        return LINE_PREFIX + "A" * rng.randrange(10_000, 100_000)
    if kind == 5:
        nested = zlib.compress(b"[" * 100_000, 9)
        return LINE_PREFIX + base64.urlsafe_b64encode(nested).decode()
    return "".join(rng.choice(PRINTABLE + UNICODE) for _ in range(200))


def crashed(app: App) -> str | None:
    """Why the run is over, if it is: a traceback on screen, or the app's exit."""
    dead, status = app.dead()
    screen = app.screen(history=dead)
    if any(mark in screen for mark in TRACEBACK[:1]):
        lines = [line.strip(" │") for line in screen.splitlines() if line.strip(" │")]
        errors = [line for line in lines if any(mark in line for mark in TRACEBACK[1:])]
        return "traceback: " + (errors[-1] if errors else lines[-1])[:100]
    if dead:
        return f"exited with status {status}"
    return None


def drive(app: App, run: Run, count: int, delay: float, lines: list[str]) -> None:
    """Send ``count`` random keys (a paste or a resize counts as one) to ``app``, checking for
    a crash every few."""
    rng = random.Random(run.seed)
    sent = 0
    while sent < count:
        run.keys = sent
        roll = rng.random()
        if roll < 0.5:
            key = rng.choice(NAMED_KEYS + PRINTABLE + UNICODE)
            run.recent.append(f"key {key!r}")
            if key in NAMED_KEYS:
                app.keys(key)
            else:
                app.text(key)
            sent += 1
        elif roll < 0.6:
            key = rng.choice(SCREEN_KEYS)
            run.recent.append(f"Escape Escape {key}")
            app.keys("Escape")
            time.sleep(delay)
            app.keys("Escape")
            time.sleep(delay)
            if len(key) == 1:
                app.text(key)
            else:
                app.keys(key)
            sent += 3
        elif roll < 0.74:
            text = _text(rng)
            run.recent.append(f"type {text[:40]!r} ({len(text)} chars)")
            if rng.random() < 0.5:
                app.text(text)  # all at once, as a fast typist's burst
            else:
                for char in text:
                    app.text(char)
                    time.sleep(delay)
            sent += len(text)
        elif roll < 0.84:
            width, height = rng.randrange(20, 201), rng.randrange(8, 61)
            run.recent.append(f"resize {width}x{height}")
            app.resize(width, height)
            run.resizes += 1
            sent += 1
        elif roll < 0.94:
            text = _paste(rng, lines)
            run.recent.append(f"paste {text[:40]!r} ({len(text)} chars)")
            if rng.random() < 0.5:
                app.keys("Escape")
                app.keys("Escape")
                app.keys("C-s")  # the session screen: its line field has focus
                time.sleep(0.2)
                app.keys("C-a", "C-k")
            app.paste(text)
            if rng.random() < 0.5:
                app.keys("Enter")
            run.pastes += 1
            sent += 1
        else:
            run.recent.append("C-l")
            app.keys("C-l")
            sent += 1
        time.sleep(delay)
        if sent % 25 < 3:
            why = crashed(app)
            if why is not None:
                run.outcome, run.detail = "crashed", why
                break
    run.keys = sent


def answers(app: App, attempts: int = 3) -> int:
    """Back at 120x40 and on the explorer, do keys ``2`` then ``1`` bring the lesson's second
    run and then its first (two changes, so that neither can be on screen already)? The number
    of the attempt that brought them, or 0 if none did.

    An escape and the key after it that the app reads together are one alt+key, as a
    terminal sends one: sent 0.3 s apart, ``Escape`` then ``c`` arrived as ``alt+c`` when the
    app's input thread had not run in between (seen on a loaded 2-core machine, the app busy
    with the stream's last keys). So the way back is tried up to ``attempts`` times, each with
    20 s for the second run: a frozen app fails them all."""
    for attempt in range(1, attempts + 1):
        app.resize(120, 40)
        for _ in range(6):
            app.keys("Escape")
            time.sleep(0.3)
        app.keys("c")  # off any field (a field takes digits as text)
        time.sleep(0.3)
        app.keys("Escape")
        time.sleep(0.3)
        app.text("2")
        if app.wait_for(SECOND_W, 20):
            app.text("1")
            return attempt if app.wait_for(SEED_W, 60) else 0
    return 0


def echo_latency(app: App, samples: int = 20) -> list[float]:
    """Seconds from a key to its echo in the lr field (the app's cost of one key); ``f`` first,
    since the explorer opens on the chart."""
    found = []
    app.text("f")
    time.sleep(0.5)
    app.keys("End")
    for i in range(samples):
        digit = str(i % 10)
        before = app.screen()
        start = time.perf_counter()
        app.text(digit)
        deadline = start + 10
        while time.perf_counter() < deadline and app.screen() == before:
            time.sleep(0.002)
        found.append(time.perf_counter() - start)
    return found


def main() -> int:
    """Run the benchmark; print a table of runs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--keys", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=1, help="run n uses seed + n")
    parser.add_argument("--delay", type=float, default=0.03, help="seconds between events")
    args = parser.parse_args()

    tmux = Tmux(f"benchrk-{os.getpid()}")
    # A kill ends the runs through ``finally``, which stops the tmux server and the app in it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    out = Path(tempfile.mkdtemp(prefix="bench_random_keys-"))
    print(f"panes of runs that failed go to {out}", flush=True)
    lines = session_lines()
    runs: list[Run] = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            probe = App(tmux, Path(folder), "probe")
            if probe.wait_for(SEED_W, 120):
                latency = echo_latency(probe)
                print(
                    f"key to echo in the lr field: median {statistics.median(latency) * 1e3:.1f}"
                    f" ms, max {max(latency) * 1e3:.1f} ms (delay between events"
                    f" {args.delay * 1e3:.0f} ms)",
                    flush=True,
                )
            tmux("kill-session", "-t", "probe", check=False)
        for number in range(1, args.runs + 1):
            run = Run(number, args.seed + number)
            runs.append(run)
            with tempfile.TemporaryDirectory() as folder:
                app = App(tmux, Path(folder), f"run{number}")
                start = time.monotonic()
                if not app.wait_for(SEED_W, 120):
                    run.outcome, run.detail = "crashed", crashed(app) or "never started"
                else:
                    try:
                        drive(app, run, args.keys, args.delay, lines)
                    except (RuntimeError, subprocess.TimeoutExpired) as err:
                        run.outcome, run.detail = "tmux failed", str(err)[:100]
                    if run.outcome == "ok":
                        why = crashed(app)
                        if why is not None:
                            run.outcome, run.detail = "crashed", why
                        elif not (attempt := answers(app)):
                            run.outcome = "crashed" if crashed(app) else "frozen"
                            run.detail = crashed(app) or "keys 2, 1 brought no lesson run, 3 tries"
                        elif attempt > 1:
                            run.detail = f"(the way back took {attempt} tries)"
                run.seconds = time.monotonic() - start
                if run.outcome == "ok":
                    app.keys("C-q")
                    deadline = time.monotonic() + 15
                    while time.monotonic() < deadline and not app.dead()[0]:
                        time.sleep(0.05)
                    dead, status = app.dead()
                    if not dead or status != "0":
                        run.outcome = "bad exit"
                        run.detail = f"ctrl+q: {'still running' if not dead else status}"
                if run.outcome != "ok":
                    kept = out / f"run-{number}-seed-{run.seed}.txt"
                    kept.write_text(
                        app.screen(history=True)
                        + "\n--- the last events ---\n"
                        + "\n".join(run.recent)
                    )
                    run.detail += f" ({kept.name})"
                tmux.kill()  # a server per run: one run's failure cannot touch the next
            print(
                f"run {number:2d}  seed {run.seed:4d}  {run.keys:5d} keys"
                f"  {run.resizes:3d} resizes  {run.pastes:3d} pastes  {run.seconds:6.1f} s"
                f"  {run.outcome} {run.detail}",
                flush=True,
            )
    finally:
        tmux.kill()
    bad = [run for run in runs if run.outcome != "ok"]
    total = sum(run.keys for run in runs)
    print(f"\n{len(runs)} runs, {total} keys in all: {len(bad)} not ok", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
