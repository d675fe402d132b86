"""``lr-explorer serve`` in a real headless browser (Debian's chromium), with a screenshot."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys

import pytest
from browser import CHROMIUM, free_port, headless_page, wait_for_http
from missing_tools import needs_tool

needs_chromium = needs_tool(CHROMIUM, "chromium", "apt install chromium; .ci/run installs it")


@pytest.fixture
def served(own_config_dir):
    """``lr-explorer serve`` on a free port, on lr 0.99: the room's address it printed (with
    the token); stopped afterwards."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tui", "serve", "--port", str(port), "--lr", "0.99"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        # One ready app (tui.serve.ready), not a class's thirty: the page gets it, or one
        # started when it comes if it was not started yet.
        env={**os.environ, "LR_EXPLORER_CONFIG_DIR": str(own_config_dir), "LR_EXPLORER_READY": "1"},
    )
    try:
        assert server.stderr is not None
        # "serving lr-explorer at http://127.0.0.1:PORT/?token=... (ctrl+c stops)"
        printed = server.stderr.readline().decode()
        room = re.search(r"http://\S+", printed)
        assert room, printed
        yield room.group(0)
    finally:
        server.terminate()
        server.wait(10)


@needs_chromium
async def test_the_browser_shows_the_app_and_its_first_run(served, tmp_path) -> None:
    await wait_for_http(served)
    async with headless_page() as page:
        await page.call("Page.navigate", url=served)
        assert await page.wait_for_bytes(b"learning rate", 60), "the app's fields never arrived"
        # The engine ran in the served app: the lesson's lr 0.99 table, first row.
        assert await page.wait_for_bytes(b"-6.880000", 60), page.received[-400:]
        assert b"oscillating" in page.received or await page.wait_for_bytes(b"oscillating", 30)
        shot = await page.call("Page.captureScreenshot", format="png")
    png = base64.b64decode(shot["data"])
    (tmp_path / "browser.png").write_bytes(png)
    assert png.startswith(b"\x89PNG") and len(png) > 20_000, "a screenshot with a screen in it"


def test_serve_refuses_bad_parameters_in_one_line() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tui", "serve", "--port", "0"], capture_output=True, text=True
    )
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "--port" in proc.stderr


def test_a_test_skipped_for_a_missing_tool_is_named_at_the_end(tmp_path) -> None:
    """Without ``-rs`` pytest shows a skip as an ``s``: the summary names it instead."""
    (tmp_path / "conftest.py").write_text("from missing_tools import pytest_terminal_summary\n")
    (tmp_path / "test_tools.py").write_text(
        "import pytest\n"
        "from missing_tools import needs_tool\n\n"
        "@needs_tool(None, 'a-tool', 'apt install a-tool')\n"
        "def test_needs_it(): pass\n\n"
        "@pytest.mark.skip(reason='another reason')\n"
        "def test_skipped_otherwise(): pass\n\n"
        "@needs_tool('/usr/bin/b-tool', 'b-tool', 'apt install b-tool')\n"
        "def test_has_it(): pass\n"
    )
    tests = os.path.dirname(__file__)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": tests},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    named = [line for line in proc.stdout.splitlines() if line.startswith("SKIPPED for")]
    assert named == [
        "SKIPPED for a missing tool: a-tool (apt install a-tool): test_tools.py::test_needs_it"
    ]
    assert "1 passed, 2 skipped" in proc.stdout
