"""Frames drawn as soon as they are due: a screen's update timer that keeps Textual's frame rate
without its extra wait.

Textual (8.2.8) draws a screen from a repeating timer that it pauses after each frame and
resumes when something changes. After a pause its ``Timer._run`` skips ahead to the grid point
*after* the next one (textual#5464's fix for catching up), so the frame after an idle spell
comes one to two periods (17-33 ms at 60 fps) after the one before, even when the change was
ready long before. A key that shows its echo at once and its results a few milliseconds later
waits that long for the results. ``FramePacer`` keeps the rate on average and draws a frame
as soon as that allows.
"""

from __future__ import annotations

from asyncio import Event
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from textual import _time
from textual.screen import UPDATE_PERIOD, Screen
from textual.timer import EventTargetGone, Timer

BURST = 4
"""Frames drawn as fast as they are asked for before the pacing holds them back."""


def wait_before_frame(drawn: Sequence[float], now: float, period: float) -> float:
    """How long a frame asked for at ``now`` waits, ``drawn`` holding the times of the frames
    drawn last (oldest first): until ``BURST`` periods after the ``BURST``-th last frame, or
    not at all if that is past. So no window of ``BURST`` periods holds more than ``BURST``
    frames (the frame rate's limit, on average), yet a change right after another one (a key's
    results after its echo) is drawn at once."""
    if len(drawn) < BURST:
        return 0.0
    return max(0.0, drawn[-BURST] + BURST * period - now)


class FramePacer(Timer):
    """A screen's update timer: frames drawn once asked for (``resume``), as ``wait_before_frame``
    allows."""

    async def _run(self) -> None:
        # Textual's cached_property is typed so that mypy takes its value for a NoReturn.
        active = cast(Event, self._active)
        drawn: deque[float] = deque(maxlen=BURST)
        count = 0
        while True:
            await active.wait()
            wait = wait_before_frame(drawn, _time.get_time(), self._interval)
            if wait:
                await _time.sleep(wait)
                await active.wait()
            self._reset = False  # nothing to start again: each wait follows the frames drawn
            drawn.append(_time.get_time())
            count += 1
            try:
                await self._tick(next_timer=drawn[-1], count=count)
            except EventTargetGone:
                break


if TYPE_CHECKING:
    _Screen = Screen[Any]
else:
    # Not a DOMNode at run time: Textual follows a class's first DOMNode base for its styles
    # and component classes, which must stay the screen's own (ModalScreen, CommandPalette).
    _Screen = object


class PacedFrames(_Screen):
    """A screen whose frames ``FramePacer`` times: put it before the screen's own base."""

    _pacer: FramePacer | None = None

    @property
    def _update_timer(self) -> Timer:
        # Textual's own property makes a Timer by set_interval; this makes the pacer the same way.
        if self._pacer is None:
            pacer = FramePacer(
                self,
                UPDATE_PERIOD,
                name="screen_update",
                callback=self._on_timer_update,
                pause=True,
            )
            pacer._start()
            self._timers.add(pacer)
            self._pacer = pacer
        return self._pacer
