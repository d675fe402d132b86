"""The chart's lines made a row at a time, as Textual makes the lines of a picture.

Textual 8.2.8 turns a widget's picture (a Rich ``Text``) into lines by converting it whole to
its ``Content``, wrapping it and styling each piece (``Visual.to_strips``): for the chart, a
few milliseconds per new run, most of a key's chart. A row of the chart is one line, as wide
as the chart at most, so no wrapping moves it; here each row that changed is made alone, by
the steps Textual takes for one line (``Content.from_rich_text``, ``Content.render`` and
``_FormattedLine.to_strip``): the same segments, styles and text-selection offsets.

A row of plotext's cells (pieces of text one after another, each styled by a Rich style) takes
a shorter way to the same segments: each piece's style is converted once per style and theme,
and each piece's style with its place (the offset a selection reads) once per style and place,
where Textual converts and combines them anew for every piece of every line.
"""

from __future__ import annotations

import re

from rich.segment import Segment
from rich.style import Style as RichStyle
from rich.terminal_theme import TerminalTheme
from rich.text import Text
from textual.app import App
from textual.cache import LRUCache
from textual.content import Content
from textual.strip import Strip
from textual.style import Style

#: The tab size Textual expands tabs to in a picture's lines.
TAB_SIZE = 8

#: What Textual's ``Content`` would change in a row's text: control codes and tabs.
_CHANGED = re.compile(r"[\x00-\x1f\x7f]")

#: A Rich style in a theme's colours -> Textual's style for it (``Style.from_rich_style``).
_CONVERTED: LRUCache[tuple[RichStyle, TerminalTheme | None], Style] = LRUCache(1024)

#: A piece's whole style and place -> its Rich style with the offset (``rich_style_with_offset``).
_PLACED: LRUCache[tuple[Style, int, int], RichStyle] = LRUCache(8192)


def row_strip(row: Text, y: int, style: Style, app: App[object]) -> Strip:
    """Line ``y`` of a picture whose row ``y`` is ``row``, drawn on ``style`` (the widget's
    visual style), for a row that fits the widget's width, aligned left."""
    pieces = _pieces(row, style, app.ansi_theme)
    if pieces is None:  # Textual's own steps, for any other row
        content = Content.from_rich_text(row, console=app.console).expand_tabs(TAB_SIZE)
        pieces = list(content.render(style, end=""))
    segments: list[Segment] = []
    x = 0
    for text, text_style in pieces:
        whole = style + text_style
        key = (whole, x, y)
        placed = _PLACED.get(key)
        if placed is None:
            placed = _PLACED[key] = whole.rich_style_with_offset(x, y)
        segments.append(Segment(text, placed))
        x += len(text)
    return Strip(segments, row.cell_len)


def _pieces(row: Text, base: Style, theme: TerminalTheme | None) -> list[tuple[str, Style]] | None:
    """What ``Content.render(base)`` gives for ``row`` converted to content, for a row of
    pieces one after another (Rich styles, none overlapping, no style of the row's own, no
    control codes or tabs); ``None`` for any other row."""
    plain = row.plain
    if row.style or _CHANGED.search(plain):
        return None
    pieces: list[tuple[str, Style]] = []
    at = 0
    for start, end, rich in row.spans:
        if start < at or not isinstance(rich, RichStyle):
            return None
        if start > at:
            pieces.append((plain[at:start], base))
        if end > start:
            key = (rich, theme)
            converted = _CONVERTED.get(key)
            if converted is None:
                converted = _CONVERTED[key] = Style.from_rich_style(rich, theme)
            pieces.append((plain[start:end], Style.combine([base, converted])))
        at = max(at, end)
    if at < len(plain) or not pieces:
        pieces.append((plain[at:], base))
    return pieces
