"""Exact polynomial arithmetic over a loss's program: which losses are polynomials in ``w``.

:func:`polynomial` walks the folded tree (:mod:`tui.engine.loss_ir`) with exact rational
arithmetic: sums, differences, products, negation, whole powers of polynomials and division by
a constant are followed; a function of w, a division by an expression in w, a fractional power
or a power whose exponent contains w are not polynomials. The theory
(:mod:`tui.engine.theory`) recognizes quadratics and losses without a minimum with it.
"""

from __future__ import annotations

from fractions import Fraction

from tui.engine.loss_ir import IntPow, Node, Num, Op, W

__all__ = ["MAX_DEGREE", "NotPolynomial", "Poly", "polynomial"]

#: The highest polynomial degree followed while a loss is checked for being quadratic. Terms of
#: higher degree may cancel out (``w**3 - w**3 + w**2`` is quadratic), so intermediate degrees up
#: to this are kept; beyond it (``(w**16)**16``) the loss is reported as not quadratic.
MAX_DEGREE: int = 64

#: A polynomial in w as its exact coefficients, constant term first, no trailing zeros.
Poly = tuple[Fraction, ...]


class NotPolynomial(Exception):
    """The expression is not a polynomial in w (or goes beyond :data:`MAX_DEGREE`)."""


def polynomial(node: Node) -> Poly:
    """The exact polynomial ``node`` computes, or raise :class:`NotPolynomial`."""
    if isinstance(node, Num):
        return _trim((Fraction(node.value),))
    if isinstance(node, W):
        return (Fraction(0), Fraction(1))
    if isinstance(node, IntPow):
        return _power(polynomial(node.base), node.n)
    if not isinstance(node, Op):  # pragma: no cover - the tree has no other node types
        raise NotPolynomial
    name, args = node.name, node.args
    if name == "pow":
        return _pow_op(args[0], args[1])
    if name not in ("add", "sub", "mul", "div", "neg", "square"):
        raise NotPolynomial  # a function of w
    polys = [polynomial(arg) for arg in args]
    if name == "add":
        return _add(polys[0], polys[1])
    if name == "sub":
        return _add(polys[0], _scale(polys[1], Fraction(-1)))
    if name == "neg":
        return _scale(polys[0], Fraction(-1))
    if name == "square":
        return _power(polys[0], 2)
    if name == "mul":
        return _mul(polys[0], polys[1])
    divisor = polys[1]
    if len(divisor) != 1:  # 0 (a division by zero) or an expression in w
        raise NotPolynomial
    return _scale(polys[0], 1 / divisor[0])


def _pow_op(base: Node, exponent: Node) -> Poly:
    """``base ** exponent`` through ``tf.pow``: a polynomial only for a whole constant exponent."""
    if not isinstance(exponent, Num):
        raise NotPolynomial  # the exponent contains w
    n = exponent.value
    if n != int(n) or abs(n) > MAX_DEGREE:
        raise NotPolynomial
    poly = polynomial(base)
    if n >= 0:
        return _power(poly, int(n))
    if len(poly) != 1:  # 1 / (an expression in w), or 1 / 0
        raise NotPolynomial
    return (poly[0] ** int(n),)


def _trim(poly: Poly) -> Poly:
    end = len(poly)
    while end and poly[end - 1] == 0:
        end -= 1
    return poly[:end]


def _add(p: Poly, q: Poly) -> Poly:
    if len(p) < len(q):
        p, q = q, p
    return _trim(tuple(x + (q[i] if i < len(q) else 0) for i, x in enumerate(p)))


def _scale(p: Poly, k: Fraction) -> Poly:
    return _trim(tuple(x * k for x in p))


def _mul(p: Poly, q: Poly) -> Poly:
    if not p or not q:
        return ()
    if len(p) + len(q) - 2 > MAX_DEGREE:
        raise NotPolynomial
    out = [Fraction(0)] * (len(p) + len(q) - 1)
    for i, x in enumerate(p):
        for j, y in enumerate(q):
            out[i + j] += x * y
    return _trim(tuple(out))


def _power(p: Poly, n: int) -> Poly:
    if n == 0:
        return (Fraction(1),)
    if p and (len(p) - 1) * n > MAX_DEGREE:
        raise NotPolynomial
    result: Poly = (Fraction(1),)
    base = p
    while n:
        if n & 1:
            result = _mul(result, base)
        n >>= 1
        if n:
            base = _mul(base, base)
    return result
