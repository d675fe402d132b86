"""Exact polynomial arithmetic over a loss's program: which losses are polynomials in w (or w1, w2).

:func:`polynomial_in` walks the folded tree (:mod:`tui.engine.loss_ir`) with exact rational
arithmetic: sums, differences, products, negation, whole powers of polynomials and division by
a constant are followed; a function of a parameter, a division by an expression in one, a
fractional power or a power whose exponent contains one are not polynomials. It gives a
:class:`MultiPoly` in as many parameters as asked (``w``, or ``w1`` and ``w2``: the parameter
of index i is the i-th variable). :func:`polynomial` is the one-parameter case as a tuple of
coefficients. The theories (:mod:`tui.engine.theory`, :mod:`tui.engine.theory_plane`)
recognize quadratics and losses without a minimum with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from tui.engine.loss_ir import IntPow, Node, Num, Op, W

__all__ = [
    "MAX_DEGREE",
    "MAX_WORK",
    "Monomial",
    "MultiPoly",
    "NotPolynomial",
    "Poly",
    "polynomial",
    "polynomial_in",
]

#: The highest (total) polynomial degree followed while a loss is checked for being quadratic.
#: Terms of higher degree may cancel out (``w**3 - w**3 + w**2`` is quadratic), so intermediate
#: degrees up to this are kept; beyond it (``(w**16)**16``) the loss is reported as not quadratic.
MAX_DEGREE: int = 64

#: The most pairs of terms all the products of one polynomial in several parameters may multiply
#: (four products of 65 x 65 terms, a polynomial in w's largest). Their terms grow with the square
#: of the degree: ``((w1 + w2 + 1)**16)**4`` alone would take seconds of exact arithmetic (a minute
#: with fractional coefficients), and so would a long sum of smaller powers. Beyond this, the
#: expression is reported as not a polynomial (so not an exact quadratic). Polynomials in w alone
#: keep their limit of :data:`MAX_DEGREE` only.
MAX_WORK: int = 4 * (MAX_DEGREE + 1) ** 2

#: A polynomial in w as its exact coefficients, constant term first, no trailing zeros.
Poly = tuple[Fraction, ...]

#: A monomial as the exponent of each parameter: ``(2, 1)`` is ``w1**2 * w2``.
Monomial = tuple[int, ...]

_Terms = dict[Monomial, Fraction]


class NotPolynomial(Exception):
    """The expression is not a polynomial in the parameters (or goes beyond :data:`MAX_DEGREE`
    or :data:`MAX_WORK`)."""


@dataclass(frozen=True)
class MultiPoly:
    """A polynomial in ``variables`` parameters with exact rational coefficients.

    ``terms`` are its monomials with their coefficients, none of them zero, sorted by monomial:
    two equal polynomials have equal ``terms``. The zero polynomial has no terms.
    """

    variables: int
    terms: tuple[tuple[Monomial, Fraction], ...]

    @property
    def degree(self) -> int:
        """The total degree: the largest sum of exponents of a term (-1 for the zero polynomial)."""
        return max((sum(mono) for mono, _ in self.terms), default=-1)

    def coefficient(self, *exponents: int) -> Fraction:
        """The coefficient of the monomial with these exponents (0 if it has none)."""
        if len(exponents) != self.variables:
            raise ValueError(f"need {self.variables} exponents, not {len(exponents)}")
        return dict(self.terms).get(tuple(exponents), Fraction(0))

    def derivative(self, index: int) -> MultiPoly:
        """The exact partial derivative with respect to parameter ``index``."""
        out: _Terms = {}
        for mono, coef in self.terms:
            if mono[index]:
                lowered = mono[:index] + (mono[index] - 1,) + mono[index + 1 :]
                out[lowered] = coef * mono[index]
        return MultiPoly(self.variables, tuple(sorted(out.items())))

    def __call__(self, *point: Fraction | int) -> Fraction:
        """The exact value at ``point``, one rational (or whole) number per parameter."""
        if len(point) != self.variables:
            raise ValueError(f"need {self.variables} values, not {len(point)}")
        total = Fraction(0)
        for mono, coef in self.terms:
            term = coef
            for x, n in zip(point, mono, strict=True):
                term *= Fraction(x) ** n
            total += term
        return total


def polynomial_in(node: Node, variables: int) -> MultiPoly:
    """The exact polynomial ``node`` computes in ``variables`` parameters, or raise
    :class:`NotPolynomial` (also for a parameter of index ``variables`` or more, and for more
    than :data:`MAX_WORK` products of terms in all when there are several parameters)."""
    walk = _Walk(variables, MAX_WORK if variables > 1 else None)
    return MultiPoly(variables, tuple(sorted(walk.terms(node).items())))


def polynomial(node: Node) -> Poly:
    """The exact polynomial ``node`` computes in w, or raise :class:`NotPolynomial`."""
    terms = _Walk(1, None).terms(node)
    if not terms:
        return ()
    coefficients = [Fraction(0)] * (max(mono[0] for mono in terms) + 1)
    for (n,), coef in terms.items():
        coefficients[n] = coef
    return tuple(coefficients)


class _Walk:
    """One walk of a program in ``variables`` parameters, multiplying at most ``budget``
    pairs of terms in all (``None``: no limit)."""

    def __init__(self, variables: int, budget: int | None) -> None:
        self.variables = variables
        self.budget = budget

    def terms(self, node: Node) -> _Terms:
        """The terms of the polynomial ``node`` computes, none of them zero."""
        if isinstance(node, Num):
            return _constant(Fraction(node.value), self.variables)
        if isinstance(node, W):
            index = node.index
            if not 0 <= index < self.variables:
                raise NotPolynomial  # a parameter outside those asked for
            return {tuple(int(i == index) for i in range(self.variables)): Fraction(1)}
        if isinstance(node, IntPow):
            return self.power(self.terms(node.base), node.n)
        if not isinstance(node, Op):  # pragma: no cover - the tree has no other node types
            raise NotPolynomial
        name, args = node.name, node.args
        if name == "pow":
            return self.pow_op(args[0], args[1])
        if name not in ("add", "sub", "mul", "div", "neg", "square"):
            raise NotPolynomial  # a function of a parameter
        polys = [self.terms(arg) for arg in args]
        if name == "add":
            return _add(polys[0], polys[1])
        if name == "sub":
            return _add(polys[0], _scale(polys[1], Fraction(-1)))
        if name == "neg":
            return _scale(polys[0], Fraction(-1))
        if name == "square":
            return self.power(polys[0], 2)
        if name == "mul":
            return self.mul(polys[0], polys[1])
        divisor = _constant_of(polys[1])
        if divisor is None:  # 0 (a division by zero) or an expression in a parameter
            raise NotPolynomial
        return _scale(polys[0], 1 / divisor)

    def pow_op(self, base: Node, exponent: Node) -> _Terms:
        """``base ** exponent`` through ``tf.pow``: a polynomial only for a whole constant
        exponent."""
        if not isinstance(exponent, Num):
            raise NotPolynomial  # the exponent contains a parameter
        n = exponent.value
        if n != int(n) or abs(n) > MAX_DEGREE:
            raise NotPolynomial
        poly = self.terms(base)
        if n >= 0:
            return self.power(poly, int(n))
        constant = _constant_of(poly)
        if constant is None:  # 1 / (an expression in a parameter), or 1 / 0
            raise NotPolynomial
        return _constant(constant ** int(n), self.variables)

    def mul(self, p: _Terms, q: _Terms) -> _Terms:
        """The product, refused beyond :data:`MAX_DEGREE` or the walk's budget."""
        if not p or not q:
            return {}
        pairs = len(p) * len(q)
        if _degree(p) + _degree(q) > MAX_DEGREE:
            raise NotPolynomial
        if self.budget is not None:
            self.budget -= pairs
            if self.budget < 0:
                raise NotPolynomial
        out: _Terms = {}
        for m1, c1 in p.items():
            for m2, c2 in q.items():
                mono = tuple(a + b for a, b in zip(m1, m2, strict=True))
                out[mono] = out.get(mono, Fraction(0)) + c1 * c2
        return {mono: coef for mono, coef in out.items() if coef}

    def power(self, p: _Terms, n: int) -> _Terms:
        """``p ** n`` by binary exponentiation."""
        if n == 0:
            return _constant(Fraction(1), self.variables)  # 0 ** 0 is 1 too, as in TensorFlow
        if p and _degree(p) * n > MAX_DEGREE:
            raise NotPolynomial
        result: _Terms | None = None
        base = p
        while n:
            if n & 1:
                result = base if result is None else self.mul(result, base)
            n >>= 1
            if n:
                base = self.mul(base, base)
        return {} if result is None else result


def _constant(value: Fraction, variables: int) -> _Terms:
    return {(0,) * variables: value} if value else {}


def _constant_of(poly: _Terms) -> Fraction | None:
    """The polynomial's value if it is a constant other than 0, else ``None``."""
    if len(poly) != 1:
        return None
    ((mono, coef),) = poly.items()
    return coef if not any(mono) else None


def _degree(poly: _Terms) -> int:
    return max(sum(mono) for mono in poly)


def _add(p: _Terms, q: _Terms) -> _Terms:
    out = dict(p)
    for mono, coef in q.items():
        total = out.get(mono, Fraction(0)) + coef
        if total:
            out[mono] = total
        else:
            out.pop(mono, None)
    return out


def _scale(p: _Terms, k: Fraction) -> _Terms:
    return {mono: coef * k for mono, coef in p.items()} if k else {}
