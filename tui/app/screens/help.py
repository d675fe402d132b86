"""The help screen (``?`` or ``f1``): the keys, the fields, and what the chart shows."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from tui.engine.losses import FUNCTIONS
from tui.engine.schedules import FORMULAS, KERAS_CLASSES, WARMUP_FORMULA
from tui.engine.spec import OPTIMIZERS

HELP = """\
# lr-explorer

Gradient descent on a loss of one parameter *w*, bit-exact with TensorFlow's eager
`GradientTape` loop. Every valid edit re-runs the loop; no Enter is needed.

## Keys anywhere (outside a text field)

| key | action |
|---|---|
| `1` `2` `3` | the lesson's experiments: lr 0.01, lr 0.99, exponential decay |
| `+` / `-` | learning rate up / down by a factor of 10^0.1 |
| `m` | mirror the rate: lr -> 1 - lr (same speed on (w+1)^2) |
| `l` | loss on a log scale, on / off |
| `v` | chart view: loss+w, all, loss, w, lr, path (the loss curve with each iterate) |
| `f` / `c` / `t` | go to the fields / the chart / the table |
| `p` | pin this run: it stays on the chart and in the comparison table |
| `x` / `X` | remove the selected (or last) pin / every pin |
| `s` | lr range test: hundreds of rates at once; `a` applies the one under the cursor |
| `space` | play the run step by step, or pause |
| `,` / `.` | one step back / on (pauses) |
| `[` / `]` | playback: the first step / the whole run |
| `<` / `>` | play slower / faster (1 to 10,000 steps a second) |
| `d` | demo mode: the fields hide; chart, log and a large readout of step, w, loss, lr |
| `e` | export the runs to CSV and JSON, the screen to SVG |
| `ctrl+s` | session: copy or paste one line, save or open a file |
| `?` / `f1` | this help |
| `ctrl+p` | command palette: every action by name |
| `ctrl+q` | quit |

## In a field

`up` / `down` nudge the value, `tab` / `shift+tab` move between fields,
`escape` leaves for the chart.

## In the log table

`up` `down` `pageup` `pagedown` `home` `end` move through the steps.

## In the comparison table

`enter` makes the pin the current run again, `b` makes it the baseline the others are
compared with, `x` removes it. A change of w0, epochs, the loss or the tolerance re-runs every
pin with it, in one engine call; each pin keeps its own rate, schedule and optimizer.

## Schedules

The rate at step *s* (0-based); the fields of the chosen schedule show under it, with its
formula and a preview of lr against step.

{schedules}

## Optimizers

`gd` is the lesson's update, `w -= lr * grads`. The others are `tf.keras.optimizers` fed the
same gradients: {optimizers}. `beta` is the momentum (RMSprop's rho, Adam's beta_1).

## The loss

An expression of `w`: `+ - * /`, `**` or `^`, the constants `pi` and `e`, and the functions
{functions}. `x**2` is computed as `tf.square(x)`, as the lesson does.
"""


def schedule_table() -> str:
    """Every schedule's formula as a Markdown table (T is the steps field)."""
    rows = ["| schedule | lr at step s | from |", "|---|---|---|"]
    for kind, text in FORMULAS.items():
        source = f"keras `{KERAS_CLASSES[kind]}`" if kind in KERAS_CLASSES else "the lesson"
        rows.append(f"| {kind} | `{text}` | {source} |")
    rows.append(f"| warm-up W, before any | `{WARMUP_FORMULA}` | keras `CosineDecay`'s warm-up |")
    return "\n".join(rows)


class HelpScreen(ModalScreen[None]):
    """A modal page of help; any of escape, q, ? or f1 closes it."""

    BINDINGS = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", id="close-help"),
    ]

    def compose(self) -> ComposeResult:
        """The help text, scrollable."""
        with VerticalScroll(id="help-body"):
            yield Markdown(
                HELP.format(
                    functions=", ".join(f"`{name}`" for name in FUNCTIONS),
                    schedules=schedule_table(),
                    optimizers=", ".join(f"`{name}`" for name in OPTIMIZERS[1:]),
                )
            )
