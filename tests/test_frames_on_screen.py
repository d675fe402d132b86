"""What a terminal shows, frame after frame, is what the explorer would draw afresh: the screens
draw partial frames of only what changed (``tui.app.frames``), and no key, focus change,
resize or run may leave a stale cell behind.

Every update the app writes is applied to a virtual terminal (cells of text and style, as the
escape codes would set them), and after each step, once the app is idle, the terminal is held
against a full render of the screen."""

from __future__ import annotations

import random

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.segment import ControlType, Segment
from textual.app import App
from textual.strip import Strip
from textual.widgets import Input

from tui.app.app import ExplorerApp
from tui.app.pilot_helpers import wait_for_run
from tui.app.widgets.playback import PlaybackBar

Cell = tuple[str, str]


class Terminal:
    """Cells as a terminal would hold them after the app's updates."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.rows: list[list[Cell]] = [[(" ", "")] * width for _ in range(height)]

    def apply(self, segments: list[Segment]) -> None:
        x = y = 0
        for segment in segments:
            if segment.control:
                for code in segment.control:
                    if code[0] == ControlType.CURSOR_MOVE_TO:
                        x, y = int(code[1]), int(code[2])  # type: ignore[misc]
                continue
            if segment.text == "\n":
                x, y = 0, y + 1
                continue
            style = "" if segment.style is None else str(segment.style.clear_meta_and_links())
            for char in segment.text:
                width = cell_len(char)
                for offset in range(width):  # a wide character holds its second cell too
                    if 0 <= y < self.height and 0 <= x + offset < self.width:
                        self.rows[y][x + offset] = (char if offset == 0 else "", style)
                x += width


def cells(strips: list[Strip], width: int) -> list[list[Cell]]:
    """The cells of a full render's lines."""
    terminal = Terminal(width, len(strips))
    for y, strip in enumerate(strips):
        terminal.apply([Segment("", None, [(ControlType.CURSOR_MOVE_TO, 0, y)]), *strip])
    return terminal.rows


def watch(app: App[object], terminal: list[Terminal]) -> None:
    """Apply every update the app displays to ``terminal[0]`` (a new one at each resize)."""
    display = app._display
    console = Console(width=500, color_system="truecolor", force_terminal=True)

    def shown(screen, renderable) -> None:  # type: ignore[no-untyped-def]
        if renderable is not None and not app._batch_count and screen is app.screen:
            width, height = app.size
            if (terminal[0].width, terminal[0].height) != (width, height):
                terminal[0] = Terminal(width, height)
            segments = list(renderable.__rich_console__(console, console.options))
            terminal[0].apply(segments)
        display(screen, renderable)

    app._display = shown  # type: ignore[method-assign]


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait until the app has drawn everything asked for (the comparison that follows runs
    before any more of the app's code can)."""
    for _ in range(100):
        await pilot.pause()
        if quiet(pilot.app):
            return
    raise AssertionError("the screen kept asking for frames")


def quiet(app: App[object]) -> bool:
    """Whether nothing is waiting to change the screen: no message in any queue, no widget
    with a refresh, restyle or layout asked for, the screen with nothing left to draw."""
    screen = app.screen
    if screen._dirty_widgets:
        return False
    for node in (app, *screen.walk_children(with_self=True)):
        if not node._message_queue.empty():
            return False
        asked = ("_repaint_required", "_layout_required", "_recompose_required")
        if any(getattr(node, flag, False) for flag in (*asked, "_refresh_styles_required")):
            return False
    return True


async def hold_still(pilot) -> None:  # type: ignore[no-untyped-def]
    """Stop what changes the screen by itself, between two looks: the fields' blinking
    cursors, and a playback left running (once it has drawn a few steps: it is compared
    paused)."""
    app = pilot.app
    for field in app.screen.query(Input):
        field.cursor_blink = False
    bar = app.screen.query_one(PlaybackBar)
    if bar.playing:
        await pilot.pause(0.3)
        bar.toggle()


def differences(app: App[object], terminal: Terminal) -> list[str]:
    full = cells(app.screen._compositor.render_strips(), terminal.width)
    found = []
    for y, (shown, drawn) in enumerate(zip(terminal.rows, full, strict=False)):
        for x, (seen, want) in enumerate(zip(shown, drawn, strict=False)):
            if seen != want:
                found.append(f"({x}, {y}): shown {seen!r}, drawn {want!r}")
    return found


STEPS = [
    ("press", "f"),
    ("press", "up"),
    ("press", "up"),
    ("press", "down"),
    ("press", "escape"),
    ("press", "t"),
    ("press", "c"),
    ("press", "tab"),
    ("press", "tab"),
    ("press", "shift+tab"),
    ("press", "v"),
    ("press", "p"),
    ("press", "space"),
    ("press", "right"),
    ("press", "space"),
    ("resize", (100, 30)),
    ("press", "f"),
    ("press", "up"),
    ("resize", (80, 24)),
    ("press", "escape"),
    ("press", "4"),
    ("press", "t"),
    ("resize", (120, 40)),
    ("press", "1"),
]


@pytest.mark.parametrize("seed", [None, 4, 7])
async def test_the_terminal_shows_what_a_full_render_draws(seed: int | None) -> None:
    """The scripted steps (fields, nudges, focus to table and chart and back, views, a pin,
    playback, resizes, presets), or as many drawn at random from them."""
    steps = STEPS if seed is None else random.Random(seed).choices(STEPS, k=30)
    app = ExplorerApp(language="en", show_timings=False)
    terminal = [Terminal(120, 40)]
    watch(app, terminal)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await hold_still(pilot)
        await settle(pilot)
        assert not differences(app, terminal[0])
        for index, (kind, what) in enumerate(steps):
            if kind == "press":
                await pilot.press(str(what))
            else:
                await pilot.resize_terminal(*what)  # type: ignore[misc]
            await hold_still(pilot)
            await pilot.pause()
            await settle(pilot)
            found = differences(app, terminal[0])
            assert not found, (index, kind, what, found[:5], len(found))
