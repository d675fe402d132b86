"""The session screen (``ctrl+s``): the one-line session to copy or paste, and session files."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tui.app.session import Session, SessionError, from_line, load, save, to_line

#: The file a session is saved to unless the user names another.
DEFAULT_FILE = "lr-explorer-session.json"


class SessionScreen(ModalScreen[Session | None]):
    """Copy, paste, save or open a session; dismisses with the session to apply, if any."""

    BINDINGS = [Binding("escape", "dismiss_none", "Close", id="close-session")]

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
            yield Label("[b]Session[/b]: everything on screen, to keep or to share")
            yield Label("One line (copy it, or paste one here and apply it):")
            yield Input(to_line(self.session), id="session-line", select_on_focus=True)
            with Horizontal(classes="buttons"):
                yield Button("Copy line", id="copy-line")
                yield Button("Apply line", id="apply-line")
            yield Label("A file (JSON), to save to or open:")
            yield Input(DEFAULT_FILE, id="session-path")
            with Horizontal(classes="buttons"):
                yield Button("Save", id="save-session", variant="primary")
                yield Button("Open", id="open-session")
            yield Static("", id="session-message", classes="message")

    def action_dismiss_none(self) -> None:
        """Close without changing anything."""
        self.dismiss(None)

    def _say(self, text: str, error: bool = False) -> None:
        message = self.query_one("#session-message", Static)
        message.set_class(error, "-error")
        message.update(text.replace("[", r"\["))

    @on(Button.Pressed, "#copy-line")
    def _copy(self) -> None:
        self.app.copy_to_clipboard(self.query_one("#session-line", Input).value)
        self._say("copied to the clipboard (where the terminal allows it); or select the line")

    @on(Button.Pressed, "#apply-line")
    @on(Input.Submitted, "#session-line")
    def _apply_line(self) -> None:
        try:
            session = from_line(self.query_one("#session-line", Input).value)
        except SessionError as err:
            self._say(f"not applied: {err}", error=True)
            return
        self.dismiss(session)

    @on(Input.Changed, "#session-path")
    def _path_changed(self) -> None:
        self._confirm_overwrite = None

    @on(Button.Pressed, "#save-session")
    @on(Input.Submitted, "#session-path")
    def _save(self) -> None:
        path = Path(self.query_one("#session-path", Input).value.strip()).expanduser()
        if not path.name:
            self._say("name a file to save to", error=True)
            return
        overwrite = self._confirm_overwrite == path
        try:
            save(path, self.session, overwrite=overwrite)
        except FileExistsError:
            self._confirm_overwrite = path
            self._say(f"{path} exists: press Save again to replace it", error=True)
            return
        except OSError as err:
            self._say(f"not saved: {path}: {err.strerror}", error=True)
            return
        self._confirm_overwrite = None
        self._say(f"saved to {path.resolve()}")

    @on(Button.Pressed, "#open-session")
    def _open(self) -> None:
        path = Path(self.query_one("#session-path", Input).value.strip()).expanduser()
        try:
            session = load(path)
        except SessionError as err:
            self._say(f"not opened: {err}", error=True)
            return
        self.dismiss(session)
