"""``readable_width`` reads a column in its own type (issue 14: a 100,000-step column at every
key) and decides as it did on a float64 copy: the old implementation is kept here as the
reference, and both run on random float32 and float64 columns with inf, nan, negative zero,
subnormals and each threshold's neighbours."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from tui.readable import LARGE, TINY, readable
from tui.readable_width import _at_least, readable_width


def reference_width(values: np.ndarray) -> int:
    """``readable_width`` as it was: on a float64 copy of the column."""
    x = np.asarray(values, dtype=np.float64)
    width = 3 if np.isnan(x).any() else 1
    infinite = np.isinf(x)
    if infinite.any():
        width = max(width, 4 if (x[infinite] < 0).any() else 3)
    finite = x[np.isfinite(x)]
    magnitude = np.abs(finite)
    scientific = (finite != 0) & ((magnitude >= LARGE) | (magnitude < TINY))
    fixed = finite[~scientific]
    if fixed.size:
        width = max(width, *(len(readable(float(v))) for v in (fixed.min(), fixed.max())))
        if np.signbit(fixed).any():
            width = max(width, len(readable(-0.0)))
    if scientific.any():
        sizes = magnitude[scientific]
        sign = 1 if (finite[scientific] < 0).any() else 0
        width = max(width, sign + max(len(readable(float(v))) for v in (sizes.min(), sizes.max())))
    return width


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_each_threshold_is_the_smallest_number_of_the_type_at_or_above_it(
    dtype: type[np.floating],
) -> None:
    """Compared as fractions, so no rounding of the comparison itself can hide an error."""
    for bound in (LARGE, TINY):
        at = _at_least(bound, dtype)
        below = np.nextafter(at, dtype(0))
        assert at.dtype == np.dtype(dtype)
        assert Fraction(float(at)) >= Fraction(bound) > Fraction(float(below))
    assert _at_least(LARGE, dtype) == 1e6  # 1e6 is exact in both
    assert float(_at_least(TINY, np.float32)) != TINY  # float32(5e-7) is below 5e-7: the next one


def _neighbours(dtype: type[np.floating]) -> np.ndarray:
    """Each threshold, its type's numbers on either side, both signs; the type's extremes."""
    info = np.finfo(dtype)
    bounds = [LARGE, TINY, 999999.5]  # %f of 999999.5 is 7 digits wide before its point
    if dtype is np.float64:  # where %.6e's exponent takes a third digit
        bounds += [9.9999995e-100, 9.9999995e99]
    edges = []
    for bound in bounds:
        near = dtype(bound)
        below, above = np.nextafter(near, dtype(0)), np.nextafter(near, dtype(np.inf))
        edges += [np.nextafter(below, dtype(0)), below, near, above]
        edges.append(np.nextafter(above, dtype(np.inf)))
    edges += [info.max, info.tiny, info.smallest_subnormal, info.eps, 1.0, 0.0]
    values = np.array(edges, dtype=dtype)
    return np.concatenate([values, -values])


def _column(rng: np.random.Generator, dtype: type[np.floating]) -> np.ndarray:
    """A random column: magnitudes over the type's whole range (subnormals too), signs, and a
    few zeros, infinities, nans and threshold neighbours, in a random mix of them."""
    size = int(rng.integers(1, 60))
    info = np.finfo(dtype)
    low, high = np.log10(float(info.smallest_subnormal)), np.log10(float(info.max))
    kind = rng.integers(0, 4)
    if kind == 0:  # anywhere
        logs = rng.uniform(low, high, size)
    elif kind == 1:  # the lesson's own range, all fixed but for a few
        logs = rng.uniform(-6.5, 6.5, size)
    elif kind == 2:  # near the small threshold
        logs = rng.uniform(-6.5, -6.1, size)
    else:  # near the large one
        logs = rng.uniform(5.9, 6.1, size)
    with np.errstate(over="ignore", under="ignore"):
        values = (rng.choice([-1.0, 1.0], size) * 10.0**logs).astype(dtype)
    specials = np.concatenate(
        [np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan], dtype=dtype), _neighbours(dtype)]
    )
    count = int(rng.integers(0, size + 1)) if rng.random() < 0.7 else 0
    values[rng.integers(0, size, count)] = rng.choice(specials, count)
    return values


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", range(10))
def test_the_width_is_the_old_one_on_random_columns(dtype: type[np.floating], seed: int) -> None:
    rng = np.random.default_rng([seed, np.dtype(dtype).itemsize])
    for _ in range(300):
        values = _column(rng, dtype)
        assert readable_width(values) == reference_width(values), values.tolist()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_width_is_the_old_one_at_each_threshold_and_is_the_widest_readable(
    dtype: type[np.floating],
) -> None:
    """One value at a time, and each neighbour beside zeros (the all-fixed path's zero): the
    width is the old one and the widest of the values formatted one by one."""
    for value in _neighbours(dtype):
        for values in (np.array([value]), np.array([0.0, value, -0.0]), np.array([value, 1.5])):
            column = values.astype(dtype)
            widest = max(len(readable(float(v))) for v in column)
            assert readable_width(column) == reference_width(column) == widest, column.tolist()


@pytest.mark.parametrize(
    "values",
    [
        [],
        [0.0],
        [-0.0],
        [0.0, -0.0],
        [-0.0, 0.0],  # NumPy's min of these is 0.0
        [np.nan, -0.0, 0.0],
        [np.inf, -0.0, 0.0],
        [np.nan],
        [np.inf],
        [-np.inf, np.nan],
        [-np.inf, -np.nan],  # a nan of the sign of -inf: above it among that sign's patterns
        [1e-9, 0.0],
        [-1e-300, 5.0],
        [1e100, 3.0],
        [123456.0, -0.0],
    ],
)
def test_the_width_is_the_old_one_on_small_columns(values: list[float]) -> None:
    for dtype in (np.float32, np.float64, np.float16, np.int64):
        with np.errstate(over="ignore", invalid="ignore"):
            column = np.array(values, dtype=np.float64).astype(dtype)
        assert readable_width(column) == reference_width(column), (dtype, values)


def test_a_strided_column_and_other_types_are_read_as_their_numbers() -> None:
    """A column of a two-column array (a stride), a list, big-endian floats, a 0-d value."""
    rng = np.random.default_rng(7)
    table = (rng.choice([-1.0, 1.0], (200, 2)) * 10.0 ** rng.uniform(-9, 9, (200, 2))).astype(
        np.float32
    )
    for column in (table[:, 0], table[:, 1], table[::3, 1]):
        assert readable_width(column) == reference_width(column)
    assert readable_width(table[:, 0].tolist()) == reference_width(table[:, 0])
    swapped = table[:, 1].astype(">f4")
    assert readable_width(swapped) == reference_width(table[:, 1])
    assert readable_width(np.float32(-2.5)) == len("-2.500000")
