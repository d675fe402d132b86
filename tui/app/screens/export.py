"""The export screen (``e``): the current log and every pin in the formats of
:data:`tui.export.EXPORT_FORMATS` that it offers (CSV, JSON, the text log), and a screenshot;
written into a folder, or, for a browser visitor (:mod:`tui.app.visitor`), sent to their browser
as downloads and never written on the host."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import on, work
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label

from tui import export
from tui.app.frames import PacedFrames
from tui.app.keys import key
from tui.app.screens.dismissal import DismissedOnce
from tui.app.visitor import is_visitor, send
from tui.app.widgets.message_line import MessageLine
from tui.app.widgets.ordered_input import OrderedInput
from tui.engine.result import RunResult
from tui.files import Contents, whole
from tui.i18n import counted, t

#: The name exported files start with unless the user types another.
DEFAULT_NAME = "lr-run"

#: The most file names the dialog lists before it says how many there are in all.
MOST_NAMES = 5


def names_text(paths: list[Path]) -> str:
    """The line under the name: the names of the files an export would write, in the order it
    writes them (at most :data:`MOST_NAMES`, then how many in all)."""
    names = [path.name for path in paths]
    joiner = t("export.joiner")
    if len(names) <= MOST_NAMES:
        return t("export.files", names=joiner.join(names))
    return t("export.files_more", names=joiner.join(names[:MOST_NAMES]), count=len(names))


def _working_folder() -> str:
    """The folder the app runs in, the export's first choice; ``.`` if it has been removed
    (``Path.cwd`` raises then: the write names the missing folder instead)."""
    try:
        return str(Path.cwd())
    except OSError:
        return "."


class ExportScreen(DismissedOnce, PacedFrames, ModalScreen[None]):
    """Choose a folder, a name and what to write; files are written atomically, and an
    existing file is replaced only after a second press of Export. A visitor chooses no
    folder: the files go to their browser."""

    BINDINGS = [key("escape", "dismiss", "close-export")]

    DEFAULT_CSS = """
    ExportScreen {
        align: center middle;
    }
    """

    def __init__(
        self, current: RunResult, pins: list[tuple[int, RunResult]], screenshot: str
    ) -> None:
        super().__init__()
        self.current = current
        self.pins = pins
        self.screenshot = screenshot
        self._confirmed: list[Path] | None = None

    def compose(self) -> ComposeResult:
        """Folder (not for a visitor), name, what to write, the button, and a line for what
        happened."""
        with Vertical(id="export-dialog", classes="dialog"):
            count = (
                counted("export.with_pins", len(self.pins)) if self.pins else t("export.current")
            )
            yield Label(t("export.title", what=count))
            if not is_visitor(self):
                yield Label(t("export.folder"))
                yield OrderedInput(_working_folder(), id="export-folder")
            yield Label(t("export.name"))
            yield OrderedInput(DEFAULT_NAME, id="export-name")
            yield Label("", id="export-files", markup=False)
            with Horizontal(classes="buttons"):
                for fmt in export.SCREEN_FORMATS:
                    yield Checkbox(t(str(fmt.label)), True, id=f"export-{fmt.name}")
                yield Checkbox(t("export.svg"), True, id="export-svg")
            with Horizontal(classes="buttons"):
                yield Button(t("export.go"), id="export-go", variant="primary")
            yield MessageLine("", id="export-message", classes="message")

    def _say(self, text: str, error: bool = False) -> None:
        """Show ``text`` on the message line; closed meanwhile, the screen has none, so the
        app shows it as a notification (a write goes on after ``escape``)."""
        if not self.is_attached:
            self.app.notify(text, severity="error" if error else "information", markup=False)
            return
        self.query_one("#export-message", MessageLine).say(text, error)

    def on_mount(self) -> None:
        """Name the files the choices on screen would write."""
        self._show_names()

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _choice_changed(self) -> None:
        self._confirmed = None
        self._show_names()

    def _show_names(self) -> None:
        """The line under the name: what :meth:`planned` would write, as it writes them (the
        same plan, so the names shown are the names written), or why there is nothing."""
        try:
            files = self.planned()
        except ValueError as err:
            text = str(err)
        else:
            text = names_text(list(files)) if files else t("export.choose")
        self.query_one("#export-files", Label).update(text)

    def planned(self) -> dict[Path, Callable[[], Contents]]:
        """The files the choices on screen describe."""
        kinds = [
            fmt.name
            for fmt in export.SCREEN_FORMATS
            if self.query_one(f"#export-{fmt.name}", Checkbox).value
        ]
        svg = self.screenshot if self.query_one("#export-svg", Checkbox).value else None
        # A visitor's files are named, not placed: only the names of these paths are used.
        folder = "." if is_visitor(self) else self.query_one("#export-folder", Input).value
        return export.plan(
            folder,
            self.query_one("#export-name", Input).value,
            self.current,
            self.pins,
            kinds,
            svg,
        )

    @on(Button.Pressed, "#export-go")
    @on(Input.Submitted)
    def _export(self) -> None:
        try:
            files = self.planned()
        except ValueError as err:
            self._say(str(err), error=True)
            return
        if not files:
            self._say(t("export.choose"), error=True)
            return
        if is_visitor(self):  # no host path is looked at: nothing there exists for a visitor
            self._say(t("export.preparing"))
            self._prepare({path.name: make for path, make in files.items()}, self.app)
            return
        try:
            clash = export.existing(files)
        except OSError as err:  # a name too long for the file system, a folder not allowed
            where = err.filename or t("export.the_folder")
            self._say(t("export.not_written", where=where, why=export.reason(err)), error=True)
            return
        if clash and self._confirmed != clash:
            self._confirmed = clash
            names = ", ".join(path.name for path in clash)
            self._say(t("export.exist", names=names), error=True)
            return
        self._say(t("export.writing"))
        self._write(files, bool(clash), self.app)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _write(self, files: dict[Path, Callable[[], Contents]], overwrite: bool, app: App) -> None:
        """Write off the UI thread (a million-row CSV takes a moment): the whole set or, on
        any failure, none of it; the message names the file and says why in words.

        ``app`` is taken on the UI thread: once the screen is closed, ``self.app`` can no
        longer find the app from this thread (Textual 8.2.8 looks it up through the DOM)."""
        try:
            written = export.write(files, overwrite=overwrite)
        except FileExistsError as err:
            app.call_from_thread(self._say, t("export.appeared", name=err.filename), True)
            return
        except OSError as err:
            where = err.filename or t("export.the_folder")
            why = t("export.not_written", where=where, why=export.reason(err))
            app.call_from_thread(self._say, why, True)
            return
        folder = written[0].parent.resolve()
        names = [path.name for path in written]
        wrote = t("export.wrote", count=len(written), folder=folder, names=", ".join(names))
        app.call_from_thread(self._written, wrote, app, folder, names)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _prepare(self, files: dict[str, Callable[[], Contents]], app: App) -> None:
        """A visitor's files: their bytes made off the UI thread (the same bytes the writer
        writes), then sent to the browser from the UI thread."""
        contents = {name: whole(make()) for name, make in files.items()}
        app.call_from_thread(self._send, contents, app)

    def _send(self, contents: dict[str, bytes], app: App) -> None:
        """On the UI thread: send the files to the visitor's browser and say which."""
        if send(app, contents):
            self._say(t("export.sent", names=", ".join(contents)))
        else:
            self._say(t("visitor.not_sent"), error=True)

    def _written(self, text: str, app: App, folder: Path, names: list[str]) -> None:
        """On the UI thread: say what was written, and note it for the app (it can say so when
        it exits); the next clash asks again."""
        from tui.app.app import ExplorerApp  # the screen is loaded by the app's module

        self._confirmed = None
        if isinstance(app, ExplorerApp):
            app.note_written(folder, names)
        self._say(text)
