"""Visitor mode (``ExplorerApp(visitor=True)``, what ``serve`` runs for a browser visitor):
through every screen, nothing on the host is created, replaced or looked up. Exports and
session files reach the visitor's browser (Textual's deliveries) with the bytes the file
writers write; theme and language last for the visitor only. The same steps outside visitor
mode do write, so each test tells the two apart."""

from __future__ import annotations

import io
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest
from app_helpers import wait_for_run, wait_until
from textual.command import CommandList, CommandPalette
from textual.drivers import headless_driver
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Static

from tui import export, i18n, settings
from tui.app import ExplorerApp
from tui.app.screens.export import DEFAULT_NAME, ExportScreen
from tui.app.screens.session import DEFAULT_FILE, SessionScreen
from tui.model.params import PRESETS
from tui.model.session import Session, save, to_line

SIZE = (120, 40)

#: The pin key, as the host's settings rebind it.
PIN_KEY = "k"


@dataclass(frozen=True)
class Delivery:
    """A file the app handed to the browser."""

    name: str
    data: bytes
    mime_type: str | None


@pytest.fixture
def host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_config_dir: Path) -> list[Path]:
    """The host as a visitor could reach it: a home (with a downloads folder, where Textual
    saves deliveries outside a browser, and a file to lose), the working folder inside it, and
    the config folder with settings chosen by the host. Returns the folders to watch."""
    home = tmp_path / "home"
    (home / "Downloads").mkdir(parents=True)
    (home / "work").mkdir()
    (home / "victim.txt").write_text("the host's file\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DOWNLOAD_DIR", raising=False)
    monkeypatch.chdir(home / "work")
    settings.save(settings.Settings(theme="nord", keys={"pin": PIN_KEY}))
    return [home, own_config_dir]


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> list[Delivery]:
    """Apps run as in a browser: Pilot's driver says it is the web's, and keeps what Textual
    delivers (where textual-serve's driver streams it to the browser) instead of saving it.
    Returns the deliveries, in order."""
    delivered: list[Delivery] = []

    class BrowserDriver(headless_driver.HeadlessDriver):
        @property
        def is_web(self) -> bool:
            return True

        def deliver_binary(
            self, binary: IO[Any], *, save_path: Path, mime_type: str | None = None, **_: Any
        ) -> None:
            data = binary.read()
            binary.close()
            raw = data.encode("utf-8") if isinstance(data, str) else data
            delivered.append(Delivery(save_path.name, raw, mime_type))

    # App.run_test imports its driver from this module when it starts.
    monkeypatch.setattr(headless_driver, "HeadlessDriver", BrowserDriver)
    return delivered


def tree(folders: list[Path]) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (``None``) under ``folders``."""
    found: dict[str, bytes | None] = {}
    for top in folders:
        for where, dirs, files in os.walk(top):
            for name in dirs:
                found[os.path.join(where, name)] = None
            for name in files:
                found[os.path.join(where, name)] = Path(where, name).read_bytes()
    return found


def changed(before: dict[str, bytes | None], after: dict[str, bytes | None]) -> list[str]:
    """The paths created, removed or rewritten between two :func:`tree` walks."""
    return sorted(
        p for p in before.keys() | after.keys() if before.get(p, b"") != after.get(p, b"")
    )


def explorer_shown(app: object) -> bool:
    """Whether ``app`` shows its explorer, no dialog or palette over it."""
    return isinstance(app, ExplorerApp) and app.screen is app.explorer


async def open_palette_command(pilot: Pilot, words: str, opened: bool = False) -> None:
    """Choose the command ``words`` from the palette (opened with its key unless ``opened``),
    as a user types it."""
    app = pilot.app
    if not opened:
        await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: CommandPalette.is_open(app), what="the palette")
    await pilot.press(*words)
    palette_list = lambda: app.screen.query_one(CommandList)  # noqa: E731
    await wait_until(pilot, lambda: palette_list().option_count >= 1, what=words)
    await pilot.press("down", "enter")


async def export_everything(pilot: Pilot) -> tuple[ExportScreen, Static]:
    """Open the export screen (every format and the screenshot ticked) and press Export."""
    app = pilot.app
    await wait_until(pilot, lambda: explorer_shown(app), 10, "the explorer")
    await pilot.press("escape", "e")  # (escape: out of a field, where e is a letter)
    await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen), 10, "the export screen")
    screen = app.screen
    assert isinstance(screen, ExportScreen)
    assert all(box.value for box in screen.query(Checkbox))
    await pilot.click("#export-go")
    return screen, screen.query_one("#export-message", Static)


def planned_bytes(screen: ExportScreen, folder: Path) -> dict[str, bytes]:
    """What the file writer writes for the screen's run, pins and screenshot: written into
    ``folder`` (outside the host tree) by :func:`tui.export.write`, then read back."""
    kinds = [fmt.name for fmt in export.SCREEN_FORMATS]
    files = export.plan(folder, DEFAULT_NAME, screen.current, screen.pins, kinds, screen.screenshot)
    written = export.write(files)
    return {path.name: path.read_bytes() for path in written}


async def session_save(pilot: Pilot, button: str) -> Static:
    """Open the session screen and press ``button``."""
    app = pilot.app
    await wait_until(pilot, lambda: explorer_shown(app), 10, "the explorer")
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: isinstance(app.screen, SessionScreen), 10, "the session")
    screen = app.screen
    assert isinstance(screen, SessionScreen)
    await pilot.click(f"#{button}")
    return screen.query_one("#session-message", Static)


async def drive_every_writer(
    pilot: Pilot, visitor: bool, host: list[Path], check: Callable[[str], Awaitable[None]]
) -> dict[str, list[str]]:
    """Every step through which the app could write on the host, each followed by ``check``
    (which waits until the step is done); returns what each step changed on the host."""
    app = pilot.app
    assert isinstance(app, ExplorerApp)
    changes: dict[str, list[str]] = {}

    async def step(name: str, action: Callable[[], Awaitable[object]]) -> None:
        before = tree(host)
        await action()
        await check(name)
        changes[name] = changed(before, tree(host))

    async def do_export() -> None:
        _, message = await export_everything(pilot)
        done = "sent to your browser" if visitor else "wrote"
        await wait_until(pilot, lambda: done in str(message.content), 30, "the export")
        await pilot.press("escape")

    async def do_session() -> None:
        message = await session_save(pilot, "download-session" if visitor else "save-session")
        await wait_until(pilot, lambda: bool(str(message.content)), 10, "the session file")
        await pilot.press("escape")

    async def do_theme() -> None:
        await open_palette_command(pilot, "Theme")
        await wait_until(pilot, lambda: app.screen is not app.explorer, 10, "the theme list")
        await open_palette_command(pilot, "gruvbox", opened=True)
        await wait_until(pilot, lambda: app.theme == "gruvbox", 10, "the theme")
        await wait_until(pilot, lambda: app.screen is app.explorer, 10, "the theme list closed")

    async def do_language() -> None:
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: i18n.language() == "zh", 10, "Chinese")
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: i18n.language() == "en", 10, "English")

    async def do_screenshot() -> None:
        await open_palette_command(pilot, "Screenshot")

    await step("export", do_export)
    await step("session", do_session)
    await step("theme", do_theme)
    await step("language", do_language)
    await step("screenshot", do_screenshot)
    return changes


async def test_a_visitor_changes_nothing_on_the_host_and_gets_every_file(
    host: list[Path], browser: list[Delivery], tmp_path: Path
) -> None:
    app = ExplorerApp(PRESETS[2], show_timings=False, visitor=True)
    start = tree(host)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_run(pilot)
        assert app.theme == "nord"  # the host's settings are read
        assert app._keymap.get("pin") == PIN_KEY
        await pilot.press("escape", PIN_KEY, "3")
        await wait_for_run(pilot)

        async def check(step: str) -> None:
            await wait_until(pilot, lambda: explorer_shown(app), 10, "the explorer")
            if step == "screenshot":  # the palette's command delivers after a 0.1 s timer
                await wait_until(pilot, lambda: browser[-1].name.endswith(".svg"), 10, "svg")

        # The export screen has no folder field; the session screen no path and no Open.
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen), 10, "export")
        assert app.screen.query("#export-name") and not app.screen.query("#export-folder")
        await pilot.press("escape")
        await wait_until(pilot, lambda: explorer_shown(app), 10, "the explorer")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, SessionScreen), 10, "session")
        assert app.screen.query("#session-line") and app.screen.query("#download-session")
        assert not app.screen.query("#session-path") and not app.screen.query("#open-session")
        await pilot.press("escape")

        changes = await drive_every_writer(pilot, True, host, check)
        assert changes == dict.fromkeys(changes, [])
        assert app.theme == "gruvbox"  # the visitor's choice holds for the visitor
    assert tree(host) == start

    # The export: every planned file, with the bytes the file writer writes.
    names = [d.name for d in browser]
    exported = names[: names.index(DEFAULT_FILE)]
    assert exported == [
        "lr-run.csv",
        "lr-run.json",
        "lr-run.txt",
        "lr-run-pin1.csv",
        "lr-run-pin1.json",
        "lr-run-pin1.txt",
        "lr-run.svg",
    ]
    assert [d.mime_type for d in browser[:3]] == ["text/csv", "application/json", "text/plain"]
    # The session file: the bytes session.save writes; then the palette's screenshot.
    assert names[len(exported) :] == [DEFAULT_FILE, names[-1]]
    assert names[-1].endswith(".svg") and browser[-1].data.startswith(b"<svg")


async def test_what_a_visitor_gets_is_what_the_writers_write(
    host: list[Path], browser: list[Delivery], tmp_path: Path
) -> None:
    """The bytes of each delivery equal the file the writer makes of the same run and pins."""
    out = tmp_path / "written"
    out.mkdir()
    app = ExplorerApp(PRESETS[2], show_timings=False, visitor=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", PIN_KEY, "3")
        await wait_for_run(pilot)
        screen, message = await export_everything(pilot)
        await wait_until(pilot, lambda: "sent to your browser" in str(message.content), 30)
        expected = planned_bytes(screen, out)
        assert str(message.content) == "sent to your browser as downloads: " + ", ".join(expected)
        assert {d.name: d.data for d in browser} == expected
        await pilot.press("escape")
        browser.clear()

        message = await session_save(pilot, "download-session")
        await wait_until(pilot, lambda: bool(str(message.content)), 10)
        assert str(message.content) == f"sent to your browser as a download: {DEFAULT_FILE}"
        save(out / DEFAULT_FILE, app.current_session())
        assert browser == [
            Delivery(DEFAULT_FILE, (out / DEFAULT_FILE).read_bytes(), "application/json")
        ]


async def test_a_visitor_opens_a_session_by_pasting_its_line(
    host: list[Path], browser: list[Delivery]
) -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False, visitor=True)
    other = Session(PRESETS[3], (PRESETS[2].spec,), 0)
    start = tree(host)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_run(pilot)
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SessionScreen)
        await pilot.click("#copy-line")  # the clipboard is the browser's
        app.screen.query_one("#session-line", Input).value = to_line(other)
        await pilot.click("#apply-line")
        await wait_until(pilot, lambda: app.screen is app.explorer, 10, "the session applied")
        await wait_for_run(pilot)
        assert app.params == other.params
        assert [pin.result.spec for pin in app.pins] == [PRESETS[2].spec]
    assert tree(host) == start
    assert browser == []


async def test_outside_visitor_mode_the_same_steps_write_on_the_host(host: list[Path]) -> None:
    """The app as a terminal user runs it: each step writes (Textual saves the screenshot in
    the downloads folder), so the visitor test above would see a write if one happened."""
    app = ExplorerApp(PRESETS[2], show_timings=False)
    home = host[0]

    async def check(step: str) -> None:
        await wait_until(pilot, lambda: explorer_shown(app), 10, "the explorer")
        if step == "screenshot":  # saved by Textual's driver in a thread of its own
            downloads = home / "Downloads"
            await wait_until(pilot, lambda: any(downloads.glob("*.svg")), 10, "the svg")

    async with app.run_test(size=SIZE) as pilot:
        await wait_for_run(pilot)
        changes = await drive_every_writer(pilot, False, host, check)
    assert all(changes.values()), changes
    assert any(p.endswith("lr-run.csv") for p in changes["export"])
    assert changes["session"] == [str(home / "work" / DEFAULT_FILE)]
    assert changes["theme"] == changes["language"] == [str(settings.settings_path())]


async def test_a_visitor_outside_a_browser_gets_nothing_and_nothing_is_saved(
    host: list[Path],
) -> None:
    """Outside a browser Textual saves a delivery in the host's downloads folder: a visitor's
    app refuses instead and says so."""
    app = ExplorerApp(PRESETS[1], show_timings=False, visitor=True)
    start = tree(host)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_run(pilot)
        _, message = await export_everything(pilot)
        await wait_until(pilot, lambda: "nothing sent" in str(message.content), 30, "refusal")
        await pilot.press("escape")
        message = await session_save(pilot, "download-session")
        assert "nothing sent" in str(message.content)
        await pilot.press("escape")
        app.action_screenshot("shot.svg", str(host[0]))
        await pilot.pause(0.3)
    assert tree(host) == start


async def test_a_visitor_app_sends_no_host_file(host: list[Path], browser: list[Delivery]) -> None:
    """Given a host path, Textual would read that file and send it: a visitor's app never
    does, whoever asks (its own code sends only bytes it made)."""
    app = ExplorerApp(PRESETS[1], show_timings=False, visitor=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_run(pilot)
        victim = host[0] / "victim.txt"
        assert app.deliver_text(victim) is None
        assert app.deliver_binary(str(victim)) is None
        assert app.deliver_text(io.StringIO("made here"), save_filename="a.txt") is not None
    assert browser == [Delivery("a.txt", b"made here", "text/plain")]
