"""What the parameter pane's fields show for a set of parameters, what they hold as typed, and
its error line's text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tui.app.markup import escape
from tui.engine.losses import LossError, parse_loss
from tui.engine.spec import RunSpec
from tui.model.parameters import PARAMETERS, Parameter
from tui.model.params import Params

#: The fields whose numbers are shown in full where ``%g`` would round them (others: ``%g``).
EXACT_TEXT = ("lr", "w0", "w2")

#: The most characters of a field's message shown: a pasted page quoted whole would take
#: seconds to lay out at every keystroke.
MAX_MESSAGE = 200


@dataclass(frozen=True)
class Fields:
    """What the form's widgets hold, valid or not, by id: to put back in a form made anew."""

    texts: dict[str, str]
    choices: dict[str, object]
    boxes: dict[str, bool]


def loss_count(text: str) -> int | None:
    """How many parameters the loss typed as ``text`` has (1 or 2), ``None`` if it is refused."""
    try:
        return len(parse_loss(text).params)
    except LossError:
        return None


def number_text(value: float) -> str:
    """A number as typed: short where that is exact, else in full."""
    return f"{value:g}" if value == float(f"{value:g}") else repr(value)


def field_text(record: Parameter, value: Any) -> str:
    """The text field ``record`` shows for ``value`` (a value of the record's ``kind``: a list's
    is a tuple of numbers, a number's a float; the table's values are ``Any``, as its
    ``default`` and ``read`` are)."""
    if record.kind == "text" or record.kind == "whole":
        return str(value)
    if record.kind == "list":
        return ", ".join(str(v) if isinstance(v, int) else f"{v:g}" for v in value)
    if record.name in EXACT_TEXT:
        return number_text(float(value))
    return f"{value:g}"


def params_values(params: Params, table: tuple[Parameter, ...] = PARAMETERS) -> dict[str, str]:
    """The text each text field shows for ``params`` (a value it does not hold: the default)."""
    spec = params.spec
    values: dict[str, str] = {}
    for record in table:
        if record.kind in ("flag", "choice"):
            continue
        if record.home == "params":
            value = getattr(params, record.attribute)
        elif record.home == "run":
            value = getattr(spec, record.attribute)
        elif spec.schedule is not None:
            value = getattr(spec.schedule, record.attribute)
        elif record.name == "steps":
            # Without a schedule yet, T defaults to the run's length: the whole decay on screen.
            value = spec.epochs
        else:
            value = record.default
        if value is None:  # w2's start of a loss of w shows what a loss of w1, w2 would start at
            value = record.default
        values[record.name] = field_text(record, value)
    return values


def flags(spec: RunSpec) -> tuple[bool, bool]:
    """The staircase and cycle boxes for ``spec`` (a keras schedule holds its own)."""
    if spec.schedule is not None:
        return spec.schedule.staircase, spec.schedule.cycle
    return spec.staircase, False


def error_text(message: str) -> str:
    """``message`` as the error line shows it: cut to :data:`MAX_MESSAGE`, as plain text."""
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 1] + "…"
    return escape(message)
