"""The screens' frame timer: a frame asked for after a quiet spell is drawn at once, and the frame
rate still holds on average (``tui.app.frames``).

The timers run on a virtual clock (Textual's ``_time.get_time`` and ``sleep`` replaced), so what
is asserted is the timers' arithmetic, never this machine's speed."""

from __future__ import annotations

import asyncio
import heapq
import importlib
import inspect
import itertools
import pkgutil
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from textual import _time, timer
from textual._context import active_app
from textual.screen import Screen
from textual.timer import Timer

import tui.app
from tui.app.frames import BURST, FramePacer, PacedFrames, wait_before_frame

PERIOD = 1.0


class Clock:
    """Virtual time: ``sleep`` waits until :meth:`advance` passes its wake-up time."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), future))
        await future

    async def settle(self) -> None:
        for _ in range(20):
            await asyncio.sleep(0)

    async def advance(self, to: float) -> None:
        """Move the clock to ``to``, waking each sleeper at its own time."""
        await self.settle()
        while self._sleepers and self._sleepers[0][0] <= to:
            when, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, when)
            future.set_result(None)
            await self.settle()
        self.now = to
        await self.settle()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    virtual = Clock()
    monkeypatch.setattr(_time, "get_time", virtual.time)
    monkeypatch.setattr(_time, "sleep", virtual.sleep)
    monkeypatch.setattr(timer, "sleep", virtual.sleep)  # Textual's Timer imports it by name
    token = active_app.set(SimpleNamespace(_exit=False, features=frozenset()))  # type: ignore[arg-type]
    yield virtual
    active_app.reset(token)


class Target:
    """A timer's owner (a screen, in the app)."""


def frames(kind: type[Timer], pause_each: bool = True) -> tuple[Timer, list[float], Target]:
    """A paused update timer of ``kind`` whose callback, like a screen's, records the frame's
    time and pauses the timer until something asks for the next one."""
    drawn: list[float] = []
    owner = Target()
    made: list[Timer] = []

    def frame() -> None:
        drawn.append(_time.get_time())
        if pause_each:
            made[0].pause()

    made.append(kind(owner, PERIOD, callback=frame, pause=True))
    made[0]._start()
    return made[0], drawn, owner


def test_wait_before_frame() -> None:
    assert wait_before_frame([], 5.0, PERIOD) == 0.0
    assert wait_before_frame([4.9] * (BURST - 1), 5.0, PERIOD) == 0.0  # under the burst: at once
    recent = [5.0 - 0.1 * i for i in range(BURST)][::-1]  # BURST frames in the last moments
    assert wait_before_frame(recent, 5.0, PERIOD) == pytest.approx(recent[0] + BURST * PERIOD - 5)
    old = [1.0 + 0.1 * i for i in range(BURST)]
    assert wait_before_frame(old, 100.0, PERIOD) == 0.0


async def test_textual_timer_draws_the_frame_after_a_pause_late(clock: Clock) -> None:
    """The fault worked around: after a frame drawn late (resumed after a quiet spell),
    Textual's own timer waits more than a period for the next one, however early it is asked
    for. If a Textual release fixes this, ``FramePacer`` is no longer needed."""
    plain, drawn, _owner = frames(Timer)
    plain.resume()
    await clock.advance(2.0)
    assert drawn == [1.0]  # its first frame comes a period after it starts
    await clock.advance(10.5)
    plain.resume()  # a key after a quiet spell: drawn at once
    await clock.advance(10.5)
    assert drawn[-1] == 10.5
    await clock.advance(10.6)
    plain.resume()  # its results, a tenth of a period later
    await clock.advance(20.0)
    assert drawn[-1] - 10.6 > PERIOD
    plain.stop()


async def test_pacer_draws_a_frame_once_asked(clock: Clock) -> None:
    """The same requests: each frame is drawn when it is asked for."""
    pacer, drawn, _owner = frames(FramePacer)
    pacer.resume()
    await clock.advance(0.0)
    assert drawn == [0.0]
    for when in (10.5, 10.6, 10.7):
        await clock.advance(when)
        pacer.resume()
        await clock.advance(when)
    assert drawn == [0.0, 10.5, 10.6, 10.7]
    pacer.stop()


async def test_pacer_keeps_the_frame_rate(clock: Clock) -> None:
    """Asked for all the time (a run's progress), it draws no more than ``BURST`` frames in
    any ``BURST`` periods, and keeps drawing."""
    pacer, drawn, _owner = frames(FramePacer, pause_each=False)
    pacer.resume()
    await clock.advance(40.0)
    pacer.stop()
    assert len(drawn) >= 40
    for first, last in zip(drawn, drawn[BURST:], strict=False):
        assert last - first >= BURST * PERIOD
    assert len(drawn) <= 40 / PERIOD + BURST + 1


def screens() -> list[type[Screen[object]]]:
    """Every screen class the app defines."""
    found = []
    for info in pkgutil.walk_packages(tui.app.__path__, "tui.app."):
        module = importlib.import_module(info.name)
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Screen) and value.__module__ == module.__name__:
                found.append(value)
    return found


def test_every_screen_of_ours_is_paced() -> None:
    """Each of the app's screens draws with the pacer (the explorer, the range test, help,
    export, session, the palette; a new one too)."""
    ours = screens()
    assert len(ours) >= 5
    for cls in ours:
        assert issubclass(cls, PacedFrames), cls
        assert inspect.getattr_static(cls, "_update_timer") is inspect.getattr_static(
            PacedFrames, "_update_timer"
        )
        # Its styles and component classes still come down from its own Textual screen class
        # (ModalScreen's, CommandPalette's), which Textual finds through its first DOMNode base.
        textual_base = next(b for b in cls.__mro__ if b.__module__.startswith("textual."))
        assert textual_base in cls._css_bases(cls), cls


async def test_a_paced_screen_draws_with_the_pacer() -> None:
    """In an app, the screen's frames come from the pacer, and Textual's own timer is never
    made."""
    from textual.app import App
    from textual.widgets import Label

    class Shown(PacedFrames, Screen[None]):
        def compose(self):  # type: ignore[no-untyped-def]
            yield Label("before", id="label")

    class One(App[None]):
        def on_mount(self) -> None:
            self.push_screen(Shown())

    app = One()
    async with app.run_test() as pilot:
        await pilot.pause()
        screen = app.screen
        pacer = screen._update_timer
        assert isinstance(pacer, FramePacer)
        drawn = []
        callback = pacer._callback
        pacer._callback = lambda: (drawn.append(1), callback())  # type: ignore[misc]
        screen.query_one("#label", Label).update("after")
        await pilot.pause(0.2)
        assert drawn
        assert not screen._dirty_widgets
        assert screen._Screen__update_timer is None  # type: ignore[attr-defined]
