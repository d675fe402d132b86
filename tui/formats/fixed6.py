"""``%f`` in bulk: the exact round-half-even of ``x * 10**6`` for float32 and float64."""

from __future__ import annotations

import numpy as np

from tui.formats.fields import (
    _I64,
    _TEN6,
    _U8,
    _as_float_array,
    _big_int_cols,
    _Field,
    _field_matrix,
    _ndigits,
    _put_digits,
    _put_uint,
)

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
