"""Screenshots drawn at the cells a terminal gives them: a Chinese character takes two.

Rich 15.0.0's ``Console.export_svg`` (which Textual 8.2.8's ``App.export_screenshot`` and
``save_screenshot`` call) places every text run at its true column, advancing ``x`` by
``rich.cells.cell_len``, and sizes the run's background by ``cell_len`` too; but it gives the
text ``textLength=char_width * len(text)`` (console.py, in ``export_svg``): one cell per
character. A browser stretches or squeezes the glyphs to that length, so ``理论`` (four cells)
is drawn in two and runs into the text after it. :func:`fix_cell_widths` rewrites each run whose
characters do not take one cell each, so that each ``textLength`` is a width in cells: every
two-cell character becomes a text of its own at its column, and the one-cell characters between
them stay together. (One text for several two-cell characters would do for the length, but a
browser spreads the extra space of ``lengthAdjust="spacing"``, the default, between the glyphs
only, pushing the last one against what follows; alone, each glyph sits at the left of its two
cells as a terminal draws it.) Runs of one-cell characters (all of an English screen) are left
byte for byte as Rich wrote them.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from rich.cells import cell_len

__all__ = ["CELL_WIDTH", "fix_cell_widths"]

#: The width of one cell in Rich 15.0.0's SVG: its ``char_height`` (20) times the default
#: ``font_aspect_ratio`` (0.61), computed as Rich computes it so that the numbers print the same.
CELL_WIDTH = 20 * 0.61

#: A text run as ``export_svg`` writes it (its ``make_tag`` keeps this attribute order).
_RUN = re.compile(
    r'<text class="(?P<cls>[^"]*)" x="(?P<x>[^"]*)" y="(?P<y>[^"]*)" '
    r'textLength="(?P<length>[^"]*)" clip-path="(?P<clip>[^"]*)">(?P<body>[^<]*)</text>'
)

#: One character of a run's escaped text: an entity (``&#160;`` for a space, ``&amp;``) or itself.
_CHAR = re.compile(r"&[#\w]+;|[^&]", re.DOTALL)

#: A space, as ``export_svg`` escapes it; a part that is only spaces is not drawn (as Rich does).
_SPACE = "&#160;"


@dataclass
class _Part:
    """A two-cell character, or one-cell characters between two: the column they start at, the
    cells they take, their escaped text."""

    column: int
    cells: int = 0
    text: str = ""


def _number(value: float) -> str:
    """A number as ``export_svg`` prints it."""
    return format(value, "g")


def _fix_run(match: re.Match[str]) -> str:
    """The run ``match`` at its width in cells; unchanged if each character takes one cell, or
    if it is not laid out as Rich 15.0.0 lays it out (then it is not ours to rewrite)."""
    tokens = _CHAR.findall(match["body"])
    widths = [cell_len(html.unescape(token)) for token in tokens]
    if all(width == 1 for width in widths) or match["body"].isspace():  # or: Rich's newline
        return match.group(0)
    column = round(float(match["x"]) / CELL_WIDTH)
    if match["x"] != _number(column * CELL_WIDTH) or match["length"] != _number(
        len(tokens) * CELL_WIDTH
    ):
        return match.group(0)
    # Each two-cell character on its own, the one-cell ones between them together; a
    # zero-width character (a combining mark) stays with the one before it.
    parts: list[_Part] = []
    wide = False
    for token, width in zip(tokens, widths, strict=True):
        if not parts or width == 2 or (width == 1 and wide):
            wide = width == 2
            parts.append(_Part(column))
        parts[-1].cells += width
        parts[-1].text += token
        column += width
    runs = [
        f'<text class="{match["cls"]}" x="{_number(part.column * CELL_WIDTH)}" '
        f'y="{match["y"]}" textLength="{_number(part.cells * CELL_WIDTH)}" '
        f'clip-path="{match["clip"]}">{part.text}</text>'
        for part in parts
        if part.text != _SPACE * (len(part.text) // len(_SPACE))
    ]
    return "".join(runs)


def fix_cell_widths(svg: str) -> str:
    """``svg`` (from Rich 15.0.0's ``export_svg``, as Textual's screenshots are) with every text
    run as wide as the cells it takes on a terminal. An SVG whose characters take one cell each
    is returned unchanged, and so is one already fixed."""
    return _RUN.sub(_fix_run, svg)
