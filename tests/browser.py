"""Drive headless chromium through the DevTools protocol (aiohttp's websocket, no extra tools).

textual-serve draws the terminal with xterm.js on a canvas, so the app's text is not in the
page's DOM. What the browser *received* is: the DevTools protocol reports every websocket frame,
and the app's output arrives in them. A screenshot shows what was drawn.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator

import aiohttp

#: Debian's chromium (``apt install chromium``), or another under a usual name.
CHROMIUM = next(
    (
        path
        for name in ("chromium", "chromium-browser", "google-chrome")
        if (path := shutil.which(name))
    ),
    None,
)


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_for_http(url: str, timeout: float = 30.0) -> None:
    """Wait until ``url`` answers 200."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while True:
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing answered at {url}")
            await asyncio.sleep(0.1)


class Page:
    """One browser tab, driven by DevTools commands; collects the websocket frames it receives."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.received = b""
        self._id = 0
        self._results: dict[int, dict] = {}

    async def call(self, method: str, **params: object) -> dict:
        """Send a DevTools command and wait for its result."""
        self._id += 1
        number = self._id
        await self.ws.send_json({"id": number, "method": method, "params": params})
        while number not in self._results:
            await self._read(30.0)
        return self._results.pop(number)

    async def wait_for_bytes(self, needle: bytes, timeout: float) -> bool:
        """Wait until the page's websockets have received ``needle``."""
        deadline = time.monotonic() + timeout
        while needle not in self.received:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            with contextlib.suppress(asyncio.TimeoutError):
                await self._read(min(left, 1.0))
        return True

    async def _read(self, timeout: float) -> None:
        message = await asyncio.wait_for(self.ws.receive_json(), timeout)
        if "id" in message:
            self._results[message["id"]] = message.get("result", message)
        elif message.get("method") == "Network.webSocketFrameReceived":
            frame = message["params"]["response"]
            data = frame["payloadData"]
            self.received += base64.b64decode(data) if frame["opcode"] == 2 else data.encode()


@contextlib.asynccontextmanager
async def headless_page(width: int = 1280, height: int = 900) -> AsyncIterator[Page]:
    """A headless chromium tab with the network domain on (chromium is killed afterwards)."""
    assert CHROMIUM is not None
    port = free_port()
    # chromium may still be writing its profile as it dies: its leftovers are no error.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        browser = subprocess.Popen(
            [
                CHROMIUM,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            await wait_for_http(f"http://127.0.0.1:{port}/json/version")
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{port}/json/list") as response:
                    tab = next(t for t in await response.json() if t["type"] == "page")
                ws = await http.ws_connect(tab["webSocketDebuggerUrl"], max_msg_size=0)
                page = Page(ws)
                await page.call("Network.enable")
                await page.call("Page.enable")
                yield page
        finally:
            browser.kill()
            browser.wait()
