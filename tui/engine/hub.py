"""One engine for the whole classroom: a process that loads TensorFlow once and serves every
visitor's app, fairly, over a Unix socket.

``lr-explorer serve`` gives each visitor an app of their own; without this, each app would also
start an engine process of its own (about 270 MiB and 9 CPU-seconds each). The hub instead:

- listens at once on a Unix socket in a private (0700) folder, with a random 32-byte key that
  every connection must prove (``multiprocessing.connection``'s challenge, made in the
  connection's own thread, so that a client slow to answer delays nobody else);
- loads TensorFlow once, then serves each connection (one per visitor's app) in a thread of its
  own with the very loop of the one-UI engine (:func:`tui.engine.server.serve_loop`): one
  :class:`~tui.engine.protocol.EngineReady`, then progress, results and refusals; a newer
  request from the same visitor makes the running one stale; a connection closed ends that
  visitor's thread and cancels its run at the next chunk;
- is fair: all TensorFlow work happens while holding a turn (:class:`Turns`, first come, first
  served), and a run hands its turn on at every chunk boundary if another visitor is waiting,
  so that visitors' chunks are served round-robin. A request of many specs (a range test of
  hundreds of rates) runs as lane groups of :data:`GROUP_LANES` one after another
  (:func:`run_in_groups`): each lane is independent of the others, so the results are the same
  bits, and nobody waits behind another's big range test for more than about one chunk;
- runs the lesson once when TensorFlow has loaded (:meth:`Hub.warm_up`), so that the first
  visitors' first runs find its function compiled;
- refuses, with a message naming the limit and the value, a request over the classroom's
  limits (:data:`MAX_STEPS`, :data:`MAX_SPECS`, :data:`MAX_CELLS`), so that no visitor takes
  the machine's memory;
- never blocks on a visitor who does not read: results are sent after the turn is handed on,
  and a progress reply is skipped while that visitor's socket is full.

:class:`~tui.engine.hub_supervisor.HubSupervisor` (in the server's process) starts the hub,
restarts it at the same address when it dies, and hands visitors' apps the environment that
points them at it. The hub reads its key from a pipe on its standard input and exits when that
pipe ends, that is when the supervisor's process has gone, however it went: never an orphan.
"""

from __future__ import annotations

import collections
import contextlib
import os
import select
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing import AuthenticationError
from multiprocessing.connection import Connection, Listener, answer_challenge, deliver_challenge
from typing import TYPE_CHECKING, Any

from tui.engine.protocol import EngineReady, RunRequest
from tui.engine.server import LoopHooks, serve_loop, shut
from tui.engine.sweep import MAX_RATES
from tui.i18n import Msg, msg

if TYPE_CHECKING:
    from tui.engine.result import RunResult
    from tui.engine.spec import RunSpec

#: The most steps one run may take on the classroom's engine (the app's own limit is 10M): a
#: run's results take about 36 bytes a step, so this keeps one run to some 36 MB.
MAX_STEPS = 1_000_000

#: The most specs (runs) in one request: the range test's largest count of rates, the most the
#: app sends (a run and its pins are far fewer).
MAX_SPECS = MAX_RATES

#: The most steps times specs in one request (the cells of its tables, about 36 bytes each):
#: two runs of :data:`MAX_STEPS`, or the largest range test at 1,000 steps.
MAX_CELLS = 2_000_000

#: Specs run together in one lane group of a request with many (see :func:`run_in_groups`). A
#: graph-mode chunk takes time in proportion to its lanes (each is a scalar of its own): on
#: this 2-core machine, under load, 64 rates of 20,000 steps of ``tanh(w) + 0.1*w**2`` in
#: groups of 16 took as long in all as in groups of 32, with chunks half as long (2.5 s
#: against 5.0 s at the longest).
GROUP_LANES = 16


def refusal(specs: tuple[RunSpec, ...]) -> Msg | None:
    """Why the classroom's engine will not run ``specs`` (a limit, and the value asked), or
    ``None`` if it will."""
    if len(specs) > MAX_SPECS:
        return msg("spec.hub_runs", most=MAX_SPECS, count=len(specs))
    steps = max((spec.epochs for spec in specs), default=0)
    if steps > MAX_STEPS:
        return msg("spec.hub_steps", most=MAX_STEPS, steps=steps)
    if len(specs) * steps > MAX_CELLS:
        return msg(
            "spec.hub_cells", most=MAX_CELLS, runs=len(specs), steps=steps, cells=len(specs) * steps
        )
    return None


def run_in_groups(
    specs: tuple[RunSpec, ...],
    loss: str,
    tol: float,
    should_stop: Callable[[], bool],
    progress: Callable[[int, int], None],
    lanes: int = GROUP_LANES,
) -> list[RunResult]:
    """``descent.run_batch`` of ``specs``, as groups of ``lanes`` specs one after another.

    Every lane of a batch is independent of the others (each result is what the seed's loop
    gives for that spec alone), so the results are the same bits as one batch's; but each of
    the groups' chunks is short, and the turn can be handed on between them. Progress counts
    the groups one after another, as steps of one long run (as ``run_batch`` counts its parts).
    """
    from tui.engine import descent
    from tui.engine.losses import parse_loss

    if len(specs) <= lanes:
        return descent.run_batch(specs, loss, tol=tol, should_stop=should_stop, progress=progress)
    expr = parse_loss(loss)  # refused before anything runs, as run_batch would
    for spec in specs:
        spec.validate()
    steps = max(spec.epochs for spec in specs)
    count = -(-len(specs) // lanes)
    results: list[RunResult] = []
    for number in range(count):

        def group_progress(done: int, total: int, before: int = number * steps) -> None:
            progress(before + done * steps // max(total, 1), count * steps)

        if should_stop():
            raise descent.Cancelled
        group = specs[number * lanes : (number + 1) * lanes]
        results += descent.run_batch(
            group, expr, tol=tol, should_stop=should_stop, progress=group_progress
        )
    return results


class Turns:
    """The right to run TensorFlow, held by one thread at a time, first come, first served.

    :meth:`pass_on` (called between two chunks) hands the turn to the longest waiting thread
    and queues again behind those waiting: runs in progress take turns round-robin.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._queue: collections.deque[object] = collections.deque()
        self._held = False

    def acquire(self) -> None:
        """Wait for the turn, behind every thread that asked before."""
        ticket = object()
        with self._changed:
            self._queue.append(ticket)
            while self._held or self._queue[0] is not ticket:
                self._changed.wait()
            self._queue.popleft()
            self._held = True

    def release(self) -> None:
        """Give the turn up (to the longest waiting thread, if any)."""
        with self._changed:
            self._held = False
            self._changed.notify_all()

    def waiting(self) -> int:
        """How many threads wait for the turn."""
        with self._changed:
            return len(self._queue)

    def pass_on(self) -> None:
        """Let every thread waiting now run first, if any (the caller holds the turn)."""
        if self.waiting():
            self.release()
            self.acquire()

    @contextlib.contextmanager
    def held(self) -> Iterator[Callable[[], None]]:
        """Hold the turn for a block; it yields :meth:`pass_on`."""
        self.acquire()
        try:
            yield self.pass_on
        finally:
            self.release()


class _RunnerPool:
    """``tui.engine.optimizers.lanes_runner`` for interleaved runs: a free runner of the kind.

    ``lanes_runner`` caches one :class:`~tui.engine.optimizers.LanesRunner` per kind (loss,
    optimizer, beta, lane count, ...: whatever its arguments are), and ``descent`` holds the
    runner's lock for a whole run. Two visitors' runs of the same kind, interleaved chunk by
    chunk, would wait for each other's lock while each holds what the other needs (the turn,
    the runner); so each run gets a runner nobody is using, made if need be. A runner starts
    every run from its ``reset``, so which one runs a request changes no bit. Called only under
    the turn, as ``descent`` then takes the lock at once, in the same thread: no other run can
    take the same free runner in between.
    """

    #: The kinds kept, least recently used dropped first (as ``lanes_runner``'s cache).
    KINDS = 16

    def __init__(self, make: Callable[..., Any]) -> None:
        self._make = make
        self._kinds: collections.OrderedDict[tuple[Any, ...], list[Any]] = collections.OrderedDict()

    def __call__(self, *kind: Any) -> Any:
        runners = self._kinds.setdefault(kind, [])
        self._kinds.move_to_end(kind)
        while len(self._kinds) > self.KINDS:
            self._kinds.popitem(last=False)
        for runner in runners:
            if not runner.lock.locked():
                return runner
        runner = self._make(*kind)
        runners.append(runner)
        return runner


def _writable(connection: Connection) -> bool:
    """Whether a small reply can be written to ``connection`` without waiting."""
    try:
        poller = select.poll()  # not select.select: no limit on the descriptor's number
        poller.register(connection.fileno(), select.POLLOUT)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True  # the send itself then fails, and the visitor's loop ends


class _VisitorHooks(LoopHooks):
    """The serving loop's hooks for one visitor of the hub."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def ready(self) -> EngineReady:
        """The hub's news that TensorFlow has loaded, once it has."""
        return self.hub.wait_loaded()

    def refuse(self, request: RunRequest) -> Msg | None:
        """Why a request over the classroom's limits is not run."""
        return refusal(request.specs)

    @contextlib.contextmanager
    def turn(self) -> Iterator[Callable[[], None]]:
        """The hub's turn, handed on between chunks to whoever waits."""
        with self.hub.turns.held() as pass_on:
            yield pass_on

    def run(
        self,
        request: RunRequest,
        should_stop: Callable[[], bool],
        progress: Callable[[int, int], None],
    ) -> list[RunResult]:
        """The request's specs, in lane groups (:func:`run_in_groups`)."""
        return run_in_groups(request.specs, request.loss, request.tol, should_stop, progress)

    def can_send(self, replies: Connection) -> bool:
        """A progress reply only while the visitor's socket has room: never wait holding the
        turn for someone who does not read."""
        return _writable(replies)


class Hub:
    """The hub's listener, its turn and its visitors' threads (the process runs :func:`main`;
    tests run it in a thread of their own process).

    It listens from the moment it is made; :meth:`load` loads TensorFlow, :meth:`serve_forever`
    accepts connections until :meth:`close`.
    """

    def __init__(self, address: str, authkey: bytes) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(address)  # the socket a killed hub left behind: its folder is ours
        self.address = address
        self._authkey = authkey
        self._listener = Listener(address, family="AF_UNIX")
        self.turns = Turns()
        """The turn every visitor's run holds while TensorFlow works for it."""
        self.visitors: list[threading.Thread] = []
        """The visitors' threads started (ended ones dropped as new ones come)."""
        self._connections: set[Connection] = set()
        self._lock = threading.Lock()
        self._loaded = threading.Event()
        self._ready: EngineReady | None = None
        self._closing = threading.Event()
        self._restore: Callable[[], None] | None = None

    def load(self) -> EngineReady:
        """Load TensorFlow and the engine (once), then let every visitor's loop begin."""
        started = time.perf_counter()
        from tui.engine import descent, optimizers

        ready = EngineReady(
            time.perf_counter() - started, descent.xla_in_use(), descent.tf.__version__
        )
        original = optimizers.lanes_runner
        # The uncached function under lanes_runner's cache makes each new runner (none: the
        # pool of another hub in this process is in place, and serves this one too).
        make = getattr(original, "__wrapped__", None)
        if make is not None:
            # descent looks lanes_runner up in its module at every run: the pool takes its place.
            setattr(optimizers, "lanes_runner", _RunnerPool(make))  # noqa: B010
            self._restore = lambda: setattr(optimizers, "lanes_runner", original)
        self._ready = ready
        self._loaded.set()
        return ready

    def warm_up(self) -> None:
        """Run the lesson once (the explorer's first run), under the turn, so that its
        function is compiled before a visitor asks for it: the first run of a kind takes about a
        second (XLA's compiling), the next ones milliseconds, and every visitor of a room that
        arrived at once waited behind the first one's. The runner is then free for the first
        visitor's run (a runner starts every run from its reset: no bit changes). A failure here
        is nobody's: the visitors' runs compile what they need."""
        from tui.engine import descent
        from tui.engine.spec import RunSpec

        with self.turns.held(), contextlib.suppress(Exception):
            descent.run_batch((RunSpec(),))

    def wait_loaded(self) -> EngineReady:
        """The news of :meth:`load`, once it is done."""
        self._loaded.wait()
        assert self._ready is not None
        return self._ready

    def serve_forever(self) -> None:
        """Accept connections, each served in a thread of its own, until :meth:`close`."""
        while not self._closing.is_set():
            try:
                connection = self._listener.accept()
            except OSError:
                if self._closing.is_set():
                    return
                continue  # one failed accept (a client gone at once) stops nobody else
            if self._closing.is_set():
                connection.close()
                return
            thread = threading.Thread(
                target=self._visit, args=(connection,), name="lr-explorer-hub-visitor", daemon=True
            )
            with self._lock:
                self._connections.add(connection)
                self.visitors = [t for t in self.visitors if t.is_alive()] + [thread]
            thread.start()

    def _visit(self, connection: Connection) -> None:
        """One visitor: prove the key both ways, then the serving loop until it leaves."""
        try:
            deliver_challenge(connection, self._authkey)
            answer_challenge(connection, self._authkey)
            serve_loop(connection, connection, _VisitorHooks(self))
        except (AuthenticationError, EOFError, OSError):
            pass  # a wrong key, or a client gone during the handshake: nothing to answer
        finally:
            with self._lock:
                self._connections.discard(connection)
            connection.close()

    def close(self) -> None:
        """Stop accepting and end every visitor's connection (their runs stop at a chunk)."""
        self._closing.set()
        # A blocked accept() wakes for a connection, not for its socket being closed.
        with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as wake:
            wake.connect(self.address)
        self._listener.close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            shut(connection)
        if self._restore is not None:
            self._restore()
            self._restore = None


def _exit_when_orphaned(pipe: Any, address: str) -> None:
    """The hub's watch on its supervisor: the pipe ends when the supervisor's process ends.

    A supervisor that was killed could not remove the hub's socket and folder: the hub does
    (the folder only if nothing else is in it).
    """
    with contextlib.suppress(OSError, ValueError):
        while pipe.read(4096):
            pass
    with contextlib.suppress(OSError):
        os.unlink(address)
        os.rmdir(os.path.dirname(address))
    os._exit(0)


def main(argv: list[str] | None = None) -> None:
    """The hub process: ``python -m tui.engine.hub ADDRESS``, its key on standard input."""
    address = (argv if argv is not None else sys.argv[1:])[0]
    pipe = sys.stdin.buffer
    line = pipe.readline()
    if not line.endswith(b"\n"):
        os._exit(0)  # the supervisor went before it gave the key
    authkey = bytes.fromhex(line.decode("ascii"))
    # The socket first: a watch that saw the supervisor gone before the hub had bound it
    # would find no socket to remove, and leave its folder behind.
    hub = Hub(address, authkey)
    threading.Thread(target=_exit_when_orphaned, args=(pipe, address), daemon=True).start()
    threading.Thread(target=hub.serve_forever, name="lr-explorer-hub-accept", daemon=True).start()
    hub.load()
    hub.warm_up()
    threading.Event().wait()  # until the supervisor goes (_exit_when_orphaned) or kills us


if __name__ == "__main__":
    main()
