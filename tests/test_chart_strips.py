"""A chart row made into its line alone (tui.app.widgets.chart_strips.row_strip) is the line
Textual makes of it in a picture of many rows: the same text, styles and selection offsets,
for rows of every shape (pieces with gaps of one cell, nested and overlapping styles, a style
of the row's own, styles by name, tabs, control codes, no text at all)."""

from __future__ import annotations

import pytest
from rich.style import Style as RichStyle
from rich.text import Text
from textual.app import App, ComposeResult
from textual.visual import Visual, visualize
from textual.widgets import Static

from tui.app.widgets.chart_strips import row_strip

RED, BLUE = RichStyle(color="red", bgcolor="black"), RichStyle(color="blue", bold=True)


def pieces(*parts: tuple[str, RichStyle | str | None]) -> Text:
    text = Text()
    for plain, style in parts:
        text.append(plain, style)
    return text


def nested() -> Text:
    text = Text("abcdefghij")
    text.stylize(RED, 0, 8)
    text.stylize(BLUE, 2, 5)
    return text


ROWS = {
    "pieces": pieces(("⠁⠂", RED), ("⠄", BLUE), ("──", RED)),
    "gaps of one": pieces(("a", RED), (" ", None), ("b", BLUE), (" ", None), ("c", RED)),
    "plain ends": pieces(("  ", None), ("x", RED), ("   ", None)),
    "unstyled": Text("just text"),
    "empty": Text(""),
    "nested": nested(),
    "overlapping": Text("overlapping", spans=[]),
    "row style": Text("row style", style=BLUE),
    "by name": pieces(("named", "bold red"), ("rest", None)),
    "tab": pieces(("a\tb", RED)),
    "control": pieces(("a\x07b", RED)),
    "wide": pieces(("图表", RED), ("ok", BLUE)),
}
ROWS["overlapping"].stylize(RED, 0, 6)
ROWS["overlapping"].stylize(BLUE, 4, 11)


class One(App[None]):
    def compose(self) -> ComposeResult:
        yield Static(id="where")


@pytest.mark.parametrize("y", [0, 3])
@pytest.mark.parametrize("name", list(ROWS))
async def test_a_row_alone_is_its_line_in_the_whole_picture(name: str, y: int) -> None:
    app = One()
    async with app.run_test(size=(40, 8)) as pilot:
        await pilot.pause()
        widget = app.query_one("#where", Static)
        row = ROWS[name]
        picture = Text("\n").join([*(Text(f"row {n}") for n in range(y)), row])
        style = widget.visual_style
        visual = visualize(widget, picture, markup=False)
        whole = Visual.to_strips(widget, visual, 40, y + 1, style)
        assert row_strip(row, y, style, app) == whole[y], name
        assert row_strip(row, y, style, app) == whole[y], f"{name}, made again"
