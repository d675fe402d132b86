"""The session screen (``ctrl+s``): the one-line session to copy or paste, and session files;
for a browser visitor (:mod:`tui.app.visitor`) the file is a download and no host path is named."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from tui.app.frames import PacedFrames
from tui.app.keys import key
from tui.app.screens.dismissal import DismissedOnce
from tui.app.visitor import is_visitor, send
from tui.app.widgets.message_line import MessageLine
from tui.app.widgets.ordered_input import OrderedInput
from tui.files import user_path
from tui.i18n import t
from tui.model.session import Session, SessionError, dumps, from_line, load, save, to_line

#: The file a session is saved to unless the user names another.
DEFAULT_FILE = "lr-explorer-session.json"


class SessionScreen(DismissedOnce, PacedFrames, ModalScreen[Session | None]):
    """Copy, paste, save or open a session; dismisses with the session to apply, if any. A
    visitor downloads the file and opens a session by pasting its line."""

    BINDINGS = [key("escape", "dismiss_none", "close-session")]

    DEFAULT_CSS = """
    SessionScreen {
        align: center middle;
    }
    """

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self._confirm_overwrite: Path | None = None

    def compose(self) -> ComposeResult:
        """The line, the file, their buttons, and a line for what happened."""
        with Vertical(id="session-dialog", classes="dialog"):
            yield Label(t("session.title"))
            yield Label(t("session.line"))
            yield OrderedInput(to_line(self.session), id="session-line", select_on_focus=True)
            with Horizontal(classes="buttons"):
                yield Button(t("session.copy"), id="copy-line")
                yield Button(t("session.apply"), id="apply-line")
            if is_visitor(self):
                yield Label(t("session.file_download"))
                with Horizontal(classes="buttons"):
                    yield Button(t("session.download"), id="download-session", variant="primary")
                yield MessageLine("", id="session-message", classes="message")
                return
            yield Label(t("session.file"))
            yield OrderedInput(DEFAULT_FILE, id="session-path")
            with Horizontal(classes="buttons"):
                yield Button(t("session.save"), id="save-session", variant="primary")
                yield Button(t("session.open"), id="open-session")
            yield MessageLine("", id="session-message", classes="message")

    def action_dismiss_none(self) -> None:
        """Close without changing anything."""
        self.dismiss(None)

    def _say(self, text: str, error: bool = False) -> None:
        self.query_one("#session-message", MessageLine).say(text, error)

    @on(Button.Pressed, "#copy-line")
    def _copy(self) -> None:
        self.app.copy_to_clipboard(self.query_one("#session-line", Input).value)
        self._say(t("session.copied"))

    @on(Button.Pressed, "#apply-line")
    @on(Input.Submitted, "#session-line")
    def _apply_line(self) -> None:
        try:
            session = from_line(self.query_one("#session-line", Input).value)
        except SessionError as err:
            self._say(t("session.not_applied", why=err), error=True)
            return
        self.dismiss(session)

    @on(Input.Changed, "#session-path")
    def _path_changed(self) -> None:
        self._confirm_overwrite = None

    def _path(self) -> Path | None:
        """The file named in the path field, or ``None`` (and a message) if it names none."""
        text = self.query_one("#session-path", Input).value.strip()
        if "\x00" in text:
            self._say(t("json.nul_path"), error=True)
            return None
        path = user_path(text)
        if not path.name:
            self._say(t("session.no_name"), error=True)
            return None
        return path

    @on(Button.Pressed, "#save-session")
    @on(Input.Submitted, "#session-path")
    def _save(self) -> None:
        path = self._path()
        if path is None:
            return
        overwrite = self._confirm_overwrite == path
        try:
            save(path, self.session, overwrite=overwrite)
        except FileExistsError:
            self._confirm_overwrite = path
            self._say(t("session.exists", path=path), error=True)
            return
        except OSError as err:
            self._say(t("session.not_saved", path=path, why=err.strerror), error=True)
            return
        self._confirm_overwrite = None
        from tui.app.app import ExplorerApp  # the screen is loaded by the app's module

        if isinstance(self.app, ExplorerApp):  # said when it exits, with --print-session
            self.app.note_written(path.resolve().parent, [path.name])
        self._say(t("session.saved", path=path.resolve()))

    @on(Button.Pressed, "#download-session")
    def _download(self) -> None:
        """A visitor's Save: the session file's bytes (as :func:`~tui.model.session.save`
        writes them) sent to their browser."""
        if send(self.app, {DEFAULT_FILE: dumps(self.session).encode()}):
            self._say(t("session.sent", name=DEFAULT_FILE))
        else:
            self._say(t("visitor.not_sent"), error=True)

    @on(Button.Pressed, "#open-session")
    def _open(self) -> None:
        path = self._path()
        if path is None:
            return
        try:
            session = load(path)
        except SessionError as err:
            self._say(t("session.not_opened", why=err), error=True)
            return
        self.dismiss(session)
