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
from textual.app import App
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.timer import Timer

import tui.app
from tui.app.frames import BURST, FrameBudget, FramePacer, PacedFrames, PartialCompositor

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


def test_the_budget_draws_a_burst_at_once_then_one_frame_a_period() -> None:
    budget = FrameBudget(PERIOD)
    for _ in range(BURST):  # frames asked for one after another: drawn at once
        assert budget.wait(5.0) == 0.0
        budget.spend(5.0)
    # After the burst the next waits one period, not more (a visitor who typed four keys in a
    # moment sees the results a period later at most).
    assert budget.wait(5.0) == pytest.approx(PERIOD)
    assert budget.wait(5.0 + PERIOD / 4) == pytest.approx(PERIOD * 3 / 4)
    budget.spend(5.0 + PERIOD)
    assert budget.wait(5.0 + PERIOD) == pytest.approx(PERIOD)
    # A quiet spell fills it again, to BURST and no more.
    assert budget.wait(100.0) == 0.0
    for _ in range(BURST):
        budget.spend(100.0)
    assert budget.wait(100.0) > 0


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
    """Asked for all the time (a run's progress), it keeps drawing, at the frame rate past its
    first burst."""
    pacer, drawn, _owner = frames(FramePacer, pause_each=False)
    pacer.resume()
    await clock.advance(40.0)
    pacer.stop()
    assert len(drawn) >= 40
    for start, first in enumerate(drawn):  # no window of T holds more than BURST + T/period
        for end in range(start + BURST + 1, len(drawn)):
            assert end - start + 1 <= BURST + (drawn[end] - first) / PERIOD + 1e-9
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


class Form(PacedFrames, Screen[None]):
    """Explorer-like: a scrolling form of fields beside a pane, a status line, a footer."""

    def compose(self):  # type: ignore[no-untyped-def]
        from textual.containers import Horizontal, Vertical, VerticalScroll
        from textual.widgets import Footer, Input, Label, Static

        with Horizontal():
            with VerticalScroll(id="form"):
                for index in range(12):
                    yield Input(f"field {index}", id=f"f{index}")
            with Vertical(id="right"):
                yield Static("\n".join(f"chart row {i} " * 4 for i in range(14)), id="chart")
                yield Label("log", id="log")
        yield Label("status", id="status")
        yield Footer()


class FormApp(App[None]):
    """An app showing :class:`Form`."""

    def on_mount(self) -> None:
        self.push_screen(Form())


def partial_update(compositor: PartialCompositor, regions: list[Region], ours: bool) -> str:
    """The text a partial update of ``regions`` writes to the terminal, drawn our way or
    Textual's (the same compositor, the same widgets and lines)."""
    from rich.console import Console
    from textual._compositor import ChopsUpdate

    spans = list(compositor._regions_to_spans(regions))
    rendered = {y for y, _, _ in spans}.__contains__
    crop = Region.from_union(regions).intersection(compositor.size.region)
    compositor._changing = regions if ours else None
    try:
        chops = compositor._render_chops(crop, rendered)
    finally:
        compositor._changing = None
    update = ChopsUpdate(chops, spans, [cuts[1:] for cuts in compositor.cuts])
    return update.render_segments(Console(width=compositor.size.width, color_system="truecolor"))


async def test_partial_frames_write_what_textual_writes() -> None:
    """For random sets of changed regions (a field, the pane, the status line, odd pieces,
    the whole screen), the partial update writes the same text as Textual's own, and asks
    fewer widgets for their lines when a small part changes."""
    import random

    from textual.widget import Widget

    app = FormApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        compositor = screen._compositor
        assert isinstance(compositor, PartialCompositor)
        widgets = [screen.query_one(f"#{name}") for name in ("f3", "chart", "log", "status")]
        named = [widget.region for widget in widgets]
        rng = random.Random(7)
        for _ in range(60):
            regions = rng.sample(named, rng.randint(1, len(named)))
            for _ in range(rng.randint(0, 2)):
                x, y = rng.randrange(100), rng.randrange(30)
                regions.append(Region(x, y, rng.randint(1, 100 - x), rng.randint(1, 30 - y)))
            assert partial_update(compositor, regions, True) == partial_update(
                compositor, regions, False
            ), regions
        whole = [compositor.size.region]
        assert partial_update(compositor, whole, True) == partial_update(compositor, whole, False)

        asked: list[Widget] = []
        render_lines = Widget.render_lines

        def counted(self: Widget, crop: Region) -> list[Strip]:
            asked.append(self)
            return render_lines(self, crop)

        Widget.render_lines = counted  # type: ignore[method-assign]
        try:
            echo = [screen.query_one("#f3").region]
            partial_update(compositor, echo, False)
            textual_asks, asked[:] = len(asked), []
            partial_update(compositor, echo, True)
        finally:
            Widget.render_lines = render_lines  # type: ignore[method-assign]
        assert screen.query_one("#status") not in asked
        assert screen.query_one("#f9") not in asked
        assert len(asked) < textual_asks


async def test_a_move_of_the_focus_redraws_what_follows_the_focus_not_the_whole_screen() -> None:
    """Textual 8.2.8 repaints the whole screen when the focus moves; a paced screen redraws the
    widgets whose look follows the focus (the field left, the field entered, the footer), by
    partial frames. (tests/test_frames_on_screen.py holds what the terminal then shows against
    a full render.)"""
    from textual.widgets import Input

    app = FormApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        compositor = screen._compositor
        full, partial = [], []
        render_full, render_partial = (
            compositor.render_full_update,
            compositor.render_partial_update,
        )

        def counted_full(*args, **kwargs):  # type: ignore[no-untyped-def]
            full.append(1)
            return render_full(*args, **kwargs)

        def counted_partial():  # type: ignore[no-untyped-def]
            partial.append(1)
            return render_partial()

        compositor.render_full_update = counted_full  # type: ignore[method-assign]
        compositor.render_partial_update = counted_partial  # type: ignore[method-assign]
        for name in ("f2", "f5", "f1"):
            screen.query_one(f"#{name}", Input).focus()
            await pilot.pause(0.1)
        assert screen.focused is screen.query_one("#f1")
        assert not full and partial
