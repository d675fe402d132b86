"""The current step's update written out with its numbers: ``w − lr × ∂loss/∂w = … = w after``.

The lesson's update is ``w.assign_sub(lr * grads)``. Playback shows it for the step it is on,
with the digits the log prints (:func:`tui.readable.readable`). The gradient comes from the
engine (the UI never loads TensorFlow): the line asks for it with :class:`UpdateLine.Ask`, a
window of steps around the one shown at a time, and keeps the answers by the value of w they
were computed at (the gradient depends on the loss and w alone), so that playing on finds the
next steps' gradients already there.

For the seed's ``gd`` the equation is shown only when it holds in float32, as the loop computed
it (``w after == float32(w before − float32(lr32 × g))``); for another optimizer the line names
it, says its rule is not plain descent, and shows the gradient and the step it took.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass

import numpy as np
from textual.message import Message
from textual.widgets import Static

from tui.app.markup import escape
from tui.app.widgets.status import update_text as show_text
from tui.engine.protocol import Gradients
from tui.engine.result import RunResult
from tui.i18n import Msg, t
from tui.readable import readable

#: Steps asked about at once (at most the engine's limit, ``tui.engine.gradients.MAX_POINTS``)
#: and how many of them come before the step shown (stepping back finds those there too).
WINDOW = 32
BEFORE = 4

#: Gradients kept, the least recently used dropped first.
KEPT = 4096

#: What stands for a gradient not known yet.
WAITING = "…"


def _key(loss: str, w: float) -> tuple[str, int]:
    """A gradient's key: the loss and the float32 bits of w."""
    return loss, int(np.float32(w).view(np.int32))


def before_and_after(result: RunResult, index: int) -> tuple[np.float32, np.float32]:
    """The w before step ``index + 1`` (the start for the first) and the w after it."""
    before = np.float32(result.spec.w0) if index == 0 else result.w[index - 1]
    return np.float32(before), np.float32(result.w[index])


def holds(before: np.float32, lr32: np.float32, grad: np.float32, after: np.float32) -> bool:
    """Whether ``after`` is the lesson's update of ``before``: ``before − lr32 × grad``, the
    product rounded to float32 first (NaN counts as equal to NaN)."""
    with np.errstate(all="ignore"):
        update = np.float32(before - np.float32(lr32 * grad))
    return bool(update == after or (np.isnan(update) and np.isnan(after)))


def _number(value: float) -> str:
    """A number as the log prints it, in bold."""
    return f"[b]{escape(readable(value))}[/b]"


def update_text(result: RunResult, index: int, grad: float | None) -> str:
    """Step ``index + 1``'s update as markup, with ``grad`` the gradient at the w before it
    (``None``: not known yet)."""
    before, after = before_and_after(result, index)
    step = int(result.step[index])
    g = WAITING if grad is None else _number(grad)
    w, w_after = _number(float(before)), _number(float(after))
    if not result.spec.plain:
        with np.errstate(all="ignore"):
            delta = float(np.float64(after) - np.float64(before))
        name = t(f"choice.{result.spec.optimizer}")
        return t(
            "update.optimizer",
            step=step,
            optimizer=escape(name),
            g=g,
            w=w,
            after=w_after,
            delta=_number(delta),
        )
    lr = _number(float(result.rates[index]))
    if grad is not None and not holds(before, result.lr[index], np.float32(grad), after):
        return t("update.numbers", step=step, g=g, w=w, after=w_after)  # never a false equation
    return t("update.gd", step=step, w=w, lr=lr, g=g, after=w_after)


def complete(line: UpdateLine) -> bool:
    """Whether ``line`` shows its step's update whole (its gradient known), or no step yet."""
    return line.pending is not True


class UpdateLine(Static):
    """The update of the step playback shows, written out with its numbers."""

    DEFAULT_CSS = """
    UpdateLine {
        height: auto;  /* large numbers wrap at words to a second row, never cut */
        color: $text;
        &.-two-parameters {
            display: none;
        }
    }
    """

    @dataclass
    class Ask(Message):
        """Ask the engine for the gradient of ``loss`` at each of ``ws``."""

        loss: str
        ws: tuple[float, ...]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._grads: collections.OrderedDict[tuple[str, int], float] = collections.OrderedDict()
        self._asked: set[tuple[str, int]] = set()
        self._failed: dict[str, str | Msg] = {}
        self._shown: tuple[RunResult, int] | None = None
        self.pending: bool | None = None
        """Whether the step shown waits for its gradient (``None``: no step shown yet)."""

    def show_step(self, result: RunResult, index: int) -> None:
        """Show step ``index + 1`` of ``result`` (asking for its gradient if need be)."""
        self._shown = result, index
        self._show()

    def take(self, answer: Gradients) -> None:
        """Keep the engine's gradients (or why there are none), and show them if they are the
        step's. An answer to an older request is as true as a newer one: it is kept too."""
        keys = [_key(answer.loss, w) for w in answer.ws]
        self._asked.difference_update(keys)
        if answer.message is not None:
            self._asked.clear()
            self._failed = {answer.loss: answer.message}
        for key, grad in zip(keys, answer.grads, strict=False):
            self._grads[key] = grad
            self._grads.move_to_end(key)
        while len(self._grads) > KEPT:
            self._grads.popitem(last=False)
        self._show()

    def forget_asked(self) -> None:
        """The engine started again: what was asked may never be answered; ask again."""
        self._asked.clear()
        self._show()

    def _show(self) -> None:
        if self._shown is None:
            return
        result, index = self._shown
        # A run of two parameters (w1, w2) has no update of one w to write out (yet): no line.
        # A class, not ``display``: an inline display would override the stylesheet's rules that
        # hide the line on small screens (Screen.-tiny).
        self.set_class(result.w2 is not None, "-two-parameters")
        if result.w2 is not None:
            self.pending = False
            return
        loss = result.loss_expr
        if loss in self._failed:
            why = escape(str(self._failed[loss]))
            show_text(self, t("update.failed", step=int(result.step[index]), why=why))
            self.pending = False
            return
        before, _ = before_and_after(result, index)
        grad = self._grads.get(_key(loss, float(before)))
        if grad is None:
            self._ask(result, index)
        self.pending = grad is None
        show_text(self, update_text(result, index, grad))  # laid out only if its height changes

    def _ask(self, result: RunResult, index: int) -> None:
        """Ask for the gradients of a window of steps around ``index`` not known or asked yet
        (the newest request replaces any older one the engine has not begun)."""
        loss = result.loss_expr
        if _key(loss, float(before_and_after(result, index)[0])) in self._asked:
            return
        first = max(0, index - BEFORE)
        # The w before step i + 1 is the start for i = 0, else the w after step i.
        if first == 0:
            befores = np.concatenate(([np.float32(result.spec.w0)], result.w[: WINDOW - 1]))
        else:
            befores = result.w[first - 1 : first - 1 + WINDOW]
        ws: dict[tuple[str, int], float] = {}
        for w in befores:
            key = _key(loss, float(w))
            if key not in self._grads:
                ws.setdefault(key, float(w))
        self._asked = set(ws)
        # From this line itself: Textual 8.2.8 stops a message at the parent when the parent is
        # its sender (the pump active when it was made), as the bar is when a step moves on.
        self.post_message(self.Ask(loss, tuple(ws.values())).set_sender(self))
