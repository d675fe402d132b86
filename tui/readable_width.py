"""The width of a column of :func:`~tui.readable.readable` numbers, found with NumPy without
formatting them all (the log's column widths at every key)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tui.readable import LARGE, TINY, readable


def _at_least(bound: float, dtype: type[np.floating[Any]]) -> np.floating[Any]:
    """The smallest ``dtype`` number at or above ``bound``: for every ``v`` of ``dtype``,
    ``v >= it`` exactly when ``float(v) >= bound`` (and ``v < it`` when ``float(v) < bound``)."""
    near: np.floating[Any] = dtype(bound)
    if float(near) < bound:
        near = dtype(np.nextafter(near, dtype(np.inf)))
    return near


@dataclass(frozen=True)
class _Bits:
    """A float type's bit patterns, read as integers of its size.

    Read unsigned, a pattern with the sign bit clear is a magnitude, and magnitudes order as
    their patterns do: ``inf`` above every finite one and every ``nan`` above ``inf``. A negative
    number's pattern is ``sign + magnitude``, above every positive one; read signed, below every
    positive one, the smallest magnitude lowest. :data:`LARGE` and :data:`TINY` are here as the
    patterns of their type's thresholds (:func:`_at_least`).
    """

    real: type[np.floating[Any]]
    uint: type[np.unsignedinteger[Any]]
    sint: type[np.signedinteger[Any]]
    sign: int
    inf: int
    large: int
    tiny: int

    @classmethod
    def of(
        cls,
        dtype: type[np.floating[Any]],
        uint: type[np.unsignedinteger[Any]],
        sint: type[np.signedinteger[Any]],
    ) -> _Bits:
        """The patterns of ``dtype``, read as ``uint`` or ``sint`` (of its size)."""

        def bits(value: np.floating[Any]) -> int:
            return int(np.asarray(value, dtype).view(uint))

        return cls(
            dtype,
            uint,
            sint,
            sign=bits(dtype(-0.0)),
            inf=bits(dtype(np.inf)),
            large=bits(_at_least(LARGE, dtype)),
            tiny=bits(_at_least(TINY, dtype)),
        )

    def value(self, magnitude: int) -> float:
        """The number whose magnitude's pattern is ``magnitude``."""
        return float(np.asarray(magnitude, self.uint).view(self.real))


#: The float types a column is read in as it is (any other is read as float64, exactly).
_BITS = {
    np.dtype(np.float32): _Bits.of(np.float32, np.uint32, np.int32),
    np.dtype(np.float64): _Bits.of(np.float64, np.uint64, np.int64),
}


class _Sign:
    """The numbers of one sign of a column, in its patterns read unsigned (:class:`_Bits`):
    those from ``floor`` (the pattern of this sign's zero) up, ``sign`` of them. A question of
    those below or above a magnitude is one pass taking a constant off every pattern, the
    others wrapping round past them, and one pass for the extreme."""

    def __init__(self, patterns: np.ndarray, scratch: list[np.ndarray], floor: int) -> None:
        self.patterns = patterns
        self.scratch = scratch
        """One array of the patterns' size for every question (made at the first)."""
        self.floor = floor
        self.sign = 1 << (8 * patterns.dtype.itemsize - 1)
        """How many patterns a sign has: the sign bit's."""

    def _less(self, shift: int) -> np.ndarray:
        """The patterns less ``shift``, wrapping round."""
        if not self.scratch:
            self.scratch.append(np.empty_like(self.patterns))
        less: np.ndarray = np.subtract(
            self.patterns, self.patterns.dtype.type(shift), out=self.scratch[0]
        )
        return less

    def largest_below(self, bound: int) -> int | None:
        """The largest magnitude of this sign below ``bound`` (a magnitude's pattern), if there
        is one: less ``floor + bound``, those wrap round to the top ``bound`` patterns, and
        every other pattern lands below them."""
        top = int(self._less(self.floor + bound).max())
        start = 2 * self.sign - bound
        return top - start if top >= start else None

    def least_above_zero(self) -> int | None:
        """The smallest magnitude of this sign but zero, if there is one: less ``floor + 1``,
        zero wraps round to the top pattern and the other sign's land at or above half-way."""
        least = int(self._less(self.floor + 1).min())
        return least + 1 if least < self.sign - 1 else None

    def has(self, magnitude: int) -> bool:
        """Whether this sign has a number of that magnitude (its pattern)."""
        return bool((self.patterns == self.patterns.dtype.type(self.floor + magnitude)).any())


def readable_width(values: np.ndarray) -> int:
    """The width of the widest :func:`readable` of ``values``, found without formatting them
    all: the fixed ones are widest at their extremes, the scientific ones at their extreme
    magnitudes (the exponent's digits), plus a sign if any of them is negative.

    Read in the column's own type (float32 or float64; any other as float64), as bit patterns
    (:class:`_Bits`): each sign's largest and smallest magnitude are the extremes of the
    patterns read unsigned and signed, two to four passes over the column and none over a
    float64 copy of it (a 100,000-step column is read at every key). Two more a question where
    that is not enough (:class:`_Sign`): a sign's smallest magnitude but zero, its largest
    finite one, its largest below :data:`LARGE`. The decisions are :func:`readable`'s, each
    threshold being the smallest number of the type at or above it (:func:`_at_least`).
    """
    x = np.asarray(values).reshape(-1)
    if x.dtype not in _BITS:
        x = x.astype(np.float64)
    if not x.size:
        return 1
    kind = _BITS[x.dtype]
    sign = kind.sign
    unsigned = x.view(kind.uint)
    top, bottom = int(unsigned.max()), int(unsigned.min())
    # Each sign's numbers, where there are any: how they show, where their patterns start,
    # their largest and smallest magnitude.
    signs: list[tuple[float, int, int, int]] = []
    if top < sign:
        signs.append((1.0, 0, top, bottom))
    elif bottom >= sign:
        signs.append((-1.0, sign, top - sign, bottom - sign))
    else:
        signed = x.view(kind.sint)
        signs.append((1.0, 0, int(signed.max()), bottom))
        signs.append((-1.0, sign, top - sign, int(signed.min()) + sign))
    width = 1
    least = None  # the smallest tiny magnitude: the widest exponent
    most = None  # the largest finite one of LARGE or more: the widest exponent too
    signed_scientific = False
    scratch: list[np.ndarray] = []
    for shown, floor, high, low in signs:
        numbers = _Sign(unsigned, scratch, floor)
        if high > kind.inf:
            width = max(width, len(readable(float("nan"))))
        if high == kind.inf or (high > kind.inf and numbers.has(kind.inf)):
            width = max(width, len(readable(shown * float("inf"))))
        finite = high if high < kind.inf else numbers.largest_below(kind.inf)
        if finite is None:
            continue
        # The widest fixed number of this sign is its largest; if that is tiny, so is a number
        # of this sign, wider than any fixed one.
        fixed = finite if finite < kind.large else numbers.largest_below(kind.large)
        if fixed is not None and (fixed >= kind.tiny or fixed == 0):
            width = max(width, len(readable(shown * kind.value(fixed))))
        if finite >= kind.large:
            most = finite if most is None else max(most, finite)
            signed_scientific = signed_scientific or shown < 0
        smallest = low if low else numbers.least_above_zero()
        if smallest is not None and smallest < kind.tiny:
            least = smallest if least is None else min(least, smallest)
            signed_scientific = signed_scientific or shown < 0
    extremes = [len(readable(kind.value(m))) for m in (least, most) if m is not None]
    if extremes:
        width = max(width, signed_scientific + max(extremes))
    return width
