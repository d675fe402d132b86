"""plotext's picture as Rich text: the same ``Text`` as ``Text.from_ansi(plt.build())``, made
from plotext's cells without writing and parsing escape codes.

plotext 5.3.2 draws only into a string with escape codes (``matrix_class.set_canvas``, a string
grown a cell at a time), which Rich 14's decoder then parses code by code: together half of
a chart's time for each new run. Here the cells plotext laid out are read directly: each run of
cells of one colour becomes one piece of text, styled as Rich's own decoder styles that run's
codes (worked out once per distinct code, of which a chart has a handful).
"""

from __future__ import annotations

from typing import Any

from plotext._utility import ansi_end, colors_to_ansi
from rich.ansi import AnsiDecoder
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache

#: A run's escape codes -> the style Rich's decoder gives its text (``None``: no style).
_STYLES: LRUCache[str, Style | None] = LRUCache(1024)


def _style(codes: str) -> Style | None:
    """The style of text between ``codes`` and plotext's reset, as Rich decodes it."""
    if not codes:
        return None
    try:
        return _STYLES[codes]
    except KeyError:
        pass
    spans = AnsiDecoder().decode_line(f"{codes}x{ansi_end}").spans
    style = spans[0].style if spans else None
    _STYLES[codes] = style = style if isinstance(style, Style) else None
    return style


def text_from_matrix(matrix: Any) -> Text:
    """The text ``Text.from_ansi(matrix.get_canvas().rstrip("\\n"))`` would give once plotext
    had written its canvas (``set_canvas``): the rows top first, a piece per run of cells of
    the same colours, as ``set_canvas`` writes a run between its codes and a reset."""
    return Text("\n").join(rows_from_matrix(matrix))


def rows_from_matrix(matrix: Any) -> list[Text]:
    """The rows of :func:`text_from_matrix`'s text, top first, each a text of its own."""
    rows: list[Text] = []
    for row in reversed(matrix.Rows):
        text = Text()
        markers = matrix.marker[row]
        cells = list(
            zip(matrix.fullground[row], matrix.style[row], matrix.background[row], strict=True)
        )
        start, end = 0, len(cells)
        while start < end:
            colors = cells[start]
            stop = start + 1
            while stop < end and cells[stop] == colors:
                stop += 1
            plain = "".join(markers[start:stop])
            if plain:
                text.append(plain, _style(colors_to_ansi(*colors)))
            start = stop
        rows.append(text)
    return rows
