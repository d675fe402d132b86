"""The classroom server: textual-serve's :class:`~textual_serve.server.Server`, made safe to
open to a room.

- Only the room gets in: a random token, printed in the server's address (as Jupyter does), is
  required for the page and the websocket; a websocket opened by a page of another site (its
  ``Origin``) is refused; the room holds at most ``max_visitors``.
- The page's script and websocket addresses come from the address the visitor used (the
  request's ``Host``) or the public URL, never from the address the server listens on (which
  may be ``0.0.0.0``).
- Each visitor's app is a :class:`~tui.serve.visitor.VisitorApp`: it ends with its visitor and
  with the server. For the explorer, a fork server (:mod:`tui.serve.fork_server`) started with
  the server forks it with its imports done (thirty visitors arriving at once no longer wait
  for thirty interpreters to import Textual); ``LR_EXPLORER_ZYGOTE=0`` turns it off.
- The room keeps explorer apps started ahead, drawn with the lesson's first results, for the
  next visitors (:mod:`tui.serve.ready`): a visitor takes one and gets what it drew;
  ``LR_EXPLORER_READY=0`` turns them off.

Downloads (``/download/{key}``) take no token: textual.js opens them in a new tab from the
bare key, and a key is a uuid4 that only the visitor's own (token-checked) websocket learns,
valid for that one download.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import secrets
import signal
import socket
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs, quote

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server, to_int

from tui.serve import address, pages
from tui.serve.fork_server import EXPLORER_PRELOAD, ForkServer
from tui.serve.limits import MAX_CELLS, MAX_VISITORS, READY_APPS, SHUTDOWN_TIMEOUT
from tui.serve.ready import ReadyApps
from tui.serve.visitor import VisitorApp, Websocket, app_environment

log = logging.getLogger("textual-serve")

#: Set to ``0`` in the server's environment, visitors' apps start without a fork server (each
#: a fresh interpreter, as before it: the bench's baseline).
ZYGOTE_ENV = "LR_EXPLORER_ZYGOTE"

#: Set to a number in the server's environment, the room keeps that many ready apps (at most
#: its visitors) in place of :data:`~tui.serve.limits.READY_APPS`; ``0``: none, each visitor's
#: app starts when they come, as before them (the bench's baseline).
READY_ENV = "LR_EXPLORER_READY"


def ready_apps(environ: Mapping[str, str], max_visitors: int) -> int:
    """How many ready apps the explorer's room keeps: :data:`READY_ENV` if it is a whole
    number, else :data:`~tui.serve.limits.READY_APPS`; at most ``max_visitors``."""
    given = environ.get(READY_ENV, "").strip()
    count = int(given) if given.isdigit() else READY_APPS
    return min(count, max_visitors)


def is_explorer(argv: Sequence[str]) -> bool:
    """Whether ``argv`` starts the explorer with this interpreter (``python -m tui ...``)."""
    return list(argv[:3]) == [sys.executable, "-m", "tui"]


class ClassroomServer(Server):
    """Serve ``argv`` (the explorer's command, run without a shell) to the room.

    ``public_url`` is the address visitors use when it is not this machine's (a proxy, a
    name); ``environment`` is added to every visitor's app's environment (a call, read as each
    visitor arrives). ``fork``: whether visitors' apps are forked by a fork server (started
    with the server); by default, for the explorer unless :data:`ZYGOTE_ENV` is ``0``. The
    fork server imports ``preload`` first: by default
    :data:`~tui.serve.fork_server.EXPLORER_PRELOAD` for the explorer, nothing for another app.
    ``ready``: how many apps the room keeps started for the next visitors
    (:mod:`~tui.serve.ready`); by default :func:`ready_apps` for the explorer, none for
    another app.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        title: str,
        max_visitors: int = MAX_VISITORS,
        public_url: str | None = None,
        environment: Callable[[], Mapping[str, str]] = dict,
        token: str | None = None,
        fork: bool | None = None,
        preload: Sequence[str] | None = None,
        ready: int | None = None,
    ) -> None:
        # host and port are unused: the socket is bound before serving (see serve()).
        super().__init__(" ".join(argv), title=title, public_url=public_url)
        self.argv = list(argv)
        self.given_public_url = public_url.rstrip("/") if public_url else None
        self.max_visitors = max_visitors
        self.environment = environment
        self.token = token or secrets.token_urlsafe(32)
        self.visitors: set[VisitorApp] = set()
        if fork is None:
            fork = is_explorer(argv) and os.environ.get(ZYGOTE_ENV) != "0"
        self.fork = fork
        if preload is None:
            preload = EXPLORER_PRELOAD if is_explorer(argv) else ()
        self.preload = list(preload)
        self.fork_server: ForkServer | None = None
        """The fork server, while the server runs with one."""
        if ready is None:
            ready = ready_apps(os.environ, max_visitors) if is_explorer(argv) else 0
        self.ready_count = ready
        self.ready: ReadyApps | None = None
        """The room's ready apps, while the server runs with some."""

    # ---------------------------------------------------------------------------------------
    # who gets in
    # ---------------------------------------------------------------------------------------

    def token_ok(self, given: str | None) -> bool:
        """Whether ``given`` is the room's token (compared in constant time)."""
        return given is not None and hmac.compare_digest(
            given.encode("utf-8", "surrogateescape"), self.token.encode("ascii")
        )

    def page_base(self, request: web.Request) -> str:
        """The address (``scheme://host[:port][/prefix]``) the visitor reached the server at."""
        if self.given_public_url is not None:
            return self.given_public_url
        return f"{request.scheme}://{request.host}"

    def origin_ok(self, request: web.Request) -> bool:
        """Whether a websocket request comes from the explorer's own page: no ``Origin`` (not
        a browser; it needs the token still) or the origin of the address it came in on."""
        given = request.headers.get("Origin")
        if given is None:
            return True
        allowed = {address.origin(f"{request.scheme}://{request.host}")}
        if self.given_public_url is not None:
            allowed.add(address.origin(self.given_public_url))
        return given.lower() in allowed

    def room_url(self, base: str) -> str:
        """The address to give the room: ``base`` with the token."""
        return f"{base.rstrip('/')}/?token={quote(self.token)}"

    # ---------------------------------------------------------------------------------------
    # the routes
    # ---------------------------------------------------------------------------------------

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        """The explorer's page, with the token in its websocket address; 403 without the
        token, 503 when the room is full."""
        if not self.token_ok(request.query.get("token")):
            return pages.forbidden()
        if len(self.visitors) >= self.max_visitors:
            return pages.full(len(self.visitors), self.max_visitors)
        base = self.page_base(request)
        scheme, rest = base.split(":", 1)
        websocket = "wss" if scheme == "https" else "ws"
        context: dict[str, Any] = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{websocket}:{rest}/ws?token={quote(self.token)}",
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": self.title},
        }
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        response.headers.update(pages.PRIVATE_HEADERS)
        return response

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        """The websocket that drives one visitor's app, checked like the page (and its
        ``Origin``) before the app starts."""
        # textual.js (textual-serve 1.1.3) appends "?width=..&height=.." to the websocket
        # address as given, so behind our "?token=.." the query reads "token=T?width=W&height=H".
        query = {
            key: values[-1]
            for key, values in parse_qs(request.query_string.replace("?", "&")).items()
        }
        if not self.token_ok(query.get("token")):
            return pages.forbidden()
        if not self.origin_ok(request):
            return pages.foreign_origin(request.headers.get("Origin", ""))
        if len(self.visitors) >= self.max_visitors:
            return pages.full(len(self.visitors), self.max_visitors)

        width = min(max(to_int(query.get("width", "80"), 80), 1), MAX_CELLS)
        height = min(max(to_int(query.get("height", "24"), 24), 1), MAX_CELLS)
        websocket = web.WebSocketResponse(heartbeat=15)

        async def close() -> None:
            await websocket.close()

        sink = Websocket(websocket.send_bytes, websocket.send_str, close)
        visitor = None if self.ready is None else self.ready.take(width, height)
        fresh = visitor is None
        if visitor is None:
            visitor = self.new_app(sink)
        self.visitors.add(visitor)  # before any await: the room's count holds at once
        try:
            await websocket.prepare(request)
            if fresh:
                await visitor.start(width, height)
            else:
                await visitor.attach(sink)  # what it drew ahead, then its live output
                if visitor.size != (width, height):
                    await visitor.set_terminal_size(width, height)
            await self._process_messages(websocket, visitor)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:
            log.exception(error)
        finally:
            await visitor.stop()
            self.visitors.discard(visitor)
        return websocket

    def new_app(self, websocket: Websocket | None = None) -> VisitorApp:
        """A visitor's app (not started): for ``websocket``'s visitor, or ready for the next
        one (``None``)."""
        return VisitorApp(
            self.argv,
            self.environment(),
            websocket=websocket,
            download_manager=self.download_manager,
            debug=self.debug,
            fork_server=self.fork_server,
            activity=None if self.ready is None else self.ready.busy,
        )

    # ---------------------------------------------------------------------------------------
    # start and stop
    # ---------------------------------------------------------------------------------------

    async def on_startup(self, app: web.Application) -> None:
        """Start the fork server, if visitors' apps are forked, then the ready apps, if any
        (nothing to print: the command line printed the room's address).

        (At shutdown, aiohttp 3.14 closes every connection first: each visitor's websocket
        ends, and its handler stops the app as when the visitor leaves; then the fork server
        is stopped.)"""
        if self.fork:
            self.fork_server = ForkServer(
                self.preload, app_environment(self.environment(), debug=self.debug)
            )
            self.fork_server.start()  # from the loop's thread: the zygote dies with it
        if self.ready_count > 0:
            self.ready = ReadyApps(self.new_app, self.ready_count)
            self.ready.start()

    async def on_cleanup(self, app: web.Application) -> None:
        """End the ready apps, then stop the fork server."""
        ready, self.ready = self.ready, None
        if ready is not None:
            await ready.stop()
        fork_server, self.fork_server = self.fork_server, None
        if fork_server is not None:
            fork_server.stop()

    async def make_app(self) -> web.Application:
        """The aiohttp application (textual-serve's routes, our handlers)."""
        app = await self._make_app()
        app.on_cleanup.append(self.on_cleanup)
        return app

    def serve_on(self, sock: socket.socket) -> None:
        """Serve on the bound socket ``sock`` until SIGINT or SIGTERM, then stop every
        visitor's app."""
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        loop.add_signal_handler(signal.SIGINT, self.request_exit)
        loop.add_signal_handler(signal.SIGTERM, self.request_exit)
        web.run_app(
            self.make_app(),
            sock=sock,
            handle_signals=False,
            loop=loop,
            print=None,
            access_log=None,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
        )
