"""plotext's picture (text with ANSI colour codes) as Rich text, the same as
``rich.text.Text.from_ansi`` makes it, in a fraction of its time.

plotext 5.3.2 draws only as a string with escape codes. Rich 14's decoder parses each of them
anew: two thousand colour codes a chart, a third of the chart's time for each new run. A chart
uses a handful of distinct codes, so here each (style so far, code) pair is worked out once, by
Rich's own decoder, and looked up afterwards: the text and its styles are Rich's.
"""

from __future__ import annotations

from rich.ansi import AnsiDecoder, _ansi_tokenize
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache

#: (the style before, an SGR code's parameters) -> the style after.
_STYLES: LRUCache[tuple[Style, str], Style] = LRUCache(1024)


def _after(style: Style, sgr: str) -> Style:
    """The style Rich's decoder has after reading ``ESC [ sgr m`` in ``style``."""
    key = (style, sgr)
    known = _STYLES.get(key)
    if known is None:
        decoder = AnsiDecoder()
        decoder.style = style
        decoder.decode_line(f"\x1b[{sgr}m")
        known = _STYLES[key] = decoder.style
    return known


def _line(line: str, style: Style) -> tuple[Text, Style]:
    """One line as Rich's ``AnsiDecoder.decode_line`` makes it, and the style it ends in."""
    text = Text()
    append = text.append
    line = line.rsplit("\r", 1)[-1]
    for plain, sgr, osc in _ansi_tokenize(line):
        if plain:
            append(plain, style or None)
        elif osc is not None:
            decoder = AnsiDecoder()  # a link: rare, and not plotext's; Rich's own way
            decoder.style = style
            decoder.decode_line(f"\x1b]{osc}\x1b\\")
            style = decoder.style
        elif sgr is not None:
            style = _after(style, sgr)
    return text, style


def text_from_ansi(ansi: str) -> Text:
    """``Text.from_ansi(ansi)`` (its default options), decoded with the cache above."""
    lines: list[Text] = []
    style = Style.null()
    for line in ansi.split("\n"):
        text, style = _line(line, style)
        lines.append(text)
    return Text("\n").join(lines)
