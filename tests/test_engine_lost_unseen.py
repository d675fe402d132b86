"""News that the engine stopped may arrive while the explorer has no status line to say it on
(composed again in the other language, or torn down at exit): the app restarts the engine all
the same and never reaches the crash handler. Found by a hub test under load: the news came as
the test's app was exiting, and ``_engine_lost`` raised NoMatches on the status line."""

from __future__ import annotations

from app_helpers import table_lines, wait_for_run, wait_until

from tui.app import ExplorerApp
from tui.app.messages import EngineLost
from tui.app.widgets.status import StatusLine
from tui.i18n import msg
from tui.model.params import PRESETS


async def test_an_engine_lost_with_no_status_line_on_screen_restarts_the_engine() -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        rows = table_lines(app)
        await app.screen.query_one(StatusLine).remove()
        app.engine.stop()  # the reader sees it stop and posts EngineLost; one more comes here
        app.post_message(EngineLost(msg("engine.closed")))
        await wait_until(pilot, lambda: app.engine_ready, timeout=60)
        assert app.return_code is None  # still running: nothing reached the crash handler
        assert table_lines(app) == rows
