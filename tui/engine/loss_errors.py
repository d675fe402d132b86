"""How a refused loss is reported: :class:`LossError` and the refusal messages the parser uses.

Every message is a :class:`~tui.i18n.Msg` from the catalogues (``loss.*`` keys), shown in the
language of whoever shows it; Python's own syntax errors are mapped onto catalogue messages
where one fits (:func:`python_syntax`).
"""

from __future__ import annotations

import re
from typing import Any

from tui.i18n import Msg, msg

__all__ = ["NAME_HINTS", "REFUSED_NODES", "LossError", "python_syntax"]

#: Hints for names people type that are not allowed.
NAME_HINTS: dict[str, Msg] = {
    "x": msg("loss.hint.parameter"),
    "W": msg("loss.hint.lower_w"),
    "ln": msg("loss.hint.ln"),
    "pow": msg("loss.hint.pow"),
    "square": msg("loss.hint.square"),
    "arctan": msg("loss.hint.arctan"),
    "exponential": msg("loss.hint.exp"),
    "PI": msg("loss.hint.pi"),
    "Pi": msg("loss.hint.pi"),
    "E": msg("loss.hint.e"),
}

#: The kinds of Python syntax a loss may not use, each with its own message.
REFUSED_NODES: dict[str, Msg] = {
    "Compare": msg("loss.compare"),
    "BoolOp": msg("loss.boolean"),
    "Lambda": msg("loss.lambda"),
    "ListComp": msg("loss.comprehension"),
    "SetComp": msg("loss.comprehension"),
    "DictComp": msg("loss.comprehension"),
    "GeneratorExp": msg("loss.comprehension"),
    "NamedExpr": msg("loss.walrus"),
    "Starred": msg("loss.starred"),
    "IfExp": msg("loss.conditional"),
    "Tuple": msg("loss.tuple"),
    "List": msg("loss.list"),
    "Set": msg("loss.set"),
    "Dict": msg("loss.dict"),
    "JoinedStr": msg("loss.string"),
    "FormattedValue": msg("loss.string"),
    "Await": msg("loss.await"),
    "Yield": msg("loss.yield"),
    "YieldFrom": msg("loss.yield"),
    "Slice": msg("loss.slice"),
}

#: Python's own syntax errors (as Python 3.11 words them) that have a message in the
#: catalogues: a pattern over Python's text -> the key, its groups being the placeholders.
#: Any other message is shown as Python gives it.
_PYTHON_SYNTAX: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), key)
    for pattern, key in (
        (r"invalid syntax", "loss.python.invalid_syntax"),
        (r"invalid syntax\. Perhaps you forgot a comma\?", "loss.python.forgot_comma"),
        (r"invalid decimal literal", "loss.python.decimal"),
        (r"'(?P<bracket>.)' was never closed", "loss.python.never_closed"),
        (r"unmatched '(?P<bracket>.)'", "loss.python.unmatched"),
        (
            r"closing parenthesis '(?P<closing>.)' does not match opening parenthesis "
            r"'(?P<opening>.)'",
            "loss.python.mismatch",
        ),
        (
            r"leading zeros in decimal integer literals are not permitted; "
            r"use an 0o prefix for octal integers",
            "loss.python.leading_zeros",
        ),
        (
            r"unterminated string literal \(detected at line (?P<line>\d+)\)",
            "loss.python.unterminated",
        ),
        (r"invalid non-printable character U\+(?P<code>[0-9A-F]+)", "loss.python.non_printable"),
        (r"invalid character '(?P<char>.+)' \(U\+(?P<code>[0-9A-F]+)\)", "loss.python.character"),
        (r"invalid hexadecimal literal", "loss.python.hexadecimal"),
        (r"invalid octal literal", "loss.python.octal"),
        (r"invalid binary literal", "loss.python.binary"),
        (r"invalid digit '(?P<digit>.)' in octal literal", "loss.python.octal_digit"),
        (r"invalid digit '(?P<digit>.)' in binary literal", "loss.python.binary_digit"),
        (
            r"unexpected character after line continuation character",
            "loss.python.continuation",
        ),
    )
)


def python_syntax(message: str) -> str | Msg:
    """Python's syntax error ``message`` as a catalogue message, or as it is if none fits.

    ``invalid decimal literal`` gains the hint ``(write 2*w for a product)``.
    """
    for pattern, key in _PYTHON_SYNTAX:
        match = pattern.fullmatch(message)
        if match:
            return msg(key, **match.groupdict())
    return message


class LossError(ValueError):
    """A refused loss expression.

    ``expression`` is the text as given, ``column`` the 1-based column in it where the problem is
    (``None`` when it concerns the whole expression) and ``reason`` what is wrong, in words: a
    :class:`~tui.i18n.Msg`, shown in the language of the moment. ``str(err)`` is one line such
    as ``loss: column 5: name 'x' is not allowed (...)``, made when it is shown; :attr:`message`
    is the same line as a message, for another process to show in its own language.
    """

    def __init__(self, expression: str, reason: str | Msg, column: int | None = None) -> None:
        super().__init__(expression, reason, column)
        self.expression = expression
        self.reason = reason
        self.column = column

    @property
    def message(self) -> Msg:
        """The one line of ``str(err)`` as a message, shown in the language of whoever shows it."""
        if self.column is None:
            return msg("loss.error", reason=self.reason)
        return msg("loss.error_at", column=self.column, reason=self.reason)

    def __str__(self) -> str:
        return str(self.message)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle with the constructor's arguments (the default would pass only the message)."""
        return (type(self), (self.expression, self.reason, self.column))
