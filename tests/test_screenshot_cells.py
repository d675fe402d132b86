"""Screenshots at a terminal's cell widths: a Chinese character takes two cells in the SVG too.

Rich 15.0.0's ``Console.export_svg`` (Textual 8.2.8's screenshots) sizes each text run by its
number of characters, not its cells (``tui.app.svg_cells``). These tests read the SVGs as a
browser would: every text's ``textLength`` and ``x``, on a grid of cells.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from rich.cells import cell_len
from rich.console import Console
from textual.app import App
from textual.widgets import Input

from tui.app.app import ExplorerApp
from tui.app.pilot_helpers import wait_for_run
from tui.app.screenshots import CHINESE, render
from tui.app.svg_cells import fix_cell_widths
from tui.model.params import PRESETS

SVG = "{http://www.w3.org/2000/svg}"

#: Every text element Rich writes for the terminal's contents, whatever its attributes say.
TEXT_TAG = re.compile(r'<text class="[^"]*-r\d+"[^>]*>[^<]*</text>')


@dataclass(frozen=True)
class Run:
    """One ``<text>`` of the terminal's contents: where it starts, how long, what it says."""

    x: float
    y: float
    length: float
    text: str


def runs(svg: str) -> list[Run]:
    """The SVG's text runs, as a browser reads them (entities decoded, ``&#160;`` a space).

    Rich ends each line with a run holding the newline, drawn past the last column (and clipped):
    it shows nothing and is left out."""
    found = []
    for element in ET.fromstring(svg).iter(f"{SVG}text"):
        if "textLength" not in element.attrib:
            continue  # the window's title
        text = (element.text or "").replace("\xa0", " ")
        if text == "\n":
            continue
        found.append(
            Run(
                float(element.attrib["x"]),
                float(element.attrib["y"]),
                float(element.attrib["textLength"]),
                text,
            )
        )
    return found


def cell_width(svg: str) -> float:
    """The width of a cell, read from the SVG's own runs of plain ASCII text."""
    widths = {round(run.length / len(run.text), 6) for run in runs(svg) if run.text.isascii()}
    assert len(widths) == 1, widths
    return widths.pop()


def grid(svg: str, width: float) -> dict[float, dict[int, str]]:
    """Each line's drawn cells, by column: a two-cell character fills its column and the next
    (with ``""``); a space draws nothing. No cell may be drawn twice, and every run must start at
    a column."""
    lines: dict[float, dict[int, str]] = {}
    for run in runs(svg):
        column = round(run.x / width)
        assert abs(run.x - column * width) < 1e-3, f"{run} starts between columns"
        cells = lines.setdefault(run.y, {})
        for char in run.text:
            for cell in range(column, column + cell_len(char) * (char != " ")):
                assert cell not in cells, f"{run} draws over column {cell}"
                cells[cell] = char if cell == column else ""
            column += cell_len(char)
    return lines


def has_wide(tag: str) -> bool:
    """Whether the ``<text>`` element ``tag`` holds a two-cell character."""
    return any(cell_len(char) == 2 for char in ET.fromstring(tag).text or "")


def assert_runs_fill_their_cells(svg: str, width: float) -> None:
    """Every run as long as the cells it takes; every two-cell character a run of its own."""
    for run in runs(svg):
        assert abs(run.length - cell_len(run.text) * width) < 1e-3, run
        if any(cell_len(char) == 2 for char in run.text):
            assert cell_len(run.text) == 2, f"{run}: a two-cell character shares its run"


def export(console: Console) -> str:
    """What Rich 15.0.0 writes for ``console``'s contents."""
    return console.export_svg(title="cells")


def recording(width: int) -> Console:
    """A console that records, as Textual's ``export_screenshot`` makes it."""
    return Console(
        width=width,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
    )


def test_rich_gives_a_chinese_character_one_cell() -> None:
    """The fault worked around: if this fails, Rich sizes wide text itself, and
    ``fix_cell_widths`` (which then leaves such runs alone) can go."""
    console = recording(20)
    console.print("理论 ab")
    console.print("cd")
    svg = export(console)
    width = cell_width(svg)
    (run,) = (run for run in runs(svg) if "理论" in run.text)
    assert run.length == len("理论 ab") * width != cell_len("理论 ab") * width


def test_mixed_text_is_split_at_its_cells_and_stays_escaped() -> None:
    console = recording(30)
    console.print("理论 a&b<c 学习率lr", style="bold")
    console.print("e\u0301x 中")
    console.print("cd")
    raw = export(console)
    fixed = fix_cell_widths(raw)
    width = cell_width(raw)
    assert_runs_fill_their_cells(fixed, width)
    assert grid(fixed, width) == grid(raw, width)
    assert "a&amp;b&lt;c" in fixed
    assert fix_cell_widths(fixed) == fixed
    texts = [run.text for run in runs(fixed)]
    assert texts == ["理", "论", " a&b<c ", "学", "习", "率", "lr", "e\u0301x ", "中", "cd"]


def test_plain_text_is_left_as_rich_wrote_it() -> None:
    console = recording(40)
    console.print("loss = 0.5  [bold]w[/] ← w − lr·∂loss/∂w ▊▔⢕")
    raw = export(console)
    assert fix_cell_widths(raw) == raw


async def test_a_chinese_screenshot_takes_its_cells() -> None:
    app = ExplorerApp(PRESETS[3], show_timings=False, language="zh")
    async with app.run_test(size=(120, 40)) as pilot:
        for field in app.query(Input):
            field.cursor_blink = False
        await wait_for_run(pilot)
        raw = App.export_screenshot(app)  # Textual's own
        own = app.export_screenshot()  # the app's: its export screen's SVG, the palette's
    fixed = fix_cell_widths(raw)
    assert own == fixed
    width = cell_width(raw)
    wide = [run for run in runs(raw) if cell_len(run.text) != len(run.text)]
    assert len(wide) > 10, "the screen is in Chinese"
    assert any(run.length != cell_len(run.text) * width for run in wide), "Rich's fault"
    assert_runs_fill_their_cells(fixed, width)
    # The same characters in the same cells (Rich's x is right), and nothing else changed.
    assert grid(fixed, width) == grid(raw, width)
    assert TEXT_TAG.sub("", fixed) == TEXT_TAG.sub("", raw)
    cells = grid(fixed, width)
    assert any("学习率" in "".join(line[c] for c in sorted(line)) for line in cells.values())


async def test_an_english_screenshot_is_textuals_own_but_for_its_chinese_label() -> None:
    """English screens keep Textual's export byte for byte, except where they show Chinese:
    the footer's language switch, ``中文``."""
    app = ExplorerApp(PRESETS[1], show_timings=False, language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        for field in app.query(Input):
            field.cursor_blink = False
        await wait_for_run(pilot)
        raw = App.export_screenshot(app)
    fixed = fix_cell_widths(raw)
    width = cell_width(raw)
    plain = [tag for tag in TEXT_TAG.findall(raw) if not has_wide(tag)]
    assert len(plain) > 100
    assert [tag for tag in TEXT_TAG.findall(fixed) if not has_wide(tag)] == plain
    assert TEXT_TAG.sub("", fixed) == TEXT_TAG.sub("", raw)
    chinese = [ET.fromstring(tag).text or "" for tag in TEXT_TAG.findall(raw) if has_wide(tag)]
    assert "".join(chinese).replace("\xa0", "") == "中文"
    assert_runs_fill_their_cells(fixed, width)
    assert grid(fixed, width) == grid(raw, width)


async def test_the_readmes_chinese_screenshots_are_written_at_their_cells(tmp_path: Path) -> None:
    assert "chinese-demo.svg" in CHINESE
    svg = (await render("chinese-demo.svg", tmp_path)).read_text(encoding="utf-8")
    width = cell_width(svg)
    assert_runs_fill_their_cells(svg, width)
    assert any(cell_len(run.text) == 2 and len(run.text) == 1 for run in runs(svg))
