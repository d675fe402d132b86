"""The playback bar while the language key recomposes the screen: a resize then is harmless."""

from __future__ import annotations

import asyncio

from app_helpers import wait_for_run, wait_until
from textual import events
from textual.geometry import Size

from tui import i18n
from tui.app import ExplorerApp
from tui.app.widgets.playback import PlaybackBar


async def test_resizes_that_reach_the_bar_while_ctrl_l_removes_it_are_harmless():
    """ctrl+l recomposes the explorer; a Resize the old bar received while Textual removed its
    digits raised NoMatches (found by bench/bench_random_keys.py, seed 4: ctrl+l, resizes)."""
    app = ExplorerApp(language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        old = app.query_one(PlaybackBar)
        app.post_message(events.Key("ctrl+l", None))
        for _ in range(200):  # one per turn of the loop, all through the removal
            old.post_message(events.Resize(Size(90, 3), Size(90, 3)))
            await asyncio.sleep(0)
        await wait_until(pilot, lambda: i18n.language() == "zh", what="Chinese")
        await pilot.pause()
        assert app.query_one(PlaybackBar) is not old
    assert app._exception is None
