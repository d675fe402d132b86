"""Counts in words: one pin, one step a second (issue 13, item 7: "1 pins", "1 steps/s")."""

from __future__ import annotations

import pytest
from textual.widgets import Label

from tui import i18n
from tui.app import ExplorerApp
from tui.app.pilot_helpers import wait_for_run
from tui.app.widgets.playback import SPEEDS
from tui.model.params import PRESETS


@pytest.mark.parametrize(
    ("key", "count", "text"),
    [
        ("playback.speed", 1, "1 step/s"),
        ("playback.speed", 2, "2 steps/s"),
        ("playback.speed", 10_000, "10,000 steps/s"),
        ("export.with_pins", 1, "the current run and 1 pin"),
        ("export.with_pins", 3, "the current run and 3 pins"),
    ],
)
def test_a_count_of_one_is_singular(key: str, count: int, text: str) -> None:
    assert i18n.counted(key, count) == text


def test_chinese_counts_have_one_form() -> None:
    i18n.set_language("zh")
    assert i18n.counted("playback.speed", 1) == "每秒 1 步"
    assert i18n.counted("export.with_pins", 1) == "当前运行和 1 个固定"


async def test_the_playback_line_at_the_slowest_speed_says_one_step() -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("space")
        for _ in SPEEDS:
            await pilot.press("less_than_sign")
        await pilot.pause()
        state = str(app.screen.query_one("#playback-state", Label).render())
        assert "1 step/s" in state and "steps/s" not in state, state
