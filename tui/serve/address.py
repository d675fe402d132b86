"""Where the classroom server listens and the address it gives the room.

The server binds its socket itself, before aiohttp starts, so that a busy port is one clear
error before anything is printed, and so that port 0 (any free port) can be read back.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from urllib.parse import urlsplit

#: Addresses that mean "every interface": no browser can reach the server at them.
ANY_ADDRESSES = ("", "0.0.0.0", "::")

#: An address in TEST-NET-1 (RFC 5737): connecting a UDP socket to it sends nothing, but
#: makes the kernel choose the interface of the default route, whose address we then read.
_ROUTE_PROBE = ("192.0.2.1", 9)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host`` and ``port`` (0: any free port).

    Raises :class:`OSError` (address in use, unknown host, no permission)."""
    if host in ANY_ADDRESSES and host != "0.0.0.0" and socket.has_dualstack_ipv6():
        return socket.create_server(("::", port), family=socket.AF_INET6, dualstack_ipv6=True)
    found = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, _, _, _, address = found[0]
    return socket.create_server(address[:2], family=family)


def reachable_address() -> str:
    """This machine's address on the room's network: the default route's interface, or the
    host name when there is no route."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(_ROUTE_PROBE)
        address = str(probe.getsockname()[0])
        if not ipaddress.ip_address(address).is_unspecified:
            return address
    return socket.gethostname()


def url_host(host: str) -> str:
    """``host`` as it goes in a URL: an IPv6 address in brackets."""
    try:
        is_v6 = ipaddress.ip_address(host).version == 6
    except ValueError:
        is_v6 = False
    return f"[{host}]" if is_v6 else host


def base_url(host: str, port: int) -> str:
    """``http://host:port`` for the address the server listens on, an any-address replaced by
    the one the room can reach."""
    shown = reachable_address() if host in ANY_ADDRESSES else host
    return f"http://{url_host(shown)}:{port}"


def origin(url: str) -> str:
    """The origin (``scheme://host[:port]``, lower case) of an absolute URL, as a browser sends
    it in an ``Origin`` header."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_public_url(url: str) -> bool:
    """Whether ``url`` can be the room's address: http or https, with a host."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.query
