"""Fields: a column of numbers formatted for one chunk of rows, into cells of a ``uint8``
matrix (filler byte 0 where a row needs fewer), and the digit tables that fill them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

_I64 = np.int64
_U8 = np.uint8

_POW10 = np.array([10**i for i in range(19)], dtype=_I64)

# Correctly rounded float64 powers of ten 1e-60 .. 1e60 (exact for |j| <= 22).
_P10F_OFF = 60
_P10F = np.array([float(f"1e{j}") for j in range(-_P10F_OFF, _P10F_OFF + 1)], dtype=np.float64)

_TEN6 = 1_000_000


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
        size, table, view = _unit(u)
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
    table: np.ndarray = np.frombuffer(raw, dtype=dtype).copy()
    return table


@functools.cache
def _unit(u: int) -> tuple[int, np.ndarray, Any]:
    """The unit of ``u`` columns: its size, its :func:`_unit_table` and the view it is stored
    through. Made at its first use, not at import: the three units' tables take about
    10 ms, which every start paid (the command line imports the export formats for their names)."""
    return 10**u, _unit_table(u), {4: np.uint32, 2: np.uint16, 1: None}[u]


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
