"""The UI's side of the engine process: start it, send it requests, read its replies.

TensorFlow never loads in the UI's process (see :mod:`tui.engine.server`). Requests carry a
growing id; every request supersedes the ones before it, so the engine drops or stops the stale
ones (a request waiting in its pipe makes the running one stale) and the UI ignores any stale
reply that still arrives.

Sending never blocks the caller (the UI thread). A pipe holds 64 KiB: an engine that is stalled,
or busy with a long run, would block a writer once that much is queued (about 220 edits, or one
range test of 860 rates). So :meth:`EngineClient.submit` only puts the request in a
:class:`Mailbox` of one slot per kind of request, a newer request replacing an unsent older one
of its kind, and a sender thread writes the newest as soon as the pipe has room. The running
request still becomes stale at once: the mailbox holds a request only while the sender is
blocked writing, that is while the pipe is full, and the engine reads what is in the pipe
between two chunks. A request for gradients (:meth:`LinkClient.ask_gradients`, playback's
written-out update) has ids of its own and a slot of its own: it never takes a run's place, and
the engine answers it without stopping a run (:mod:`tui.engine.server`).

When the engine process dies (killed, out of memory), :meth:`EngineClient.receive` raises
:class:`EngineStopped` with the reason in words (:func:`death_reason`), and :meth:`start` may be
called again for a new process; request ids keep growing across restarts. :class:`Restarts`
bounds how often the app restarts it.

:class:`ThreadEngine` has the same interface and runs the same serving loop
(:func:`tui.engine.server.serve_loop`) over the same kind of pipes, in a thread of this process:
for tests, which then load TensorFlow once instead of once per app. It imports the engine only
when started.

:class:`~tui.app.room_engine.RemoteEngine` has the same interface too, over one connection to
the classroom's shared engine (:mod:`tui.engine.hub`); all three are a :class:`LinkClient` of
their kind of :class:`Link`.
"""

from __future__ import annotations

import collections
import multiprocessing as mp
import signal
import threading
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any, Generic, Protocol, TypeVar

from tui.engine import launch
from tui.engine.protocol import (
    EngineReply,
    EngineRequest,
    GradientRequest,
    OutOfBandReplies,
    RunRequest,
)
from tui.engine.server import serve, serve_loop
from tui.engine.spec import RunSpec
from tui.i18n import Msg, msg

#: Seconds the reader waits for a dead engine's exit status (it comes within milliseconds).
EXIT_WAIT = 2.0

#: Seconds :meth:`ThreadEngine.join` waits for an engine thread between two looks at its replies.
JOIN_LOOK = 0.05

T = TypeVar("T")


class Engine(Protocol):
    """What the app needs of an engine: :class:`EngineClient`, :class:`ThreadEngine` or
    :class:`~tui.app.room_engine.RemoteEngine`."""

    @property
    def latest_id(self) -> int:
        """The id of the newest request submitted."""
        ...

    def start(self) -> None:
        """Start the engine (again, after it stopped)."""
        ...

    def submit(self, specs: Sequence[RunSpec], loss: str, tol: float) -> int:
        """Ask for a batched run, never blocking; return its id."""
        ...

    def ask_gradients(self, loss: str, ws: Sequence[float]) -> int:
        """Ask for the gradient of ``loss`` at each of ``ws``, never blocking and never making
        a run stale; return the request's id (ids of their own, growing)."""
        ...

    def receive(self, timeout: float) -> EngineReply | None:
        """The next reply, ``None`` after ``timeout``; :class:`EngineStopped` once stopped."""
        ...

    def stop(self) -> None:
        """Stop the engine without waiting for it."""
        ...


class Mailbox(Generic[T]):
    """One slot per kind (type) of item between the UI and the sender thread: the newest item of
    each kind not yet taken.

    :meth:`put` never blocks (it holds a lock only to swap a slot) and replaces an item of the
    same kind not yet taken; :meth:`take` blocks until there is an item (the kind put first,
    of those waiting), or returns ``None`` once closed.
    """

    def __init__(self) -> None:
        self._ready = threading.Condition()
        self._items: dict[type, T] = {}
        self._closed = False

    def put(self, item: T) -> None:
        """Leave ``item`` for the taker, in place of any item of its kind not taken yet."""
        with self._ready:
            self._items[type(item)] = item
            self._ready.notify()

    def take(self) -> T | None:
        """The newest item of a kind, once there is one (emptying its slot); ``None`` once
        closed."""
        with self._ready:
            while not self._items and not self._closed:
                self._ready.wait()
            if self._closed:
                return None
            return self._items.pop(next(iter(self._items)))

    def close(self) -> None:
        """Wake the taker for good: :meth:`take` returns ``None`` from now on."""
        with self._ready:
            self._closed = True
            self._ready.notify_all()


class EngineStopped(EOFError):
    """The engine process has gone; ``reason`` says how, in the user's words."""

    def __init__(self, reason: Msg) -> None:
        super().__init__(str(reason))
        self.reason = reason


def death_reason(exitcode: int | None) -> Msg:
    """How a process with exit status ``exitcode`` ended (``None``: still running)."""
    if exitcode is None:
        return msg("engine.closed")
    if exitcode < 0:
        number = -exitcode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = "?"
        if number == signal.SIGKILL:
            return msg("engine.sigkill", number=number, name=name)
        return msg("engine.signal", number=number, name=name)
    return msg("engine.exit", code=exitcode)


class Sink(Protocol):
    """Where the sender thread writes requests: a pipe's end, or a duplex connection's."""

    def send(self, obj: Any) -> None:
        """Write one request (may block while the pipe is full)."""
        ...

    def close(self) -> None:
        """Close this end (the sender is done)."""
        ...


def send_all(mailbox: Mailbox[EngineRequest], requests: Sink) -> None:
    """The sender thread: write each newest request; stop when closed or the engine is gone."""
    try:
        while (request := mailbox.take()) is not None:
            requests.send(request)  # may block while the pipe is full: only this thread waits
    except (OSError, ValueError):
        pass  # the engine has gone (a broken pipe): the reader reports it
    finally:
        requests.close()


def start_sender(requests: Sink) -> tuple[Mailbox[EngineRequest], threading.Thread]:
    """A mailbox and the sender thread that writes what it holds to ``requests`` (started;
    never waited for: after the engine is killed, or its pipes are closed, its write fails)."""
    mailbox: Mailbox[EngineRequest] = Mailbox()
    sender = threading.Thread(
        target=send_all, args=(mailbox, requests), name="lr-explorer-engine-sender", daemon=True
    )
    sender.start()
    return mailbox, sender


class _Link:
    """One engine process with its pipes and its sender thread."""

    def __init__(self, started: launch.EngineProcess) -> None:
        self.process = started.process
        # The engine process sends a run's arrays out of band (server.ProcessHooks): read in
        # place, never held whole as one message besides.
        self.replies = OutOfBandReplies(started.replies)
        self.mailbox, self.sender = start_sender(started.requests)

    def alive(self) -> bool:
        """Whether the engine process is still running."""
        return self.process.is_alive()

    def stop(self) -> None:
        """Kill the process (a stopped one too) and let the sender thread end."""
        if self.process.is_alive():
            self.process.kill()
        self.mailbox.close()

    def reason(self) -> Msg:
        """Why the engine has gone, once its reply pipe has ended (it is stopped for good)."""
        self.stop()  # the sender thread ends: nobody is left to read what it would write
        self.process.join(EXIT_WAIT)  # the pipe closes a moment before the exit status is in
        return death_reason(self.process.exitcode)


def _serve_here(requests: Connection, replies: Connection) -> None:
    """An in-process engine's thread: the serving loop, then both its pipe ends closed, so
    that the reader sees end-of-file as it does when an engine process ends."""
    try:
        serve_loop(requests, replies)
    finally:
        requests.close()
        replies.close()


class _ThreadLink:
    """One in-process engine: the serving loop in a thread, with its pipes and sender thread."""

    def __init__(self) -> None:
        requests_in, requests_out = mp.Pipe(duplex=False)
        replies_in, replies_out = mp.Pipe(duplex=False)
        self.thread = threading.Thread(
            target=_serve_here,
            args=(requests_in, replies_out),
            name="lr-explorer-engine",
            daemon=True,
        )
        self.thread.start()
        self.replies = replies_in
        self.mailbox, self.sender = start_sender(requests_out)

    def alive(self) -> bool:
        """Whether the serving loop is still running."""
        return self.thread.is_alive()

    def stop(self) -> None:
        """Close the request pipe (through the sender): the loop ends at its next chunk."""
        self.mailbox.close()

    def reason(self) -> Msg:
        """Why the engine has gone: a thread only ends when its pipes close."""
        self.stop()
        self.thread.join(EXIT_WAIT)
        return death_reason(None)


class Replies(Protocol):
    """A link's reply end as the reader uses it: a pipe's end, or a remote link's."""

    def poll(self, timeout: float) -> bool:
        """Whether a reply (or end-of-file) is there within ``timeout`` seconds."""
        ...

    def recv(self) -> Any:
        """The next reply; ``EOFError`` once the engine has gone."""
        ...

    def close(self) -> None:
        """Close this end (the reader is done)."""
        ...


class Link(Protocol):
    """One engine, however it runs: its mailbox (read by a sender thread) and its replies."""

    @property
    def mailbox(self) -> Mailbox[EngineRequest]:
        """Where :meth:`LinkClient.submit` leaves the newest request."""
        ...

    @property
    def replies(self) -> Replies:
        """Where the engine's replies come from."""
        ...

    def alive(self) -> bool:
        """Whether the engine is still there."""
        ...

    def stop(self) -> None:
        """Stop the engine without waiting for it."""
        ...

    def reason(self) -> Msg:
        """Why the engine has gone, once its replies have ended."""
        ...


L = TypeVar("L", bound=Link)


class LinkClient(Generic[L]):
    """Start (again), submit, receive and stop, whatever the engine runs in."""

    def __init__(self) -> None:
        self._link: L | None = None
        self._next_id = 0
        self._next_ask = 0

    def _new_link(self) -> L:
        raise NotImplementedError

    @property
    def latest_id(self) -> int:
        """The id of the newest request submitted."""
        return self._next_id

    def start(self) -> None:
        """Start an engine (it loads TensorFlow, then sends :class:`EngineReady`).

        Called again, it stops the one before and starts a new one: call it so only once the
        reader has seen the old one stop (:class:`EngineStopped`), so that nothing reads the
        old replies any more. Raises ``OSError`` if no process can be started.
        """
        old, self._link = self._link, None
        if old is not None:
            old.stop()
            old.replies.close()
        self._link = self._new_link()

    def submit(self, specs: Sequence[RunSpec], loss: str, tol: float) -> int:
        """Ask for a batched run; return its id. Every earlier request becomes stale.

        Never blocks and never raises for a dead engine: the request waits in the mailbox (in
        place of any older one not yet sent), and a dead engine is reported by :meth:`receive`.
        """
        self._next_id += 1
        if self._link is not None:
            self._link.mailbox.put(RunRequest(self._next_id, tuple(specs), loss, tol))
        return self._next_id

    def ask_gradients(self, loss: str, ws: Sequence[float]) -> int:
        """Ask for the gradient of ``loss`` at each of ``ws``; return the request's id.

        As :meth:`submit`, it never blocks; it replaces only an older gradient request not yet
        sent, and makes no run stale (ids of their own: :attr:`latest_id` stays).
        """
        self._next_ask += 1
        if self._link is not None:
            self._link.mailbox.put(GradientRequest(self._next_ask, loss, tuple(ws)))
        return self._next_ask

    def receive(self, timeout: float) -> EngineReply | None:
        """The next reply, or ``None`` if none came within ``timeout`` seconds.

        Raises :class:`EngineStopped` once the engine is gone (or was never started).
        """
        link = self._link
        if link is None:
            raise EngineStopped(msg("engine.closed"))
        try:
            if link.replies.poll(timeout):
                return link.replies.recv()
        except (EOFError, OSError):
            raise EngineStopped(link.reason()) from None
        if not link.alive():
            raise EngineStopped(link.reason())
        return None

    def stop(self) -> None:
        """Stop the engine at once, whatever it is doing (quitting must not wait for it)."""
        if self._link is not None:
            self._link.stop()
        # The reply pipe is left to the reader, which sees end-of-file and returns.


class EngineClient(LinkClient[_Link]):
    """A handle on the engine process: start (again), submit, receive and stop."""

    def _new_link(self) -> _Link:
        return _Link(launch.start(serve))

    @property
    def pid(self) -> int | None:
        """The engine process's id (``None`` before :meth:`start`)."""
        return None if self._link is None else self._link.process.pid


class ThreadEngine(LinkClient[_ThreadLink]):
    """The engine in a thread of this process, over the same pipes and serving loop as
    :class:`EngineClient`'s process: for tests. :meth:`stop` takes effect at the running
    run's next chunk (a thread cannot be killed); :meth:`join` waits for that."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[_ThreadLink] = []
        """Every engine thread started, oldest first (restarts start new ones)."""
        self._reading = threading.Lock()  # one reader of a reply pipe at a time: whole replies

    def _new_link(self) -> _ThreadLink:
        link = _ThreadLink()
        self.links.append(link)
        return link

    def receive(self, timeout: float) -> EngineReply | None:
        """As :meth:`LinkClient.receive`; never while :meth:`join` drops replies."""
        with self._reading:
            return super().receive(timeout)

    def join(self, timeout: float) -> bool:
        """Stop every engine thread started and wait up to ``timeout`` seconds in all for them
        (and their senders) to end; whether all have. Call it once the app has gone.

        Replies still in a pipe are read and dropped meanwhile: a loop whose reply is more than
        a pipe holds (a long run's) waits to write it until someone reads, which nobody does
        once the app has gone (before its reader saw the reply, or after it crashed).
        """
        deadline = time.monotonic() + timeout
        for link in self.links:
            link.stop()
            while link.thread.is_alive() and (left := deadline - time.monotonic()) > 0:
                self._drop_replies(link)
                link.thread.join(min(JOIN_LOOK, left))
            link.sender.join(max(0.0, deadline - time.monotonic()))
        return not any(link.thread.is_alive() or link.sender.is_alive() for link in self.links)

    def _drop_replies(self, link: _ThreadLink) -> None:
        """Read and drop every reply waiting in ``link``'s pipe (whole, never unpickled)."""
        with self._reading:
            try:
                while link.replies.poll(0):
                    link.replies.recv_bytes()
            except (EOFError, OSError):
                pass  # the loop has closed its end: it is ending


class Restarts:
    """How often the engine is restarted after it dies: the ``most``-th death within
    ``window`` seconds (3 within a minute) means giving up, until the user asks again."""

    def __init__(self, most: int = 3, window: float = 60.0) -> None:
        self.most = most
        self.window = window
        self._deaths: collections.deque[float] = collections.deque()

    def died(self, now: float) -> bool:
        """Count a death at time ``now`` (seconds, monotonic); whether to restart."""
        self._deaths.append(now)
        while self._deaths and now - self._deaths[0] > self.window:
            self._deaths.popleft()
        return len(self._deaths) < self.most

    def count(self) -> int:
        """The deaths counted within the window of the last one."""
        return len(self._deaths)

    def reset(self) -> None:
        """Forget the deaths (the user asked for a restart)."""
        self._deaths.clear()
