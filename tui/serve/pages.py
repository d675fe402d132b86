"""The short pages the classroom server answers with instead of the explorer: no entry (403)
and the room is full (503), in the server's language."""

from __future__ import annotations

from html import escape

from aiohttp import web

from tui.i18n import language, t

#: Headers of every page the server writes: never cached, and the token in a page's address
#: never sent on to another site in a Referer.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

_PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>{text}</p></body>
</html>
"""


def page(status: int, title: str, text: str) -> web.Response:
    """A small HTML page with ``status``, its title and one paragraph (both plain text)."""
    body = _PAGE.format(lang=language(), title=escape(title), text=escape(text))
    return web.Response(status=status, text=body, content_type="text/html", headers=PRIVATE_HEADERS)


def forbidden() -> web.Response:
    """403: the address lacks the right token."""
    return page(403, t("serve.forbidden.title"), t("serve.forbidden"))


def foreign_origin(origin: str) -> web.Response:
    """403: a websocket opened by a page of another site."""
    return page(403, t("serve.forbidden.title"), t("serve.origin", origin=origin))


def full(count: int, most: int) -> web.Response:
    """503: as many visitors as the room holds."""
    return page(503, t("serve.full.title"), t("serve.full", count=count, most=most))
