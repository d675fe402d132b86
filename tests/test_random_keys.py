"""Seeded random keys, text, pastes and resizes over every screen: nothing reaches Textual's
crash handler, and the explorer still runs the lesson afterwards.

Each case replays the same stream for its seed, so a failure names the seed and the last
events before it (``bench/bench_random_keys.py`` is the longer version, in a real terminal).
Quitting keys (``ctrl+q``, ``ctrl+c``) are the only ones left out.
"""

from __future__ import annotations

import base64
import random
import zlib
from collections import deque

import pytest
from app_helpers import seed_row_values, table_lines, wait_for_run, wait_until
from textual import events
from textual.keys import _character_to_key, key_to_character
from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, Input, Select

from tui import i18n
from tui.app import ExplorerApp
from tui.model.session import LINE_PREFIX, to_line

#: Keys one at a time: every kind a keyboard sends, bar the quitting ones.
NAMED_KEYS = [
    "tab", "shift+tab", "escape", "enter", "space", "backspace", "delete",
    "up", "down", "left", "right", "shift+left", "shift+right", "home", "end",
    "pageup", "pagedown", "ctrl+a", "ctrl+e", "ctrl+k", "ctrl+u", "ctrl+w", "ctrl+x",
    "ctrl+v", "ctrl+z", "ctrl+y", "ctrl+left", "ctrl+right", "ctrl+home", "ctrl+end",
    "f1", "f2", "f5", "f10", "insert",
]  # fmt: skip
PRINTABLE = list("0123456789.-+eE=_,;:/*()^[]<>?!'\"@#$%&|~`{} abcdlmpstvxwfqXDSPL")
UNICODE = list("é中文ω√∞😀\u00a0−")
#: Keys that open the explorer's screens and modes from its main screen.
SCREEN_KEYS = ["question_mark", "s", "e", "ctrl+s", "ctrl+p", "d", "space", "v", "l", "p"]

#: Keys the command palette acts on, and letters that filter its commands.
PALETTE_KEYS = ["down", "up", "pagedown", "pageup", "enter", "enter", "escape", "d", "e", "l"]

#: A line of 100,000 nested brackets, compressed as a session line is.
NESTED = LINE_PREFIX + base64.urlsafe_b64encode(zlib.compress(b"[" * 100_000, 9)).decode()


def _text(rng: random.Random) -> str:
    """Something a user might type into a field: numbers, runs of digits, words, junk."""
    kind = rng.randrange(7)
    if kind == 0:
        return f"{rng.uniform(-3, 3):.{rng.randrange(1, 8)}g}"
    if kind == 1:
        return "1" * rng.randrange(15, 40) + rng.choice("a.e-x")
    if kind == 2:
        return rng.choice(["(w - 2)**4", "w + 1", "sin(w)", "w**2", "exp(w)", "1/w", "w*"])
    if kind == 3:
        return "".join(rng.choice(PRINTABLE) for _ in range(rng.randrange(1, 12)))
    if kind == 4:
        return "".join(rng.choice(UNICODE) for _ in range(rng.randrange(1, 6)))
    if kind == 5:
        return rng.choice(["1e308", "-1e-320", "nan", "inf", "0", "-0", "1e6", "999999999"])
    return "9" * rng.randrange(40, 60)


def _paste(rng: random.Random, app: ExplorerApp) -> str:
    """A session line: the one on screen, damaged, cut, without its prefix, huge, or junk."""
    session = app.current_session()
    line = to_line(session) if session is not None else LINE_PREFIX
    kind = rng.randrange(7)
    if kind == 0:
        return line
    if kind == 1:
        chars = list(line)
        for _ in range(rng.randrange(1, 6)):
            chars[rng.randrange(len(LINE_PREFIX), len(chars))] = rng.choice("A_-z9=")
        return "".join(chars)
    if kind == 2:
        return line[: rng.randrange(1, len(line))]
    if kind == 3:
        return line[len(LINE_PREFIX) :]
    if kind == 4:
        return LINE_PREFIX + "A" * rng.randrange(10_000, 300_000)
    if kind == 5:
        return NESTED
    return "".join(rng.choice(PRINTABLE + UNICODE + ["\n", "\t"]) for _ in range(200))


def _focusable(app: ExplorerApp) -> list:
    """The fields and controls of the screen on top, to type into each of them."""
    return [
        w
        for w in app.screen.query("Input, Select, Checkbox, Button")
        if isinstance(w, (Input, Select, Checkbox, Button)) and w.focusable
    ]


async def _drive(pilot: Pilot, rng: random.Random, count: int, recent: deque[str]) -> None:
    """Random events until ``count`` keys, pastes and resizes are sent; stops at once if the
    app has crashed."""
    app: ExplorerApp = pilot.app  # type: ignore[assignment]
    sent = 0
    while sent < count:
        sent += 1
        roll = rng.random()
        if roll < 0.45:
            key = rng.choice(NAMED_KEYS + PRINTABLE + UNICODE)
            recent.append(f"key {key!r}")
            await pilot.press(key)
        elif roll < 0.55:
            # Out of any field, then to a screen or mode of the explorer.
            key = rng.choice(SCREEN_KEYS)
            recent.append(f"escape, escape, {key}")
            await pilot.press("escape", "escape", key)
            sent += 2
        elif roll < 0.68:
            widgets = _focusable(app)
            text = _text(rng)
            if widgets:
                widget = rng.choice(widgets)
                recent.append(f"focus #{widget.id}, type {text[:40]!r} ({len(text)} chars)")
                widget.focus()
            else:
                recent.append(f"type {text[:40]!r} ({len(text)} chars)")
            # Typed as a fast typist does, every key queued before the first is handled (and
            # quicker to test: Pilot's press waits for the app to be idle after each key).
            for char in text:
                app.post_message(events.Key(_character_to_key(char), char))
            await pilot.pause()
            sent += len(text) - 1
        elif roll < 0.78:
            size = (rng.randrange(20, 201), rng.randrange(8, 61))
            recent.append(f"resize {size}")
            await pilot.resize_terminal(*size)
            await pilot.pause()
        elif roll < 0.86:
            text = _paste(rng, app)
            recent.append(f"paste {text[:40]!r} ({len(text)} chars)")
            app.post_message(events.Paste(text))
            await pilot.pause()
        elif roll < 0.91:
            # The session screen, a line pasted into it and applied with enter.
            text = _paste(rng, app)
            recent.append(f"session screen, paste {text[:40]!r} ({len(text)} chars), enter")
            await pilot.press("escape", "escape", "ctrl+s")
            line = app.screen.query("#session-line")
            if line:
                field = line.first(Input)
                field.focus()
                field.value = ""
                app.post_message(events.Paste(text))
                await pilot.pause()
                await pilot.press("enter")
            sent += 4
        elif roll < 0.94:
            recent.append("ctrl+l")
            await pilot.press("ctrl+l")
        else:
            # A burst that arrives before any of it is handled, as from a fast typist.
            burst = [rng.choice(NAMED_KEYS + PRINTABLE + SCREEN_KEYS) for _ in range(8)]
            if rng.random() < 0.4:  # the palette, and keys that reach it before it is laid out
                burst = ["ctrl+p", *rng.choices(PALETTE_KEYS, k=7)]
            recent.append(f"burst {burst}")
            for key in burst:
                if len(key) == 1:  # a character: its key name, as a terminal's driver sends
                    app.post_message(events.Key(_character_to_key(key), key))
                else:
                    app.post_message(events.Key(key, key_to_character(key)))
            await pilot.pause()
            sent += len(burst) - 1
        if app._exception is not None or not app.is_running:
            return


async def _back_to_the_explorer(pilot: Pilot) -> None:
    """Close whatever is on top (a dialog, the palette, an open drop-down)."""
    app = pilot.app
    for _ in range(10):
        if len(app.screen_stack) == 1 and not app.screen.query("SelectOverlay:focus"):
            return
        await pilot.press("escape")
    raise AssertionError(f"escape does not lead back to the explorer: {app.screen_stack}")


@pytest.mark.long
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
async def test_random_keys_never_crash_the_explorer(
    seed: int, seed_lines_expected, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # export and session files land here, not in the checkout
    rng = random.Random(seed)
    recent: deque[str] = deque(maxlen=25)
    app = ExplorerApp(language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await _drive(pilot, rng, 500, recent)
        story = f"seed {seed}, the last events:\n" + "\n".join(recent)
        assert app._exception is None, story
        assert app.return_code is None and app.is_running, story
        # The explorer still answers: the first preset is the lesson's first table.
        await _back_to_the_explorer(pilot)
        if i18n.language() != "en":
            await app.switch_language("en")
        await pilot.resize_terminal(120, 40)
        app.action_play_end()
        app.action_focus_chart()
        await pilot.press("1")
        await wait_until(
            pilot,
            lambda: app.params is not None and app.params.spec.lr == 0.01,
            what="the preset",
        )
        await wait_for_run(pilot)
        rows = [tuple(line.split()[:3]) for line in table_lines(app)]
        assert rows == [seed_row_values(line) for line in seed_lines_expected[0]], story
    assert app._exception is None
