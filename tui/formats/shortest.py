"""The shortest decimal that reads back to the same float32 bits, laid out as Python's
``repr`` (the CSV and JSON numbers)."""

from __future__ import annotations

import numpy as np

from tui.formats.fields import _I64, _P10F, _P10F_OFF, _POW10, _U8, _Field, _ndigits, _put_units


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
    c: np.ndarray = np.rint(vv)
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
