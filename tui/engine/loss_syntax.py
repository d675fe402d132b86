"""The validated syntax tree of a typed loss, and its canonical text.

What was typed, normalized (``^`` is ``**``), with the column of each node for messages: the
parser (:mod:`tui.engine.losses`) builds it from Python's :mod:`ast` after the whitelist check,
renders it as the canonical text, then folds and lowers it to the program
(:mod:`tui.engine.loss_ir`). Columns are 0-based char indices of the parser's prepared text.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ATOM_PRECEDENCE",
    "Binary",
    "Call",
    "Name",
    "Number",
    "Syntax",
    "Unary",
    "precedence",
    "render",
    "start",
]


@dataclass(frozen=True)
class Number:
    """A number, as typed (``text``) and as a float."""

    value: float
    text: str
    column: int


@dataclass(frozen=True)
class Name:
    """``w``, ``w1``, ``w2``, ``pi`` or ``e``."""

    name: str
    column: int


@dataclass(frozen=True)
class Unary:
    """``+operand`` or ``-operand``."""

    op: str
    operand: Syntax
    column: int


@dataclass(frozen=True)
class Binary:
    """``left op right`` for op ``+``, ``-``, ``*``, ``/`` or ``**``; the column of ``op``."""

    op: str
    left: Syntax
    right: Syntax
    column: int


@dataclass(frozen=True)
class Call:
    """A call of a function of the registry."""

    name: str
    args: tuple[Syntax, ...]
    column: int


#: Any node of the syntax tree.
Syntax = Number | Name | Unary | Binary | Call

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "**": 4}
_UNARY_PRECEDENCE = 3
#: The precedence of a number, a name or a call: never needs parentheses.
ATOM_PRECEDENCE = 5


def precedence(node: Syntax) -> int:
    """How tightly ``node`` binds, for deciding on parentheses."""
    if isinstance(node, Binary):
        return _PRECEDENCE[node.op]
    if isinstance(node, Unary):
        return _UNARY_PRECEDENCE
    return ATOM_PRECEDENCE


def start(node: Syntax) -> int:
    """The char index where a syntax node's text starts (binary: its left operand's)."""
    while isinstance(node, Binary):
        node = node.left
    return node.column


def render(node: Syntax, compact: bool = False) -> str:
    """Python-style text of a syntax tree with only the parentheses its structure needs.

    Numbers keep their typed form. ``compact`` leaves out all blanks, so that the text is never
    longer than what was typed (spacing aside).
    """
    if isinstance(node, Number):
        return node.text
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Call):
        comma = "," if compact else ", "
        return f"{node.name}({comma.join(render(arg, compact) for arg in node.args)})"
    if isinstance(node, Unary):
        operand = render(node.operand, compact)
        if precedence(node.operand) < _UNARY_PRECEDENCE:
            operand = f"({operand})"
        return f"{node.op}{operand}"
    prec = _PRECEDENCE[node.op]
    left, right = render(node.left, compact), render(node.right, compact)
    if node.op == "**":  # right-associative; a unary operand is fine on the right
        left_parens = precedence(node.left) <= prec
        right_parens = precedence(node.right) < _UNARY_PRECEDENCE
    else:
        left_parens = precedence(node.left) < prec
        right_parens = precedence(node.right) <= prec
    if left_parens:
        left = f"({left})"
    if right_parens:
        right = f"({right})"
    if node.op in ("+", "-") and not compact:
        return f"{left} {node.op} {right}"
    return f"{left}{node.op}{right}"
