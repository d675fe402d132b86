"""Frames drawn as soon as they are due, and of only what changed.

**When.**
Textual (8.2.8) draws a screen from a repeating timer that it pauses after each frame and
resumes when something changes. After a pause its ``Timer._run`` skips ahead to the grid point
*after* the next one (textual#5464's fix for catching up), so the frame after an idle spell
comes one to two periods (17-33 ms at 60 fps) after the one before, even when the change was
ready long before. A key that shows its echo at once and its results a few milliseconds later
waits that long for the results. ``FramePacer`` keeps the rate on average (``FrameBudget``)
and draws a frame as soon as that allows.

**What.** For a frame that redraws part of the screen, Textual's compositor asks every widget
whose *clip* (its scrolling container's region, or the screen) meets the box around all the
changed regions for all its lines, and then keeps only the changed ones: one field's echo
draws every field of the form, the footer and the status line; new results draw the form too.
``PartialCompositor`` asks only the widgets whose visible part meets a changed region. Each
changed cell is still drawn by the frontmost widget over it, as before.
"""

from __future__ import annotations

from asyncio import Event
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from textual import _time
from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.reactive import Reactive
from textual.screen import UPDATE_PERIOD, Screen
from textual.strip import Strip
from textual.timer import EventTargetGone, Timer
from textual.widget import Widget

BURST = 4
"""Frames drawn as fast as they are asked for, at most, before the frame rate holds them back."""


class FrameBudget:
    """The frames a screen may draw now: up to ``BURST``, each period adding one (a token
    bucket). Frames asked for one after another (a key's echo, then its results) are drawn at
    once; a stream of them is drawn at the frame rate, no window of ``T`` seconds holding more
    than ``BURST + T / period``; after a burst the next frame waits at most one period."""

    def __init__(self, period: float) -> None:
        self.period = period
        self._frames = float(BURST)
        self._at: float | None = None

    def _now_left(self, now: float) -> float:
        if self._at is None:
            return self._frames
        return min(float(BURST), self._frames + (now - self._at) / self.period)

    def wait(self, now: float) -> float:
        """How long a frame asked for at ``now`` waits before it may be drawn."""
        left = self._now_left(now)
        return 0.0 if left >= 1 else (1 - left) * self.period

    def spend(self, now: float) -> None:
        """A frame is drawn at ``now``."""
        self._frames = max(0.0, self._now_left(now) - 1)
        self._at = now


class FramePacer(Timer):
    """A screen's update timer: frames drawn once asked for (``resume``), as their
    ``FrameBudget`` allows."""

    async def _run(self) -> None:
        # Textual's cached_property is typed so that mypy takes its value for a NoReturn.
        active = cast(Event, self._active)
        budget = FrameBudget(self._interval)
        count = 0
        while True:
            await active.wait()
            wait = budget.wait(_time.get_time())
            if wait:
                await _time.sleep(wait)
                await active.wait()
            self._reset = False  # nothing to start again: each wait follows the frames drawn
            now = _time.get_time()
            budget.spend(now)
            count += 1
            try:
                await self._tick(next_timer=now, count=count)
            except EventTargetGone:
                break


Rendered = tuple[Region, Region, list[Strip]]
"""A widget's region, its clip, and the lines it shows."""


class PartialCompositor(Compositor):
    """Textual's compositor, whose partial updates render only the widgets they change."""

    _changing: list[Region] | None = None

    def render_partial_update(self) -> ChopsUpdate | None:
        self._changing = list(self._dirty_regions)
        try:
            return super().render_partial_update()
        finally:
            self._changing = None

    def _get_renders(self, crop: Region | None = None) -> Iterable[Rendered]:
        changing = self._changing
        if not changing or crop is None:
            yield from super()._get_renders(crop)
            return
        # As Textual's own (front to back, the lines each widget shows), less the widgets that
        # show nothing where the frame changes.
        for widget, (region, clip) in self.visible_widgets.items():
            shown = region.intersection(clip)
            if not shown or not any(shown.overlaps(change) for change in changing):
                continue
            if clip.contains_region(region):
                lines = widget.render_lines(Region(0, 0, region.width, region.height))
            else:
                x, y, width, height = shown
                lines = widget.render_lines(Region(x - region.x, y - region.y, width, height))
            yield region, clip, lines


if TYPE_CHECKING:
    _Screen = Screen[Any]
else:
    # Not a DOMNode at run time: Textual follows a class's first DOMNode base for its styles
    # and component classes, which must stay the screen's own (ModalScreen, CommandPalette).
    _Screen = object


class PacedFrames(_Screen):
    """A screen whose frames ``FramePacer`` times and ``PartialCompositor`` draws: put it
    before the screen's own base."""

    _pacer: FramePacer | None = None

    # Textual 8.2.8 repaints the whole screen when the focus moves (its ``focused`` reactive
    # repaints by default), though the widgets whose look follows the focus restyle and redraw
    # themselves: a move of the focus drew every line of every widget.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._compositor = PartialCompositor()

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
