"""The schedule and optimizer drop-downs speak the screen's language (issue 13, item 7: the
Chinese selects showed English constant, exponential, gd); their values stay the names the
command line takes."""

from __future__ import annotations

import pytest
from textual.widgets import Select

from tui import i18n
from tui.app import ExplorerApp
from tui.app.pilot_helpers import wait_for_run
from tui.engine.spec import OPTIMIZERS, SCHEDULE_KINDS
from tui.model.params import PRESETS


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_the_drop_downs_show_their_options_in_the_screens_language(language: str) -> None:
    app = ExplorerApp(PRESETS[3], show_timings=False, language=language)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        for name, options in (("schedule", SCHEDULE_KINDS), ("optimizer", OPTIMIZERS)):
            select = app.screen.query_one(f"#{name}", Select)
            shown = [(str(prompt), value) for prompt, value in select._options]
            assert shown == [(i18n.t(f"choice.{option}"), option) for option in options]
        assert app.screen.query_one("#schedule", Select).value == "exponential"
        if language == "zh":
            assert i18n.t("choice.constant") == "常数" and i18n.t("choice.gd") == "梯度下降"
