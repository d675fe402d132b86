"""Loss expressions of one parameter ``w``: a safe parser and the TensorFlow function they build.

Typed text such as ``(w + 1)**2`` or ``sin(3*w) + 0.1*w^2`` is parsed with :mod:`ast` and checked
against a whitelist: numbers, the parameter ``w``, the constants ``pi`` and ``e``, unary ``+ -``,
binary ``+ - * /``, powers written ``**`` or ``^``, parentheses, and calls of the functions in
:data:`FUNCTIONS`. Nothing typed is ever evaluated or compiled by Python.

Subexpressions without ``w`` are folded in float64 at parse time, exactly as a Python lambda would
compute ``0.1*0.2`` before TensorFlow sees it; the rest maps onto TensorFlow ops one to one, in the
operand order Python would use, with ``X**2`` as ``tf.square(X)`` so that the seed loss
``(w + 1)**2`` builds exactly ``tf.square(w + 1.0)``, the loss of the lesson.

Integer powers ``X**n`` with a constant whole ``n``:

* ``n == 2``: ``tf.square(X)``; ``n == 1``: ``X`` itself;
* ``3 <= n <= 16``: binary exponentiation with ``tf.square`` and ``tf.multiply``
  (``X**3 = X * square(X)``, ``X**4 = square(square(X))``, ``X**6 = square(X * square(X))``);
* ``-16 <= n <= -1``: ``1.0 / X**-n`` built as above;
* ``n == 0``: the constant ``1.0`` (as Python's ``x**0``, also for ``x = 0``); it folds into the
  rest of the expression like any constant, so ``w**0`` alone is refused as not depending on ``w``;
* any other exponent (fractional, beyond 16, or containing ``w``): ``tf.pow(X, Y)``.

This module is pure Python: TensorFlow is imported only by :meth:`LossExpr.tf_function`, so the
terminal UI can validate typed text before TensorFlow has loaded.
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tui.i18n import Msg, msg

if TYPE_CHECKING:
    import tensorflow as tf

__all__ = [
    "CONSTANTS",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "SEED_LOSS",
    "XLA_EXACT_OPS",
    "LossError",
    "LossExpr",
    "parse_loss",
]

#: The loss of the lesson, ``loss = tf.square(w + 1)``, as typed text.
SEED_LOSS: str = "(w + 1)**2"

#: The longest expression accepted, in characters (after stripping surrounding blanks).
MAX_LENGTH: int = 500

#: The deepest nesting of operators and calls accepted (parentheses alone do not count).
MAX_DEPTH: int = 100

#: The functions a loss may call: name -> one-line description, for help texts. The description
#: is a message: ``str(FUNCTIONS[name])`` (or an f-string) is its text in the current language.
FUNCTIONS: dict[str, Msg] = {
    name: msg(f"fn.{name}")
    for name in (
        "sin",
        "cos",
        "tan",
        "atan",
        "sinh",
        "cosh",
        "tanh",
        "exp",
        "log",
        "log1p",
        "sqrt",
        "abs",
        "sigmoid",
        "softplus",
        "min",
        "max",
    )
}

#: The named constants a loss may use.
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

#: The TensorFlow-level ops that XLA on CPU (``XLA_FLAGS=--xla_cpu_max_isa=AVX``) computes bit for
#: bit as the eager kernels do, so that a loss made only of them may run in the engine's
#: ``jit_compile=True`` loop. Measured on TF 2.21 / x86-64 (script /tmp/xla_exact/measure.py, not
#: shipped): 94 losses, each descended from 52 random (w0, lr) for 300 steps (15,600 steps each;
#: 44 losses and 686,400 steps made only of these ops), every step's w and loss compared as int32
#: bits between the literal eager GradientTape loop on a scalar variable and XLA while-loops with
#: w of shape [1] and [16] (13 runs at once, 3 padding lanes), through descent.py's own loop and
#: through a plain one; plus runs that blow up to inf/nan and runs from extreme w0 (0, denormals,
#: 1e19, 1e30, 3.4e38). These ops had zero mismatches there. Left out, with what was seen:
#:
#: * div, tan, log, log1p (their gradients divide): XLA rewrites ``x / c`` to ``x * (1/c)`` and
#:   ``a / b / c`` to ``a / (b * c)``; exp, tanh, sinh, cosh, sigmoid, softplus: XLA's own
#:   approximations differ in the last bit; pow: ``(w**2 + 1)**0.75`` differs on shape [1].
#: * abs: XLA's sign(-0.0) is -0.0, Eigen's is 0.0, so w differs in sign once it reaches -0.0.
#: * min, max: with a constant first, ``max(0.5, nan)`` is 0.5 under XLA on shape [1], nan eager.
#: * neg: after a blow-up, the nan differs in its sign bit (values are equal, bits are not).
#:
#: Caveat: on shapes [] and [1], XLA's algebraic simplifier reassociates products with constants
#: (``0.01*(2*s)*(2*w)`` becomes ``(s*w)*0.04``): a plain loop broke on 5 of the 44 losses (e.g.
#: ``-0.5*w**2 + 0.01*w**4`` on shape []); descent.py's loop escapes only because the constants
#: are hoisted out of its while body. ``--xla_disable_hlo_passes=algsimp`` removes the rewrites
#: (zero mismatches on every shape in the same measurement, at the same speed).
XLA_EXACT_OPS: frozenset[str] = frozenset(
    {"add", "sub", "mul", "square", "sqrt", "sin", "cos", "atan"}
)

_ARITY: dict[str, int] = {name: 2 if name in ("min", "max") else 1 for name in FUNCTIONS}

#: Hints for names people type that are not allowed.
_NAME_HINTS: dict[str, Msg] = {
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

#: The names a loss may call, for the message refusing any other name.
_ALLOWED_FUNCTIONS = ", ".join(FUNCTIONS)

#: Largest magnitude that rounds to a finite float32 (float32 max plus half an ulp, exclusive).
_FLOAT32_LIMIT = 2.0**128 - 2.0**103

_BINARY_SYMBOLS: dict[type, str] = {
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

_BINARY_OPS: dict[str, str] = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow"}

_REFUSED_NODES: dict[str, Msg] = {
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


def _python_syntax(message: str) -> str | Msg:
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


# --- The validated syntax tree: what was typed, normalized (``^`` is ``**``). -----------------


@dataclass(frozen=True)
class _Number:
    value: float
    text: str
    column: int


@dataclass(frozen=True)
class _Name:
    name: str  # "w", "pi" or "e"
    column: int


@dataclass(frozen=True)
class _Unary:
    op: str  # "+" or "-"
    operand: _Syntax
    column: int


@dataclass(frozen=True)
class _Binary:
    op: str  # "+", "-", "*", "/" or "**"
    left: _Syntax
    right: _Syntax
    column: int  # of the operator


@dataclass(frozen=True)
class _Call:
    name: str
    args: tuple[_Syntax, ...]
    column: int


_Syntax = _Number | _Name | _Unary | _Binary | _Call

# --- The program: constants folded, powers lowered, one node per TensorFlow op. ---------------


@dataclass(frozen=True)
class _Lit:
    value: float


@dataclass(frozen=True)
class _W:
    pass


@dataclass(frozen=True)
class _Op:
    name: str  # "add", "sub", "mul", "div", "neg", "square", "pow" or a function name
    args: tuple[_Program, ...]


@dataclass(frozen=True)
class _IntPow:
    base: _Program
    n: int  # 3 to 16: binary exponentiation with square and mul, base computed once


_Program = _Lit | _W | _Op | _IntPow


@dataclass(frozen=True)
class LossExpr:
    """A validated loss expression of ``w``; build it with :func:`parse_loss`.

    ``source`` is the text as typed (stripped), ``ops`` the TensorFlow-level operations the
    expression uses (``"add"``, ``"sub"``, ``"mul"``, ``"div"``, ``"neg"``, ``"square"``,
    ``"pow"`` and function names such as ``"sin"``), after constant folding and power lowering.
    ``str(expr)`` is the canonical text: ``^`` written ``**``, normalized spacing and parentheses,
    numbers as typed; it parses back to the same expression.
    """

    source: str
    ops: frozenset[str]
    _program: _Program = field(repr=False)
    _canonical: str = field(repr=False, compare=False)

    @property
    def xla_exact(self) -> bool:
        """Whether every op is in :data:`XLA_EXACT_OPS`, so XLA reproduces the eager loop's bits."""
        return self.ops <= XLA_EXACT_OPS

    def tf_function(self) -> Callable[[tf.Tensor], tf.Tensor]:
        """Build the elementwise TensorFlow loss ``w -> loss(w)`` (imports TensorFlow).

        ``w`` is a float32 tensor (or variable) of any shape; folded constants enter as
        ``tf.constant(value, w.dtype)``, which rounds them to float32 as eager Python would.
        The callable is plain Python: call it eagerly, under a ``GradientTape`` or inside a
        ``tf.function``.
        """
        import tensorflow as tf

        program = self._program

        def loss(w: tf.Tensor) -> tf.Tensor:
            w = tf.convert_to_tensor(w)
            return _emit(tf, program, w)

        loss.__name__ = "loss"
        loss.__qualname__ = "loss"
        loss.__doc__ = f"loss(w) = {self._canonical}"
        return loss

    def __str__(self) -> str:
        """The canonical text, e.g. ``(w + 1)**2`` for ``(w+1)^2``."""
        return self._canonical


def parse_loss(text: str) -> LossExpr:
    """Parse and validate a typed loss expression of ``w``; raise :class:`LossError` if refused.

    Whatever the input, this raises nothing but :class:`LossError`, and it never evaluates the
    text: it is parsed with :func:`ast.parse` and walked against a whitelist.
    """
    if not isinstance(text, str):
        raise LossError(repr(text), msg("loss.not_text", type=type(text).__name__))
    try:
        return _Parser(text).parse()
    except LossError:
        raise
    except (RecursionError, MemoryError):
        raise LossError(text, msg("loss.too_deep", depth=MAX_DEPTH)) from None
    except Exception as exc:  # pragma: no cover - a bug; keep the promise of LossError only
        error = f"{type(exc).__name__}: {exc}"
        raise LossError(text, msg("loss.bug", error=error)) from None


# --- Parsing. --------------------------------------------------------------------------------


class _Parser:
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
        if isinstance(program, _Lit):
            reason = msg("loss.constant", expression=_render(syntax), value=repr(program.value))
            raise self.error(reason, None)
        return LossExpr(
            source=stripped,
            ops=frozenset(_program_ops(program)),
            _program=program,
            _canonical=self.canonical(syntax),
        )

    def canonical(self, syntax: _Syntax) -> str:
        """The canonical text; without blanks if the spaced form would exceed MAX_LENGTH."""
        text = _render(syntax)
        if len(text) > MAX_LENGTH:
            text = _render(syntax, compact=True)
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
                    message = _python_syntax(text)
                reason = msg("loss.syntax", message=message)
                raise self.error(reason, len(self.prepared)) from None
            reason = msg("loss.syntax", message=_python_syntax(text))
            raise self.error(reason, offset - 1) from None
        except (RecursionError, MemoryError):
            raise self.error(msg("loss.too_deep", depth=MAX_DEPTH), None) from None
        except ValueError as exc:  # null bytes, surrogates, integer string limits
            raise self.error(msg("loss.unreadable", error=str(exc)), None) from None

    # Whitelist ------------------------------------------------------------------------------

    def convert(self, node: ast.expr, depth: int) -> _Syntax:
        """Check ``node`` against the whitelist and convert it to the syntax tree."""
        col = self.node_char(node)
        if depth > MAX_DEPTH:
            raise self.error(msg("loss.too_deep", depth=MAX_DEPTH), col)
        if isinstance(node, ast.Constant):
            return self.number(node, col)
        if isinstance(node, ast.Name):
            if node.id in ("w", *CONSTANTS):
                return _Name(node.id, col)
            if node.id in FUNCTIONS:
                raise self.error(msg("loss.uncalled", name=node.id), col)
            raise self.error(self.name_reason(node.id), col)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, (ast.UAdd, ast.USub)):
                op = "+" if isinstance(node.op, ast.UAdd) else "-"
                return _Unary(op, self.convert(node.operand, depth + 1), col)
            symbol = "not" if isinstance(node.op, ast.Not) else "~"
            raise self.error(msg("loss.unary_operator", symbol=symbol), col)
        if isinstance(node, ast.BinOp):
            symbol = _BINARY_SYMBOLS.get(type(node.op), "?")
            op_col = self.find_after(node.left, symbol[0])
            if symbol not in _BINARY_OPS:
                raise self.error(msg("loss.binary_operator", symbol=symbol), op_col)
            left = self.convert(node.left, depth + 1)
            right = self.convert(node.right, depth + 1)
            return _Binary(symbol, left, right, op_col)
        if isinstance(node, ast.Call):
            return self.call(node, col, depth)
        if isinstance(node, ast.Attribute):
            dot = self.find_after(node.value, ".")
            raise self.error(msg("loss.attribute", attr=node.attr), dot)
        if isinstance(node, ast.Subscript):
            bracket = self.find_after(node.value, "[")
            raise self.error(msg("loss.subscript"), bracket)
        kind = type(node).__name__
        raise self.error(_REFUSED_NODES.get(kind) or msg("loss.node", kind=kind), col)

    def number(self, node: ast.Constant, col: int) -> _Number:
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
            return _Number(as_float, self.token(node), col)
        if isinstance(value, float):
            if not math.isfinite(value):
                raise self.error(msg("loss.too_large"), col)
            return _Number(value, self.token(node), col)
        raise self.error(msg("loss.constant_kind", value=repr(value)), col)  # pragma: no cover

    def token(self, node: ast.AST) -> str:
        """The text of ``node`` as typed (for numbers: ``1e-3`` stays ``1e-3``)."""
        start = self.node_char(node)
        end = self.char_of(getattr(node, "end_col_offset", 0) or 0)
        return self.prepared[start:end]

    def name_reason(self, name: str) -> Msg:
        hint = _NAME_HINTS.get(name)
        if hint is None:
            return msg("loss.name", name=name, functions=_ALLOWED_FUNCTIONS)
        return msg("loss.name_hint", name=name, functions=_ALLOWED_FUNCTIONS, hint=hint)

    def call(self, node: ast.Call, col: int, depth: int) -> _Call:
        func = node.func
        if not isinstance(func, ast.Name):
            callee_syntax = self.convert(func, depth + 1)  # refuses what is not allowed
            callee = _render(callee_syntax)
            if _precedence(callee_syntax) < _ATOM_PRECEDENCE:
                callee = f"({callee})"
            raise self.error(msg("loss.not_function", callee=callee), col)
        name = func.id
        if name not in FUNCTIONS:
            if name in ("w", *CONSTANTS):
                raise self.error(msg("loss.not_function", callee=name), col)
            raise self.error(self.name_reason(name), col)
        if node.keywords:
            keyword = node.keywords[0]
            raise self.error(msg("loss.keyword", name=name), self.node_char(keyword))
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.error(msg("loss.starred_argument", name=name), self.node_char(arg))
        wanted = _ARITY[name]
        if len(node.args) != wanted:
            key = "loss.arity_many" if wanted > 1 else "loss.arity_one"
            raise self.error(msg(key, name=name, wanted=wanted, given=len(node.args)), col)
        args = tuple(self.convert(arg, depth + 1) for arg in node.args)
        return _Call(name, args, col)

    # Folding and lowering -------------------------------------------------------------------

    def lower(self, node: _Syntax) -> _Program:
        """Fold the constant subtrees of ``node`` in float64 and lower it to TF-level ops."""
        if isinstance(node, _Number):
            return _Lit(node.value)
        if isinstance(node, _Name):
            return _W() if node.name == "w" else _Lit(CONSTANTS[node.name])
        if isinstance(node, _Unary):
            operand = self.lower(node.operand)
            if node.op == "+":
                return operand
            if isinstance(operand, _Lit):
                return _Lit(-operand.value)
            return _Op("neg", (operand,))
        if isinstance(node, _Binary):
            left = self.lower(node.left)
            right = self.lower(node.right)
            if isinstance(left, _Lit) and isinstance(right, _Lit):
                return _Lit(self.fold_binary(node, left.value, right.value))
            if node.op == "**" and isinstance(right, _Lit):
                n = right.value
                if n == int(n) and abs(n) <= 16:
                    return self.int_power(left, int(n))
            left = self.tf_operand(left, node.left)
            right = self.tf_operand(right, node.right)
            return _Op(_BINARY_OPS[node.op], (left, right))
        args = tuple(self.lower(arg) for arg in node.args)
        if all(isinstance(arg, _Lit) for arg in args):
            values = [arg.value for arg in args if isinstance(arg, _Lit)]
            return _Lit(self.fold_call(node, values))
        args = tuple(self.tf_operand(arg, syn) for arg, syn in zip(args, node.args, strict=True))
        return _Op(node.name, args)

    def int_power(self, base: _Program, n: int) -> _Program:
        if n == 0:
            return _Lit(1.0)
        positive = _positive_power(base, abs(n))
        return positive if n > 0 else _Op("div", (_Lit(1.0), positive))

    def tf_operand(self, program: _Program, syntax: _Syntax) -> _Program:
        """Check that a folded constant about to enter TensorFlow fits in float32."""
        if isinstance(program, _Lit) and abs(program.value) >= _FLOAT32_LIMIT:
            text = _render(syntax)
            if not isinstance(syntax, _Number):
                text += f" = {program.value:.6g}"
            raise self.error(msg("loss.float32", text=text), _syntax_char(syntax))
        return program

    def fold_binary(self, node: _Binary, a: float, b: float) -> float:
        culprit = _render(node)
        try:
            if node.op == "+":
                value = a + b
            elif node.op == "-":
                value = a - b
            elif node.op == "*":
                value = a * b
            elif node.op == "/":
                value = a / b
            else:
                value = math.pow(a, b)
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

    def fold_call(self, node: _Call, values: list[float]) -> float:
        culprit = _render(node)
        try:
            value = _FOLD[node.name](*values)
        except (OverflowError, ZeroDivisionError):
            raise self.error(msg("loss.overflows", culprit=culprit), node.column) from None
        except ValueError:
            why = _DOMAINS.get(node.name) or msg("loss.domain", name=node.name)
            reason = msg("loss.undefined", culprit=culprit, why=why)
            raise self.error(reason, node.column) from None
        if not math.isfinite(value):
            raise self.error(msg("loss.overflows", culprit=culprit), node.column)
        return value


def _positive_power(base: _Program, n: int) -> _Program:
    if n == 1:
        return base
    if n == 2:
        return _Op("square", (base,))
    return _IntPow(base, n)


def _syntax_char(node: _Syntax) -> int:
    """The prepared char index where a syntax node starts (binary: its left operand)."""
    while isinstance(node, _Binary):
        node = node.left
    return node.column


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _softplus(x: float) -> float:
    return math.log1p(math.exp(-abs(x))) + max(x, 0.0)


_DOMAINS: dict[str, Msg] = {
    "log": msg("loss.domain.log"),
    "log1p": msg("loss.domain.log1p"),
    "sqrt": msg("loss.domain.sqrt"),
}

_FOLD: dict[str, Callable[..., float]] = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "atan": math.atan,
    "sinh": math.sinh,
    "cosh": math.cosh,
    "tanh": math.tanh,
    "exp": math.exp,
    "log": math.log,
    "log1p": math.log1p,
    "sqrt": math.sqrt,
    "abs": abs,
    "sigmoid": _sigmoid,
    "softplus": _softplus,
    "min": min,
    "max": max,
}


def _program_ops(program: _Program) -> set[str]:
    if isinstance(program, _Op):
        ops = {program.name}
        for arg in program.args:
            ops |= _program_ops(arg)
        return ops
    if isinstance(program, _IntPow):
        ops = _program_ops(program.base) | {"square"}
        if program.n & (program.n - 1):
            ops.add("mul")
        return ops
    return set()


# --- Canonical text. -------------------------------------------------------------------------

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "**": 4}
_UNARY_PRECEDENCE = 3
_ATOM_PRECEDENCE = 5


def _precedence(node: _Syntax) -> int:
    if isinstance(node, _Binary):
        return _PRECEDENCE[node.op]
    if isinstance(node, _Unary):
        return _UNARY_PRECEDENCE
    return _ATOM_PRECEDENCE


def _render(node: _Syntax, compact: bool = False) -> str:
    """Python-style text of a syntax tree with only the parentheses its structure needs.

    Numbers keep their typed form. ``compact`` leaves out all blanks, so that the text is never
    longer than what was typed (spacing aside), and re-parses within :data:`MAX_LENGTH`.
    """
    if isinstance(node, _Number):
        return node.text
    if isinstance(node, _Name):
        return node.name
    if isinstance(node, _Call):
        comma = "," if compact else ", "
        return f"{node.name}({comma.join(_render(arg, compact) for arg in node.args)})"
    if isinstance(node, _Unary):
        operand = _render(node.operand, compact)
        if _precedence(node.operand) < _UNARY_PRECEDENCE:
            operand = f"({operand})"
        return f"{node.op}{operand}"
    prec = _PRECEDENCE[node.op]
    left, right = _render(node.left, compact), _render(node.right, compact)
    if node.op == "**":  # right-associative; a unary operand is fine on the right
        left_parens = _precedence(node.left) <= prec
        right_parens = _precedence(node.right) < _UNARY_PRECEDENCE
    else:
        left_parens = _precedence(node.left) < prec
        right_parens = _precedence(node.right) <= prec
    if left_parens:
        left = f"({left})"
    if right_parens:
        right = f"({right})"
    if node.op in ("+", "-") and not compact:
        return f"{left} {node.op} {right}"
    return f"{left}{node.op}{right}"


# --- TensorFlow. -----------------------------------------------------------------------------


def _tf_ops(tf: Any) -> dict[str, Callable[..., Any]]:
    return {
        "add": tf.math.add,
        "sub": tf.math.subtract,
        "mul": tf.math.multiply,
        "div": tf.math.truediv,
        "neg": tf.math.negative,
        "square": tf.math.square,
        "pow": tf.math.pow,
        "sin": tf.math.sin,
        "cos": tf.math.cos,
        "tan": tf.math.tan,
        "atan": tf.math.atan,
        "sinh": tf.math.sinh,
        "cosh": tf.math.cosh,
        "tanh": tf.math.tanh,
        "exp": tf.math.exp,
        "log": tf.math.log,
        "log1p": tf.math.log1p,
        "sqrt": tf.math.sqrt,
        "abs": tf.math.abs,
        "sigmoid": tf.math.sigmoid,
        "softplus": tf.nn.softplus,
        "min": tf.math.minimum,
        "max": tf.math.maximum,
    }


def _emit(tf: Any, program: _Program, w: tf.Tensor) -> tf.Tensor:
    """Build ``program`` on ``w`` with TensorFlow ops, in Python's operand order."""
    ops = _tf_ops(tf)

    def build(node: _Program) -> Any:
        if isinstance(node, _W):
            return w
        if isinstance(node, _Lit):
            return tf.constant(node.value, dtype=w.dtype)
        if isinstance(node, _Op):
            return ops[node.name](*(build(arg) for arg in node.args))
        return power(build(node.base), node.n)

    def power(x: Any, n: int) -> Any:
        if n == 1:
            return x
        if n % 2 == 0:
            return tf.math.square(power(x, n // 2))
        return tf.math.multiply(x, power(x, n - 1))

    return build(program)
