"""Three steps of plotext's drawing, the same results in fewer steps.

plotext 5.3.2 joins a line's points with ``_utility.get_lines``: for each pair of neighbours it
builds the cells between them in Python (``get_line``, with its own ``linspace``), a few lists
per segment. It then groups the points of a braille series into characters with
``_utility.hd_group``, a list of lists per point. The landscape's level lines are hundreds of
short segments: measured in the explorer under a profiler, the two were a fifth and a sixth of
a two-parameter run's whole keystroke.

:func:`get_lines` and :func:`hd_group` give what plotext's give, element for element and in
the same order, for what plotext passes them while drawing our charts: integer cells (the
same float64 arithmetic: ``x0 + k * ((x1 - x0) / (a - 1))`` truncated to an integer), and one
marker's resolution for a whole series. Anything else (a cell plotext left as ``None`` or NaN,
one billions of cells away, a series of mixed markers) goes to plotext's own. :func:`install`
puts them in plotext's place: plotext's builder looks them up in its module at every build.

Every build also starts plotext's grid of cells (``matrix_class.set_matrices``): its
background is made a cell at a time, each through a lambda that asks whether the cell is on
the canvas, about a tenth of a one-parameter chart's build. :func:`set_matrices` makes the same
lists a row at a time (a row on the canvas is the axes' colour, then the canvas', then the
axes' again).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

import numpy as np
from plotext import _matrix, _utility

#: plotext's own, kept for what :func:`get_lines` and :func:`hd_group` do not handle.
PLOTEXT_GET_LINES: Callable[..., list[list[Any]]] = _utility.get_lines
PLOTEXT_HD_GROUP: Callable[..., tuple[list[Any], list[Any], list[Any]]] = _utility.hd_group
PLOTEXT_SET_MATRICES: Callable[[Any], None] = _matrix.matrix_class.set_matrices


#: Cells this far from the canvas are plotext's to handle: NumPy's int64 and float64 hold
#: these and their sums exactly.
FAR = 2**31


def _cells(values: Sequence[Any]) -> bool:
    """Whether every value is a plain integer (a cell plotext computed) within :data:`FAR`."""
    return all(type(v) is int and -FAR < v < FAR for v in values)


def get_lines(x: Sequence[Any], y: Sequence[Any], *other: Sequence[Any]) -> list[list[Any]]:
    """``plotext._utility.get_lines(x, y, *other)``: the cells of the lines between each
    point of ``x``, ``y`` and the next, and ``other`` (markers, colours, styles) repeated as
    plotext repeats them (each segment's own for its cells, the last point's for the last)."""
    count = len(x)
    if count < 2 or len(y) != count or any(len(o) < count for o in other):
        return PLOTEXT_GET_LINES(x, y, *other)
    if not _cells(x) or not _cells(y):
        return PLOTEXT_GET_LINES(x, y, *other)
    xs = np.array(x, dtype=np.int64)
    ys = np.array(y, dtype=np.int64)
    x0, x1, y0, y1 = xs[:-1], xs[1:], ys[:-1], ys[1:]
    # get_line: a = max(|int(x1) - int(x0)|, |int(y1) - int(y0)|) + 1 cells, of which each
    # segment keeps all but the last.
    cells = np.maximum(np.abs(x1 - x0), np.abs(y1 - y0)) + 1
    kept = cells - 1
    segment = np.repeat(np.arange(count - 1), kept)
    if segment.size:
        starts = np.cumsum(kept) - kept
        k = np.arange(segment.size) - np.repeat(starts, kept)
        # linspace(lower, upper, a): lower + k * ((upper - lower) / (a - 1)), a > 1 here
        # (a segment of one cell keeps none).
        steps = (cells[segment] - 1).astype(np.float64)
        fx = x0[segment] + k * ((x1[segment] - x0[segment]) / steps)
        fy = y0[segment] + k * ((y1[segment] - y0[segment]) / steps)
        line_x = np.trunc(fx).astype(np.int64).tolist()
        line_y = np.trunc(fy).astype(np.int64).tolist()
    else:
        line_x, line_y = [], []
    line_x.append(x[-1])
    line_y.append(y[-1])
    order = [*segment.tolist(), count - 1]
    pick = itemgetter(*order)
    picked = [list(pick(o)) if len(order) > 1 else [o[order[0]]] for o in other]
    return [line_x, line_y, *picked]


#: Below this many points plotext's own :func:`hd_group` is the quicker (NumPy's set-up).
FEW = 8

#: A character's dots as plotext lists them: code (bit i for dot i) -> the tuple of 0s and 1s.
_DOTS: dict[int, list[tuple[int, ...]]] = {}


def _dots(size: int) -> list[tuple[int, ...]]:
    """Every pattern of ``size`` dots, by its code."""
    if size not in _DOTS:
        _DOTS[size] = [tuple((code >> i) & 1 for i in range(size)) for code in range(1 << size)]
    return _DOTS[size]


def hd_group(
    x: Sequence[Any], y: Sequence[Any], xf: Sequence[int], yf: Sequence[int]
) -> tuple[list[Any], list[Any], list[Any]]:
    """``plotext._utility.hd_group(x, y, xf, yf)``: the characters' cells of the points (each
    cell once, in the order first met) and each character's dots, the rows top first.

    plotext's puts the point of dot column ``x % f``, row ``y % f`` (``f`` the last point's
    factors) in the character at ``(x // fx, y // fy)`` (``fx``, ``fy`` the largest); with one
    factor for the whole series, as here, those are the same."""
    count = len(x)
    if count < FEW or len(y) != count or len(xf) != count or len(yf) != count:
        return PLOTEXT_HD_GROUP(x, y, xf, yf)
    wide, tall = xf[0], yf[0]
    if any(f != wide for f in xf) or any(f != tall for f in yf):
        return PLOTEXT_HD_GROUP(x, y, xf, yf)
    if not _cells(x) or not _cells(y):
        return PLOTEXT_HD_GROUP(x, y, xf, yf)
    xs = np.array(x, dtype=np.int64)
    ys = np.array(y, dtype=np.int64)
    cx, cy = xs // wide, ys // tall  # NumPy's // and % round as Python's do, also below 0
    # The dot's place in plotext's tuple: its matrix's rows reversed, then row by row.
    place = (tall - 1 - ys % tall) * wide + xs % wide
    low_x, low_y = int(cx.min()), int(cy.min())
    keys = (cx - low_x) * (int(cy.max()) - low_y + 1) + (cy - low_y)  # one number per cell
    _, first, which = np.unique(keys, return_index=True, return_inverse=True)
    codes = np.zeros(len(first), dtype=np.int64)
    np.bitwise_or.at(codes, which.reshape(-1), np.left_shift(1, place))
    order = np.argsort(first, kind="stable")
    dots = _dots(wide * tall)
    marks = [dots[code] for code in codes[order].tolist()]
    firsts = first[order]
    return cx[firsts].tolist(), cy[firsts].tolist(), marks


def set_matrices(matrix: Any) -> None:
    """``plotext._matrix.matrix_class.set_matrices``: ``matrix``'s markers (spaces), colours
    and styles (none), and its background (the canvas' colour on the canvas, the axes'
    around it), as new lists of lists."""
    cols, rows = matrix.cols, matrix.Rows
    space, none = _utility.space, _utility.no_color
    axes, canvas = matrix.axes_color, matrix.canvas_color
    on_canvas = matrix.Cols_canvas
    inside = [canvas if col in on_canvas else axes for col in matrix.Cols]
    matrix.marker = [[space] * cols for _ in rows]
    matrix.fullground = [[none] * cols for _ in rows]
    matrix.background = [
        list(inside) if row in matrix.Rows_canvas else [axes] * cols for row in rows
    ]
    matrix.style = [[none] * cols for _ in rows]


def install() -> None:
    """Draw plotext's lines with :func:`get_lines`, group its braille with :func:`hd_group`
    and start its grid with :func:`set_matrices` from now on (once is enough)."""
    _utility.get_lines = get_lines
    _utility.hd_group = hd_group
    _matrix.matrix_class.set_matrices = set_matrices
