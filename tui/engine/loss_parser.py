"""The parser of typed losses (:func:`tui.engine.losses.parse_loss` is its front door): the
text checked against a whitelist with :mod:`ast`, never evaluated, folded and lowered into a
:mod:`tui.engine.loss_ir` program, with a message naming the column of whatever it refuses.
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
import warnings

from tui.engine.loss_errors import NAME_HINTS, REFUSED_NODES, LossError, python_syntax
from tui.engine.loss_expr import ONE_PARAMETER, TWO_PARAMETERS, LossExpr
from tui.engine.loss_functions import BINARY_OPERATORS, FUNCTIONS, REGISTRY
from tui.engine.loss_ir import IntPow, Node, Num, Op, W, ops_of
from tui.engine.loss_syntax import (
    ATOM_PRECEDENCE,
    Binary,
    Call,
    Name,
    Number,
    Syntax,
    Unary,
    precedence,
    render,
    start,
)
from tui.i18n import Msg, msg

__all__ = ["CONSTANTS", "MAX_DEPTH", "MAX_LENGTH", "PARAMETER_NAMES", "SEED_LOSS", "Parser"]

#: The loss of the lesson, ``loss = tf.square(w + 1)``, as typed text.
SEED_LOSS: str = "(w + 1)**2"

#: The longest expression accepted, in characters (after stripping surrounding blanks).
MAX_LENGTH: int = 500

#: The deepest nesting of operators and calls accepted (parentheses alone do not count).
MAX_DEPTH: int = 100

#: The names of the parameters a loss may use, each with its :class:`~tui.engine.loss_ir.W`
#: index: ``w`` alone, or ``w1`` and ``w2``.
PARAMETER_NAMES: dict[str, int] = {"w": 0, "w1": 0, "w2": 1}

#: The named constants a loss may use.
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

#: The names a loss may call, for the message refusing any other name.
_ALLOWED_FUNCTIONS = ", ".join(FUNCTIONS)

#: Largest magnitude that rounds to a finite float32 (float32 max plus half an ulp, exclusive).
_FLOAT32_LIMIT = 2.0**128 - 2.0**103

#: Names that look like a parameter but are none (``w3``, ``w0``, ``W1``, ``x1``): their refusal
#: says which the parameters are.
_PARAMETER_LIKE = re.compile(r"[wWxX]_?[0-9]+")

#: The symbol of each Python binary operator, for messages (only some are allowed).
_AST_SYMBOLS: dict[type, str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^",
}


class Parser:
    """One parse: the typed text, its prepared form for ast and the column bookkeeping."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.stripped = text.strip()
        self.lead = len(text) - len(text.lstrip())
        prepared: list[str] = []
        index: list[int] = []  # prepared char index -> stripped char index
        for i, ch in enumerate(self.stripped):
            if ch == "^":
                prepared.append("**")
                index += [i, i]
            else:
                prepared.append(" " if ch == "\t" else ch)
                index.append(i)
        index.append(len(self.stripped))
        self.prepared = "".join(prepared)
        self.index = index
        self.ascii = self.prepared.isascii()
        self.encoded = b"" if self.ascii else self.prepared.encode("utf-8", "replace")
        #: The parameter names met so far, in the order met, with the column of the first.
        self.names: dict[str, int] = {}

    # Columns ---------------------------------------------------------------------------------

    def error(self, reason: str | Msg, char: int | None) -> LossError:
        """A LossError at 0-based ``char`` of the prepared text (None: the whole expression)."""
        if char is None:
            return LossError(self.text, reason)
        char = min(max(char, 0), len(self.index) - 1)
        return LossError(self.text, reason, self.lead + self.index[char] + 1)

    def char_of(self, byte_offset: int) -> int:
        """The prepared char index of an ast (UTF-8 byte) column offset."""
        if self.ascii:
            return byte_offset
        return len(self.encoded[:byte_offset].decode("utf-8", "replace"))

    def node_char(self, node: ast.AST) -> int:
        """The prepared char index where ``node`` starts."""
        return self.char_of(getattr(node, "col_offset", 0))

    def find_after(self, node: ast.AST, symbols: str) -> int:
        """The char index of the first of ``symbols`` after ``node`` ends (else its start)."""
        start = self.char_of(getattr(node, "end_col_offset", 0) or 0)
        for i in range(start, len(self.prepared)):
            if self.prepared[i] in symbols:
                return i
        return self.node_char(node)

    # Entry ----------------------------------------------------------------------------------

    def parse(self) -> LossExpr:
        stripped = self.stripped
        if not stripped:
            raise self.error(msg("loss.empty", seed=SEED_LOSS), None)
        if len(stripped) > MAX_LENGTH:
            raise LossError(
                self.text,
                msg("loss.too_long", length=len(stripped), max=MAX_LENGTH),
                self.lead + MAX_LENGTH + 1,
            )
        for i, ch in enumerate(self.prepared):
            if ch in "\n\r":
                raise self.error(msg("loss.line_break"), i)
            if unicodedata.category(ch) in ("Cc", "Cs"):
                raise self.error(msg("loss.character", code=f"{ord(ch):04X}"), i)
        tree = self.parse_ast()
        syntax = self.convert(tree.body, 1)
        program = self.lower(syntax)
        params = ONE_PARAMETER if "w" in self.names or not self.names else TWO_PARAMETERS
        if isinstance(program, Num):
            key = "loss.constant" if params == ONE_PARAMETER else "loss.constant_two"
            reason = msg(key, expression=render(syntax), value=repr(program.value))
            raise self.error(reason, None)
        return LossExpr(
            source=stripped,
            ops=ops_of(program),
            program=program,
            _canonical=self.canonical(syntax),
            params=params,
        )

    def canonical(self, syntax: Syntax) -> str:
        """The canonical text; without blanks if the spaced form would exceed MAX_LENGTH."""
        text = render(syntax)
        if len(text) > MAX_LENGTH:
            text = render(syntax, compact=True)
        if len(text) > MAX_LENGTH:  # only if NFKC lengthened a name (Python normalizes them)
            raise self.error(
                msg("loss.too_long_normalized", length=len(text), max=MAX_LENGTH), None
            )
        return text

    def parse_ast(self) -> ast.Expression:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # The newline makes errors at the end of the text point just past it.
                return ast.parse(self.prepared + "\n", mode="eval")
        except SyntaxError as exc:
            text = exc.msg or "invalid syntax"
            offset = exc.offset if exc.lineno == 1 else None
            if offset is None or offset < 1 or offset > len(self.prepared):
                if text == "invalid syntax":
                    message: str | Msg = msg("loss.incomplete")
                else:
                    message = python_syntax(text)
                reason = msg("loss.syntax", message=message)
                raise self.error(reason, len(self.prepared)) from None
            reason = msg("loss.syntax", message=python_syntax(text))
            raise self.error(reason, offset - 1) from None
        except (RecursionError, MemoryError):
            raise self.error(msg("loss.too_deep", depth=MAX_DEPTH), None) from None
        except ValueError as exc:  # null bytes, surrogates, integer string limits
            raise self.error(msg("loss.unreadable", error=str(exc)), None) from None

    # Whitelist ------------------------------------------------------------------------------

    def convert(self, node: ast.expr, depth: int) -> Syntax:
        """Check ``node`` against the whitelist and convert it to the syntax tree."""
        col = self.node_char(node)
        if depth > MAX_DEPTH:
            raise self.error(msg("loss.too_deep", depth=MAX_DEPTH), col)
        if isinstance(node, ast.Constant):
            return self.number(node, col)
        if isinstance(node, ast.Name):
            if node.id in PARAMETER_NAMES:
                self.parameter(node.id, col)
                return Name(node.id, col)
            if node.id in CONSTANTS:
                return Name(node.id, col)
            if node.id in FUNCTIONS:
                raise self.error(msg("loss.uncalled", name=node.id), col)
            raise self.error(self.name_reason(node.id), col)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, (ast.UAdd, ast.USub)):
                op = "+" if isinstance(node.op, ast.UAdd) else "-"
                return Unary(op, self.convert(node.operand, depth + 1), col)
            symbol = "not" if isinstance(node.op, ast.Not) else "~"
            raise self.error(msg("loss.unary_operator", symbol=symbol), col)
        if isinstance(node, ast.BinOp):
            symbol = _AST_SYMBOLS.get(type(node.op), "?")
            op_col = self.find_after(node.left, symbol[0])
            if symbol not in BINARY_OPERATORS:
                raise self.error(msg("loss.binary_operator", symbol=symbol), op_col)
            left = self.convert(node.left, depth + 1)
            right = self.convert(node.right, depth + 1)
            return Binary(symbol, left, right, op_col)
        if isinstance(node, ast.Call):
            return self.call(node, col, depth)
        if isinstance(node, ast.Attribute):
            dot = self.find_after(node.value, ".")
            raise self.error(msg("loss.attribute", attr=node.attr), dot)
        if isinstance(node, ast.Subscript):
            bracket = self.find_after(node.value, "[")
            raise self.error(msg("loss.subscript"), bracket)
        kind = type(node).__name__
        raise self.error(REFUSED_NODES.get(kind) or msg("loss.node", kind=kind), col)

    def parameter(self, name: str, col: int) -> None:
        """Note the parameter ``name`` at ``col``; refuse ``w`` mixed with ``w1``/``w2``."""
        clash = [seen for seen in self.names if (seen == "w") != (name == "w")]
        if clash:
            raise self.error(msg("loss.mixed_parameters", name=name, other=clash[0]), col)
        self.names.setdefault(name, col)

    def number(self, node: ast.Constant, col: int) -> Number:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise self.error(msg("loss.constant_value", value=repr(value)), col)
        if isinstance(value, (str, bytes)):
            raise self.error(msg("loss.string"), col)
        if isinstance(value, complex):
            raise self.error(msg("loss.complex"), col)
        if isinstance(value, int):
            try:
                as_float = float(value)
            except OverflowError:
                raise self.error(msg("loss.too_large"), col) from None
            return Number(as_float, self.token(node), col)
        if isinstance(value, float):
            if not math.isfinite(value):
                raise self.error(msg("loss.too_large"), col)
            return Number(value, self.token(node), col)
        raise self.error(msg("loss.constant_kind", value=repr(value)), col)  # pragma: no cover

    def token(self, node: ast.AST) -> str:
        """The text of ``node`` as typed (for numbers: ``1e-3`` stays ``1e-3``)."""
        start = self.node_char(node)
        end = self.char_of(getattr(node, "end_col_offset", 0) or 0)
        return self.prepared[start:end]

    def name_reason(self, name: str) -> Msg:
        hint = NAME_HINTS.get(name)
        if hint is None and _PARAMETER_LIKE.fullmatch(name):
            hint = msg("loss.hint.parameters")
        if hint is None:
            return msg("loss.name", name=name, functions=_ALLOWED_FUNCTIONS)
        return msg("loss.name_hint", name=name, functions=_ALLOWED_FUNCTIONS, hint=hint)

    def call(self, node: ast.Call, col: int, depth: int) -> Call:
        func = node.func
        if not isinstance(func, ast.Name):
            callee_syntax = self.convert(func, depth + 1)  # refuses what is not allowed
            callee = render(callee_syntax)
            if precedence(callee_syntax) < ATOM_PRECEDENCE:
                callee = f"({callee})"
            raise self.error(msg("loss.not_function", callee=callee), col)
        name = func.id
        if name not in FUNCTIONS:
            if name in PARAMETER_NAMES or name in CONSTANTS:
                raise self.error(msg("loss.not_function", callee=name), col)
            raise self.error(self.name_reason(name), col)
        if node.keywords:
            keyword = node.keywords[0]
            raise self.error(msg("loss.keyword", name=name), self.node_char(keyword))
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.error(msg("loss.starred_argument", name=name), self.node_char(arg))
        wanted = REGISTRY[name].arity
        if len(node.args) != wanted:
            key = "loss.arity_many" if wanted > 1 else "loss.arity_one"
            raise self.error(msg(key, name=name, wanted=wanted, given=len(node.args)), col)
        args = tuple(self.convert(arg, depth + 1) for arg in node.args)
        return Call(name, args, col)

    # Folding and lowering -------------------------------------------------------------------

    def lower(self, node: Syntax) -> Node:
        """Fold the constant subtrees of ``node`` in float64 and lower it to TF-level ops."""
        if isinstance(node, Number):
            return Num(node.value)
        if isinstance(node, Name):
            if node.name in PARAMETER_NAMES:
                return W(PARAMETER_NAMES[node.name])
            return Num(CONSTANTS[node.name])
        if isinstance(node, Unary):
            operand = self.lower(node.operand)
            if node.op == "+":
                return operand
            if isinstance(operand, Num):
                return Num(-operand.value)
            return Op("neg", (operand,))
        if isinstance(node, Binary):
            left = self.lower(node.left)
            right = self.lower(node.right)
            if isinstance(left, Num) and isinstance(right, Num):
                return Num(self.fold_binary(node, left.value, right.value))
            if node.op == "**" and isinstance(right, Num):
                n = right.value
                if n == int(n) and abs(n) <= 16:
                    return self.int_power(left, int(n))
            left = self.tf_operand(left, node.left)
            right = self.tf_operand(right, node.right)
            return Op(BINARY_OPERATORS[node.op], (left, right))
        args = tuple(self.lower(arg) for arg in node.args)
        if all(isinstance(arg, Num) for arg in args):
            values = [arg.value for arg in args if isinstance(arg, Num)]
            return Num(self.fold_call(node, values))
        args = tuple(self.tf_operand(arg, syn) for arg, syn in zip(args, node.args, strict=True))
        return Op(node.name, args)

    def int_power(self, base: Node, n: int) -> Node:
        if n == 0:
            return Num(1.0)
        positive = _positive_power(base, abs(n))
        return positive if n > 0 else Op("div", (Num(1.0), positive))

    def tf_operand(self, program: Node, syntax: Syntax) -> Node:
        """Check that a folded constant about to enter TensorFlow fits in float32."""
        if isinstance(program, Num) and abs(program.value) >= _FLOAT32_LIMIT:
            text = render(syntax)
            if not isinstance(syntax, Number):
                text += f" = {program.value:.6g}"
            raise self.error(msg("loss.float32", text=text), start(syntax))
        return program

    def fold_binary(self, node: Binary, a: float, b: float) -> float:
        culprit = render(node)
        try:
            value = REGISTRY[BINARY_OPERATORS[node.op]].fold(a, b)
        except ZeroDivisionError:
            raise self.error(msg("loss.divides_by_zero", culprit=culprit), node.column) from None
        except OverflowError:
            raise self.error(msg("loss.overflows", culprit=culprit), node.column) from None
        except ValueError:
            if a == 0 and b < 0:
                why = msg("loss.zero_negative_power")
            else:
                why = msg("loss.negative_fractional_power")
            reason = msg("loss.undefined", culprit=culprit, why=why)
            raise self.error(reason, node.column) from None
        if not math.isfinite(value):
            raise self.error(msg("loss.overflows", culprit=culprit), node.column)
        return value

    def fold_call(self, node: Call, values: list[float]) -> float:
        culprit = render(node)
        try:
            value = REGISTRY[node.name].fold(*values)
        except (OverflowError, ZeroDivisionError):
            raise self.error(msg("loss.overflows", culprit=culprit), node.column) from None
        except ValueError:
            why = REGISTRY[node.name].domain_reason()
            reason = msg("loss.undefined", culprit=culprit, why=why)
            raise self.error(reason, node.column) from None
        if not math.isfinite(value):
            raise self.error(msg("loss.overflows", culprit=culprit), node.column)
        return value


def _positive_power(base: Node, n: int) -> Node:
    if n == 1:
        return base
    if n == 2:
        return Op("square", (base,))
    return IntPow(base, n)
