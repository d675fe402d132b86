"""The classroom's shared engine, seen from a visitor's app: :class:`RemoteEngine`.

``lr-explorer serve`` starts one engine for every visitor (the hub, :mod:`tui.engine.hub`);
each visitor's app reaches it over one connection to the hub's Unix socket, proving the hub's
key. :class:`RemoteEngine` has the interface of :class:`~tui.app.engine_client.EngineClient`
(the app's engine of its own), and :func:`engine_from_environment` makes one when the server's
variables say where the hub is.
"""

from __future__ import annotations

import multiprocessing as mp
import multiprocessing.connection as mpc
import os
import threading
import time
from collections.abc import Mapping
from multiprocessing.connection import Connection
from typing import Any

from tui.app.engine_client import Engine, LinkClient, Mailbox, send_all
from tui.engine.protocol import EngineRequest
from tui.engine.server import HUB_ENV, KEY_ENV, shut
from tui.i18n import Msg, msg

#: Seconds a :class:`RemoteEngine` keeps trying to connect (a restarted hub is listening within
#: about a second), and the pause between two tries.
CONNECT_FOR = 10.0
CONNECT_PAUSE = 0.1


class _Replies:
    """A remote link's reply end, as the reader sees it: no reply while the connection is being
    made, end-of-file once it failed or ended."""

    def __init__(self, link: _RemoteLink) -> None:
        self._link = link

    def poll(self, timeout: float) -> bool:
        link = self._link
        deadline = time.monotonic() + timeout
        if not link.settled.wait(timeout):
            return False  # still connecting
        connection = link.connection
        if connection is None:
            return True  # never connected: recv says so
        return connection.poll(max(0.0, deadline - time.monotonic()))

    def recv(self) -> Any:
        connection = self._link.connection
        if connection is None:
            raise EOFError("not connected")
        return connection.recv()

    def close(self) -> None:
        self._link.close()


class _Sending:
    """The sender thread's end of a duplex connection: closing it only shuts the socket, so
    that the reader, which holds the same descriptor, sees end-of-file and closes it."""

    def __init__(self, link: _RemoteLink, connection: Connection) -> None:
        self.link = link
        self.connection = connection

    def send(self, obj: Any) -> None:
        self.connection.send(obj)

    def close(self) -> None:
        self.link.shut()


class _RemoteLink:
    """One connection to the classroom's engine, made and written by its sender thread."""

    def __init__(self, address: str, authkey: bytes, connect_for: float) -> None:
        self.address = address
        self.authkey = authkey
        self.connect_for = connect_for
        self.connection: Connection | None = None
        """The connection, once made (the sender thread sets it before :attr:`settled`)."""
        self.settled = threading.Event()
        """Set once the connection is made, or given up."""
        self.mailbox: Mailbox[EngineRequest] = Mailbox()
        self.replies = _Replies(self)
        self.failure: Msg | None = None
        self._stopped = threading.Event()
        self._closing = threading.Lock()  # a shut never meets a close (a descriptor reused)
        self._closed = False
        self.sender = threading.Thread(
            target=self._run, name="lr-explorer-engine-sender", daemon=True
        )
        self.sender.start()

    def _connect(self) -> Connection | None:
        """Connect, trying again while a (re)started hub comes up; ``None`` if it never does."""
        deadline = time.monotonic() + self.connect_for
        while not self._stopped.is_set():
            try:
                return mpc.Client(self.address, family="AF_UNIX", authkey=self.authkey)
            except mp.AuthenticationError:
                break  # a wrong key: trying again will not help
            except (OSError, EOFError):
                # No socket yet, or nobody listening; or a hub dying as we connected (its
                # listening socket, closed last, took the connection, then reset it).
                if time.monotonic() >= deadline:
                    break
                self._stopped.wait(CONNECT_PAUSE)
        if not self._stopped.is_set():
            self.failure = msg("engine.hub_unreachable")
        return None

    def _run(self) -> None:
        """The sender thread: connect, then write each newest request (:func:`send_all`)."""
        connection = self._connect()
        if connection is not None and self._stopped.is_set():
            connection.close()
            connection = None
        self.connection = connection
        self.settled.set()
        if connection is not None:
            send_all(self.mailbox, _Sending(self, connection))

    def shut(self) -> None:
        """End the connection both ways, so that the reader sees end-of-file."""
        with self._closing:
            if self.connection is not None and not self._closed:
                shut(self.connection)

    def close(self) -> None:
        """Close the connection (the reader's part, once it has seen it end)."""
        with self._closing:
            if self.connection is not None and not self._closed:
                self._closed = True
                self.connection.close()

    def alive(self) -> bool:
        """Whether the connection is being made or is open."""
        return not self.settled.is_set() or self.connection is not None

    def stop(self) -> None:
        """End the connection (the reader sees end-of-file) and the sender thread."""
        self._stopped.set()
        self.mailbox.close()  # the sender ends, shutting the connection

    def reason(self) -> Msg:
        """Why the connection has gone: never made, or the hub stopped (or was stopped)."""
        self.stop()
        return self.failure or msg("engine.hub_stopped")


class RemoteEngine(LinkClient[_RemoteLink]):
    """The classroom's shared engine (:mod:`tui.engine.hub`), over one connection.

    :meth:`start` returns at once: the connection is made in the sender thread, tried again
    for :data:`CONNECT_FOR` seconds while a restarted hub comes up. :meth:`receive` returns
    ``None`` while connecting, then the hub's replies (an :class:`EngineReady` first), and
    raises :class:`EngineStopped` once the connection has gone; :meth:`start` then connects
    again, and the hub says it is ready again.
    """

    def __init__(self, address: str, authkey: bytes, connect_for: float = CONNECT_FOR) -> None:
        super().__init__()
        self.address = address
        self.authkey = authkey
        self.connect_for = connect_for
        self.links: list[_RemoteLink] = []
        """Every connection made, oldest first (restarts make new ones)."""

    def _new_link(self) -> _RemoteLink:
        link = _RemoteLink(self.address, self.authkey, self.connect_for)
        self.links = [old for old in self.links if old.sender.is_alive()] + [link]
        return link

    def join(self, timeout: float) -> bool:
        """Stop every connection and wait up to ``timeout`` seconds for each sender thread to
        end; whether all have."""
        for link in self.links:
            link.stop()
            link.sender.join(timeout)
        return not any(link.sender.is_alive() for link in self.links)


def engine_from_environment(environ: Mapping[str, str] | None = None) -> Engine | None:
    """The classroom's engine when the server's variables name it (:data:`HUB_ENV`,
    :data:`KEY_ENV`), else ``None`` (the app then starts an engine of its own)."""
    environ = os.environ if environ is None else environ
    address, key = environ.get(HUB_ENV), environ.get(KEY_ENV)
    if not address or not key:
        return None
    try:
        authkey = bytes.fromhex(key)
    except ValueError:
        authkey = b""  # refused by the hub: the app says it could not reach the room's engine
    return RemoteEngine(address, authkey)
