"""plotext's line and braille steps in NumPy (tui/app/widgets/plotext_lines.py) give what
plotext's own give: element for element on random cells, and the same picture in a figure."""

from __future__ import annotations

import math
import random

import pytest
from plotext import _matrix, _utility
from textual_plotext.plot import Plot

from tui.app.widgets import plotext_lines
from tui.app.widgets.chart_ansi import rows_from_matrix


def _cells(rng: random.Random, count: int) -> list[int]:
    span = rng.choice([2, 5, 40, 1000])
    return [rng.randrange(-span, span) for _ in range(count)]


@pytest.mark.parametrize("seed", range(4))
def test_the_lines_between_points_are_plotexts_cell_for_cell(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(500):
        count = rng.randrange(0, 40)
        x, y = _cells(rng, count), _cells(rng, count)
        markers = [rng.choice(["braille", "•", "hd"]) for _ in range(count)]
        colors = [rng.randrange(256) for _ in range(count)]
        styles = [rng.choice(["bold", "default"]) for _ in range(count)]
        ours = plotext_lines.get_lines(x, y, markers, colors, styles)
        theirs = plotext_lines.PLOTEXT_GET_LINES(x, y, markers, colors, styles)
        assert ours == theirs, (x, y)
        assert all(type(v) is int for v in ours[0] + ours[1])


def test_points_plotext_left_undrawable_pass_through_as_in_plotext() -> None:
    # get_matrix_data leaves None and NaN as they are; plotext's get_line passes such a pair on.
    x = [0, 5, None, 9, 12]
    y = [1, math.nan, 3, 3, 0]
    other = ["braille"] * 5
    assert plotext_lines.get_lines(x, y, other) == plotext_lines.PLOTEXT_GET_LINES(x, y, other)


@pytest.mark.parametrize("seed", range(4))
def test_braille_characters_are_grouped_as_plotext_groups_them(seed: int) -> None:
    rng = random.Random(100 + seed)
    for _ in range(500):
        count = rng.randrange(1, 60)
        wide, tall = rng.choice([(2, 4), (2, 2), (2, 3)])
        x, y = _cells(rng, count), _cells(rng, count)
        ours = plotext_lines.hd_group(x, y, [wide] * count, [tall] * count)
        theirs = plotext_lines.PLOTEXT_HD_GROUP(x, y, [wide] * count, [tall] * count)
        assert tuple(map(list, ours)) == tuple(map(list, theirs)), (x, y, wide, tall)
        assert all(type(v) is int for v in ours[0] + ours[1])
    # A series of mixed resolutions goes to plotext's own (its quirks kept).
    x, y = [0, 1, 2, 9, 4, 5, 6, 7, 8, 3], [3, 1, 4, 1, 5, 9, 2, 6, 5, 3]
    factors = ([2] * 5 + [1] * 5, [4] * 5 + [1] * 5)
    assert plotext_lines.hd_group(x, y, *factors) == plotext_lines.PLOTEXT_HD_GROUP(x, y, *factors)


def test_cells_billions_away_are_plotexts_to_handle(monkeypatch: pytest.MonkeyPatch) -> None:
    far = [0, 1, 2**40, 3, 4, 5, 6, 7, -(2**70)]
    near = list(range(len(far)))
    assert plotext_lines.hd_group(far, near, [2] * 9, [4] * 9) == (
        plotext_lines.PLOTEXT_HD_GROUP(far, near, [2] * 9, [4] * 9)
    )
    # plotext's own would join them with 2**70 cells: the call is what is checked.
    handed: list[tuple[object, ...]] = []
    monkeypatch.setattr(plotext_lines, "PLOTEXT_GET_LINES", lambda *a: handed.append(a) or [])
    assert plotext_lines.get_lines(far, near, ["braille"] * 9) == []
    assert handed == [(far, near, ["braille"] * 9)]


def _picture(rng: random.Random, width: int, height: int) -> list[tuple[str, tuple]]:
    """A figure of braille lines (many short ones, as level lines are, and a long one) and
    scatter points, at ``width`` x ``height``, as the chart builds it: its rows' text and
    styles."""
    plt = Plot()
    plt.plotsize(width, height)
    plt._set_size(width, height)
    for _ in range(rng.randrange(1, 25)):
        count = rng.choice([2, 3, 8, 30])
        xs = [rng.uniform(-3, 3) for _ in range(count)]
        ys = [rng.uniform(-2, 2) for _ in range(count)]
        plt.plot(xs, ys, color=rng.choice(["red", "blue", 33]), marker="braille")
    long = [rng.uniform(-4, 4) for _ in range(400)]
    plt.plot(sorted(long), long, color="green", marker="braille")
    plt.scatter([rng.uniform(-3, 3) for _ in range(20)], [0.5] * 20, marker="•")
    plt.xlim(-3, 3)
    plt.ylim(-2, 2)
    plt._set_sizes()
    plt._build_matrix()
    return [(row.plain, tuple(row.spans)) for row in rows_from_matrix(plt.monitor.matrix)]


@pytest.mark.parametrize("seed", range(3))
def test_a_figure_built_with_them_is_the_picture_plotext_builds(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = random.Random(seed).choice([(40, 12), (83, 20), (150, 45)])
    matrix = _matrix.matrix_class
    monkeypatch.setattr(_utility, "get_lines", plotext_lines.PLOTEXT_GET_LINES)
    monkeypatch.setattr(_utility, "hd_group", plotext_lines.PLOTEXT_HD_GROUP)
    monkeypatch.setattr(matrix, "set_matrices", plotext_lines.PLOTEXT_SET_MATRICES)
    theirs = _picture(random.Random(seed), *size)
    monkeypatch.setattr(_utility, "get_lines", plotext_lines.get_lines)
    monkeypatch.setattr(_utility, "hd_group", plotext_lines.hd_group)
    monkeypatch.setattr(matrix, "set_matrices", plotext_lines.set_matrices)
    ours = _picture(random.Random(seed), *size)
    assert any("⠀" < char <= "⣿" for row, _ in ours for char in row)  # braille was drawn
    assert ours == theirs


def test_the_chart_draws_with_them() -> None:
    import tui.app.widgets.chart  # noqa: F401 - installs them

    assert _utility.get_lines is plotext_lines.get_lines
    assert _utility.hd_group is plotext_lines.hd_group
    assert _matrix.matrix_class.set_matrices is plotext_lines.set_matrices


@pytest.mark.parametrize(
    ("size", "canvas"), [((12, 5), (2, 9, 1, 4)), ((7, 3), (0, 7, 0, 3)), ((6, 4), (3, 3, 2, 2))]
)
def test_the_grid_starts_as_plotexts(size: tuple[int, int], canvas: tuple[int, ...]) -> None:
    """The markers, colours, styles and background of a new grid, on and off the canvas (a
    canvas of the whole grid, and one of no cells), each row a list of its own."""
    grids = []
    for make in (plotext_lines.PLOTEXT_SET_MATRICES, plotext_lines.set_matrices):
        matrix = _matrix.matrix_class()
        matrix.set_size(*size)
        matrix.set_canvas_area(*canvas)
        matrix.set_axes_color("red")
        matrix.set_canvas_color((1, 2, 3))
        make(matrix)
        grids.append([matrix.marker, matrix.fullground, matrix.background, matrix.style])
        rows = [row for lists in grids[-1] for row in lists]
        assert len({id(row) for row in rows}) == len(rows)
    assert grids[0] == grids[1]
    cells = [cell for row in grids[1][2] for cell in row]
    on = (canvas[1] - canvas[0]) * (canvas[3] - canvas[2])
    assert cells.count((1, 2, 3)) == on and cells.count("red") == len(cells) - on
