"""ExplorerApp: the fields, the chart, the log and the status line, re-run on every change."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from rich.markup import escape
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Footer, Input
from textual.worker import Worker, WorkerState, get_current_worker

from tui import i18n, settings
from tui.app import keys
from tui.app.commands import ExplorerCommands
from tui.app.engine_client import Engine, EngineClient, EngineStopped, Restarts
from tui.app.keys import key
from tui.app.messages import EngineLoaded, EngineLost, RunError, RunFinished, RunProgressed
from tui.app.screens.sweep import SweepScreen
from tui.app.themes import HIGH_CONTRAST
from tui.app.widgets.chart import DescentChart
from tui.app.widgets.log_table import LogTable
from tui.app.widgets.params import ParamsForm
from tui.app.widgets.pins_table import PinsTable
from tui.app.widgets.playback import PlaybackBar
from tui.app.widgets.status import StatusLine
from tui.app.widgets.theory import TheoryPanel
from tui.engine.analysis import DEFAULT_TOL
from tui.engine.losses import parse_loss
from tui.engine.protocol import EngineReady, RunDone, RunFailed, RunProgress
from tui.engine.result import RunResult
from tui.engine.sweep import summarize, sweep_specs
from tui.engine.theory import Theory, theory_for
from tui.i18n import msg, t
from tui.model.params import PRESETS, Params
from tui.model.pins import MAX_PINS, Pin, PinBoard, shared
from tui.model.views import VIEWS

if TYPE_CHECKING:
    from tui.model.session import Session

#: Actions bound to printable keys: a text field takes those keys, so they are off while typing.
TYPING_KEY_ACTIONS = {
    "export",
    "play",
    "step",
    "play_start",
    "play_end",
    "speed",
    "demo",
    "preset",
    "nudge_lr",
    "mirror",
    "toggle_log",
    "cycle_view",
    "focus_fields",
    "focus_chart",
    "focus_table",
    "pin",
    "unpin",
    "clear_pins",
    "sweep",
}


def binding_ids() -> set[str]:
    """The ids of the explorer's bindings, which the keys setting may rebind."""
    from tui.app.widgets.log_table import LogTable
    from tui.app.widgets.params import ParamInput

    classes = (ExplorerApp, ParamInput, PinsTable, LogTable, SweepScreen)
    return {b.id for cls in classes for b in cls.BINDINGS if isinstance(b, Binding) and b.id}


def default_engine() -> Engine:
    """The engine an :class:`ExplorerApp` gets when given none: a process of its own."""
    return EngineClient()


class ExplorerApp(App[None]):
    """The live explorer: every valid edit re-runs the seed's loop in the engine process."""

    CSS_PATH = "explorer.tcss"
    COMMANDS = App.COMMANDS | {ExplorerCommands}
    TITLE = "lr-explorer"

    BINDINGS = [
        key("1", "preset(1)", "preset-1"),
        key("2", "preset(2)", "preset-2"),
        key("3", "preset(3)", "preset-3"),
        key("plus,equals_sign", "nudge_lr(1)", "lr-up"),
        key("minus", "nudge_lr(-1)", "lr-down"),
        key("m", "mirror", "mirror"),
        key("l", "toggle_log", "log-scale"),
        key("v", "cycle_view", "view"),
        key("f", "focus_fields", "focus-fields"),
        key("c", "focus_chart", "focus-chart", show=False),
        key("t", "focus_table", "focus-table"),
        key("p", "pin", "pin"),
        key("x", "unpin", "unpin"),
        key("X", "clear_pins", "clear-pins"),
        key("s", "sweep", "sweep"),
        key("space", "play", "play"),
        key("comma", "step(-1)", "step-back", show=False),
        key("full_stop", "step(1)", "step-on", show=False),
        key("left_square_bracket", "play_start", "play-start", show=False),
        key("right_square_bracket", "play_end", "play-end", show=False),
        key("less_than_sign", "speed(-1)", "slower", show=False),
        key("greater_than_sign", "speed(1)", "faster", show=False),
        key("d", "demo", "demo"),
        key("e", "export", "export"),
        key("ctrl+s", "session", "session"),
        key("ctrl+l", "language", "language"),
        key("ctrl+r", "restart_engine", "restart-engine", show=False),
        key("question_mark,f1", "help", "help"),
        # Textual's own palette binding, named from the catalogue (Textual adds none then).
        key(App.COMMAND_PALETTE_BINDING, "command_palette", "palette", show=False, priority=True),
    ]

    params: var[Params | None] = var(None)
    """The last valid parameters: what the screen shows, or is about to."""
    engine_ready: var[bool] = var(False)
    """Whether TensorFlow has loaded in the engine process."""

    def __init__(
        self,
        params: Params | None = None,
        *,
        session: Session | None = None,
        show_timings: bool = True,
        language: str | None = None,
        engine: Engine | None = None,
    ) -> None:
        if language is not None:
            i18n.set_language(language)
        keys.retranslate()  # the classes' bindings in this language, before any node is made
        super().__init__()
        self._initial = session.params if session is not None else params or PRESETS[1]
        self._opening = session
        self.show_timings = show_timings
        """Whether the status line shows run times (off for reproducible screenshots)."""
        self.engine: Engine = engine if engine is not None else default_engine()
        """The engine this app starts and talks to (by default a process of its own)."""
        self._restarts = Restarts()
        self._engine_state = "loading"  # then "ready"; "restarting"; "stopped" (gave up)
        self._restart_asked = False
        self._quitting = False
        self.shown_request = 0
        """The id of the request whose results are on screen."""
        self.board = PinBoard()
        """The pinned runs, the baseline among them and the next pin's number."""
        self._request_pins: dict[int, tuple[int, ...]] = {}
        self._current: RunResult | None = None
        self._theory: Theory | None = None
        self._curvature: float | None = None
        self._sweep: tuple[int, Params, np.ndarray] | None = None

    @property
    def pins(self) -> list[Pin]:
        """The pinned runs, oldest first."""
        return self.board.pins

    @pins.setter
    def pins(self, pins: list[Pin]) -> None:
        self.board.pins = pins

    @property
    def baseline(self) -> int | None:
        """The number of the pin the others are compared with."""
        return self.board.baseline

    def compose(self) -> ComposeResult:
        """Fields on the left; chart over log table on the right; status line and footer."""
        with Horizontal(id="main"):
            yield ParamsForm(self._initial, id="params")
            with Vertical(id="right"):
                yield PlaybackBar(id="playback")
                yield DescentChart(id="chart")
                yield PinsTable(id="pins")
                yield LogTable(id="log")
        yield TheoryPanel("", id="theory")
        yield StatusLine(t("status.starting"), id="status")
        yield Footer()

    def on_mount(self) -> None:
        """Focus the learning rate, then start the engine once the first frame is out."""
        self.query_one("#lr", Input).focus()
        self.query_one(StatusLine).show_busy(t("status.loading"))
        self._restore_settings()
        if self._opening is not None:
            self.apply_session(self._opening)
        self.call_after_refresh(self._start_engine)

    def _start_engine(self) -> None:
        """Start an engine process and its reader; a failure to start is said, never raised."""
        try:
            self.engine.start()
        except (OSError, ValueError) as err:  # no process could be made (limits, memory)
            self._engine_state = "stopped"
            why = t("status.not_started", why=escape(str(err)), key=self._restart_key())
            self.query_one(StatusLine).show_busy(why)
            self.notify(why, title=t("note.lost"), severity="error", timeout=60)
            return
        self.read_engine()

    def on_unmount(self) -> None:
        """Stop the engine at once: quitting never waits for TensorFlow."""
        self._quitting = True
        self.engine.stop()

    async def action_quit(self) -> None:
        """Quit: the engine is killed first, so nothing waits for a run or for TensorFlow."""
        self._quitting = True
        self.engine.stop()
        await super().action_quit()

    # -- the engine ---------------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="engine", name="engine reader")
    def read_engine(self) -> None:
        """Turn the engine's replies into messages (this thread touches no widget)."""
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
            if isinstance(reply, EngineReady):
                self.post_message(EngineLoaded(reply.seconds, reply.xla, reply.tf_version))
            elif isinstance(reply, RunDone):
                self.post_message(RunFinished(reply.request_id, reply.results, reply.curvature))
            elif isinstance(reply, RunProgress):
                self.post_message(RunProgressed(reply.request_id, reply.done, reply.total))
            elif isinstance(reply, RunFailed):
                self.post_message(RunError(reply.request_id, reply.message))

    def _submit(self) -> None:
        """Run the current parameters and every pin (with the shared w0 and epochs) at once."""
        if self.params is None or not self.engine_ready:
            return
        spec = self.params.spec
        specs = [spec, *(shared(pin.spec, spec) for pin in self.pins)]
        request = self.engine.submit(specs, self.params.loss, self.params.tol)
        self._request_pins = {request: tuple(pin.number for pin in self.pins)}

    def watch_params(self) -> None:
        """Re-run whenever the parameters change."""
        self._submit()

    @on(EngineLoaded)
    def _engine_loaded(self, event: EngineLoaded) -> None:
        """TensorFlow is in: run what is on screen (the range test, if it is open)."""
        self.engine_ready = True
        if self._engine_state == "restarting":
            self.notify(t("note.restarted"), title=t("note.lost"))
        self._engine_state = "ready"
        path = "XLA" if event.xla else t("status.graph_mode")
        took = t("status.took", seconds=event.seconds) if self.show_timings else ""
        self.query_one(StatusLine).show_busy(
            t("status.loaded", version=event.tf_version, took=took, path=path)
        )
        if self._sweep_screen() is not None and self._sweep is not None:
            _, params, lrs = self._sweep
            self.request_sweep(params, lrs)  # the explorer's own run follows when it closes
        else:
            self._submit()

    def request_sweep(self, params: Params, lrs: np.ndarray) -> None:
        """Run ``params`` once per rate in ``lrs`` in one engine call (for the sweep screen).

        While the engine is restarting the sweep waits, and is sent once it has loaded."""
        request = 0  # no request has id 0: nothing is shown until the engine is back
        if self.engine_ready:
            request = self.engine.submit(sweep_specs(params.spec, lrs), params.loss, params.tol)
        self._sweep = (request, params, lrs)

    def _sweep_screen(self) -> SweepScreen | None:
        """The range test, if it is open (under a palette or a toast, perhaps)."""
        return next((s for s in self.screen_stack if isinstance(s, SweepScreen)), None)

    @on(RunFinished)
    def _run_finished(self, event: RunFinished) -> None:
        if self._sweep is not None and event.request_id == self._sweep[0]:
            _, params, lrs = self._sweep
            screen = self._sweep_screen()
            if screen is not None:
                screen.show(summarize(params.spec, lrs, event.results, params.tol))
            return
        if event.request_id != self.engine.latest_id:
            return  # a newer request is out: never show stale results after newer ones
        result = event.results[0]
        self.shown_request = event.request_id
        self._current = result
        self._curvature = event.curvature
        fresh = dict(zip(self._request_pins[event.request_id], event.results[1:], strict=True))
        self.pins = [replace(p, result=fresh.get(p.number, p.result)) for p in self.pins]
        self._show_current()

    def _show_current(self) -> None:
        """The current run and the pins in every pane."""
        result = self._current
        if result is None:
            return
        self.query_one(PlaybackBar).show_run(result)
        self.query_one(ParamsForm).show_rates(result.lr)
        self.query_one(StatusLine).show_result(result, self.show_timings)
        self._show_theory(result, self._curvature)
        self._show_pins()

    def _show_theory(self, result: RunResult, curvature: float | None) -> None:
        """The theory of the current rate (exact for a quadratic, else the local curvature)."""
        if self.params is None:
            return
        self._theory = theory_for(
            parse_loss(result.loss_expr),
            result.spec.lr,
            result.spec.w0,
            curvature_at=None if curvature is None else (lambda _w: curvature),
        )
        self.query_one(TheoryPanel).show(self._theory, result, self.params.tol, curvature)

    def _show_pins(self) -> None:
        """Redraw the chart and the log with the pins, and the comparison table."""
        self._show_frame()
        table = self.query_one(PinsTable)
        table.set_class(bool(self.pins), "-shown")
        tol = self.params.tol if self.params is not None else DEFAULT_TOL
        table.show(self.pins, self.baseline, tol)

    @on(PlaybackBar.Frame)
    def _show_frame(self) -> None:
        """The chart and the log up to the step playback has reached (the whole run if none)."""
        if self._current is None:
            return
        bar = self.query_one(PlaybackBar)
        shown = bar.shown
        bar.set_class(shown is not None, "-shown")
        current, pins = self._current, self.pins
        if shown is not None:
            current = current.prefix(shown)
            pins = [
                p if p.result is None else replace(p, result=p.result.prefix(shown)) for p in pins
            ]
        theory = self._theory
        rates = (
            {t("plot.critical"): theory.critical_lr, t("plot.optimal"): theory.optimal_lr}
            if theory is not None
            else {}
        )
        whole = [] if shown is None else [self._current, *(p.result for p in self.pins if p.result)]
        self.query_one(DescentChart).show(current, pins, rates, whole=whole)
        log = self.query_one(LogTable)
        log.show(current)
        if shown is not None:
            # After the refresh: the table's new size decides how far it can scroll.
            log.call_after_refresh(log.action_cursor_to, -1)

    @on(RunProgressed)
    def _run_progressed(self, event: RunProgressed) -> None:
        if event.request_id == self.engine.latest_id:
            self.query_one(StatusLine).show_busy(
                t("status.running", done=event.done, total=event.total)
            )

    @on(RunError)
    def _run_error(self, event: RunError) -> None:
        if event.request_id == self.engine.latest_id:
            why = escape(str(event.message))
            self.query_one(StatusLine).show_busy(t("status.refused", why=why))
            self.notify(why, title=t("note.refused"), severity="error")

    @on(EngineLost)
    def _engine_lost(self, event: EngineLost) -> None:
        """Start a new engine and run what is on screen again, unless it keeps stopping."""
        self.engine_ready = False
        if self._quitting:
            return
        status = self.query_one(StatusLine)
        why = escape(str(event.reason))
        asked, self._restart_asked = self._restart_asked, False
        if asked:
            status.show_busy(t("status.restart_asked"))
        elif self._restarts.died(time.monotonic()):
            status.show_busy(t("status.restarting", why=why))
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
            status.show_busy(text)
            self.notify(text, title=t("note.lost"), severity="error", timeout=60)
            return
        self._engine_state = "restarting"
        self._start_engine()

    def action_restart_engine(self) -> None:
        """Restart the engine (after it kept stopping, or if it seems stuck) and run again."""
        self._restarts.reset()
        if self._engine_state == "stopped":  # no engine and no reader: start afresh
            self.query_one(StatusLine).show_busy(t("status.restart_asked"))
            self._engine_state = "restarting"
            self._start_engine()
        else:  # the reader sees this one stop, and _engine_lost starts the next
            self._restart_asked = True
            self.engine_ready = False
            self.engine.stop()

    def _restart_key(self) -> str:
        """The key that restarts the engine, as the user sees it (after their keymap)."""
        bound = self._keymap.get("restart-engine", "ctrl+r").split(",")[0]
        return self.get_key_display(Binding(bound, ""))

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """One place for worker errors: shown, never a traceback."""
        if event.state == WorkerState.ERROR:
            self.notify(
                str(event.worker.error), title=t("note.error"), severity="error", timeout=30
            )

    # -- the fields ---------------------------------------------------------------------------

    @on(ParamsForm.Changed)
    def _params_changed(self, event: ParamsForm.Changed) -> None:
        self.params = event.params

    # -- actions ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Printable-key actions are off while a text field has focus (it takes the key) and
        while another screen is on top of the explorer."""
        if action == "language":
            return len(self.screen_stack) == 1
        if action not in TYPING_KEY_ACTIONS:
            return True
        # Off while typing, and off on the sweep and help screens (they act on the main one).
        return not isinstance(self.focused, Input) and len(self.screen_stack) == 1

    def on_descendant_focus(self) -> None:
        """Refresh the footer: which keys work depends on what has focus."""
        self.refresh_bindings()

    def action_preset(self, number: int) -> None:
        """Load one of the lesson's three experiments (the tolerance stays as it is)."""
        tol = self.params.tol if self.params is not None else DEFAULT_TOL
        self.query_one(ParamsForm).set_params(replace(PRESETS[number], tol=tol))

    def action_pin(self) -> None:
        """Pin the run on screen, to compare the next ones with it."""
        if self._current is None or self.params is None:
            self.notify(t("note.nothing_to_pin"), severity="warning")
            return
        if self.board.full:
            self.notify(t("note.too_many_pins", most=MAX_PINS), severity="warning")
            return
        self.board.add(self.params.spec, self._current)
        self._show_pins()

    def action_unpin(self, number: int | None = None) -> None:
        """Remove pin ``number``, else the one selected in the table, else the last."""
        if not self.pins:
            return
        if number is None:
            table = self.query_one(PinsTable)
            number = table.selected_number() if table.has_focus else None
        if number is None:
            number = self.pins[-1].number
        self.board.remove(number)
        self._show_pins()
        if not self.pins:
            self.action_focus_chart()

    def action_clear_pins(self) -> None:
        """Remove every pin."""
        self.board.clear()
        self._show_pins()

    def action_use_pin(self, number: int) -> None:
        """Make pin ``number`` the current run: its rate and schedule go back into the fields."""
        pin = self.board.find(number)
        if pin is None or self.params is None:
            return
        spec = shared(pin.spec, self.params.spec)
        self.query_one(ParamsForm).set_params(replace(self.params, spec=spec))

    def action_set_baseline(self, number: int) -> None:
        """Compare the other pins with pin ``number``."""
        self.board.set_baseline(number)
        self._show_pins()

    def action_nudge_lr(self, direction: int) -> None:
        """Raise or lower the learning rate by a fixed factor."""
        self.query_one(ParamsForm).nudge("lr", direction)

    def action_mirror(self) -> None:
        """Set lr to 1 - lr: on (w+1)^2 the contraction |1 - 2 lr| is the same."""
        field = self.query_one("#lr", Input)
        try:
            lr = float(field.value)
        except ValueError:
            self.notify(t("note.lr_not_number"), severity="warning")
            return
        if not 0 <= lr <= 1:
            self.notify(t("note.mirror_range"), severity="warning")
            return
        field.value = f"{1 - lr:.12g}"

    def action_toggle_log(self) -> None:
        """Loss on a log scale, or back."""
        chart = self.query_one(DescentChart)
        chart.log_loss = not chart.log_loss

    def action_cycle_view(self) -> None:
        """The next chart view."""
        chart = self.query_one(DescentChart)
        chart.view = VIEWS[(VIEWS.index(chart.view) + 1) % len(VIEWS)]

    def action_focus_fields(self) -> None:
        """Focus the learning-rate field."""
        self.query_one("#lr", Input).focus()

    def action_focus_chart(self) -> None:
        """Focus the chart."""
        self.query_one(DescentChart).focus()

    def action_focus_table(self) -> None:
        """Focus the log table."""
        self.query_one(LogTable).focus()

    def action_sweep(self) -> None:
        """Open the lr range test on the current parameters."""
        if self.params is None or not self.engine_ready:
            if self._engine_state == "stopped":
                self.notify(t("note.engine_down", key=self._restart_key()), severity="warning")
            elif self._engine_state == "restarting":
                self.notify(t("note.restarting_wait"), severity="warning")
            else:
                self.notify(t("note.loading"), severity="warning")
            return
        self.push_screen(SweepScreen(self.params, self._theory), self._sweep_closed)

    def _sweep_closed(self, lr: float | None) -> None:
        """Back from the sweep: apply its rate, or run the current parameters again (once)."""
        self._sweep = None
        text = None if lr is None else f"{lr:.6g}"
        if text is not None and self.params is not None and float(text) != self.params.spec.lr:
            self.query_one("#lr", Input).value = text  # the field's change runs the new rate
        else:
            self._submit()  # the sweep superseded the explorer's last request

    def _restore_settings(self) -> None:
        """The theme the user chose last time; keep every later choice."""
        self.register_theme(HIGH_CONTRAST)
        kept, problem = settings.load()
        if problem is not None:
            self.notify(problem, severity="warning", timeout=10)
        if kept.theme in self.available_themes:
            self.theme = kept.theme
        if kept.keys:
            known = binding_ids()
            unknown = sorted(set(kept.keys) - known)
            if unknown:
                self.notify(
                    t("note.unknown_keys", names=", ".join(unknown)),
                    severity="warning",
                )
            self.set_keymap({k: v for k, v in kept.keys.items() if k in known})
        self.theme_changed_signal.subscribe(self, self._keep_theme)

    def _keep_theme(self, theme: Theme) -> None:
        try:
            settings.update(theme=theme.name)
        except (OSError, settings.NotKept) as err:
            self.notify(t("note.theme_not_kept", why=err), severity="warning")

    @property
    def explorer_screen(self) -> Screen:
        """The explorer's own screen, under any dialog or palette on top of it."""
        return self.screen_stack[0]

    def current_session(self) -> Session:
        """Everything on screen, as a session (before the first valid parameters: the ones the
        explorer opened with)."""
        params = self.params or self._initial
        chart = self.query_one(DescentChart)
        from tui.model.session import Session

        return Session(
            params,
            tuple(pin.spec for pin in self.pins),
            self.board.baseline_index(),
            chart.view,
            chart.log_loss,
            self.explorer_screen.has_class("-demo"),
            self.query_one(PlaybackBar).shown,
        )

    def apply_session(self, session: Session) -> None:
        """Show ``session``: its parameters, pins, baseline and view; then run it all."""
        self.query_one(ParamsForm).set_params(session.params)
        self.params = session.params
        self.board = PinBoard.restored(session.pins, session.baseline)
        chart = self.query_one(DescentChart)
        chart.view = session.view
        chart.log_loss = session.log_loss
        self.explorer_screen.set_class(session.demo, "-demo")
        bar = self.query_one(PlaybackBar)
        bar.playing = False
        bar.shown = session.step  # kept when the run arrives, as a new run keeps the step
        self._submit()
        self._show_pins()

    def action_export(self) -> None:
        """The export screen, with a screenshot of the explorer as it is now."""
        if self._current is None:
            self.notify(t("note.nothing_to_export"), severity="warning")
            return
        if len(self.screen_stack) > 1:
            return
        from tui.app.screens.export import ExportScreen  # loaded when first used, not at start

        pins = [(pin.number, pin.result) for pin in self.pins if pin.result is not None]
        self.push_screen(ExportScreen(self._current, pins, self.export_screenshot()))

    def action_session(self) -> None:
        """The session screen: copy or paste the one-line session, save or open a file."""
        from tui.app.screens.session import SessionScreen  # loaded when first used

        session = self.current_session()
        if session is not None and not isinstance(self.screen, SessionScreen):
            self.push_screen(SessionScreen(session), self._session_closed)

    def _session_closed(self, session: Session | None) -> None:
        if session is not None:
            self.apply_session(session)
            self.notify(t("note.session_opened"))

    def action_play(self) -> None:
        """Play the run step by step, or pause."""
        self.query_one(PlaybackBar).toggle()

    def action_step(self, delta: int) -> None:
        """Pause, and go ``delta`` steps on or back."""
        self.query_one(PlaybackBar).step_by(delta)

    def action_play_start(self) -> None:
        """Pause on the first step."""
        self.query_one(PlaybackBar).to_start()

    def action_play_end(self) -> None:
        """Stop playback: the whole run again."""
        self.query_one(PlaybackBar).to_end()

    def action_speed(self, direction: int) -> None:
        """Play faster (+1) or slower (-1)."""
        self.query_one(PlaybackBar).faster(direction)

    def action_demo(self) -> None:
        """Demo mode: the fields hide; chart, log and the large readout stay."""
        self.explorer_screen.toggle_class("-demo")
        if self.explorer_screen.has_class("-demo") and isinstance(self.focused, Input):
            self.action_focus_chart()

    async def action_language(self) -> None:
        """Switch between English and Chinese, and keep the choice for next time."""
        code = "zh" if i18n.language() == "en" else "en"
        await self.switch_language(code)
        try:
            settings.update(language=code)
        except (OSError, settings.NotKept) as err:
            self.notify(t("note.language_not_kept", why=err), severity="warning")

    async def switch_language(self, code: str) -> None:
        """Show everything in language ``code``: the screen is composed again in it, with the
        same fields (as typed, even if invalid), view, playback step, pins and results."""
        if len(self.screen_stack) > 1:
            return
        form = self.query_one(ParamsForm)
        fields = {w.id: w.value for w in form.query("Input, Select, Checkbox") if w.id}
        session = self.current_session()  # the view: chart, log scale, playback step
        speed, cursor = self.query_one(PlaybackBar).speed, self.query_one(LogTable).cursor
        focused = self.focused.id if self.focused is not None else None
        i18n.set_language(code)
        keys.retranslate(self)
        if self.params is not None:
            self._initial = self.params
        await self.recompose()
        form = self.query_one(ParamsForm)
        for name, value in fields.items():
            form.query_one(f"#{name}").value = value  # type: ignore[attr-defined]
        chart, bar = self.query_one(DescentChart), self.query_one(PlaybackBar)
        chart.view, chart.log_loss, bar.speed = session.view, session.log_loss, speed
        self.query_one(LogTable).cursor = cursor
        if self._current is None:
            self.query_one(StatusLine).show_busy(t("status.loading"))
        self._show_current()
        bar.shown = session.step  # once the bar holds the run, so that the step is within it
        target = self.query(f"#{focused}") if focused else None
        (target.first() if target else self.query_one("#lr", Input)).focus()

    def action_command_palette(self) -> None:
        """Show the command palette: ours, which Textual 8.2.8's fast-key crashes cannot reach."""
        from textual.command import CommandPalette

        from tui.app.palette import SafeCommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(SafeCommandPalette(id="--command-palette"))

    def action_help(self) -> None:
        """Show the help screen."""
        from tui.app.screens.help import HelpScreen  # Markdown loads when help is first asked

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())
