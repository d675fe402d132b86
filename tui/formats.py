"""Text formats of the per-step log, built in bulk with NumPy and exact to the byte.

A run can log up to millions of steps, so nothing here formats one row at a time with Python's
``%``. Rows are processed in chunks of 16,384: every number is turned into digits with array
arithmetic and digit-table look-ups, each column fills its cells of one ``uint8`` matrix per
chunk (the constant text of the line already in place, unused cells holding a filler byte 0),
and dropping the fillers (``mat[mat != 0]``, skipped when there are none) yields the
concatenated lines. Runs of identical consecutive values (a constant lr, a converged w) are
formatted once. The result is one ``bytes`` object (peak memory about twice its size).

Exactness:

* ``%f`` (:func:`fixed6`, :func:`seed_lines`, :func:`en_lines`) is ``round_half_even(x * 10**6)``
  printed with six decimals. For float32, ``float64(x) * 10**6`` is exact (24 + 20 significant
  bits) and ``np.rint`` rounds half to even, so the integer is exact; for float64 the fraction
  ``x - trunc(x)`` (exact) is ``m * 2**-s`` and ``m * 15625 / 2**(s - 6)`` is rounded in int64
  with a two-limb product. Integer parts beyond int64 are expanded exactly in base-10**9 limbs.
  The text is byte-identical to Python's ``"%f" % float(x)``, including ``-0.000000``, ``inf``,
  ``-inf`` and ``nan`` (Python prints no sign on a NaN).
* CSV / JSON floats (:func:`csv_bytes`, :func:`json_bytes`) are the shortest decimal (at most 9
  significant digits) strictly inside the float32 rounding interval of the value, checked with
  a margin far wider than the float64 error of the check (9 digits always qualify), so the
  text reads back to the same float32 bits through any correctly rounding parser, directly or
  through float64 (``np.float32(float(text))``). The digits are those of NumPy's shortest
  float32 repr; the layout is Python's ``repr``: ``36.0``, ``0.01``, ``1e-05``, ``3.4e+38``.

Only NumPy and the standard library are used: no words of a language (the summary line,
which is words, is :func:`tui.summary.summary_line`).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = [
    "FORMATS",
    "csv_bytes",
    "en_lines",
    "fixed6",
    "json_bytes",
    "seed_lines",
]

FORMATS: tuple[str, ...] = ("seed", "en", "csv", "json", "summary")
"""Names of the output formats, in the order they are offered to the user."""

_CHUNK = 16384  # rows per assembled block: the byte matrix (~1 MB) stays in cache
_MIN_DEDUP = 256  # below this many rows, run-length de-duplication is not worth it

_I64 = np.int64
_U8 = np.uint8

_POW10 = np.array([10**i for i in range(19)], dtype=_I64)

# Correctly rounded float64 powers of ten 1e-60 .. 1e60 (exact for |j| <= 22).
_P10F_OFF = 60
_P10F = np.array([float(f"1e{j}") for j in range(-_P10F_OFF, _P10F_OFF + 1)], dtype=np.float64)

_TEN6 = 1_000_000


# --------------------------------------------------------------------------------------------
# Fields: a column formatted for one chunk of rows
# --------------------------------------------------------------------------------------------


class _Field:
    """A column formatted for a chunk: ``width`` cells per row.

    ``const`` holds the cells that are the same on every row (0 where ``fill`` writes or where a
    filler stays); ``fill(out)`` writes the rest into ``out``, a ``[rows, width]`` view of the
    chunk matrix already initialised with ``const``.
    """

    __slots__ = ("width", "const", "fill")

    def __init__(self, width: int, const: bytes, fill: Callable[[np.ndarray], None]) -> None:
        self.width = width
        self.const = const
        self.fill = fill


def _ndigits(value: int) -> int:
    """Number of decimal digits of a non-negative Python int (1 for 0)."""
    return len(str(int(value)))


def _put_units(out: np.ndarray, values: np.ndarray, width: int, mode: str = "pad") -> None:
    """Write decimal digits of non-negative ints ``< 10**width`` into ``out`` (``[rows, width]``).

    ``out`` is a uint8 view with a contiguous last axis. From the right, the digits go in units
    of 4, 2 or 1 columns: one integer division per unit and one table look-up, stored through a
    ``uint32``/``uint16``/``uint8`` view. ``mode`` picks, per row and unit, a version of the
    unit's table: ``"pad"`` keeps all zeros; ``"lead"`` turns leading zeros into filler (0)
    bytes but always keeps the units digit; ``"trail"`` turns trailing zeros into fillers (a
    zero value becomes all fillers; the caller writes its ``0`` if it needs one).
    """
    n = values.shape[0]
    q = values.astype(np.uint32 if width <= 9 else np.uint64)
    vmin = int(values.min()) if mode == "lead" and n else 0
    tail_zero: np.ndarray | None = None  # "trail": all digits right of the unit are zero
    c = width
    below = 0  # digits to the right of the current unit
    while c > 0:
        u = 4 if c >= 4 else (2 if c >= 2 else 1)
        size, table, view = _UNIT_TABLES[u]
        if c > u:
            q2 = q // size
            r = q - q2 * size
        else:
            q2 = q
            r = q
        idx = r
        if mode == "lead":
            top = 10 ** (below + u)
            if vmin < top:
                # values < 10**19 always holds for int64 (and the comparison would overflow)
                sel = values < top if below + u < 19 else np.ones(n, dtype=bool)
                if below:
                    sel = sel.astype(np.uint32) + (values < 10**below)
                idx = r + sel * np.uint32(size)
        elif mode == "trail":
            if tail_zero is None:
                idx = r + np.uint32(3 * size)
                tail_zero = r == 0
            else:
                idx = r + tail_zero * np.uint32(3 * size)
                tail_zero &= r == 0
        target = out[:, c - u : c]
        if view is not None:
            target = target.view(view)
        target[:, 0] = np.take(table, idx)
        q = q2
        c -= u
        below += u


def _unit_table(u: int) -> np.ndarray:
    """Digit table for a unit of ``u`` columns: zero-padded, leading-blank, blank, trailing-blank.

    Blanks are filler (0) bytes; in the leading-blank version 0 keeps its last digit, in the
    trailing-blank version 0 is all blank.
    """
    full = [b"%0*d" % (u, i) for i in range(10**u)]
    lead = [(b"%*d" % (u, i)).replace(b" ", b"\0") for i in range(10**u)]
    blank = [bytes(u)] * 10**u
    trail = [f.rstrip(b"0").ljust(u, b"\0") for f in full]
    raw = b"".join(full + lead + blank + trail)
    dtype = {4: np.uint32, 2: np.uint16, 1: np.uint8}[u]
    return np.frombuffer(raw, dtype=dtype).copy()


_UNIT_TABLES = {
    u: (10**u, _unit_table(u), {4: np.uint32, 2: np.uint16, 1: None}[u]) for u in (4, 2, 1)
}


def _put_digits(out: np.ndarray, values: np.ndarray, width: int) -> None:
    """Zero-padded digits of non-negative ints ``< 10**width`` into ``out``."""
    _put_units(out, values, width, "pad")


def _put_uint(out: np.ndarray, values: np.ndarray, width: int) -> None:
    """Right-aligned digits of non-negative ints; leading zeros become filler (0) bytes.

    The units digit is always written, so 0 prints as ``0``.
    """
    _put_units(out, values, width, "lead")


def _int_field(values: np.ndarray) -> _Field:
    """An int64 column as ``"%d"`` / ``str`` prints it."""
    v = values
    if v.shape[0] == 0:
        return _Field(1, b"\0", lambda out: None)
    lo, hi = int(v.min()), int(v.max())
    if lo >= 0:
        width = _ndigits(hi)
        return _Field(width, bytes(width), lambda out: _put_uint(out, v, width))
    neg = v < 0
    mag = v.astype(np.uint64)
    np.negative(mag, out=mag, where=neg)  # exact magnitude, even for -2**63
    width = _ndigits(max(hi, -lo))

    def fill(out: np.ndarray) -> None:
        out[:, 0] = neg * _U8(45)
        _put_uint(out[:, 1:], mag, width)

    return _Field(width + 1, bytes(width + 1), fill)


def _big_int_cols(m: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Right-aligned digits of the exact integers ``m * 2**e`` (``0 < m < 2**53``, ``e >= 0``).

    Works in base-10**9 limbs (int64): at most 32 bits are shifted in per pass, then carries are
    propagated, so no limb ever exceeds ``10**9 * 2**32 + 2**33 < 2**63``. Leading zeros become
    filler bytes.
    """
    k = m.shape[0]
    base = 1_000_000_000
    emax = int(e.max())
    nl = ((53 + emax) * 30103 // 100000 + 1) // 9 + 2
    limbs = np.zeros((nl, k), dtype=_I64)
    limbs[0] = m % base
    limbs[1] = m // base
    rem = e.astype(_I64)
    used = 2
    while True:
        sh = np.minimum(rem, 32)
        if not sh.any():
            break
        rem = rem - sh
        limbs[:used] <<= sh
        for i in range(min(used + 1, nl - 1)):
            carry = limbs[i] // base
            limbs[i] -= carry * base
            limbs[i + 1] += carry
        used = min(used + 2, nl)
    out = np.empty((k, 9 * nl), dtype=_U8)
    for i in range(nl):
        _put_digits(out[:, 9 * (nl - 1 - i) : 9 * (nl - i)], limbs[i], 9)
    lead = np.cumsum(out != 48, axis=1) == 0
    out[lead] = 0
    first = int(np.argmax((out != 0).any(axis=0)))
    return out[:, first:]


# --------------------------------------------------------------------------------------------
# "%f": exact round-half-even of x * 10**6
# --------------------------------------------------------------------------------------------

_F6_WORDS = np.array([list(b"\0nan"), list(b"\0inf"), list(b"-inf")], dtype=_U8)


class _Fixed6Parts:
    """Decomposition of a float array for ``%f``: sign, integer part, 6-digit fraction.

    ``ip``/``frac`` are int64 (``ip`` is 0 on rare rows). Rare rows are listed in ``big`` (integer
    part too large for int64, its digits in ``big_cols``) and ``special`` (inf/nan, their text
    right-aligned in the 4 cells of ``special_words``). ``neg`` is None when no value has its
    sign bit set.
    """

    __slots__ = ("neg", "ip", "frac", "big", "big_cols", "special", "special_words")

    def __init__(self, x: np.ndarray) -> None:
        empty = np.zeros(0, dtype=np.intp)
        self.big = self.special = empty
        self.big_cols = np.zeros((0, 0), dtype=_U8)
        self.special_words = np.zeros((0, 4), dtype=_U8)
        neg = np.signbit(x)
        self.neg = neg if neg.any() else None
        with np.errstate(invalid="ignore"):  # signalling NaNs in the input
            if x.dtype == np.float32:
                self._split32(x)
            else:
                self._split64(x)

    def _set_special(self, x: np.ndarray, rows: np.ndarray) -> None:
        xs = x[rows]
        which = np.where(np.isnan(xs), 0, np.where(xs < 0, 2, 1))
        self.special = rows
        self.special_words = _F6_WORDS[which]

    def _split32(self, x: np.ndarray) -> None:
        # float64(x) * 10**6 is exact for every finite float32 (24 + 20 significant bits), so
        # np.rint (round-half-even) gives round_half_even(x * 10**6) exactly. Magnitudes are
        # clipped at 2**33 (N < 2**53) and the rare larger or non-finite rows fixed below.
        a = np.abs(x).astype(np.float64)
        ac = np.fmin(a, 2.0**33)  # fmin also maps nan to 2**33
        ni = np.rint(ac * 1e6).astype(_I64)
        ip = ni // _TEN6
        frac = ni - ip * _TEN6
        if ac.max() >= 2.0**33:
            rows = np.flatnonzero(ac >= 2.0**33)
            ar = a[rows]
            finite = np.isfinite(ar)
            frac[rows] = 0
            small = finite & (ar < 2.0**63)
            ip[rows] = np.where(small, ar, 0.0).astype(_I64)  # integers: |x| >= 2**24
            big = rows[finite & ~small]
            if big.size:
                bits = x[big].view(np.uint32).astype(_I64)
                m = (bits & 0x7FFFFF) | 0x800000
                e = ((bits >> 23) & 0xFF) - 150
                self.big = big
                self.big_cols = _big_int_cols(m, e)
            if not finite.all():
                self._set_special(x, rows[~finite])
        self.ip, self.frac = ip, frac

    def _split64(self, x: np.ndarray) -> None:
        special = ~np.isfinite(x)
        a = np.abs(x)
        any_special = bool(special.any())
        if any_special:
            a = np.where(special, 0.0, a)
        ipf = np.trunc(a)
        fr = a - ipf  # exact
        fb = fr.view(_I64)
        fexp = fb >> 52
        fm = (fb & ((1 << 52) - 1)) | ((fexp > 0).astype(_I64) << 52)
        # fr = fm * 2**-s with s >= 53 (fr < 1). N = round_half_even(fm * 15625 / 2**t), t = s - 6.
        # fm * 15625 = hi * 2**26 + lo, hi < 2**41; t >= 47, so shift hi by sh = t - 26 (21..42;
        # clipping at 42 keeps the result 0, which it is for all such tiny fractions).
        s = np.where(fexp > 0, 1075 - fexp, 1074)
        sh = np.minimum(np.maximum(s - 32, 21), 42)
        pa = (fm >> 26) * 15625
        pb = (fm & ((1 << 26) - 1)) * 15625
        hi = pa + (pb >> 26)
        lo = pb & ((1 << 26) - 1)
        q = hi >> sh
        rh = hi & ((_I64(1) << sh) - 1)
        h = _I64(1) << (sh - 1)
        up = (rh > h) | ((rh == h) & ((lo > 0) | (q & 1).astype(bool)))
        frac = q + up
        carry = frac == _TEN6
        frac[carry] = 0
        if ipf.max() >= 2.0**63:
            bigmask = ipf >= 2.0**63
            big = np.flatnonzero(bigmask)
            ib = ipf[big].view(_I64)
            self.big = big
            self.big_cols = _big_int_cols((ib & ((1 << 52) - 1)) | (1 << 52), (ib >> 52) - 1075)
            ipf = np.where(bigmask, 0.0, ipf)
        self.ip = ipf.astype(_I64) + carry
        self.frac = frac
        if any_special:
            self._set_special(x, np.flatnonzero(special))


def _fixed6_field(x: np.ndarray) -> _Field:
    """``"%f" % float(v)`` for each element of a float32 or float64 array.

    Layout: sign (only when some value is negative), integer digits (right-aligned), ``.``, six
    fraction digits; unused cells 0.
    """
    parts = _Fixed6Parts(x)
    small = _ndigits(int(parts.ip.max())) if x.shape[0] else 1
    width = max(small, parts.big_cols.shape[1])
    s0 = 0 if parts.neg is None else 1  # sign cells
    dot = s0 + width
    total = dot + 7
    const = bytes(dot) + b"." + bytes(6)

    def fill(out: np.ndarray) -> None:
        if parts.neg is not None:
            out[:, 0] = parts.neg * _U8(45)
        _put_uint(out[:, dot - small : dot], parts.ip, small)
        _put_digits(out[:, dot + 1 :], parts.frac, 6)
        if parts.big.size:
            big_w = parts.big_cols.shape[1]
            out[parts.big, s0 : dot - big_w] = 0
            out[parts.big, dot - big_w : dot] = parts.big_cols
        if parts.special.size:
            out[parts.special] = 0
            out[parts.special, total - 4 :] = parts.special_words

    return _Field(total, const, fill)


def _field_matrix(field: _Field, rows: int) -> np.ndarray:
    """Materialise a field as a ``[rows, width]`` matrix (fillers 0)."""
    out = np.empty((rows, field.width), dtype=_U8)
    out[:] = np.frombuffer(field.const, dtype=_U8)
    field.fill(out)
    return out


def _as_float_array(x: Any, name: str) -> np.ndarray:
    """1-D contiguous float32 or float64 array (other dtypes become float64)."""
    a = np.asarray(x)
    if a.dtype != np.float32:
        try:
            a = a.astype(np.float64, copy=False)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be a float array, got {a.dtype}") from exc
    return np.ascontiguousarray(a.reshape(-1))


def _compact_rows(mat: np.ndarray) -> np.ndarray:
    """Left-align each row of a field matrix (fillers moved to the end, order kept)."""
    order = np.argsort(mat == 0, axis=1, kind="stable")
    return np.take_along_axis(mat, order, axis=1)


def fixed6(x: np.ndarray) -> np.ndarray:
    """Exact ``"%f" % float(v)`` of every element of a float32 or float64 array.

    Returns a NumPy bytes array (dtype ``S<width>``) of the same shape; each element equals
    ``("%f" % float(v)).encode()`` byte for byte, for any value including ``-0.0``, subnormals,
    huge values, ``inf``, ``-inf`` and ``nan``.
    """
    arr = np.asarray(x)
    flat = _as_float_array(arr, "x")
    if flat.size == 0:
        return np.zeros(arr.shape, dtype="S1")
    mat = _field_matrix(_fixed6_field(flat), flat.shape[0])
    mat = np.ascontiguousarray(_compact_rows(mat))
    return mat.view(f"S{mat.shape[1]}").reshape(arr.shape)


# --------------------------------------------------------------------------------------------
# Shortest round-tripping float32 text (CSV / JSON)
# --------------------------------------------------------------------------------------------


def _shortest32(a32: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shortest decimal (<= 9 significant digits) that reads back as each float32 in ``a32``.

    ``a32`` holds finite, positive float32 values. Returns ``(c, k)``: the decimal is
    ``c * 10**(k - 8)`` with ``c`` an int64 in ``[10**8, 10**9)`` (trailing zeros of ``c`` are
    not significant) and ``k`` the exponent of its leading digit.

    Everything is scaled by ``10**(8 - k)`` so that the value ``v`` and its float32 rounding
    interval ``(L, H)`` (the midpoints to the neighbours) are numbers below ``2**30`` computed
    with an error below ``2**-22``. The 9-digit candidate ``rint(v)`` always lies inside the
    interval (it is within ``5e-9`` relative of the value, the midpoints at least ``2**-25``
    away). The ``(9 - t)``-digit candidate ``rint(v / 10**t) * 10**t`` (an exact integer) is
    accepted when ``L + 2**-19 < candidate < H - 2**-19``: the decimal is then strictly inside
    the interval by more than the float64 rounding of the decimal itself, so every correct
    parser, directly to float32 or through float64 (``np.float32(float(text))``), returns the
    value. For ``v >= 2**24`` an integer candidate exactly on a midpoint is also accepted when
    the value's mantissa is even (round-half-even then picks the value), checked exactly in
    float64 below ``2**53``. Shorter candidates are tried while they are accepted.
    """
    n = a32.shape[0]
    a = a32.astype(np.float64)
    b = a32.view(np.uint32)
    up = np.minimum((b + np.uint32(1)).view(np.float32).astype(np.float64), 2.0**128)
    dn = (b - np.uint32(1)).view(np.float32).astype(np.float64)
    lo_mid = (a + dn) * 0.5  # exact: 25 significant bits at most
    hi_mid = (a + up) * 0.5
    e2 = (a.view(_I64) >> 52) - 1023
    k = (e2 * 78913) >> 18  # floor(e2 * log10(2)); floor(log10(a)) is k or k + 1
    scale = _P10F[8 - k + _P10F_OFF]
    v = a * scale
    c = np.rint(v)
    fix = np.flatnonzero(c >= 1e9)
    if fix.size:
        k[fix] += 1
        scale[fix] = _P10F[8 - k[fix] + _P10F_OFF]
        v[fix] = a[fix] * scale[fix]
        c[fix] = np.rint(v[fix])
    lo_b = lo_mid * scale + 2.0**-19
    hi_b = hi_mid * scale - 2.0**-19
    ties = bool(a.max() >= 2.0**24)
    # While many rows are still shortening, work on whole arrays with a mask; once few are
    # left, on the compressed subset.
    alive: np.ndarray | None = None
    act: np.ndarray | None = None
    v_a, lo_a, hi_a = v, lo_b, hi_b
    for t in range(1, 9):
        p10 = float(10**t)
        cand = np.rint(v_a * (1.0 / p10)) * p10
        ok = (cand > lo_a) & (cand < hi_a)
        if ties:
            ok |= _tie_ok(cand, np.arange(n) if act is None else act, a, k, lo_mid, hi_mid, b)
        if act is None:
            if alive is not None:
                ok &= alive
            count = int(np.count_nonzero(ok))
            if not count:
                break
            np.copyto(c, cand, where=ok)
            if count * 4 >= n:
                alive = ok
                continue
            act = np.flatnonzero(ok)
            v_a, lo_a, hi_a = v[act], lo_b[act], hi_b[act]
        else:
            act = act[ok]
            if not act.size:
                break
            c[act] = cand[ok]
            v_a, lo_a, hi_a = v_a[ok], lo_a[ok], hi_a[ok]
    # At a binade's bottom (mantissa field 0) the interval below the value is half as wide as
    # the one above: the nearest candidate may fall outside below while the next one up fits.
    bottom = np.flatnonzero(((b & np.uint32(0x7FFFFF)) == 0) & (b >= np.uint32(0x01000000)))
    if bottom.size:
        c[bottom] = _shortest_lopsided(bottom, v, lo_b, hi_b, ties, (a, k, lo_mid, hi_mid, b))
    ci = c.astype(_I64)
    over = ci >= 1_000_000_000  # rounded up to 10**(k + 1)
    if over.any():
        ci[over] = 100_000_000
        k[over] += 1
    return ci, k


def _shortest_lopsided(
    rows: np.ndarray,
    v: np.ndarray,
    lo_b: np.ndarray,
    hi_b: np.ndarray,
    ties: bool,
    tie_args: tuple[np.ndarray, ...],
) -> np.ndarray:
    """The search of :func:`_shortest32` for powers of two, trying the candidate above too.

    Among the shortest candidates inside the interval the nearest wins; when the nearest falls
    outside (below, where the interval is narrow), the one just above the value may fit.
    Having no candidate at some length means none at any shorter length either.
    """
    vv, lo, hi = v[rows], lo_b[rows], hi_b[rows]
    c = np.rint(vv)
    alive = np.ones(rows.shape[0], dtype=bool)
    for t in range(1, 9):
        p10 = float(10**t)
        q = vv * (1.0 / p10)
        near = np.rint(q) * p10
        up = np.ceil(q) * p10
        ok_near = (near > lo) & (near < hi)
        ok_up = (up > lo) & (up < hi)
        if ties:
            ok_near |= _tie_ok(near, rows, *tie_args)
            ok_up |= _tie_ok(up, rows, *tie_args)
        alive &= ok_near | ok_up
        if not alive.any():
            break
        c = np.where(alive, np.where(ok_near, near, up), c)
    return c


def _tie_ok(
    cand: np.ndarray,
    rows: np.ndarray,
    a: np.ndarray,
    k: np.ndarray,
    lo_mid: np.ndarray,
    hi_mid: np.ndarray,
    bits: np.ndarray,
) -> np.ndarray:
    """Whether integer candidates lie exactly on a midpoint that rounds to the value.

    Only values ``>= 2**24`` have integer midpoints (smaller values have shorter exact
    decimals than their midpoints anyway). The candidate is ``cand * 10**(k - 8)``; it is an
    integer when ``cand`` is divisible by ``10**(8 - k)``, computed exactly in float64 below
    ``2**53``.
    """
    ok = np.zeros(rows.shape[0], dtype=bool)
    sel = np.flatnonzero(a[rows] >= 2.0**24)
    if not sel.size:
        return ok
    r = rows[sel]
    kk = k[r]
    x = np.where(
        kk >= 8,
        cand[sel] * _P10F[np.maximum(kk - 8, 0) + _P10F_OFF],
        cand[sel] / _P10F[np.maximum(8 - kk, 0) + _P10F_OFF],
    )
    even = (bits[r] & 1) == 0
    ok[sel] = even & (x < 2.0**53) & ((x == lo_mid[r]) | (x == hi_mid[r]))
    return ok


def _word_table(words: list[bytes]) -> np.ndarray:
    """Rows of ASCII words, zero-padded to the longest (fillers)."""
    width = max(len(wd) for wd in words)
    return np.array([list(wd.ljust(width, b"\0")) for wd in words], dtype=_U8)


_SPECIAL_CSV = _word_table([b"nan", b"inf", b"-inf"])
_SPECIAL_JSON = _word_table([b'"nan"', b'"inf"', b'"-inf"'])
_ONE_F32_BITS = np.uint32(0x3F800000)  # 1.0f: stand-in for zeros and non-finite values


def _short32_field(x: np.ndarray, quote_special: bool) -> _Field:
    """The shortest round-tripping text of each float32 (CSV/JSON number).

    Digits from :func:`_shortest32`, laid out like Python's ``repr``: positional for a leading
    digit exponent ``k`` in ``[-4, 15]`` (``36.0``, ``0.0001``), else scientific (``1e-05``,
    ``3.4e+38``). Zeros print as ``0.0``/``-0.0``; non-finite values as ``inf``, ``-inf``,
    ``nan`` (in double quotes when ``quote_special``, i.e. for JSON).

    One layout serves both notations, so every row is written with whole-column operations:
    sign, integer cells (right-aligned; a scientific row puts its first digit in the last
    one), ``.``, fraction cells (left-aligned, trailing zeros as fillers) and, when some row
    needs it, four exponent cells ``e±dd``.
    """
    bits = x.view(np.uint32)
    neg = (bits >> 31).astype(bool)
    mag = bits & np.uint32(0x7FFFFFFF)
    regular = (mag - np.uint32(1)) < np.uint32(0x7F7FFFFF)  # finite and non-zero
    all_regular = bool(regular.all())
    a32 = (mag if all_regular else np.where(regular, mag, _ONE_F32_BITS)).view(np.float32)
    c, k = _shortest32(a32)
    sci = (k < -4) | (k > 15)
    if not all_regular:
        sci &= regular
    any_sci = bool(sci.any())
    if any_sci:
        k_pos = np.minimum(
            np.maximum(k, -4), 15
        )  # keeps the positional arithmetic of sci rows in range
        first = c // 100_000_000
        rest = c - first * 100_000_000
    else:
        k_pos = k
    # positional: c holds frac_n fraction digits; integer part ip, fraction fp
    frac_n = np.maximum(8 - k_pos, 0)
    p = _P10F[frac_n + _P10F_OFF]
    cf = c.astype(np.float64)
    ipf = np.floor(cf / p)  # exact: a non-integer quotient is never within an ulp of an integer
    fp = (cf - ipf * p).astype(_I64)
    ip = ipf.astype(_I64)
    if int(k_pos.max()) > 8:
        ip *= _POW10[np.maximum(k_pos - 8, 0)]
    if not all_regular:
        ip[~regular] = 0  # zeros print as 0.0 (non-finite rows are rewritten at the end)
        fp[~regular] = 0
    if any_sci:
        int_val = np.where(sci, first, ip)
        wf = max(int(frac_n[~sci].max(initial=0)), 8)
        frac_val = np.where(sci, rest * _POW10[wf - 8], fp * _POW10[np.maximum(wf - frac_n, 0)])
    else:
        int_val = ip
        wf = max(int(frac_n.max()), 1)
        frac_val = fp * _POW10[wf - frac_n] if wf > 1 else fp
    wi = _ndigits(int(int_val.max()))
    table = _SPECIAL_JSON if quote_special else _SPECIAL_CSV
    any_neg = bool(neg.any())
    s0 = 1 if any_neg else 0  # sign cells
    dot, f0, e0 = s0 + wi, s0 + wi + 1, s0 + wi + 1 + wf
    width = max(e0 + (4 if any_sci else 0), table.shape[1] if not all_regular else 0)
    const = bytes(dot) + b"." + bytes(width - dot - 1)

    def fill(out: np.ndarray) -> None:
        if any_neg:
            out[:, 0] = neg * _U8(45)
        _put_units(out[:, s0:dot], int_val, wi, "lead")
        _put_units(out[:, f0:e0], frac_val, wf, "trail")
        zero_frac = frac_val == 0
        if any_sci:
            zero_frac &= ~sci
            out[:, dot] = np.where(sci & (rest == 0), _U8(0), _U8(46))
            out[:, e0] = sci * _U8(101)  # e
            out[:, e0 + 1] = np.where(sci, np.where(k < 0, _U8(45), _U8(43)), _U8(0))
            exp_cells = out[:, e0 + 2 : e0 + 4]
            _put_units(exp_cells, np.minimum(np.abs(k), 99), 2, "pad")
            exp_cells *= sci[:, None]
        if zero_frac.any():
            np.copyto(out[:, f0], 48, where=zero_frac)
        if not all_regular:
            specials = np.flatnonzero(mag >= np.uint32(0x7F800000))
            if specials.size:
                isnan = mag[specials] > np.uint32(0x7F800000)
                which = np.where(isnan, 0, np.where(neg[specials], 2, 1))
                out[specials] = 0
                out[specials, : table.shape[1]] = table[which]

    return _Field(width, const, fill)


def _csv_number(x: np.ndarray) -> _Field:
    """CSV float32 field: shortest round-tripping decimal, ``inf``/``-inf``/``nan``."""
    return _short32_field(x, quote_special=False)


def _json_number(x: np.ndarray) -> _Field:
    """JSON float32 field: shortest round-tripping decimal, ``"inf"``/``"-inf"``/``"nan"``."""
    return _short32_field(x, quote_special=True)


# --------------------------------------------------------------------------------------------
# Assembly
# --------------------------------------------------------------------------------------------

_Maker = Callable[[np.ndarray], _Field]


def _dedup(maker: _Maker, x: np.ndarray) -> _Field:
    """Format once per run of identical (bitwise) consecutive values, then repeat the rows.

    A constant learning rate or a converged w/loss repeats the same value for many rows.
    """
    n = x.shape[0]
    if n < _MIN_DEDUP:
        return maker(x)
    key = x.view(f"u{x.dtype.itemsize}")
    change = np.empty(n, dtype=bool)
    change[0] = True
    np.not_equal(key[1:], key[:-1], out=change[1:])
    if np.count_nonzero(change) * 4 > n:
        return maker(x)
    starts = np.flatnonzero(change)
    field = maker(x[starts])
    counts = np.diff(np.append(starts, n))

    def fill(out: np.ndarray) -> None:
        rows = _field_matrix(field, starts.size)
        out[:] = rows if starts.size == 1 else np.repeat(rows, counts, axis=0)

    return _Field(field.width, field.const, fill)


_Part = bytes | tuple[_Maker, np.ndarray]


def _assemble(
    parts: list[_Part], n: int, head: bytes = b"", tail: bytes = b"", cut: int = 0
) -> bytes:
    """``head`` + the ``n`` rows (constant and field parts, fillers dropped) + ``tail``.

    Works in chunks of ``_CHUNK`` rows: one ``uint8`` matrix per chunk is initialised with the
    constant cells of the whole row, the fields fill in their cells, and ``mat[mat != 0]`` is the
    chunk's text (the matrix itself when it holds no filler). ``cut`` bytes are dropped from the
    end of the rows. Only the final ``bytes`` is a full copy of the text.
    """
    out: list[bytes | np.ndarray] = [head]
    for lo in range(0, n, _CHUNK):
        hi = min(n, lo + _CHUNK)
        pieces: list[bytes | _Field] = [
            p if isinstance(p, bytes) else _dedup(p[0], p[1][lo:hi]) for p in parts
        ]
        template = b"".join(p if isinstance(p, bytes) else p.const for p in pieces)
        mat = np.empty((hi - lo, len(template)), dtype=_U8)
        mat[:] = np.frombuffer(template, dtype=_U8)
        col = 0
        for p in pieces:
            if isinstance(p, bytes):
                col += len(p)
            else:
                p.fill(mat[:, col : col + p.width])
                col += p.width
        if np.count_nonzero(mat) == mat.size:
            out.append(mat.reshape(-1))
        else:
            out.append(mat[mat != 0])
    if cut and n:
        out[-1] = out[-1][:-cut]
    out.append(tail)
    return b"".join(out)


def _columns(
    step: Any, w: Any, loss: Any, lr: Any | None, float32_only: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Validate and normalise the four columns (1-D, equal lengths)."""
    s = np.ascontiguousarray(np.asarray(step).reshape(-1))
    if s.dtype.kind not in "iub":
        raise TypeError(f"step must be an integer array, got {s.dtype}")
    s = s.astype(_I64, copy=False)
    conv = _as_float32 if float32_only else _as_float_array
    cols = [conv(w, "w"), conv(loss, "loss")]
    lr_arr = conv(lr, "lr") if lr is not None else None
    for name, c in (("w", cols[0]), ("loss", cols[1]), ("lr", lr_arr)):
        if c is not None and c.shape[0] != s.shape[0]:
            raise ValueError(f"{name} has {c.shape[0]} rows, step has {s.shape[0]}")
    return s, cols[0], cols[1], lr_arr


def _required(lr: Any) -> Any:
    """The lr column is required for CSV and JSON."""
    if lr is None:
        raise TypeError("lr is required for csv and json")
    return lr


def _as_float32(x: Any, name: str) -> np.ndarray:
    """1-D contiguous float32 array; other float dtypes must hold float32 values exactly."""
    a = np.asarray(x)
    if a.dtype != np.float32:
        with np.errstate(invalid="ignore", over="ignore"):
            b = a.astype(np.float32)
            exact = np.array_equal(b.astype(a.dtype), a, equal_nan=True)
        if not exact:
            raise ValueError(f"{name} must hold float32 values")
        a = b
    return np.ascontiguousarray(a.reshape(-1))


# --------------------------------------------------------------------------------------------
# Public formats
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Sentence:
    """The constant text of a per-step sentence, around its numbers (UTF-8 bytes): ``step``
    before the step number, ``w`` before w, ``loss`` before the loss, ``lr`` before the rate."""

    step: bytes
    w: bytes
    loss: bytes
    lr: bytes


#: The lesson's sentence: ``第 1 次迭代后的w是 4.880000,对应的loss值是 36.000000,学习率是0.010000``.
SEED_SENTENCE = Sentence(
    "第 ".encode(), " 次迭代后的w是 ".encode(), ",对应的loss值是 ".encode(), ",学习率是".encode()
)

#: The same in English: ``step 1: w = 4.880000, loss = 36.000000, lr = 0.010000``.
EN_SENTENCE = Sentence(b"step ", b": w = ", b", loss = ", b", lr = ")


def sentence_lines(
    sentence: Sentence,
    step: np.ndarray,
    w: np.ndarray,
    loss: np.ndarray,
    lr: np.ndarray | None = None,
) -> bytes:
    """One ``\\n``-terminated ``sentence`` per step, its numbers exactly as ``%d`` and ``%f``
    print them, the rate only when ``lr`` is given."""
    s, wa, la, ra = _columns(step, w, loss, lr, float32_only=False)
    parts: list[_Part] = [
        sentence.step,
        (_int_field, s),
        sentence.w,
        (_fixed6_field, wa),
        sentence.loss,
        (_fixed6_field, la),
    ]
    if ra is not None:
        parts += [sentence.lr, (_fixed6_field, ra)]
    parts.append(b"\n")
    return _assemble(parts, s.shape[0])


def seed_lines(
    step: np.ndarray, w: np.ndarray, loss: np.ndarray, lr: np.ndarray | None = None
) -> bytes:
    """The lesson's per-step sentences as UTF-8, one ``\\n``-terminated line per step.

    Byte-identical to ``"第 %s 次迭代后的w是 %f,对应的loss值是 %f" % (step, w, loss)`` and, when
    ``lr`` (the schedule's float64 lr) is given, to the same with ``",学习率是%f" % lr`` appended.
    """
    return sentence_lines(SEED_SENTENCE, step, w, loss, lr)


def en_lines(
    step: np.ndarray, w: np.ndarray, loss: np.ndarray, lr: np.ndarray | None = None
) -> bytes:
    """English per-step lines: ``step 1: w = 4.880000, loss = 36.000000`` (+ ``, lr = %f``).

    UTF-8 (pure ASCII) bytes, one ``\\n``-terminated line per step, numbers exactly as ``%f``.
    """
    return sentence_lines(EN_SENTENCE, step, w, loss, lr)


def csv_bytes(
    step: np.ndarray, w: np.ndarray, loss: np.ndarray, lr: np.ndarray, header: bool = True
) -> bytes:
    """CSV with header ``step,w,loss,lr`` and one row per step (``\\n`` line ends).

    ``header=False`` leaves the header out, for the chunks after the first of a long output.

    ``w``, ``loss`` and ``lr`` are float32 (other float arrays must hold float32 values exactly,
    else ValueError). Each is written as the shortest decimal that reads back to the same
    float32 bits (``np.float32(float(text))``), e.g. ``4.88``, ``36.0``, ``1e-05``; non-finite
    values as ``inf``, ``-inf``, ``nan``.
    """
    s, wa, la, ra = _columns(step, w, loss, _required(lr), float32_only=True)
    parts: list[_Part] = [
        (_int_field, s),
        b",",
        (_csv_number, wa),
        b",",
        (_csv_number, la),
        b",",
        (_csv_number, ra),
        b"\n",
    ]
    return _assemble(parts, s.shape[0], head=b"step,w,loss,lr\n" if header else b"")


def json_bytes(
    step: np.ndarray, w: np.ndarray, loss: np.ndarray, lr: np.ndarray, meta: Mapping[str, Any]
) -> bytes:
    """One strict JSON document: ``{"meta": ..., "columns": [...], "rows": [[step, w, loss, lr]]}``.

    One row per line. ``meta`` is dumped with :func:`json.dumps` (it must not contain non-finite
    floats: ValueError). Columns as for :func:`csv_bytes`: floats are the shortest decimals that
    read back to the same float32 bits; non-finite values are the strings ``"inf"``, ``"-inf"``,
    ``"nan"``, so the document has no NaN/Infinity tokens.
    """
    s, wa, la, ra = _columns(step, w, loss, _required(lr), float32_only=True)
    head = (
        '{"meta": '
        + json.dumps(dict(meta), allow_nan=False)
        + ', "columns": ["step", "w", "loss", "lr"], "rows": ['
    ).encode()
    n = s.shape[0]
    if n == 0:
        return head + b"]}\n"
    head += b"\n"
    parts: list[_Part] = [
        b"[",
        (_int_field, s),
        b", ",
        (_json_number, wa),
        b", ",
        (_json_number, la),
        b", ",
        (_json_number, ra),
        b"],\n",
    ]
    return _assemble(parts, n, head=head, tail=b"\n]}\n", cut=2)  # no comma after the last row
