"""The explorer in Chinese and English: the lesson's sentences in the log, a switch at runtime that
keeps everything on screen, the choice kept, and no English left on the Chinese screen."""

from __future__ import annotations

import json
import re

import pytest
from export_drive import export_into
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Checkbox, Footer, Input, Label, Static
from textual_plotext import PlotextPlot

from tui import i18n, settings
from tui.app.app import ExplorerApp
from tui.app.pilot_helpers import wait_for_run, wait_until
from tui.app.widgets.chart import DescentChart
from tui.app.widgets.log_table import LogTable
from tui.app.widgets.playback import PLAYBACK_KEYS, PlaybackBar
from tui.engine.losses import CONSTANTS, FUNCTIONS
from tui.engine.schedule_formulas import KERAS_CLASSES
from tui.engine.spec import OPTIMIZERS, SCHEDULE_KINDS
from tui.i18n import catalogue
from tui.model.params import PRESETS
from tui.model.views import VIEWS

SIZE = (120, 40)


def zh(key: str, **args: object) -> str:
    """A Chinese catalogue text (the tests never write the translations out themselves)."""
    text = catalogue("zh")[key]
    return text.format(**args) if args else text


#: Fields that hold the user's data, not words of ours: a folder, a file, a session line, and
#: the names the export makes of the name typed.
DATA_FIELDS = {"export-folder", "export-name", "export-files", "session-path", "session-line"}


def screen_text(app: ExplorerApp) -> str:
    """The text of every widget on screen, borders and their titles included, but not the
    plots' canvases (their words are kept to one cell a character: see ``plot.*`` keys) nor
    the fields of :data:`DATA_FIELDS`."""
    lines = []
    for widget in app.screen.query("*"):
        if widget.id in DATA_FIELDS or isinstance(widget, PlotextPlot):
            continue
        if widget.display and widget.outer_size.area:
            strips = widget.render_lines(Region(0, 0, *widget.outer_size))
            lines += [strip.text for strip in strips]
    return "\n".join(lines)


@pytest.mark.parametrize("preset", [1, 2, 3])
async def test_the_chinese_log_prints_the_lessons_own_lines(
    preset: int, seed_lines_expected: list[list[str]]
) -> None:
    app = ExplorerApp(PRESETS[preset], show_timings=False, language="zh")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_run(pilot)
        log = app.query_one(LogTable)
        rows = [log.row_text(i) for i in range(log.rows)]
        assert rows == seed_lines_expected[preset - 1]
        assert log.header() == zh("log.sentences")
        # The table scrolls as far as its widest sentence, in cells (a Chinese character is
        # two), and not much farther (its width is found from the columns' widest numbers).
        widest = max(sum(2 if ord(c) > 0x2E80 else 1 for c in row) for row in rows)
        assert widest + 1 <= log.virtual_size.width <= widest + 4


async def test_the_english_log_keeps_its_columns() -> None:
    app = ExplorerApp(PRESETS[3], show_timings=False, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_run(pilot)
        log = app.query_one(LogTable)
        assert log.header().split() == ["step", "w", "loss", "lr"]
        assert log.row_text(0).split() == ["1", "2.600000", "36.000000", "0.200000"]


def on_screen(app: ExplorerApp) -> tuple[object, ...]:
    """What a language switch must keep: view, log scale, playback step, pins, the lr field."""
    chart = app.query_one(DescentChart)
    pins = [pin.spec for pin in app.pins]
    lr = app.query_one("#lr", Input).value
    return (chart.view, chart.log_loss, app.query_one(PlaybackBar).shown, pins, lr)


async def test_switching_language_keeps_everything_on_screen(
    seed_lines_expected: list[list[str]],
) -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "p", "3")
        await wait_for_run(pilot)
        await pilot.press("v", "v", "l", "comma", "comma")
        await pilot.pause()
        before = on_screen(app)
        assert before[0] == VIEWS[2] and before[2] == 18
        rows_en = app.query_one(LogTable).row_text(0)

        await pilot.press("ctrl+l")
        await pilot.pause()
        assert i18n.language() == "zh"
        after = on_screen(app)
        assert after == before
        # Everything was shown again at once, without waiting for a run.
        assert app.query_one(LogTable).row_text(0) == seed_lines_expected[2][0]
        assert rows_en != app.query_one(LogTable).row_text(0)
        assert app.query_one("#lr", Input).border_title == zh("field.lr")
        state = str(app.query_one("#playback-state", Label).render())
        where = zh("playback.at", step=18, total=20)
        speed = zh("playback.speed", count=5)
        paused = zh("playback.paused", where=where, speed=speed, **dict.fromkeys(PLAYBACK_KEYS, ""))
        assert state.startswith(paused.split("   ")[0])
        footer = app.query_one(Footer)
        words = {str(key.description) for key in footer.query("FooterKey")}  # type: ignore[attr-defined]
        assert zh("key.play") in words and zh("key.pin") in words and "play" not in words
        kept = json.loads((settings.settings_path()).read_text())
        assert kept["language"] == "zh"

        await pilot.press("ctrl+l")
        await pilot.pause()
        assert i18n.language() == "en"
        assert app.query_one("#lr", Input).border_title == catalogue("en")["field.lr"]
        assert app.query_one(LogTable).row_text(0) == rows_en
        assert json.loads(settings.settings_path().read_text())["language"] == "en"


async def test_switching_language_keeps_a_field_being_typed() -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_run(pilot)
        field = app.query_one("#lr", Input)
        field.focus()
        field.value = "0.5x"
        await pilot.pause()
        english_error = str(app.query_one("#field-error", Static).render())
        assert english_error
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert app.query_one("#lr", Input).value == "0.5x"
        assert app.focused is app.query_one("#lr", Input)
        chinese_error = str(app.query_one("#field-error", Static).render())
        assert chinese_error and chinese_error != english_error
        assert app.params is not None and app.params.spec.lr == 0.01  # the last good run


async def test_the_palette_offers_the_switch_in_the_other_language() -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False, language="zh")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_run(pilot)
        from tui.app.commands import ExplorerCommands

        provider = ExplorerCommands(app.screen)
        titles = [title for title, _, _ in provider._commands()]
        assert zh("key.language.tip") in titles and zh("key.play.tip") in titles


#: ASCII words the Chinese screen may show, each for a reason (an explicit list: nothing is
#: taken from the Chinese catalogue itself, so an entry left in English is caught).
ALLOWED = {
    # names the user types or picks: options, fields, schedules, optimizers, views
    *SCHEDULE_KINDS,
    *OPTIMIZERS,
    *VIEWS,
    *("lr", "w", "w0", "loss", "epochs", "beta", "rate", "power", "cycle", "alpha"),
    *("decay", "staircase", "t_mul", "m_mul", "rho", "beta_1", "tol"),
    # symbols of the formulas and the theory
    *("q", "L", "T", "s", "e", "step", "floor", "nan", "inf", "log", "float32"),
    # code and product names
    *("tf", "keras", "XLA", "TensorFlow", "eager", "lr-explorer", "English"),
    # file formats, and the names of the files an export writes (NAME-pin2.csv...)
    *("CSV", "JSON", "SVG", "txt", "NAME", "NAME-pin2"),
    # key names, as the keyboard and the footer show them
    *("space", "ctrl", "shift", "tab", "esc", "escape", "enter", "delete", "up", "down"),
    *("left", "right", "pageup", "pagedown", "home", "end"),
    *("pgup", "pgdn", "del", "f1"),  # and as Textual shows them (the help reads the keys bound)
}

#: A word: Latin letters, digits and ``_`` (``float32``, ``beta_1``), hyphenated parts kept
#: together (``lr-explorer``, ``inverse-time``), and an ellipsis that cuts it short; not the
#: exponent of a number (``1e-06``).
WORD = re.compile(r"(?<![A-Za-z0-9_])([A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*)(\u2026?)")


def english_words(text: str) -> set[str]:
    """Words of two or more characters that are not allowed on the Chinese screen."""
    allowed = {word.lower() for word in ALLOWED}
    for code in re.findall(r"`([^`]*)`", i18n._page("zh", "help.md")):  # code in the help
        allowed |= {word.lower() for word, _ in WORD.findall(code)}
    for name in (*FUNCTIONS, *KERAS_CLASSES.values(), *CONSTANTS):
        allowed.add(name.lower())
    leaked = set()
    for word, cut in WORD.findall(text):
        low = word.lower()
        if len(word) < 2 or low in allowed:
            continue
        # A name cut at the edge of a column (``ctr…``), or of the help page, is still that name.
        if (cut or len(word) >= 8) and any(a.startswith(low) for a in allowed):
            continue
        leaked.add(word)
    return leaked


async def test_the_chinese_screen_shows_no_english(tmp_path) -> None:
    leaks: dict[str, list[str]] = {}

    async def check(pilot: Pilot, what: str) -> None:
        await pilot.pause()
        leaked = english_words(screen_text(pilot.app))  # type: ignore[arg-type]
        if leaked:
            leaks[what] = sorted(leaked)

    app = ExplorerApp(PRESETS[3], show_timings=True, language="zh")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_run(pilot)
        await check(pilot, "explorer")
        app.query_one("#staircase", Checkbox).value = True  # the pin's table row names these
        app.query_one("#warmup", Input).value = "2"
        await pilot.pause()
        await wait_for_run(pilot)
        await pilot.press("escape", "p", "2")
        await wait_for_run(pilot)
        await check(pilot, "pins")
        await pilot.press("comma")
        await check(pilot, "playback")
        await pilot.press("question_mark")
        await check(pilot, "help")
        await pilot.press("escape", "e")
        await check(pilot, "export")
        await pilot.press("escape", "ctrl+s")
        await check(pilot, "session")
        await pilot.press("escape", "s")
        await wait_until(pilot, lambda: getattr(app.screen, "sweep", None) is not None)
        await check(pilot, "sweep")
    assert not leaks, repr(leaks)


async def test_the_english_screen_shows_the_english_catalogue() -> None:
    """The same check would pass on an all-English screen only if it looked at nothing."""
    app = ExplorerApp(PRESETS[3], show_timings=True, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_run(pilot)
        await pilot.pause()
        leaked = english_words(screen_text(app))
        assert {"theory", "converged", "learning", "tolerance"} <= leaked


async def test_the_chinese_text_export_is_the_lessons_own_lines(
    tmp_path, seed_lines_expected: list[list[str]]
) -> None:
    app = ExplorerApp(PRESETS[3], show_timings=False, language="zh")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "p", "1")
        await wait_for_run(pilot)
        message = await export_into(pilot, tmp_path)
        wrote = zh("export.wrote", count=7, folder=tmp_path, names="")
        assert str(message.content).startswith(wrote[:6])
        current = (tmp_path / "lr-run.txt").read_text(encoding="utf-8").splitlines()
        pinned = (tmp_path / "lr-run-pin1.txt").read_text(encoding="utf-8").splitlines()
        assert current == seed_lines_expected[0]  # lr 0.01, as the lesson printed it
        assert pinned == seed_lines_expected[2]  # the pinned decay, with its rates
