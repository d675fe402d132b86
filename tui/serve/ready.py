"""The room's ready apps: explorer apps started before their visitors come.

Thirty visitors arriving at once on two cores each waited for their app's first screen: about
0.3 CPU-seconds each of Textual laying out, styling and drawing some 350 widgets, and of the
lesson's first run (measured with ``bench/bench_serve.py``: the apps took twelve of the
burst's fifteen CPU-seconds; the server relaying their frames 0.1, the room's engine 0.2).
That work does not depend on the visitor: every visitor's app starts from the same command
and the same environment. So the room does it ahead: :class:`ReadyApps` keeps up to
``count`` apps started (:class:`~tui.serve.visitor.VisitorApp`, forked as any other), each
drawn with the lesson's first results and waiting, its output kept; a visitor who comes takes
one (:meth:`ReadyApps.take`) and gets everything it wrote, then its live output: exactly the
bytes it would have sent them had it started when they came, sooner.

What stays as it was: an app is one visitor's, never given to another, and ends with them; a
ready app ends with the server (as every app: its lifeline, ``PR_SET_PDEATHSIG``) and when the
room stops (:meth:`ReadyApps.stop`). The room's count of visitors and its cap are unchanged (a
ready app is nobody's yet); what the ready apps hold is bounded by ``count``.

Apps are made :data:`~tui.serve.limits.READY_AT_ONCE` at a time (the first ones are ready
soonest), at the last visitor's terminal size (:data:`~tui.serve.limits.READY_SIZE` before
any came; a visitor of another size gets theirs redrawn at once); one taken is replaced only
once the room has been quiet for :data:`~tui.serve.limits.READY_QUIET` seconds (nobody arriving
or typing, no visitor's app drawing): the room's CPU is its visitors' first. A ready app that
ended, or wrote more than :data:`~tui.serve.limits.READY_OUTPUT_MOST` bytes, is stopped and
replaced.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from tui.serve.limits import READY_AT_ONCE, READY_QUIET, READY_SETTLE, READY_SIZE, READY_TICK
from tui.serve.visitor import VisitorApp

log = logging.getLogger("textual-serve")


class ReadyApps:
    """Up to ``count`` apps made by ``make`` (a :class:`~tui.serve.visitor.VisitorApp` with no
    websocket yet), started and waiting for a visitor: :meth:`start` (from the event loop),
    :meth:`take`, :meth:`stop`."""

    def __init__(self, make: Callable[[], VisitorApp], count: int) -> None:
        self.make = make
        self.count = count
        self.size = READY_SIZE
        """The terminal size the next ready app starts at: the last visitor's."""
        self.made = 0
        """How many ready apps were started."""
        self.taken = 0
        """How many were given to a visitor."""
        self._apps: list[VisitorApp] = []  # oldest first
        self._quiet_since: float | None = None  # None: no visitor has come yet
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    @property
    def apps(self) -> list[VisitorApp]:
        """The apps waiting now, oldest first."""
        return list(self._apps)

    def start(self) -> None:
        """Begin making the ready apps (a task of the running event loop)."""
        if self._task is None and self.count > 0:
            self._task = asyncio.create_task(self._keep_ready())

    def busy(self) -> None:
        """Say the room is busy now (a visitor arrived or typed, or their app drew): no app is
        made for a while."""
        self._quiet_since = time.monotonic()

    def take(self, width: int, height: int) -> VisitorApp | None:
        """A ready app for a visitor whose terminal is ``width`` x ``height`` (the oldest drawn
        one, else the oldest still drawing), or ``None``: start one. Never the same app twice."""
        self.busy()
        self.size = (width, height)
        usable = [app for app in self._apps if app.started and not (app.ended or app.overflowed)]
        if not usable:
            return None
        now = time.monotonic()
        drawn = [app for app in usable if self._drawn(app, now)]
        app = (drawn or usable)[0]
        self._apps.remove(app)
        self.taken += 1
        return app

    @staticmethod
    def _drawn(app: VisitorApp, now: float) -> bool:
        """Whether ``app`` has written its screen and been silent for a while since."""
        return app.last_output is not None and now - app.last_output >= READY_SETTLE

    def _quiet(self, now: float) -> bool:
        return self._quiet_since is None or now - self._quiet_since >= READY_QUIET

    async def _keep_ready(self) -> None:
        """Replace the apps that ended; make new ones while there are fewer than ``count``,
        :data:`READY_AT_ONCE` drawing at a time, the room quiet."""
        while not self._stopped:
            now = time.monotonic()
            for app in [app for app in self._apps if app.ended or app.overflowed]:
                self._apps.remove(app)
                await app.stop()
            drawing = sum(1 for app in self._apps if not self._drawn(app, now))
            if len(self._apps) < self.count and drawing < READY_AT_ONCE and self._quiet(now):
                app = self.make()
                self._apps.append(app)
                self.made += 1
                try:
                    await app.start(*self.size)
                except Exception as error:  # no process (no memory?): tried again later
                    log.error("A ready app did not start: %s", error)
                    with contextlib.suppress(ValueError):
                        self._apps.remove(app)
                    await app.stop()
                    await asyncio.sleep(READY_QUIET)
                continue  # the next one at once, if the room still allows it
            await asyncio.sleep(READY_TICK)

    async def stop(self) -> None:
        """Stop making apps and end every app still waiting."""
        self._stopped = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        apps, self._apps = self._apps, []
        await asyncio.gather(*(app.stop() for app in apps), return_exceptions=True)
