"""Waiting for the engine under Textual's Pilot: shared by the tests and the screenshot command."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from textual.pilot import Pilot

if TYPE_CHECKING:
    from tui.app.app import ExplorerApp

#: TensorFlow's import plus the first compile can take a while on a loaded 2-core machine.
TIMEOUT = 90.0


async def wait_until(
    pilot: Pilot, condition: Callable[[], bool], timeout: float = TIMEOUT, what: str = ""
) -> None:
    """Pause until ``condition()`` holds; raise ``TimeoutError`` after ``timeout`` seconds.

    Once it has not held at first, it returns only when it holds right after a
    ``pilot.pause()``. In between it looks every 20 ms without pausing: a pause has every
    widget of the screen answer a callback and waits for an idle app, about 6 ms of CPU on the
    idle explorer against 0.15 ms for a look (a test waiting for runs looked 25 times a second).
    """
    if condition():
        return
    deadline = time.monotonic() + timeout
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0.02)
        if condition():
            await pilot.pause()
            if condition():
                return


async def wait_for_run(pilot: Pilot, timeout: float = TIMEOUT) -> None:
    """Wait until the newest request's results are on screen."""
    app = cast("ExplorerApp", pilot.app)
    engine = app.engine
    await wait_until(
        pilot,
        lambda: engine.latest_id > 0 and app.shown_request == engine.latest_id,
        timeout,
        "the newest run to be shown",
    )


async def wait_for_update(pilot: Pilot, timeout: float = TIMEOUT) -> None:
    """Wait until playback's written-out update has its gradient from the engine (the line
    asks for it whenever a run or a step is shown, on screen or not)."""
    from tui.app.widgets.update_line import UpdateLine, complete

    screen = pilot.app.screen
    await pilot.pause()
    await wait_until(
        pilot,
        lambda: all(complete(line) for line in screen.query(UpdateLine)),
        timeout,
        "the step's update to be written out",
    )
