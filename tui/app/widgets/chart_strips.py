"""The chart's lines made a row at a time, as Textual makes the lines of a picture.

Textual 8.2.8 turns a widget's picture (a Rich ``Text``) into lines by converting it whole to
its ``Content``, wrapping it and styling each piece (``Visual.to_strips``): for the chart, a
few milliseconds per new run, most of a key's chart. A row of the chart is one line, as wide
as the chart at most, so no wrapping moves it; here each row that changed is made alone, by
the same steps Textual takes for one line (``Content.from_rich_text``, ``Content.render`` and
``_FormattedLine.to_strip``): the same segments, styles and text-selection offsets.
"""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.text import Text
from textual.content import Content
from textual.strip import Strip
from textual.style import Style

#: The tab size Textual expands tabs to in a picture's lines.
TAB_SIZE = 8


def row_strip(row: Text, y: int, style: Style, console: Console) -> Strip:
    """Line ``y`` of a picture whose row ``y`` is ``row``, drawn on ``style`` (the widget's
    visual style), for a row that fits the widget's width, aligned left."""
    content = Content.from_rich_text(row, console=console).expand_tabs(TAB_SIZE)
    combined: dict[Style, Style] = {}
    segments: list[Segment] = []
    x = 0
    for text, text_style in content.render(style, end=""):
        whole = combined.get(text_style)
        if whole is None:
            whole = combined[text_style] = style + text_style
        segments.append(Segment(text, whole.rich_style_with_offset(x, y)))
        x += len(text)
    return Strip(segments, content.cell_length)
