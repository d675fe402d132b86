"""ExplorerApp: the engine's lifecycle, the settings, the theme, the keymap, the language and
which screen is shown; the explorer itself is :class:`~tui.app.screens.explorer.ExplorerScreen`."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, TextIO

from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.message_pump import MessagePump
from textual.reactive import var
from textual.theme import Theme
from textual.worker import Worker, WorkerState, get_current_worker

from tui import collector, i18n, settings
from tui.app import keys
from tui.app.commands import ExplorerCommands
from tui.app.engine_client import Engine, EngineStopped, Restarts
from tui.app.held_input import HoldingApp
from tui.app.keys import key
from tui.app.markup import escape
from tui.app.messages import EngineLost, Replied
from tui.app.quick_engine import QuickEngineClient
from tui.app.screens.explorer import TYPING_KEY_ACTIONS, ExplorerScreen
from tui.app.styling import SharedStylesheet, breakpoint_classes
from tui.app.themes import HIGH_CONTRAST, ThemeLookup
from tui.engine.protocol import EngineReady, Gradients, RunDone, RunFailed
from tui.engine.result import RunResult
from tui.engine.spec import RunSpec
from tui.i18n import msg, t
from tui.model.params import PRESETS, Params
from tui.model.pins import Pin, PinBoard

if TYPE_CHECKING:
    from tui.model.session import Session

__all__ = ["TYPING_KEY_ACTIONS", "ExplorerApp", "binding_ids", "default_engine"]


def own_binding_ids() -> set[str]:
    """The ids of the bindings of the app, the explorer and its widgets (the results pane's
    widgets load here, if the first frame is not yet out)."""
    from tui.app.widgets.log_table import LogTable
    from tui.app.widgets.params import ParamInput
    from tui.app.widgets.pins_table import PinsTable

    classes = (ExplorerApp, ExplorerScreen, ParamInput, PinsTable, LogTable)
    return {b.id for cls in classes for b in cls.BINDINGS if isinstance(b, Binding) and b.id}


def binding_ids() -> set[str]:
    """The ids of every binding the keys setting may rebind: the app's, the explorer's, its
    widgets' and those of the screens it opens (the dialogs' close keys among them)."""
    # Loaded here, not at start: these screens load when first used.
    from tui.app.screens.export import ExportScreen
    from tui.app.screens.help import HelpScreen
    from tui.app.screens.session import SessionScreen
    from tui.app.screens.sweep import SweepScreen

    opened = (SweepScreen, HelpScreen, ExportScreen, SessionScreen)
    later = {b.id for cls in opened for b in cls.BINDINGS if isinstance(b, Binding) and b.id}
    return own_binding_ids() | later


def default_engine() -> Engine:
    """The engine an :class:`ExplorerApp` gets when given none: a process of its own, ready as
    soon as TensorFlow is in (:mod:`tui.engine.quickstart`)."""
    return QuickEngineClient()


class ExplorerApp(ThemeLookup, HoldingApp):
    """The live explorer: every valid edit re-runs the seed's loop in the engine."""

    CSS_PATH = "explorer.tcss"
    COMMANDS = App.COMMANDS | {ExplorerCommands}
    TITLE = "lr-explorer"

    # The explorer binds these too, in its footer's order; here they work on the other screens
    # that are not dialogs (the range test).
    BINDINGS = [
        key("ctrl+s", "session", "session"),
        key("ctrl+r", "restart_engine", "restart-engine", show=False),
        key("question_mark,f1", "help", "help"),
        # Textual's own palette binding, named from the catalogue (Textual adds none then).
        key(App.COMMAND_PALETTE_BINDING, "command_palette", "palette", show=False, priority=True),
    ]

    engine_ready: var[bool] = var(False)
    """Whether TensorFlow has loaded in the engine."""

    def __init__(
        self,
        params: Params | None = None,
        *,
        session: Session | None = None,
        show_timings: bool = True,
        language: str | None = None,
        engine: Engine | None = None,
        visitor: bool = False,
    ) -> None:
        if language is not None:
            i18n.set_language(language)
        keys.retranslate()  # the classes' bindings in this language, before any node is made
        super().__init__()
        # Nothing has read the stylesheet Textual made yet: this one shares its parsed rules
        # with the process's other apps (tui.app.styling).
        self.stylesheet = SharedStylesheet(variables=self.get_css_variables())
        initial = session.params if session is not None else params or PRESETS[1]
        self.explorer = ExplorerScreen(initial, session)
        """The explorer's own screen, under any dialog or palette on top of it."""
        self.show_timings = show_timings
        """Whether the status line shows run times (off for reproducible screenshots)."""
        self.engine: Engine = engine if engine is not None else default_engine()
        """The engine this app starts and talks to (by default a process of its own)."""
        self.visitor = visitor
        """Whether a browser visitor (``serve``) uses this app: nothing is written on the host
        (exports and session files are sent to the visitor's browser) and the host's settings
        are read, never written."""
        self._owners: dict[int, MessagePump] = {}  # request id -> who gets its replies
        self._restarts = Restarts()
        self._engine_state = "loading"  # then "ready"; "restarting"; "stopped" (gave up)
        self._restart_asked = False
        self._quitting = False
        self.last_session: Session | None = None
        """The session on screen when the app was asked to exit (``--print-session`` prints
        it once the terminal is restored)."""
        self.wrote: list[tuple[Path, tuple[str, ...]]] = []
        """What this app wrote on the host, by folder and file names, a save or an export at a
        time (``--print-session`` says it too)."""

    def get_default_screen(self) -> ExplorerScreen:
        """The explorer, with the classes of its breakpoints for the terminal's size already
        set: Textual 8.2.8 sets them at the screen's first resize, which styled the whole
        screen once more at every start (``Screen._on_resize``)."""
        self.explorer.update_classes(breakpoint_classes(self, self.explorer), update=False)
        return self.explorer

    # -- what tests and tools read: the explorer's state, through the app ---------------------

    @property
    def params(self) -> Params | None:
        """The explorer's last valid parameters."""
        return self.explorer.params

    @params.setter
    def params(self, params: Params | None) -> None:
        self.explorer.params = params

    @property
    def _current(self) -> RunResult | None:
        return self.explorer.current

    @property
    def shown_request(self) -> int:
        """The id of the request whose results are on screen."""
        return self.explorer.shown_request

    @property
    def board(self) -> PinBoard:
        """The explorer's pin board."""
        return self.explorer.board

    @property
    def pins(self) -> list[Pin]:
        """The pinned runs, oldest first."""
        return self.explorer.pins

    @property
    def baseline(self) -> int | None:
        """The number of the pin the others are compared with."""
        return self.explorer.baseline

    @property
    def explorer_screen(self) -> ExplorerScreen:
        """The explorer's screen (the same as :attr:`explorer`)."""
        return self.explorer

    def current_session(self) -> Session:
        """Everything on the explorer, as a session."""
        return self.explorer.current_session()

    def apply_session(self, session: Session) -> None:
        """Show ``session`` in the explorer; then run it all."""
        self.explorer.apply_session(session)

    def action_focus_chart(self) -> None:
        """Focus the explorer's chart."""
        self.explorer.action_focus_chart()

    def action_play_end(self) -> None:
        """Stop the explorer's playback: the whole run again."""
        self.explorer.action_play_end()

    # -- start and stop -----------------------------------------------------------------------

    def on_mount(self) -> None:
        """The settings kept from last time; the engine starts once the first frame is out."""
        self._restore_settings()
        self.call_after_refresh(self._start_engine)

    def _start_engine(self) -> None:
        """Start an engine and its reader; a failure to start is said, never raised."""
        try:
            self.engine.start()
        except (OSError, ValueError) as err:  # no process could be made (limits, memory)
            self._engine_state = "stopped"
            why = t("status.not_started", why=escape(str(err)), key=self._restart_key())
            self._show_busy(why)
            self.notify(why, title=t("note.lost"), severity="error", timeout=60)
            return
        self.read_engine()

    def on_unmount(self) -> None:
        """Stop the engine at once: quitting never waits for TensorFlow."""
        self._quitting = True
        self.engine.stop()

    def export_screenshot(self, *, title: str | None = None, simplify: bool = False) -> str:
        """Textual's screenshot with every Chinese character two cells wide, as on the screen
        (:mod:`tui.app.svg_cells`): the export screen's SVG, the palette's screenshot."""
        from tui.app.svg_cells import fix_cell_widths  # (a screenshot's, not the first frame's)

        return fix_cell_widths(super().export_screenshot(title=title, simplify=simplify))

    def note_written(self, folder: Path, names: Sequence[str]) -> None:
        """Note files this app wrote into ``folder`` (see :attr:`wrote`)."""
        self.wrote.append((folder, tuple(names)))

    def exit(self, result: None = None, return_code: int = 0, message: Any | None = None) -> None:
        """Exit, keeping the session on screen first (:attr:`last_session`): once Textual has
        torn the screen down, it can no longer be read."""
        if self.last_session is None:
            # An exit before the explorer was composed has shown nothing: nothing is kept.
            with contextlib.suppress(NoMatches):
                self.last_session = self.current_session()
        super().exit(result, return_code, message)

    async def action_quit(self) -> None:
        """Quit: the engine is killed first, so nothing waits for a run or for TensorFlow."""
        self._quitting = True
        self.engine.stop()
        await super().action_quit()

    # -- the engine ---------------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="engine", name="engine reader")
    def read_engine(self) -> None:
        """Post the engine's replies to the app (this thread touches no widget)."""
        worker = get_current_worker()
        while not worker.is_cancelled:
            try:
                reply = self.engine.receive(0.05)
            except EngineStopped as stopped:
                if not worker.is_cancelled:
                    self.post_message(EngineLost(stopped.reason))
                return
            except Exception as err:  # noqa: BLE001 - a reply that cannot be read: start afresh
                self.engine.stop()
                if not worker.is_cancelled:
                    why = f"{type(err).__name__}: {err}"
                    self.post_message(EngineLost(msg("engine.garbled", why=why)))
                return
            if reply is not None:
                self.post_message(Replied(reply))

    def submit(self, owner: MessagePump, specs: Sequence[RunSpec], loss: str, tol: float) -> int:
        """Send a request to the engine; its replies go to ``owner``. Returns its id, or 0 (no
        request has it) while the engine is not ready: nothing is sent then."""
        if not self.engine_ready:
            return 0
        request = self.engine.submit(specs, loss, tol)
        self._owners[request] = owner
        return request

    @on(Replied)
    def _route(self, event: Replied) -> None:
        """Hand a reply to whoever asked (on this thread: an owner is known once submit
        returned); the news that the engine loaded goes to every screen open."""
        reply = event.reply
        if isinstance(reply, EngineReady):
            self._engine_loaded()
            for screen in self.screen_stack:
                screen.post_message(Replied(reply))
            return
        if isinstance(reply, Gradients):  # only the explorer's playback asks for gradients
            self.explorer.post_message(Replied(reply))
            return
        if isinstance(reply, RunDone | RunFailed):
            owner = self._owners.pop(reply.request_id, None)
        else:
            owner = self._owners.get(reply.request_id)
        if owner is not None and owner.is_attached:
            owner.post_message(Replied(reply))
            if isinstance(reply, RunDone | RunFailed):
                # The first results are shown once this reply is and the screen refreshed:
                # the collector's start-up thresholds have done their work (tui.collector).
                owner.call_after_refresh(collector.settle)

    def _engine_loaded(self) -> None:
        self.engine_ready = True
        if self._engine_state == "restarting":
            self.notify(t("note.restarted"), title=t("note.lost"))
        self._engine_state = "ready"

    def say_engine_busy(self) -> None:
        """Say why nothing can run yet: loading, restarting, or stopped (and the key)."""
        if self._engine_state == "stopped":
            self.notify(t("note.engine_down", key=self._restart_key()), severity="warning")
        elif self._engine_state == "restarting":
            self.notify(t("note.restarting_wait"), severity="warning")
        else:
            self.notify(t("note.loading"), severity="warning")

    @on(EngineLost)
    def _engine_lost(self, event: EngineLost) -> None:
        """Start a new engine and run what is on screen again, unless it keeps stopping."""
        self.engine_ready = False
        self._owners.clear()
        if self._quitting:
            return
        why = escape(str(event.reason))
        asked, self._restart_asked = self._restart_asked, False
        if asked:
            self._show_busy(t("status.restart_asked"))
        elif self._restarts.died(time.monotonic()):
            self._show_busy(t("status.restarting", why=why))
            self.notify(
                t("note.restarting", why=why), title=t("note.lost"), severity="warning", timeout=15
            )
        else:
            self._engine_state = "stopped"
            text = t(
                "status.gave_up",
                count=self._restarts.count(),
                seconds=self._restarts.window,
                why=why,
                key=self._restart_key(),
            )
            self._show_busy(text)
            self.notify(text, title=t("note.lost"), severity="error", timeout=60)
            return
        self._engine_state = "restarting"
        self._start_engine()

    def _show_busy(self, text: str) -> None:
        """Say ``text`` on the explorer's status line, if it is there: it is not while the
        explorer is composed again in the other language, nor while the app tears it down at
        exit, and an engine's news may arrive then (the engine is restarted all the same)."""
        try:
            status = self.explorer.status
        except NoMatches:
            return
        status.show_busy(text)

    def action_restart_engine(self) -> None:
        """Restart the engine (after it kept stopping, or if it seems stuck) and run again."""
        self._restarts.reset()
        if self._engine_state == "stopped":  # no engine and no reader: start afresh
            self._show_busy(t("status.restart_asked"))
            self._engine_state = "restarting"
            self._start_engine()
        else:  # the reader sees this one stop, and _engine_lost starts the next
            self._restart_asked = True
            self.engine_ready = False
            self.engine.stop()

    def _restart_key(self) -> str:
        """The key that restarts the engine, as the user sees it (after their keymap)."""
        return keys.bound_key(self, "restart-engine")

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """One place for worker errors: shown, never a traceback."""
        if event.state == WorkerState.ERROR:
            self.notify(
                str(event.worker.error), title=t("note.error"), severity="error", timeout=30
            )

    # -- settings -----------------------------------------------------------------------------

    def _restore_settings(self) -> None:
        """The theme the user chose last time; keep every later choice."""
        self.register_theme(HIGH_CONTRAST)
        kept, problem = settings.load()
        if problem is not None:
            self.notify(problem, severity="warning", timeout=10)
        if kept.theme in self.available_themes:
            self.theme = kept.theme
        if kept.keys:
            own = own_binding_ids()
            keys.set_keymap(self, {k: v for k, v in kept.keys.items() if k in own})
            if set(kept.keys) - own:
                # The other ids are the screens' opened later: they are loaded to check them once
                # the first frame is drawn (about 50 ms of imports), before any of them can open.
                self.call_after_refresh(self._keep_later_keys, dict(kept.keys), own)
        if not self.visitor:  # a visitor's theme is theirs alone: the host's file stays as it is
            self.theme_changed_signal.subscribe(self, self._keep_theme)

    def _keep_later_keys(self, keymap: dict[str, str], own: set[str]) -> None:
        """Apply a saved keymap's keys for the screens opened later, and name its unknown ids."""
        known = binding_ids()
        unknown = sorted(set(keymap) - known)
        if unknown:
            self.notify(t("note.unknown_keys", names=", ".join(unknown)), severity="warning")
        later = {k: v for k, v in keymap.items() if k in known and k not in own}
        if later:
            keys.set_keymap(self, later, merge=True)

    def _keep_theme(self, theme: Theme) -> None:
        try:
            settings.update(theme=theme.name)
        except (OSError, settings.NotKept) as err:
            self.notify(t("note.theme_not_kept", why=err), severity="warning")

    # -- deliveries: a visitor's files go to their browser, never onto the host ------------------

    def deliver_text(self, path_or_file: str | Path | TextIO, **options: Any) -> str | None:
        """Textual's delivery of a text file (the palette's screenshot comes this way); for a
        visitor only to a browser (see :meth:`_may_deliver`)."""
        if not self._may_deliver(path_or_file):
            return None
        return super().deliver_text(path_or_file, **options)

    def deliver_binary(self, path_or_file: str | Path | BinaryIO, **options: Any) -> str | None:
        """Textual's delivery of a file (exports, session files); for a visitor only to a
        browser (see :meth:`_may_deliver`)."""
        if not self._may_deliver(path_or_file):
            return None
        return super().deliver_binary(path_or_file, **options)

    def _may_deliver(self, path_or_file: str | Path | IO[Any]) -> bool:
        """Whether a delivery may go ahead: always, unless this is a visitor's app; then only
        the contents of a file in memory (never a host path) and only to a browser: with any
        other driver Textual 8.2.8 saves the file in the host's downloads folder."""
        if not self.visitor or (self.is_web and not isinstance(path_or_file, str | Path)):
            return True
        if not isinstance(path_or_file, str | Path):
            path_or_file.close()  # (as Textual does with a file it is given)
        self.notify(t("visitor.not_sent"), severity="error")
        return False

    # -- screens ------------------------------------------------------------------------------

    def action_session(self) -> None:
        """The session screen: copy or paste the one-line session, save or open a file."""
        from tui.app.screens.session import SessionScreen  # loaded when first used

        if not isinstance(self.screen, SessionScreen):
            self.push_screen(SessionScreen(self.current_session()), self._session_closed)

    def _session_closed(self, session: Session | None) -> None:
        if session is not None:
            self.apply_session(session)
            self.notify(t("note.session_opened"))

    async def action_language(self) -> None:
        """Switch between English and Chinese, and keep the choice for next time."""
        code = "zh" if i18n.language() == "en" else "en"
        await self.switch_language(code)
        if self.visitor:  # for this visitor only: the host's settings are never written
            return
        try:
            settings.update(language=code)
        except (OSError, settings.NotKept) as err:
            self.notify(t("note.language_not_kept", why=err), severity="warning")

    async def switch_language(self, code: str) -> None:
        """Show everything in language ``code``: the explorer is composed again in it, as it
        was (its fields as typed, view, playback step, pins and results)."""
        if self.screen is not self.explorer:
            return  # (from the palette over another screen) that screen is not recomposed
        i18n.set_language(code)
        keys.retranslate(self)
        await self.explorer.recompose_in_language()

    def action_command_palette(self) -> None:
        """Show the command palette: ours, which Textual 8.2.8's fast-key crashes cannot reach."""
        from textual.command import CommandPalette

        from tui.app.palette import SafeCommandPalette

        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(SafeCommandPalette(id="--command-palette"))

    def action_help(self) -> None:
        """Show the help screen."""
        from tui.app.screens.help import HelpScreen  # Markdown loads when help is first asked

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())
