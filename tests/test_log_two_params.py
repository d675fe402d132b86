"""The log of a run of two parameters has a column for each, w1 and w2 (in Chinese, the
lesson's sentence in its two-parameter form), with the digits ``%f`` prints."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from app_helpers import wait_for_run

from tui import i18n
from tui.app.app import ExplorerApp
from tui.app.widgets.log_table import LogTable
from tui.engine.spec import RunSpec
from tui.model.params import Params

BOWL = "(w1 + 1)**2 + 10*(w2 - 1)**2"

#: The run every test here shows: the stretched bowl from (3, -2), 30 steps.
PARAMS = Params(RunSpec(w0=3.0, start2=-2.0, lr=0.02, epochs=30), BOWL)


@pytest.fixture(params=["en", "zh"])
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each test in English, then in Chinese (English again after it)."""
    i18n.set_language(request.param)
    yield request.param
    i18n.set_language("en")


async def test_the_log_shows_w1_and_w2(language: str) -> None:
    app = ExplorerApp(PARAMS, show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        log = app.query_one(LogTable)
        result = log.result
        assert result is not None and result.w2 is not None and log.rows == 30
        for i in (0, 7, 29):
            w1, w2 = float(result.w[i]), float(result.w2[i])
            loss, lr = float(result.loss[i]), float(result.lr[i])
            row = log.row_text(i)
            if language == "zh":
                # The lesson prints with %; so does its two-parameter form.
                expected = "第 %s 次迭代后的w1是 %f,w2是 %f,对应的loss值是 %f" % (  # noqa: UP031
                    i + 1,
                    w1,
                    w2,
                    loss,
                )
                assert row == expected
            else:
                assert row.split() == [str(i + 1), f"{w1:f}", f"{w2:f}", f"{loss:f}", f"{lr:f}"]
        if language == "en":
            assert log.header().split() == ["step", "w1", "w2", "loss", "lr"]
        # Back to a loss of w: the columns of one parameter again.
        app.query_one("#loss").value = "(w + 1)**2"
        await wait_for_run(pilot)
        await pilot.pause()
        assert log.result is not None and log.result.w2 is None
        if language == "en":
            assert log.header().split() == ["step", "w", "loss", "lr"]
            assert len(log.row_text(0).split()) == 4


async def test_the_status_line_gives_the_final_w1_and_w2(language: str) -> None:
    from textual.widgets import Static

    from tui.readable import readable

    app = ExplorerApp(PARAMS, show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        result = app.query_one(LogTable).result
        assert result is not None and result.w2 is not None
        status = str(app.query_one("#status", Static).render())
        assert f"w1 = {readable(float(result.w[-1]))}" in status
        assert f"w2 = {readable(float(result.w2[-1]))}" in status
        assert " w = " not in status


async def test_playback_reads_out_w1_and_w2() -> None:
    from textual.widgets import Digits, Label

    app = ExplorerApp(PARAMS, show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        result = app.query_one(LogTable).result
        assert result is not None and result.w2 is not None
        await pilot.press("space", "space", ".", ".")
        await pilot.pause()
        bar = app.query_one("#playback")
        step = int(str(bar.query_one("#digits-step", Digits).value))
        assert bar.query_one("#readout-w2").display
        assert str(bar.query_one("#label-w", Label).render()) == "w1"
        w2 = float(bar.query_one("#digits-w2", Digits).value)
        assert w2 == pytest.approx(float(result.w2[step - 1]), abs=1e-4)
        # A loss of w: no w2 readout, and w is w again.
        app.query_one("#loss").value = "(w + 1)**2"
        await wait_for_run(pilot)
        await pilot.pause()
        assert not bar.query_one("#readout-w2").display
        assert str(bar.query_one("#label-w", Label).render()) == "w"
