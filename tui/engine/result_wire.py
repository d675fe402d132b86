"""A run's result as it is pickled: the arrays that hold one value (a constant rate, a w that
does not move) or the steps 1 to n are sent as what makes them again, not as their bytes.

A 100,000-step run at a constant rate is 2.8 MB of arrays, of which the steps (int64), the
rate (float32) and the rate as Python computed it (float64) are 2 MB that say three numbers.
Sent from the engine's process to the UI's on every key, those bytes took longer than the run.
Made again, every array has the same dtype, length and bits as the one packed (a NaN's payload
and the sign of a zero included: the value is repeated byte for byte), and is writable, as an
unpickled array is.

:meth:`tui.engine.result.RunResult.__reduce__` calls :func:`packed`; pickle calls
:func:`unpacked` by name on the other side.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tui.engine.result import RunResult

#: Shorter arrays are sent as they are: their bytes cost less than checking them.
SHORTEST = 64


@dataclass(frozen=True)
class Repeated:
    """``count`` copies of the one-element array ``first`` (its dtype and bits)."""

    first: np.ndarray
    count: int


@dataclass(frozen=True)
class Counted:
    """The steps ``1, 2, ..., count`` in ``dtype``."""

    count: int
    dtype: str


def pack(value: Any) -> Any:
    """``value``, or what makes it again if it is a 1-D array of one value or the steps."""
    if not isinstance(value, np.ndarray) or value.ndim != 1 or value.size < SHORTEST:
        return value
    steps = value.dtype.kind in "iu" and value[0] == 1 and value[-1] == value.size
    if steps and np.array_equal(value, np.arange(1, value.size + 1, dtype=value.dtype)):
        return Counted(value.size, value.dtype.str)
    if value.dtype.kind in "iuf":
        bits = value.view(f"u{value.itemsize}")
        if (bits == bits[0]).all():
            return Repeated(value[:1].copy(), value.size)
    return value


def unpack(value: Any) -> Any:
    """The array :func:`pack` packed into ``value`` (any other value as it is)."""
    if isinstance(value, Repeated):
        return np.repeat(value.first, value.count)
    if isinstance(value, Counted):
        return np.arange(1, value.count + 1, dtype=np.dtype(value.dtype))
    return value


def packed(result: RunResult) -> tuple[Any, ...]:
    """``result``'s fields in order, each array :func:`pack` ed."""
    return tuple(pack(getattr(result, f.name)) for f in dataclasses.fields(result))


def unpacked(fields: tuple[Any, ...]) -> RunResult:
    """The result :func:`packed` gave ``fields`` of."""
    from tui.engine.result import RunResult

    return RunResult(*(unpack(value) for value in fields))
