"""Classroom load bench: simulated visitors on ``lr-explorer serve``, over textual-serve's own
websocket protocol, as a browser speaks it.

Usage: ``python bench/bench_serve.py [--visitors 1,10,30] [--keys 10] [--stagger 1.0]
[--arrivals burst,staggered] [--think 0.3] [--jitter] [--timeout 300] [--root CHECKOUT]
[--json FILE]``
(pyte, the terminal emulator, is in the test extra: ``pip install '.[test]'``).

For each phase a fresh ``python -m tui serve`` starts in a process group of its own (port: a free
one; ``--lang en``; a config folder of its own; ``--max-visitors`` when the server has it), and
the bench reads the URL it prints on stderr, with its ``?token=...`` if it has one. It waits for
the page to answer and for the server's process tree to go quiet (a shared engine loads
TensorFlow before the first visitor), then measures the idle tree. Each visitor then does what
the page's ``textual.js`` does: it GETs the page, opens the websocket the page names
(``/ws?width=..&height=..``, the token carried over, an ``Origin`` header of the page's origin),
sends ``["resize", {...}]`` and ``["ping", ...]``, and feeds every binary frame of terminal
output to a terminal emulator (pyte). It reads the screen as a person would:

- time to first results: websocket open to the lesson's first log row at lr 0.01
  (``1  4.880000  36.000000  0.010000``) on that visitor's screen; and "sized", until that row is
  on a screen drawn down to its last row (at the visitor's size: a ready app drawn at another
  size shows its results at once, then draws them again at the visitor's);
- key to results: the explorer opens on the chart (README), so the visitor presses ``f`` (to
  the lr field) once, then for each rate empties the field as a keyboard user would,
  ``ctrl+a`` (home) and ``ctrl+k`` (delete to the end), one ``["stdin", key]`` message a key
  as xterm.js sends them, waits to see the field's "empty" message (key to echo, also
  reported), then types a new rate k/100; the clock runs from the last digit sent to the frame
  that shows the new run's first row (w = 5 - 12 lr, loss 36, that lr). The explorer's fields
  take keys of one burst in order (Textualize/textual#6605 is worked around), but the echo is
  a figure of its own, so the two steps stay apart.

  Before each rate a visitor pauses ``--think`` seconds. All arriving at once, a room then types
  in step: thirty rates at the same moment, each visitor's again after the same pause, a stress
  no class makes. ``--jitter`` draws each pause evenly from 0 to twice ``--think`` (seeded by
  the visitor's number, so runs repeat), and the visitors drift apart as a class's students do.

While a phase runs, a thread samples the server's process tree (descendants of the server, from
``/proc/*/stat``): the number of processes, the sum of PSS from ``/proc/<pid>/smaps_rollup``
(TensorFlow's libraries are shared, so PSS is what the room really adds) and the sum of RSS for
reference. Memory and processes added by the room are the peak less the idle tree, per visitor.
After the visitors leave, the bench waits (at most 15 s) for the tree to be back to its idle
process count and reports what is left.

Phases: one visitor (the baseline, always measured first in the same run), then each larger
count in ``--visitors`` for each arrival in ``--arrivals``: ``burst`` (everyone at once) and
``staggered`` (one every ``--stagger`` seconds). ``--ways spawn,fork,ready`` runs the whole
plan once per way, back to back: ``ready``, as ``serve`` runs (apps forked by the server's fork
server, and the room's ready apps started ahead, ``tui/serve/ready.py``); ``fork``, forked when
each visitor comes (``LR_EXPLORER_READY=0``); ``spawn``, each a fresh interpreter when its
visitor comes (``LR_EXPLORER_ZYGOTE=0`` too, as before the fork server). Each way's ratios are to
its own single visitor, and ``forked`` counts the apps seen as children of the fork server.
Ready apps are there before the visitors: the idle tree holds them (``ready``: how many, and
their PSS), and each visitor is charged the idle PSS (and RSS) of one ready app on top of what
the room added while they came. ``--hold S`` keeps every visitor of a phase connected and
idle for S seconds once they all typed their rates: the room's CPU over that time (in cores)
and its memory held per visitor are reported, and what their typing cost the server's tree:
its CPU time from the first arrival until every visitor had typed, per rate typed (``CPU
ms/rate``: every process of the tree, the idle ready apps too; not the bench, whose CPU is
``bench_cpu_s``). Key latencies are pooled over a phase's
visitors; median and p90 are given as ratios to the single visitor's median. The bench's own CPU
time is reported per phase in the JSON (it shares the machine with the server). PSS divides a
page among all the processes that map it, the machine's other TensorFlow processes too: run it
on a quiet machine. Every process the bench
starts is killed at the end, also on Ctrl+C or an error (the server's process group, and any
process seen in its tree that left the group). The exit status is 0 whatever the figures (a
benchmark, not a test); 1 if a server could not be started. ``--record FILE`` saves the single
visitor's frames up to its first results (``tests/data/serve_frames_80x24.bin.gz`` was made so,
at ``--width 80 --height 24``).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import html
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aiohttp
import numpy as np
import pyte

from tui.i18n import catalogue

ROOT = Path(__file__).resolve().parents[1]
#: ``0`` in the server's environment: no fork server (``tui.serve.server.ZYGOTE_ENV``).
ZYGOTE_ENV = "LR_EXPLORER_ZYGOTE"
#: ``0`` in the server's environment: no ready apps (``tui.serve.server.READY_ENV``).
READY_ENV = "LR_EXPLORER_READY"
#: What the fork server's command line holds.
ZYGOTE_MODULE = "tui.serve.zygote"
WIDTH, HEIGHT = 120, 36
#: The lesson's start: lr 0.01 from w0 = 5 on (w + 1)^2, whose first step is w = 4.88.
LESSON_LR = 0.01
W0 = 5.0
#: How long the visitors' leaving may take before the leftover processes are counted.
LEAVE_WAIT = 15.0


# -- pure pieces (tests/test_bench_serve.py) -----------------------------------------------------


def parse_smaps_rollup(text: str) -> dict[str, int]:
    """The fields of a ``/proc/<pid>/smaps_rollup`` in bytes (``Pss``, ``Rss``, ...); the
    header line (an address range) and anything not ``Name: N kB`` are skipped."""
    fields: dict[str, int] = {}
    for line in text.splitlines():
        name, sep, rest = line.partition(":")
        parts = rest.split()
        if sep and len(parts) == 2 and parts[1] == "kB" and parts[0].isdigit():
            fields[name.strip()] = int(parts[0]) * 1024
    return fields


def parse_stat(text: str) -> tuple[int, int]:
    """``(ppid, starttime)`` from a ``/proc/<pid>/stat`` line (the command name in parentheses
    may itself hold spaces and parentheses, so the fields are read after the last ``)``)."""
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), int(fields[19])


def descendants(root: int, parents: dict[int, int]) -> list[int]:
    """``root`` and every process below it, given each process's parent."""
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    return sorted(tree)


#: A URL as printed: ASCII up to a space, a quote or a parenthesis (a Chinese sentence goes
#: on with a full-width parenthesis right after it).
_URL = re.compile(r"https?://[^\s\"'<>()\u0080-\uffff]+")


def find_url(text: str) -> str | None:
    """The first http(s) URL in what the server printed (with its query, such as a token),
    without the punctuation that ends the sentence around it."""
    match = _URL.search(text)
    return match.group(0).rstrip(".,;:") if match else None


_WS_ATTR = re.compile(r"data-session-websocket-url\s*=\s*\"([^\"]*)\"")


def websocket_url(page: str, page_url: str, width: int, height: int) -> str:
    """The websocket a browser opens for ``page`` (served at ``page_url``): the URL in the
    page's ``data-session-websocket-url`` (else ``/ws`` on the page's host), with the terminal
    size added as ``textual.js`` adds it and any ``token`` of the page's URL carried over."""
    found = _WS_ATTR.search(page)
    base = urlsplit(page_url)
    if found:
        ws = urlsplit(html.unescape(found.group(1)))
    else:
        scheme = "wss" if base.scheme == "https" else "ws"
        ws = urlsplit(urlunsplit((scheme, base.netloc, "/ws", "", "")))
    query = dict(parse_qsl(ws.query))
    for name, value in parse_qsl(base.query):
        if name == "token":
            query.setdefault(name, value)
    query.update(width=str(width), height=str(height))
    return urlunsplit((ws.scheme, ws.netloc, ws.path, urlencode(query), ""))


def origin_of(url: str) -> str:
    """The ``Origin`` a browser sends for a page at ``url``: scheme and host only."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def first_row_pattern(lr: float, w0: float = W0) -> re.Pattern[str]:
    """The log's first row for a run at ``lr`` from ``w0`` on the lesson's loss (w + 1)^2:
    step 1, w = w0 - lr * 2 (w0 + 1), the loss at w0, then lr, each with 6 decimals as the log
    shows them, computed in float32 as the lesson's loop computes them: lr 0.88 gives
    w = -5.559999, not -5.560000 (float32's 0.88 is 0.87999999523)."""
    f32 = np.float32
    w = f32(w0) - f32(f32(lr) * f32(f32(2) * (f32(w0) + f32(1))))
    loss = f32(f32(w0) + f32(1)) ** 2
    cells = (f"{float(w):.6f}", f"{float(loss):.6f}", f"{float(f32(lr)):.6f}")
    return re.compile(r"(?<![\w.])1\s+" + r"\s+".join(map(re.escape, cells)) + r"(?![\w.])")


#: Select Graphic Rendition (colours, bold): no text in it, and most of what pyte would parse.
_SGR = re.compile(rb"\x1b\[[0-9;:]*m")


class ScreenReader:
    """A terminal screen fed with the websocket's binary frames (textual-serve's terminal
    output), read as text. Colours are dropped before pyte sees them: they hold no text and
    are most of the bytes (pyte then takes less than half the time). A sequence or a UTF-8
    character cut between two frames needs nothing more: pyte's parser and its decoder keep
    their state from one feed to the next, and a cut colour sequence is left whole to them."""

    def __init__(self, width: int = WIDTH, height: int = HEIGHT) -> None:
        self.screen = pyte.Screen(width, height)
        self._stream = pyte.ByteStream(self.screen)

    def feed(self, data: bytes) -> None:
        """Take one frame of terminal output."""
        self._stream.feed(_SGR.sub(b"", data))

    def resize(self, width: int, height: int) -> None:
        """Follow a terminal resize."""
        self.screen.resize(height, width)

    def lines(self) -> list[str]:
        """The screen's rows as text."""
        return list(self.screen.display)

    def text(self) -> str:
        """The whole screen, one row a line."""
        return "\n".join(line.rstrip() for line in self.lines())

    def shows(self, pattern: re.Pattern[str]) -> bool:
        """Whether a row matches ``pattern`` and one of the screen's last three rows has text
        (the app has drawn down to the bottom of this terminal, its status line: at its size),
        leaving the changed rows as they are for :meth:`find`."""
        display = self.screen.display
        bottom = any(row.strip() for row in display[-3:])
        return bottom and any(pattern.search(row) for row in display)

    def find(self, pattern: re.Pattern[str], dirty_only: bool = False) -> bool:
        """Whether a row of the screen (or, with ``dirty_only``, a row changed since the last
        call) matches ``pattern``."""
        rows = sorted(self.screen.dirty) if dirty_only else range(self.screen.lines)
        self.screen.dirty.clear()
        display = self.screen.display
        return any(pattern.search(display[row]) for row in rows if row < len(display))


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-quantile (0..1) of ``values`` by linear interpolation; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    at = (len(ordered) - 1) * q
    low = int(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def pack_frames(frames: Iterable[bytes]) -> bytes:
    """Frames as one recording (each a 4-byte big-endian length, then its bytes), gzipped."""
    return gzip.compress(b"".join(len(f).to_bytes(4, "big") + f for f in frames), 9, mtime=0)


def unpack_frames(recording: bytes) -> list[bytes]:
    """The frames of a :func:`pack_frames` recording."""
    data, frames, at = gzip.decompress(recording), [], 0
    while at < len(data):
        size = int.from_bytes(data[at : at + 4], "big")
        frames.append(data[at + 4 : at + 4 + size])
        at += 4 + size
    return frames


def typed_rate(visitor: int, key: int) -> float:
    """The rate visitor ``visitor`` types at its ``key``-th key: hundredths from 0.02 to 0.91,
    never the one before it nor the lesson's 0.01 (so the expected row is always a new one),
    and different visitors at different rates."""
    return ((visitor * 37 + key * 13) % 90 + 2) / 100


def think_times(visitor: int, keys: int, think: float, jitter: bool) -> list[float]:
    """The pauses visitor ``visitor`` takes before each of its ``keys`` rates: ``think``
    seconds each, or (``jitter``) drawn evenly from 0 to twice that, the same for a visitor in
    every run (seeded by its number), so that a room's visitors drift apart as a class does
    rather than all typing at the same moment."""
    if not jitter:
        return [think] * keys
    draw = random.Random(visitor)
    return [draw.uniform(0.0, 2.0 * think) for _ in range(keys)]


#: What a keyboard user types to empty the focused lr field, one xterm.js ``onData`` each:
#: ctrl+a (home), ctrl+k (delete to the end).
CLEAR_KEYS = ("\x01", "\x0b")


def digits(lr: float) -> list[str]:
    """The keys that type ``lr`` into an empty field, one ``onData`` each."""
    return list(f"{lr:g}")


def empty_field_pattern(message: str) -> re.Pattern[str]:
    """The error line the form shows for an empty field (``message``: the catalogue's)."""
    return re.compile(re.escape(message))


#: The form's error line for an empty field, in English (the server runs with --lang en).
EMPTIED = empty_field_pattern(catalogue("en")["field.empty"])


# -- the server's process tree -------------------------------------------------------------------


def _parents() -> dict[int, int]:
    parents = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with suppress(OSError, ValueError, IndexError):
                parents[int(entry.name)] = parse_stat(Path(entry.path, "stat").read_text())[0]
    return parents


def _starttime(pid: int) -> int | None:
    try:
        return parse_stat(Path(f"/proc/{pid}/stat").read_text())[1]
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int) -> bool:
    """Whether process ``pid`` is there and not a zombie."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return text[text.rindex(")") + 2 :].split()[0] != "Z"


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


@dataclass
class TreeSample:
    """One look at the server's process tree."""

    at: float
    processes: int
    pss: int
    rss: int


def sample_tree(root: int, seen: dict[int, int] | None = None) -> TreeSample:
    """The tree under ``root`` now; each pid met is recorded in ``seen`` with its start time
    (for the clean-up, which kills only those very processes)."""
    tree = descendants(root, _parents())
    pss = rss = 0
    alive = 0
    for pid in tree:
        try:
            fields = parse_smaps_rollup(Path(f"/proc/{pid}/smaps_rollup").read_text())
        except OSError:
            continue
        alive += 1
        pss += fields.get("Pss", 0)
        rss += fields.get("Rss", 0)
        if seen is not None and pid not in seen and (start := _starttime(pid)) is not None:
            seen[pid] = start
    return TreeSample(time.perf_counter(), alive, pss, rss)


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds used so far by the processes now in the tree under ``root``."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in descendants(root, _parents()):
        with suppress(OSError, ValueError, IndexError):
            text = Path(f"/proc/{pid}/stat").read_text()
            fields = text[text.rindex(")") + 2 :].split()
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def forked_pids(root: int) -> list[int]:
    """The children the fork server under ``root`` has now (none, or no fork server)."""
    parents = _parents()
    tree = descendants(root, parents)
    named = {pid for pid in tree if ZYGOTE_MODULE in _command(pid)}
    # An app forked by the zygote has the zygote's command line too: the zygote is the one
    # whose parent is not one of them.
    zygotes = {pid for pid in named if parents.get(pid) not in named}
    return [pid for pid in tree if parents.get(pid) in zygotes]


def forked_apps(root: int) -> int:
    """How many children the fork server under ``root`` has now (0: none, or no fork
    server)."""
    return len(forked_pids(root))


def memory_of(pids: Iterable[int]) -> tuple[int, int]:
    """The PSS and RSS of ``pids``, summed (bytes; a process gone counts nothing)."""
    pss = rss = 0
    for pid in pids:
        with suppress(OSError):
            fields = parse_smaps_rollup(Path(f"/proc/{pid}/smaps_rollup").read_text())
            pss += fields.get("Pss", 0)
            rss += fields.get("Rss", 0)
    return pss, rss


class Sampler(threading.Thread):
    """Samples the tree every ``every`` seconds until stopped; keeps the peak."""

    def __init__(self, root: int, seen: dict[int, int], every: float) -> None:
        super().__init__(daemon=True)
        self.root, self.seen, self.every = root, seen, every
        self.samples: list[TreeSample] = []
        #: The most apps seen forked by the fork server at once.
        self.forked = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.samples.append(sample_tree(self.root, self.seen))
            self.forked = max(self.forked, forked_apps(self.root))
            self._done.wait(self.every)

    def stop(self) -> None:
        self._done.set()
        self.join()
        self.samples.append(sample_tree(self.root, self.seen))

    def peak(self) -> TreeSample:
        """The sample with the most PSS."""
        return max(self.samples, key=lambda s: s.pss)


# -- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    """A port nobody listens on now (the kernel's choice)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_options(root: Path) -> set[str]:
    """The options ``lr-explorer serve`` takes (from its ``--help``), so that options added
    since (``--max-visitors``) are passed only where they exist."""
    proc = subprocess.run(
        [sys.executable, "-m", "tui", "serve", "--lang", "en", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=root,
    )
    return set(re.findall(r"--[a-z][a-z0-9-]*", proc.stdout))


class Server:
    """``python -m tui serve`` in a process group of its own, with its output in files."""

    def __init__(
        self, root: Path, workdir: Path, max_visitors: int, options: set[str], way: str = "ready"
    ) -> None:
        self.port = free_port()
        command = [sys.executable, "-m", "tui", "serve", "--port", str(self.port)]
        command += ["--host", "127.0.0.1", "--lang", "en"]
        if "--max-visitors" in options:
            command += ["--max-visitors", str(max_visitors)]
        self.command = command
        config = workdir / "config"
        config.mkdir(exist_ok=True)
        self.out_path, self.err_path = workdir / "server.out", workdir / "server.err"
        env = {**os.environ, "LR_EXPLORER_CONFIG_DIR": str(config)}
        env[ZYGOTE_ENV] = "0" if way == "spawn" else "1"
        if way != "ready":
            env[READY_ENV] = "0"
        else:
            env.pop(READY_ENV, None)  # serve's own number
        self.seen: dict[int, int] = {}
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=env,
                cwd=root,
                start_new_session=True,
            )
        self.started = time.perf_counter()
        _SERVERS.append(self)

    def output(self) -> str:
        """What the server printed so far (stderr, then stdout)."""
        texts = []
        for path in (self.err_path, self.out_path):
            with suppress(OSError):
                texts.append(path.read_text(errors="replace"))
        return "\n".join(texts)

    def url(self, timeout: float) -> str:
        """The URL the server prints on stderr (its token included)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            with suppress(OSError):
                if found := find_url(self.err_path.read_text(errors="replace")):
                    return found
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"the server printed no URL:\n{self.output()[-2000:]}")

    def stop(self) -> None:
        """The whole process group, then any process seen in the tree that left it."""
        for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, sig)
            with suppress(subprocess.TimeoutExpired):
                self.proc.wait(wait)
                if not self._group_alive():
                    break
        for pid, start in self.seen.items():
            if _starttime(pid) == start:
                with suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
        with suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        if self in _SERVERS:
            _SERVERS.remove(self)

    def _group_alive(self) -> bool:
        try:
            os.killpg(self.proc.pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True


_SERVERS: list[Server] = []


def stop_all_servers() -> None:
    """Kill every server still running (the clean-up on any way out)."""
    for server in list(_SERVERS):
        server.stop()


async def wait_for_page(url: str, timeout: float) -> str:
    """The page at ``url`` once it answers 200."""
    deadline = time.perf_counter() + timeout
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(url) as response:
                    if response.status == 200:
                        return await response.text()
            except aiohttp.ClientError:
                pass
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{url} never answered")
            await asyncio.sleep(0.1)


def wait_quiet(root: int, timeout: float, window: float = 1.0, busy: float = 0.1) -> float:
    """Wait until the tree under ``root`` uses less than ``busy`` of a CPU over ``window``
    seconds (TensorFlow loaded, nothing starting); returns the seconds waited."""
    start = time.perf_counter()
    before = tree_cpu_seconds(root)
    while time.perf_counter() - start < timeout:
        time.sleep(window)
        now = tree_cpu_seconds(root)
        if now - before < busy * window:
            break
        before = now
    return time.perf_counter() - start


# -- a visitor -----------------------------------------------------------------------------------


@dataclass
class VisitorResult:
    """What one visitor saw (seconds)."""

    visitor: int
    connect_s: float | None = None
    first_frame_s: float | None = None
    first_results_s: float | None = None
    #: Until the lesson's first row is on a screen drawn at this visitor's size (a ready app
    #: drawn at another size shows its results first, then draws them again at theirs).
    full_size_s: float | None = None
    pong_s: float | None = None
    key_s: list[float] = field(default_factory=list)
    echo_s: list[float] = field(default_factory=list)
    error: str | None = None
    #: The screen as it last was, kept when something went wrong.
    screen: str | None = None


class Visitor:
    """One browser tab: a websocket to the server and the screen it draws."""

    def __init__(self, number: int, width: int, height: int, emptied: re.Pattern[str]) -> None:
        self.result = VisitorResult(number)
        self.emptied = emptied
        self.width, self.height = width, height
        self.reader = ScreenReader(width, height)
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self._opened = 0.0
        self._ping_sent = 0.0
        self._want: re.Pattern[str] | None = None
        self._lesson = first_row_pattern(LESSON_LR)
        #: The frames received until the first results, when they are to be recorded.
        self.frames: list[bytes] | None = None
        self._seen: asyncio.Future[float] | None = None
        self._closed = False
        #: Whether the visitor typed its rates and stayed (``stay`` was awaited).
        self.stayed = False

    async def run(
        self,
        http: aiohttp.ClientSession,
        page_url: str,
        pauses: Sequence[float],
        timeout: float,
        stay: Callable[[], Awaitable[None]] | None = None,
    ) -> VisitorResult:
        """Load the page, open the websocket, wait for the lesson's first results, type a
        rate after each of ``pauses`` (seconds), await ``stay`` if given (idle, connected); the
        websocket is closed on the way out (the visitor leaves)."""
        result = self.result
        try:
            start = time.perf_counter()
            async with http.get(page_url) as response:
                response.raise_for_status()
                page = await response.text()
            url = websocket_url(page, page_url, self.width, self.height)
            self.ws = await http.ws_connect(
                url, origin=origin_of(page_url), max_msg_size=0, autoping=True
            )
            self._opened = time.perf_counter()
            result.connect_s = self._opened - start
            receiving = asyncio.create_task(self._receive())
            try:
                await self._send(["resize", {"width": self.width, "height": self.height}])
                self._ping_sent = time.perf_counter()
                await self._send(["ping", str(int(time.time() * 1000))])
                lesson = self._expect(first_row_pattern(LESSON_LR))
                result.first_results_s = await asyncio.wait_for(lesson, timeout) - self._opened
                await self._send(["stdin", "f"])  # to the lr field: the explorer opens on the chart
                for key, pause in enumerate(pauses):
                    await asyncio.sleep(pause)
                    lr = typed_rate(result.visitor, key)
                    result.echo_s.append(await self._type(CLEAR_KEYS, self.emptied, timeout))
                    typed = await self._type(digits(lr), first_row_pattern(lr), timeout)
                    result.key_s.append(typed)
                if stay is not None:
                    self.stayed = True
                    await stay()
            finally:
                receiving.cancel()
                with suppress(asyncio.CancelledError):
                    await receiving
                await self.ws.close()
        except asyncio.TimeoutError:
            result.error = f"timed out after {timeout:g} s"
        except (aiohttp.ClientError, OSError, RuntimeError) as err:
            result.error = f"{type(err).__name__}: {err}"
        if result.error:
            result.screen = self.reader.text()
        return result

    async def _type(self, strokes: Sequence[str], shows: re.Pattern[str], timeout: float) -> float:
        """Send ``strokes``; the seconds from the last one sent to the frame that shows
        ``shows``."""
        waiting = self._expect(shows)
        for stroke in strokes:
            await self._send(["stdin", stroke])
        sent = time.perf_counter()
        return await asyncio.wait_for(waiting, timeout) - sent

    async def _send(self, envelope: list[object]) -> None:
        assert self.ws is not None
        await self.ws.send_str(json.dumps(envelope))

    def _expect(self, pattern: re.Pattern[str]) -> asyncio.Future[float]:
        """A future set to the arrival time of the first frame after which ``pattern`` is on
        screen (already set if it is there now)."""
        self._seen = asyncio.get_running_loop().create_future()
        self._want = pattern
        if self.reader.find(pattern):
            self._seen.set_result(time.perf_counter())
            self._want = None
        elif self._closed:
            self._seen.set_exception(ConnectionError("the server closed the websocket"))
        return self._seen

    async def _receive(self) -> None:
        """Read frames until the websocket closes; a wait under way then fails at once."""
        try:
            await self._read()
        finally:
            self._closed = True
            if self._seen is not None and not self._seen.done():
                self._seen.set_exception(ConnectionError("the server closed the websocket"))

    async def _read(self) -> None:
        assert self.ws is not None
        async for message in self.ws:
            arrived = time.perf_counter()
            if message.type == aiohttp.WSMsgType.BINARY:
                if self.result.first_frame_s is None and len(message.data) > 10:
                    self.result.first_frame_s = arrived - self._opened
                if self.frames is not None and self.result.first_results_s is None:
                    self.frames.append(message.data)
                self.reader.feed(message.data)
                want, seen = self._want, self._seen
                pending = want is not None and seen is not None and not seen.done()
                if pending and self.reader.find(want, dirty_only=True):
                    seen.set_result(arrived)
                    self._want = None
                if self.result.full_size_s is None and self.reader.shows(self._lesson):
                    self.result.full_size_s = arrived - self._opened
            elif message.type == aiohttp.WSMsgType.TEXT:
                with suppress(ValueError, IndexError, TypeError):
                    if json.loads(message.data)[0] == "pong" and self.result.pong_s is None:
                        self.result.pong_s = arrived - self._ping_sent
            else:
                break


# -- a phase -------------------------------------------------------------------------------------


@dataclass
class Phase:
    """One server, ``visitors`` visitors arriving as ``arrival``, and what was measured."""

    visitors: int
    arrival: str
    stagger: float
    #: ``ready`` (as serve runs: forked, and ready apps ahead), ``fork`` (forked when the
    #: visitor comes) or ``spawn`` (each a fresh interpreter when the visitor comes).
    way: str = "ready"
    url: str = ""
    #: The most visitors' apps seen forked at once.
    forked: int = 0
    #: The ready apps in the idle tree: how many, their PSS and RSS.
    ready: dict[str, int] = field(default_factory=dict)
    #: The room held idle (``--hold``): seconds, cores busy, PSS at its start and end.
    hold: dict[str, float] = field(default_factory=dict)
    #: (``--hold``) CPU seconds the server's tree used from the first visitor's arrival until
    #: every visitor had typed their rates, and that per rate typed.
    typing_cpu_s: float | None = None
    cpu_per_rate_ms: float | None = None
    server_up_s: float | None = None
    server_quiet_s: float | None = None
    idle: dict[str, int] = field(default_factory=dict)
    peak: dict[str, int] = field(default_factory=dict)
    added: dict[str, float] = field(default_factory=dict)
    per_visitor: dict[str, float] = field(default_factory=dict)
    first_results_s: dict[str, float | None] = field(default_factory=dict)
    full_size_s: dict[str, float | None] = field(default_factory=dict)
    key_s: dict[str, float | None] = field(default_factory=dict)
    echo_s: dict[str, float | None] = field(default_factory=dict)
    key_ratio: dict[str, float | None] = field(default_factory=dict)
    left_after_leave: int | None = None
    #: The command lines of the server's children still there after the visitors left.
    left_commands: list[str] = field(default_factory=list)
    leave_s: float | None = None
    bench_cpu_s: float = 0.0
    failed: list[str] = field(default_factory=list)
    results: list[VisitorResult] = field(default_factory=list)


def _stats(values: Sequence[float]) -> dict[str, float | None]:
    return {
        "n": len(values),
        "median": statistics.median(values) if values else None,
        "p90": percentile(values, 0.9),
        "max": max(values) if values else None,
    }


class Gate:
    """Where a phase's visitors stay once they typed their rates, until all are there and
    the room was measured idle for ``hold`` seconds."""

    def __init__(self, visitors: int) -> None:
        self.visitors = visitors
        self.there = 0
        self.all_there = asyncio.Event()
        self.leave = asyncio.Event()

    def arrived(self) -> None:
        """One more visitor is there (or will never be: it failed)."""
        self.there += 1
        if self.there >= self.visitors:
            self.all_there.set()

    async def stay(self) -> None:
        """Arrive, and wait until the room is let go."""
        self.arrived()
        await self.leave.wait()


async def _hold(
    phase: Phase, root: int, gate: Gate, hold: float, arrived_cpu: float, rates: int
) -> None:
    """Once every visitor is there, measure the room for ``hold`` seconds, then let it go
    (and what their typing cost: the tree's CPU since ``arrived_cpu``, for ``rates`` rates)."""
    try:
        await gate.all_there.wait()
        start, cpu = time.perf_counter(), tree_cpu_seconds(root)
        phase.typing_cpu_s = cpu - arrived_cpu
        phase.cpu_per_rate_ms = phase.typing_cpu_s / max(1, rates) * 1000
        first = sample_tree(root)
        await asyncio.sleep(hold)
        last = sample_tree(root)
        seconds = time.perf_counter() - start
        phase.hold = {
            "seconds": seconds,
            "cores": (tree_cpu_seconds(root) - cpu) / seconds,
            "pss_start": first.pss,
            "pss_end": last.pss,
            "processes": last.processes,
        }
    finally:
        gate.leave.set()


async def _visit_all(
    phase: Phase, url: str, args: argparse.Namespace, root: int
) -> list[VisitorResult]:
    spacing = phase.stagger if phase.arrival == "staggered" else 0.0
    connector = aiohttp.TCPConnector(limit=0)
    gate = Gate(phase.visitors) if args.hold > 0 else None
    async with aiohttp.ClientSession(connector=connector) as http:

        async def arrive(number: int) -> VisitorResult:
            await asyncio.sleep(number * spacing)
            visitor = Visitor(number, args.width, args.height, EMPTIED)
            recording = args.record is not None and phase.arrival == "single"
            visitor.frames = [] if recording else None
            stay = None if gate is None else gate.stay
            try:
                pauses = think_times(number, args.keys, args.think, args.jitter)
                result = await visitor.run(http, url, pauses, args.timeout, stay)
            finally:
                if gate is not None and not visitor.stayed:
                    gate.arrived()
            if recording and visitor.frames and result.first_results_s is not None:
                args.record.write_bytes(pack_frames(visitor.frames))
            return result

        holding = None
        if gate is not None:
            rates = phase.visitors * args.keys
            hold = _hold(phase, root, gate, args.hold, tree_cpu_seconds(root), rates)
            holding = asyncio.create_task(hold)
        results = list(await asyncio.gather(*(arrive(n) for n in range(phase.visitors))))
        if holding is not None:
            await holding
        return results


def run_phase(phase: Phase, args: argparse.Namespace, options: set[str]) -> Phase:
    """Start a server, measure it idle, send the visitors, measure, let them leave, stop it."""
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        server = Server(args.root, Path(tmp), max(args.visitors) + 5, options, phase.way)
        try:
            phase.url = server.url(args.timeout)
            asyncio.run(wait_for_page(phase.url, args.timeout))
            phase.server_up_s = time.perf_counter() - server.started
            phase.server_quiet_s = wait_quiet(server.proc.pid, args.timeout)
            idle = sample_tree(server.proc.pid, server.seen)
            phase.idle = {"processes": idle.processes, "pss": idle.pss, "rss": idle.rss}
            waiting = forked_pids(server.proc.pid) if phase.way == "ready" else []
            pss, rss = memory_of(waiting)
            phase.ready = {"apps": len(waiting), "pss": pss, "rss": rss}
            sampler = Sampler(server.proc.pid, server.seen, args.sample)
            sampler.start()
            cpu = time.process_time()
            try:
                phase.results = asyncio.run(_visit_all(phase, phase.url, args, server.proc.pid))
            finally:
                phase.bench_cpu_s = time.process_time() - cpu
                sampler.stop()
            phase.forked = sampler.forked
            peak = sampler.peak()
            most = max(s.processes for s in sampler.samples)
            phase.peak = {"processes": most, "pss": peak.pss, "rss": peak.rss}
            phase.added = {k: phase.peak[k] - phase.idle[k] for k in phase.idle}
            if phase.ready["apps"]:
                # Each visitor took a ready app: what one held while it waited is theirs.
                taken = min(phase.visitors, phase.ready["apps"])
                for k in ("pss", "rss"):
                    phase.added[k] += phase.ready[k] * taken / phase.ready["apps"]
                phase.added["processes"] += taken
            phase.per_visitor = {k: v / phase.visitors for k, v in phase.added.items()}
            taken = min(phase.visitors, len(waiting))

            def remaining(now: TreeSample) -> int:
                """Processes of the visitors' apps still there."""
                if not waiting:
                    return now.processes - idle.processes
                # The ready apps not taken are still there, those taken must be gone; the
                # ones made again once the room is quiet do not count (nor, untracked, apps
                # started afresh for visitors beyond the ready ones).
                return sum(1 for pid in waiting if _alive(pid)) - (len(waiting) - taken)

            left = time.perf_counter()
            while time.perf_counter() - left < LEAVE_WAIT:
                now = sample_tree(server.proc.pid, server.seen)
                if remaining(now) <= 0:
                    phase.leave_s = time.perf_counter() - left
                    break
                time.sleep(0.2)
            phase.left_after_leave = remaining(now)
            if phase.left_after_leave > 0:
                phase.left_commands = [
                    _command(pid)
                    for pid in descendants(server.proc.pid, _parents())
                    if pid != server.proc.pid
                ]
        finally:
            server.stop()
    firsts = [r.first_results_s for r in phase.results if r.first_results_s is not None]
    keys = [k for r in phase.results for k in r.key_s]
    phase.first_results_s = _stats(firsts)
    phase.full_size_s = _stats([r.full_size_s for r in phase.results if r.full_size_s is not None])
    phase.key_s = _stats(keys)
    phase.echo_s = _stats([e for r in phase.results for e in r.echo_s])
    phase.failed = [f"visitor {r.visitor}: {r.error}" for r in phase.results if r.error]
    return phase


# -- report --------------------------------------------------------------------------------------


def _mib(value: float | None) -> str:
    return "-" if value is None else f"{value / 2**20:.0f}"


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def table(phases: Iterable[Phase]) -> Iterator[str]:
    """The figures, one phase a row."""
    yield (
        f"{'way':>5} {'forked':>6} {'ready':>5} {'quiet':>5} "
        f"{'visitors':>8} {'arrival':>9} {'procs':>9} {'+/vis':>5} {'PSS+/vis':>8} "
        f"{'RSS+/vis':>8} {'first med':>9} {'first max':>9} {'sized max':>9} "
        f"{'key med':>7} {'key p90':>7} "
        f"{'med/1':>6} {'p90/1':>6} {'echo med':>8} {'left':>4} {'failed':>6} "
        f"{'held cores':>10} {'held PSS+/vis':>13} {'CPU ms/rate':>11}"
    )
    yield "".ljust(8, " ") + " " + "(MiB and seconds; procs idle->peak; ratios to 1 visitor)"
    for p in phases:
        procs = f"{p.idle.get('processes', 0)}->{p.peak.get('processes', 0)}"
        held = "-" if not p.hold else f"{p.hold['cores']:.3f}"
        held_pss = None if not p.hold else (p.hold["pss_end"] - p.idle.get("pss", 0)) / p.visitors
        yield (
            f"{p.way:>5} {p.forked:>6} {p.ready.get('apps', 0):>5} {_s(p.server_quiet_s):>5} "
            f"{p.visitors:>8} {p.arrival:>9} {procs:>9} "
            f"{p.per_visitor.get('processes', 0):>5.1f} {_mib(p.per_visitor.get('pss')):>8} "
            f"{_mib(p.per_visitor.get('rss')):>8} {_s(p.first_results_s.get('median')):>9} "
            f"{_s(p.first_results_s.get('max')):>9} {_s(p.full_size_s.get('max')):>9} "
            f"{_s(p.key_s.get('median')):>7} "
            f"{_s(p.key_s.get('p90')):>7} {_x(p.key_ratio.get('median')):>6} "
            f"{_x(p.key_ratio.get('p90')):>6} {_s(p.echo_s.get('median')):>8} "
            f"{'-' if p.left_after_leave is None else p.left_after_leave:>4} {len(p.failed):>6} "
            f"{held:>10} {_mib(held_pss):>13} "
            f"{'-' if p.cpu_per_rate_ms is None else f'{p.cpu_per_rate_ms:.1f}':>11}"
        )


def _counts(text: str) -> list[int]:
    counts = sorted({int(part) for part in text.split(",") if part.strip()})
    if not counts or counts[0] < 1:
        raise argparse.ArgumentTypeError("visitor counts are whole numbers from 1")
    return counts


def _arrivals(text: str) -> list[str]:
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    if not chosen or any(a not in ("burst", "staggered") for a in chosen):
        raise argparse.ArgumentTypeError("arrivals are burst and/or staggered")
    return chosen


def _ways(text: str) -> list[str]:
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    if not chosen or any(w not in ("ready", "fork", "spawn") for w in chosen):
        raise argparse.ArgumentTypeError("ways are ready, fork and/or spawn")
    return chosen


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The bench's command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--visitors", type=_counts, default=[1, 10, 30], help="e.g. 1,10,30")
    parser.add_argument("--keys", type=int, default=10, help="rates each visitor types")
    parser.add_argument("--stagger", type=float, default=1.0, help="seconds between arrivals")
    parser.add_argument("--arrivals", type=_arrivals, default=["burst", "staggered"])
    parser.add_argument("--think", type=float, default=0.3, help="seconds between two rates")
    parser.add_argument(
        "--jitter",
        action="store_true",
        help="each pause drawn evenly from 0 to twice --think (seeded by the visitor)",
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="longest wait for a screen")
    parser.add_argument("--sample", type=float, default=1.0, help="seconds between tree samples")
    parser.add_argument(
        "--ways",
        type=_ways,
        default=["ready"],
        help="ready, fork and/or spawn (e.g. spawn,fork,ready)",
    )
    parser.add_argument(
        "--hold", type=float, default=0.0, help="seconds the visitors stay idle, measured"
    )
    parser.add_argument("--width", type=int, default=WIDTH)
    parser.add_argument("--height", type=int, default=HEIGHT)
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the checkout to serve (python -m tui there)"
    )
    parser.add_argument(
        "--record",
        type=Path,
        default=None,
        help="save the single visitor's frames up to its first results (tests/data's recording)",
    )
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    return parser.parse_args(argv)


def _on_signal(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextmanager
def cleaned_up() -> Iterator[None]:
    """Every server killed on the way out: an error, Ctrl+C, SIGTERM or SIGHUP."""
    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        stop_all_servers()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the phases, print the table, write the JSON."""
    args = parse_args(argv)
    counts = sorted(set(args.visitors) | {1})
    plan = []
    for way in args.ways:
        plan += [Phase(1, "single", 0.0, way)]
        plan += [Phase(n, a, args.stagger, way) for n in counts if n > 1 for a in args.arrivals]
    phases: list[Phase] = []
    with cleaned_up():
        options = serve_options(args.root)
        for phase in plan:
            print(
                f"-- {phase.way}: {phase.visitors} visitor(s), {phase.arrival}",
                file=sys.stderr,
                flush=True,
            )
            try:
                phases.append(run_phase(phase, args, options))
            except RuntimeError as err:
                print(f"server failed: {err}", file=sys.stderr)
                return 1
            for line in phase.failed:
                print(f"   {line}", file=sys.stderr)
            if shown := next((r.screen for r in phase.results if r.screen), None):
                print(f"   the first failed visitor's screen:\n{shown}", file=sys.stderr)
    for phase in phases:
        single = next(p for p in phases if p.way == phase.way and p.arrival == "single")
        base = single.key_s.get("median")
        for name in ("median", "p90"):
            value = phase.key_s.get(name)
            phase.key_ratio[name] = value / base if value is not None and base else None
    print("\n".join(table(phases)))
    if args.json is not None:
        figures = {
            "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
            "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "server_options": sorted(options),
            "phases": [asdict(phase) for phase in phases],
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; every server stopped", file=sys.stderr)
        sys.exit(130)
