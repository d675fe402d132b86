"""The explorer's screen: the fields, the chart, the pins, the log and the status line.

It holds what is on screen (the parameters, the current run, the pins) and the actions on it;
it sends its runs through the app (:meth:`ExplorerApp.submit`), which hands it their replies.
Its results pane (chart, log, pins, playback) is mounted once the first frame is out
(:mod:`tui.app.screens.results_pane`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, cast

from textual import events, getters, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Input

from tui.app.frames import PacedFrames
from tui.app.keys import typing_actions
from tui.app.markup import escape
from tui.app.messages import Replied
from tui.app.screens.explorer_keys import EXPLORER_BINDINGS
from tui.app.screens.pin_playback_actions import PinAndPlaybackActions
from tui.app.screens.results_pane import ResultsPane
from tui.app.widgets.footer import FittedFooter
from tui.app.widgets.params import ParamsForm
from tui.app.widgets.status import StatusLine, update_text
from tui.app.widgets.theory import TheoryPanel
from tui.engine.losses import parse_loss
from tui.engine.protocol import EngineReady, Gradients, RunDone, RunFailed, RunProgress
from tui.engine.spec import DEFAULT_TOL
from tui.i18n import t
from tui.model.params import PRESETS, Params
from tui.model.pins import Pin, PinBoard, shared
from tui.model.views import next_view

if TYPE_CHECKING:
    from tui.app.app import ExplorerApp
    from tui.app.screens.sweep import SweepScreen
    from tui.app.widgets.pins_table import PinsTable
    from tui.app.widgets.update_line import UpdateLine
    from tui.engine.plane_quadratic import LocalHessian
    from tui.engine.result import RunResult
    from tui.engine.theory import Theory
    from tui.engine.theory_plane import PlaneTheory
    from tui.model.session import Session


class ExplorerScreen(PacedFrames, PinAndPlaybackActions, ResultsPane, Screen[None]):
    """The live explorer: every valid edit re-runs the seed's loop in the engine. Its actions
    on the pins and the playback come from :class:`PinAndPlaybackActions`, its results pane's
    widgets from :class:`ResultsPane`."""

    BINDINGS = EXPLORER_BINDINGS

    VERTICAL_BREAKPOINTS = [(0, "-tiny"), (24, "-short"), (30, "-medium"), (40, "-tall")]
    """Classes by the terminal's height: what gives way on a small screen (explorer.tcss)."""

    AUTO_FOCUS = "#chart"
    """The chart has the focus from the start (Textual's first focusable, the form, cost two
    restyles of its 86 widgets: focused, then left for the chart), once it is mounted."""

    params: var[Params | None] = var(None)
    """The last valid parameters: what the screen shows, or is about to."""

    form = getters.query_one(ParamsForm)
    status = getters.query_one(StatusLine)
    theory_panel = getters.query_one(TheoryPanel)
    lr_field = getters.query_one("#lr", Input)

    def __init__(self, initial: Params, session: Session | None = None) -> None:
        super().__init__()
        self._initial = initial
        self._opening = session
        self.shown_request = 0
        """The id of the request whose results are on screen."""
        self.board = PinBoard()
        """The pinned runs, the baseline among them and the next pin's number."""
        self._request_pins: dict[int, tuple[int, ...]] = {}
        self.current: RunResult | None = None
        """The run on screen (``None`` before the first one arrives)."""
        self._theory: Theory | None = None
        self._hessian: LocalHessian | None = None
        self._plane: PlaneTheory | None = None
        """The theory of the current run of a loss of w1, w2 (``None`` for a loss of w)."""
        """The engine's Hessian at the starts of a loss of w1, w2 that is not quadratic."""
        self._curvature: float | None = None
        self._sweep: SweepScreen | None = None  # the range test this screen opened last
        self._resumed = False  # (the first resume's restyle is skipped: _styled_at_mount)
        self._early: list[Replied] = []  # the engine's replies before the results pane

    @property
    def explorer_app(self) -> ExplorerApp:
        """The app, typed (``textual.getters.app`` would import the app module here)."""
        return cast("ExplorerApp", self.app)

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
                yield from self.compose_results()
        yield TheoryPanel("", id="theory")
        yield StatusLine(t("status.starting"), id="status")
        yield FittedFooter()

    @on(events.ScreenResume)
    def _styled_at_mount(self, event: events.ScreenResume) -> None:
        """The first resume, as the app starts, styles nothing again.

        Textual 8.2.8 posts it to the default screen as it registers it, and handles it once
        the screen's widgets are mounted, each styled as it mounted: its restyle of every node
        (about a tenth of the first frame's CPU) would give the same styles. This handler runs
        before ``Screen._on_screen_resume`` (the subclass's first), which still lays out and
        refreshes; a later resume that asks for styles (``refresh_styles``) gets them.
        """
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    def on_mount(self) -> None:
        """Say that TensorFlow loads; the results pane is there, or mounts once the first frame
        is out (:meth:`ResultsPane.start_results`).

        A quit that lands between compose and mount (a browser visitor who leaves in the first
        second, ``ctrl+q`` at once) has Textual 8.2.8 remove the children first and deliver
        the mount after: then there is nothing to show, and nothing is done.
        """
        try:
            status = self.status
        except NoMatches:
            return
        status.show_busy(t("status.loading"))
        self.start_results()

    # -- runs ---------------------------------------------------------------------------------

    def _submit(self) -> None:
        """Run the current parameters and every pin (with the shared w0 and epochs) at once."""
        if self.params is None or not self.explorer_app.engine_ready:
            return
        spec = self.params.spec
        specs = [spec, *(shared(pin.spec, spec) for pin in self.pins)]
        request = self.explorer_app.submit(self, specs, self.params.loss, self.params.tol)
        self._request_pins = {request: tuple(pin.number for pin in self.pins)}

    def watch_params(self) -> None:
        """Re-run whenever the parameters change."""
        self._submit()

    @on(Replied)
    def _replied(self, event: Replied) -> None:
        """The engine's reply to one of this screen's requests, or its news that it loaded."""
        if self.hold_reply(event):  # shown once the results pane is mounted
            return
        reply = event.reply
        latest = self.explorer_app.engine.latest_id
        if isinstance(reply, EngineReady):
            self.engine_loaded(reply)
        elif isinstance(reply, RunDone):
            # A newer request is out (this screen's or the range test's): never show stale
            # results after newer ones.
            if reply.request_id == latest:
                self.run_done(reply)
        elif isinstance(reply, RunProgress):
            if reply.request_id == latest:
                self.status.show_busy(t("status.running", done=reply.done, total=reply.total))
        elif isinstance(reply, Gradients):
            self.playback.take_gradients(reply)
        elif isinstance(reply, RunFailed) and reply.request_id == latest:
            why = escape(str(reply.message))
            self.status.show_busy(t("status.refused", why=why))
            self.notify(why, title=t("note.refused"), severity="error")

    def engine_loaded(self, ready: EngineReady) -> None:
        """TensorFlow is in: say so, and run what is on screen (unless the range test is open:
        its runs stand for the explorer's, whose own run follows when it closes)."""
        path = "XLA" if ready.xla else t("status.graph_mode")
        took = t("status.took", seconds=ready.seconds) if self.explorer_app.show_timings else ""
        self.status.show_busy(t("status.loaded", version=ready.tf_version, took=took, path=path))
        self.playback.forget_asked()  # the update line's gradients asked before are lost
        if self._sweep is None or self._sweep not in self.app.screen_stack:
            self._submit()

    def run_done(self, done: RunDone) -> None:
        """Show the newest request's results: the current run and the pins."""
        self.shown_request = done.request_id
        self.current = done.results[0]
        self._curvature = done.curvature
        self._hessian = done.hessian
        fresh = dict(zip(self._request_pins[done.request_id], done.results[1:], strict=True))
        self.pins = [replace(p, result=fresh.get(p.number, p.result)) for p in self.pins]
        self.show_current()

    # -- showing ------------------------------------------------------------------------------

    def show_current(self) -> None:
        """The current run and the pins in every pane."""
        result = self.current
        if result is None:
            return
        self.playback.show_run(result)
        self.form.show_rates(result)
        self.status.show_result(result, self.explorer_app.show_timings)
        self.show_theory(result, self._curvature)
        self.show_pins()

    def show_theory(self, result: RunResult, curvature: float | None) -> None:
        """The theory of the current rate (exact for a quadratic, else the local curvature)."""
        if self.params is None:
            return
        # The theory's modules load with the first result, not on the way to the first frame.
        from tui.app.widgets.theory_two import describe_plane, plane_theory_of
        from tui.engine.theory import theory_for

        expr = parse_loss(result.loss_expr)
        if len(expr.params) == 2:  # the one-parameter theory is not for a loss of w1, w2
            self._theory = None
            self._plane = plane_theory_of(expr, result, self._hessian)
            update_text(self.theory_panel, describe_plane(self._plane, result, self.params.tol))
            return
        self._plane = None
        self._theory = theory_for(
            expr,
            result.spec.lr,
            result.spec.w0,
            curvature_at=None if curvature is None else (lambda _w: curvature),
        )
        self.theory_panel.show(self._theory, result, self.params.tol, curvature)

    def show_pins(self) -> None:
        """Redraw the chart and the log with the pins, and the comparison table."""
        self.show_frame()
        table = self.pins_table
        table.set_class(bool(self.pins), "-shown")
        table.show(self.pins, self.baseline)

    def on_playback_bar_frame(self) -> None:
        """Playback reached another step (``PlaybackBar.Frame``)."""
        self.show_frame()

    def show_frame(self) -> None:
        """The chart and the log up to the step playback has reached (the whole run if none)."""
        if self.current is None:
            return
        bar = self.playback
        shown = bar.shown
        self._place_playback()
        current, pins = self.current, self.pins
        if shown is not None:
            current = current.prefix(shown)
            pins = [
                p if p.result is None else replace(p, result=p.result.prefix(shown)) for p in pins
            ]
        from tui.app.screens.sweep_theory import chart_rates  # (as show_theory's)

        rates = chart_rates(current.spec, current.loss_expr, self._theory, self._plane)
        whole = [] if shown is None else [self.current, *(p.result for p in self.pins if p.result)]
        self.chart.show(current, pins, rates, whole=whole)
        log = self.log_table
        log.show(current)
        if shown is not None:
            # After the refresh: the table's new size decides how far it can scroll.
            log.call_after_refresh(log.action_cursor_to, -1)

    def _place_playback(self) -> None:
        """The playback bar shows while a step is shown (``-shown``) and in demo mode (the
        stylesheet's rules): tell it whether it is in view, as it does nothing out of view."""
        bar = self.playback
        bar.set_class(bar.shown is not None, "-shown")
        bar.in_view = bar.shown is not None or self.has_class("-demo")

    def on_update_line_ask(self, event: UpdateLine.Ask) -> None:
        """The update line's gradients, from the engine (none asked while it is not ready: the
        line asks again once it is)."""
        app = self.explorer_app
        if app.engine_ready:
            app.engine.ask_gradients(event.loss, event.ws)

    # -- the fields ---------------------------------------------------------------------------

    @on(ParamsForm.Changed)
    def _params_changed(self, event: ParamsForm.Changed) -> None:
        self.params = event.params

    @on(ParamsForm.LeaveFields)
    def _leave_fields(self) -> None:
        """Escape in a field: the chart takes the focus (the screen's keys work again)."""
        self.action_focus_chart()

    # -- actions ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Printable-key actions are off while a text field has focus (it takes the key).

        Behind another screen (its footer still shows) they and the language switch are off
        too: only the app's keys are listed there, as the app's footer always listed them."""
        if action == "language":
            return self.is_active
        if action in TYPING_KEY_ACTIONS:
            return self.is_active and not isinstance(self.focused, Input)
        return True

    def on_descendant_focus(self) -> None:
        """Refresh the footer: which keys work depends on what has focus."""
        self.refresh_bindings()

    def action_preset(self, number: int) -> None:
        """Load one of the lesson's three experiments (the tolerance stays as it is)."""
        tol = self.params.tol if self.params is not None else DEFAULT_TOL
        self.form.set_params(replace(PRESETS[number], tol=tol))

    def action_race(self) -> None:
        """The optimizer race (:data:`tui.model.session.RACE`): GD, momentum and Adam pinned on
        Rosenbrock's valley from one start, in place of the pins there."""
        from tui.model.session import RACE

        self.apply_session(RACE)

    # (The results pane's messages are handled by name: their classes load with the pane.)

    def on_pins_table_use(self, event: PinsTable.Use) -> None:
        """Make the pin the current run: its rate and schedule go back into the fields."""
        pin = self.board.find(event.number)
        if pin is not None and self.params is not None:
            spec = shared(pin.spec, self.params.spec)
            self.form.set_params(replace(self.params, spec=spec))

    def on_pins_table_remove(self, event: PinsTable.Remove) -> None:
        self.action_unpin(event.number)

    def on_pins_table_baseline(self, event: PinsTable.Baseline) -> None:
        """Compare the other pins with this one."""
        self.board.set_baseline(event.number)
        self.show_pins()

    def action_nudge_lr(self, direction: int) -> None:
        """Raise or lower the learning rate by a fixed factor."""
        self.form.nudge("lr", direction)

    def action_mirror(self) -> None:
        """Set lr to 1 - lr: on (w+1)^2 the contraction |1 - 2 lr| is the same."""
        field = self.lr_field
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
        chart = self.chart
        chart.log_loss = not chart.log_loss

    def action_cycle_view(self) -> None:
        """The next chart view."""
        chart = self.chart
        chart.view = next_view(chart.view, chart.count)

    def action_focus_fields(self) -> None:
        """Focus the learning-rate field (in demo mode, the fields come back first: focused while
        hidden, it took the keys typed, unseen)."""
        self.remove_class("-demo")
        self._place_playback()
        self.lr_field.focus()

    def action_focus_chart(self) -> None:
        """Focus the chart."""
        self.chart.focus()

    def action_focus_table(self) -> None:
        """Focus the log table."""
        self.log_table.focus()

    def action_sweep(self) -> None:
        """Open the lr range test on the current parameters."""
        app = self.explorer_app
        if self.params is None or not app.engine_ready:
            app.say_engine_busy()
            return
        # Loaded here, not at start: the first frame does not need the range test's screen.
        from tui.app.screens.sweep import SweepScreen

        self._sweep = SweepScreen(self.params, self._theory)
        app.push_screen(self._sweep, self._sweep_closed)

    def _sweep_closed(self, lr: float | None) -> None:
        """Back from the sweep: apply its rate, or run the current parameters again (once)."""
        self._sweep = None
        text = None if lr is None else f"{lr:.6g}"
        if text is not None and self.params is not None and float(text) != self.params.spec.lr:
            self.lr_field.value = text  # the field's change runs the new rate
        else:
            self._submit()  # the sweep superseded the explorer's last request

    def current_session(self) -> Session:
        """Everything on screen, as a session (before the first valid parameters: the ones the
        explorer opened with)."""
        from tui.model.session import Session

        chart = self.chart
        return Session(
            self.params or self._initial,
            tuple(pin.spec for pin in self.pins),
            self.board.baseline_index(),
            chart.view,
            chart.log_loss,
            self.has_class("-demo"),
            self.playback.shown,
        )

    def apply_session(self, session: Session) -> None:
        """Show ``session``: its parameters, pins, baseline and view; then run it all."""
        self.form.set_params(session.params)
        self.params = session.params
        self.board = PinBoard.restored(session.pins, session.baseline)
        chart = self.chart
        chart.view = session.view
        chart.log_loss = session.log_loss
        self.set_class(session.demo, "-demo")
        self._place_playback()
        if session.demo and isinstance(self.focused, Input):
            self.action_focus_chart()  # the fields are hidden: the demo's keys work at once
        bar = self.playback
        bar.playing = False
        bar.shown = session.step  # kept when the run arrives, as a new run keeps the step
        self._submit()
        self.show_pins()

    def action_export(self) -> None:
        """The export screen, with a screenshot of the explorer as it is now."""
        if self.current is None:
            self.notify(t("note.nothing_to_export"), severity="warning")
            return
        from tui.app.screens.export import ExportScreen  # loaded when first used, not at start

        pins = [(pin.number, pin.result) for pin in self.pins if pin.result is not None]
        self.app.push_screen(ExportScreen(self.current, pins, self.app.export_screenshot()))

    def action_demo(self) -> None:
        """Demo mode: the fields hide; chart, log and the large readout stay."""
        self.toggle_class("-demo")
        self._place_playback()
        if self.has_class("-demo") and isinstance(self.focused, Input):
            self.action_focus_chart()

    async def action_language(self) -> None:
        """Switch between English and Chinese (the app's switch), and keep the choice."""
        await self.explorer_app.action_language()

    async def recompose_in_language(self) -> None:
        """Compose the screen again (in the language just set), with the same fields (as
        typed, even if invalid), view, playback step, pins and results."""
        fields = self.form.fields()
        session = self.current_session()  # the view: chart, log scale, playback step
        speed, cursor = self.playback.speed, self.log_table.cursor
        focused = self.focused.id if self.focused is not None else None
        if self.params is not None:
            self._initial = self.params
        await self.recompose()
        self.form.restore(fields)
        chart, bar = self.chart, self.playback
        chart.view, chart.log_loss, bar.speed = session.view, session.log_loss, speed
        self.log_table.cursor = cursor
        if self.current is None:
            self.status.show_busy(t("status.loading"))
        self.show_current()
        bar.shown = session.step  # once the bar holds the run, so that the step is within it
        target = self.query(f"#{focused}") if focused else None
        (target.first() if target else self.chart).focus()


#: Actions bound to printable keys only: a text field takes those keys, so they are off while
#: typing (help stays on: f1 types nothing).
TYPING_KEY_ACTIONS = typing_actions(ExplorerScreen.BINDINGS)
