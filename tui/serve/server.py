"""The classroom server: textual-serve's :class:`~textual_serve.server.Server`, made safe to
open to a room.

- Only the room gets in: a random token, printed in the server's address (as Jupyter does), is
  required for the page and the websocket; a websocket opened by a page of another site (its
  ``Origin``) is refused; the room holds at most ``max_visitors``.
- The page's script and websocket addresses come from the address the visitor used (the
  request's ``Host``) or the public URL, never from the address the server listens on (which
  may be ``0.0.0.0``).
- Each visitor's app is a :class:`~tui.serve.visitor.VisitorApp`: it ends with its visitor and
  with the server.

Downloads (``/download/{key}``) take no token: textual.js opens them in a new tab from the
bare key, and a key is a uuid4 that only the visitor's own (token-checked) websocket learns,
valid for that one download.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import signal
import socket
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs, quote

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server, to_int

from tui.serve import address, pages
from tui.serve.limits import MAX_CELLS, MAX_VISITORS, SHUTDOWN_TIMEOUT
from tui.serve.visitor import VisitorApp

log = logging.getLogger("textual-serve")


class ClassroomServer(Server):
    """Serve ``argv`` (the explorer's command, run without a shell) to the room.

    ``public_url`` is the address visitors use when it is not this machine's (a proxy, a
    name); ``environment`` is added to every visitor's app's environment (a call, read as each
    visitor arrives).
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
    ) -> None:
        # host and port are unused: the socket is bound before serving (see serve()).
        super().__init__(" ".join(argv), title=title, public_url=public_url)
        self.argv = list(argv)
        self.given_public_url = public_url.rstrip("/") if public_url else None
        self.max_visitors = max_visitors
        self.environment = environment
        self.token = token or secrets.token_urlsafe(32)
        self.visitors: set[VisitorApp] = set()

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

        visitor = VisitorApp(
            self.argv,
            self.environment(),
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=close,
            download_manager=self.download_manager,
            debug=self.debug,
        )
        self.visitors.add(visitor)  # before any await: the room's count holds at once
        try:
            await websocket.prepare(request)
            await visitor.start(width, height)
            await self._process_messages(websocket, visitor)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:
            log.exception(error)
        finally:
            await visitor.stop()
            self.visitors.discard(visitor)
        return websocket

    # ---------------------------------------------------------------------------------------
    # start and stop
    # ---------------------------------------------------------------------------------------

    async def on_startup(self, app: web.Application) -> None:
        """Nothing to print: the command line printed the room's address.

        (At shutdown, aiohttp 3.14 closes every connection first: each visitor's websocket
        ends, and its handler stops the app as when the visitor leaves.)"""

    async def make_app(self) -> web.Application:
        """The aiohttp application (textual-serve's routes, our handlers)."""
        return await self._make_app()

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
