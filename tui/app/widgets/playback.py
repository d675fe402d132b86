"""Step-by-step playback of a run, with a large readout of the step, w, loss and lr, and the
step's update written out with its numbers (:mod:`tui.app.widgets.update_line`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import var
from textual.renderables.digits import Digits as DigitsRenderable
from textual.widgets import Digits, Label

from tui.app.keys import bound_key
from tui.app.markup import escape
from tui.app.widgets.status import update_text
from tui.app.widgets.update_line import UpdateLine
from tui.engine.protocol import Gradients
from tui.engine.result import RunResult
from tui.i18n import counted, t

#: Playback speeds, in steps a second; ``>`` and ``<`` move along them.
SPEEDS = (1, 2, 5, 10, 20, 50, 100, 1_000, 10_000)

#: The speed playback starts at (an index into :data:`SPEEDS`): 5 steps a second.
DEFAULT_SPEED = 2

#: The playback line's keys: its words' names for them, and their bindings' ids.
PLAYBACK_KEYS = {
    "play": "play",
    "back": "step-back",
    "on": "step-on",
    "start": "play-start",
    "end": "play-end",
    "slower": "slower",
    "faster": "faster",
}

#: Seconds between two frames; faster speeds take several steps a frame.
TICK = 0.05


def digits_text(value: float, decimals: int = 4) -> str:
    """A number in the characters :class:`Digits` can draw (``E`` for large or tiny ones)."""
    if not math.isfinite(value):
        return "---"  # inf or nan: the status line says which
    if value != 0 and not 10**-decimals <= abs(value) < 10**6:
        return f"{value:.{min(decimals, 3)}E}"
    return f"{value:.{decimals}f}"


def fitted(value: float, decimals: int, width: int) -> str:
    """:func:`digits_text` with as many of ``decimals`` as fit in ``width`` cells (at least 1)."""
    text = digits_text(value, decimals)
    while decimals > 1 and DigitsRenderable.get_width(text) > width:
        decimals -= 1
        text = digits_text(value, decimals)
    return text


class PlaybackBar(Vertical):
    """The current step's step, w, loss and lr in large digits, and playback's state.

    ``shown`` is how many steps are on screen (``None``: the whole run). Playing moves it on
    at ``SPEEDS[speed]`` steps a second; every move posts :class:`PlaybackBar.Frame`.
    """

    DEFAULT_CSS = """
    PlaybackBar {
        height: auto;
        padding: 0 1;
        & Horizontal {
            height: auto;
        }
        & .readout {
            width: 1fr;
            height: auto;
        }
        & Label {
            color: $text-muted;
        }
        & Digits {
            color: $text-accent;
        }
    }
    """

    shown: var[int | None] = var(None)
    """How many steps are on screen; ``None`` for the whole run."""
    playing: var[bool] = var(False)
    """Whether the steps advance by themselves."""
    speed: var[int] = var(DEFAULT_SPEED)
    """An index into :data:`SPEEDS`."""
    in_view: var[bool] = var(True, init=False)
    """Whether the bar is on screen (the explorer hides it but during playback and in demo
    mode, and says so here). Out of view it keeps the run and the step but does not show their
    values, and its update line asks the engine for no gradient: each key's new run did both,
    unseen, and the answer laid the screen out once more. Coming into view, it shows them at
    once. The line on playback's state is kept up to date in or out of view (it changes with
    the run's length alone)."""

    @dataclass
    class Frame(Message):
        """Show the run up to step ``shown`` (``None``: all of it)."""

        shown: int | None

        def can_replace(self, message: Message) -> bool:
            """A newer frame replaces one not yet drawn."""
            return isinstance(message, PlaybackBar.Frame)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.result: RunResult | None = None
        self._carry = 0.0

    def compose(self) -> ComposeResult:
        """Four labelled readouts, the step's update written out and a line on playback's
        state."""
        with Horizontal():
            for name in ("step", "w", "w2", "loss", "lr"):
                # w2's readout shows for a run of two parameters only (w's is then w1's).
                with Vertical(classes="readout", id=f"readout-{name}") as readout:
                    readout.display = name != "w2"
                    yield Label(t(f"readout.{name}"), id=f"label-{name}")
                    yield Digits("", id=f"digits-{name}")
        yield UpdateLine(id="update-line")
        yield Label("", id="playback-state")

    def on_mount(self) -> None:
        """A timer that runs only while playing."""
        self._timer = self.set_interval(TICK, self._tick, pause=True)
        self._show_state()

    @property
    def total(self) -> int:
        """The steps of the run being played."""
        return 0 if self.result is None else len(self.result.w)

    def show_run(self, result: RunResult) -> None:
        """Play ``result`` from now on (a new run keeps the step reached, if it has it)."""
        self.result = result
        if self.shown is not None and self.shown >= self.total:
            self.shown = None
        self._show_values()
        self._show_state()  # the run's length

    def take_gradients(self, answer: Gradients) -> None:
        """The engine's answer to the update line's request for gradients."""
        if self._showing:
            self.query_one(UpdateLine).take(answer)

    def forget_asked(self) -> None:
        """The engine (re)started: the update line asks again for what it lacks."""
        if self._showing:
            self.query_one(UpdateLine).forget_asked()

    def toggle(self) -> None:
        """Play or pause; playing from the end starts again from the first step."""
        if self.playing:
            self.playing = False
            return
        if self.total == 0:
            return
        if self.shown is None or self.shown >= self.total:
            self.shown = 1
        self.playing = True

    def step_by(self, delta: int) -> None:
        """Pause, and move ``delta`` steps (from the end if the whole run is shown)."""
        if self.total == 0:
            return
        self.playing = False
        current = self.total if self.shown is None else self.shown
        self.shown = max(1, min(self.total, current + delta))

    def to_start(self) -> None:
        """Pause on the first step."""
        if self.total:
            self.playing = False
            self.shown = 1

    def to_end(self) -> None:
        """Stop playback: the whole run again."""
        self.playing = False
        self.shown = None

    def faster(self, direction: int) -> None:
        """One speed faster (+1) or slower (-1)."""
        self.speed = max(0, min(len(SPEEDS) - 1, self.speed + direction))

    def _tick(self) -> None:
        if not self.playing or self.shown is None:
            return
        self._carry += SPEEDS[self.speed] * TICK
        steps = int(self._carry)
        self._carry -= steps
        if steps:
            self.shown = min(self.total, self.shown + steps)
            if self.shown >= self.total:
                self.playing = False

    def watch_shown(self) -> None:
        """Tell the app which steps to show, and show the last of them here."""
        self._show_values()
        self._show_state()
        self.post_message(self.Frame(self.shown))

    def watch_playing(self, playing: bool) -> None:
        """Run the timer only while playing."""
        self._carry = 0.0
        if playing:
            self._timer.resume()
        else:
            self._timer.pause()
        self._show_state()

    def watch_speed(self) -> None:
        """Show the new speed."""
        self._show_state()

    def watch_in_view(self, in_view: bool) -> None:
        """Show the values of the step kept while out of view."""
        if in_view:
            self._show_values()

    def on_resize(self) -> None:
        """Fit the numbers, and the playback line, to the new width."""
        self._show_values()
        self._show_state()

    @property
    def _showing(self) -> bool:
        """Whether the bar's own widgets are there to show values in: not before it is
        mounted, nor while it is being removed. Textual 8.2.8 still delivers events (a
        ``Resize``) to a widget whose children it is removing, as ``recompose`` does on the
        language key, and then ``query_one`` finds some of them gone (``NoMatches``)."""
        return self.is_mounted and not self._pruning

    def _show_values(self) -> None:
        if self.result is None or not self._showing or not self.in_view:
            return
        # min: a session may ask for a step of a run still on its way.
        index = min(self.total, self.total if self.shown is None else self.shown) - 1
        r = self.result
        lr = r.rates
        two = r.w2 is not None
        readout = self.query_one("#readout-w2")
        if readout.display != two:
            readout.display = two
        # Only what changed is drawn again, and laid out only if its size can change.
        update_text(self.query_one("#label-w", Label), t("readout.w1" if two else "readout.w"))
        values = {
            "w": (float(r.w[index]), 4),
            **({"w2": (float(r.w2[index]), 4)} if r.w2 is not None else {}),
            "loss": (float(r.loss[index]), 4),
            "lr": (float(np.float64(lr[index])), 6),
        }
        _set_digits(self.query_one("#digits-step", Digits), str(int(r.step[index])))
        self.query_one(UpdateLine).show_step(r, index)
        for name, (value, decimals) in values.items():
            digits = self.query_one(f"#digits-{name}", Digits)
            # Fewer decimals on a narrow screen, rather than digits cut off at the edge.
            room = digits.size.width - 1 if digits.size.width else 10**6
            _set_digits(digits, fitted(value, decimals, room))

    def _show_state(self) -> None:
        if not self._showing:
            return
        if self.shown is None:
            where = t("playback.all", total=self.total)
        elif self.result is None:  # a session's step, its run still on the way
            where = t("playback.at_waiting", step=self.shown)
        else:
            where = t("playback.at", step=self.shown, total=self.total)
        state = "playing" if self.playing else "paused" if self.shown is not None else "stopped"
        speed = counted("playback.speed", SPEEDS[self.speed])
        line = t(f"playback.{state}", where=where, speed=speed)
        keys = {name: escape(bound_key(self.app, id)) for name, id in PLAYBACK_KEYS.items()}
        with_keys = f"{line}   {t('playback.keys', **keys)}"
        room = self.content_size.width
        # The keys only where they fit whole (the help lists them): never cut mid-word.
        if not room or Content.from_markup(with_keys).cell_length <= room:
            line = with_keys
        update_text(self.query_one("#playback-state", Label), line)


def _set_digits(digits: Digits, text: str) -> None:
    """Show ``text`` in ``digits``; nothing is done for the same text (Textual 8.2.8's
    ``Digits.update`` draws it again)."""
    if digits.value != text:
        digits.update(text)
