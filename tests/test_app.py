"""The live explorer, driven through Pilot with the real engine process."""

from __future__ import annotations

import pytest
from app_helpers import seed_row_values, table_lines, type_into, wait_for_run, wait_until
from stated_formulas import SCHEDULE_FORMULAS
from textual.widgets import Input, Markdown, Static

from tui.app import ExplorerApp
from tui.app.messages import Replied
from tui.app.widgets.chart import DescentChart
from tui.app.widgets.log_table import LogTable
from tui.engine.losses import SEED_LOSS
from tui.engine.protocol import RunDone
from tui.engine.spec import RunSpec
from tui.model.params import PRESETS, Params


def assert_table_is_seed_table(app: ExplorerApp, seed_table: list[str]) -> None:
    rows = [line.split() for line in table_lines(app)]
    assert [tuple(row[:3]) for row in rows] == [seed_row_values(line) for line in seed_table]


async def test_opens_on_the_first_experiment_with_the_chart_focused(seed_lines_expected) -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.focused, DescentChart)  # the keys work at once (1, 2, 3...)
        await wait_for_run(pilot)
        assert_table_is_seed_table(app, seed_lines_expected[0])
        assert "still descending" in str(app.query_one("#status", Static).content)


async def test_typing_099_shows_the_second_table_without_enter(seed_lines_expected) -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await type_into(pilot, "lr", "0.99")
        await wait_for_run(pilot)
        assert app.query_one("#lr", Input).value == "0.99"
        assert_table_is_seed_table(app, seed_lines_expected[1])
        assert "oscillating" in str(app.query_one("#status", Static).content)


async def test_stale_runs_are_never_shown_after_newer_ones() -> None:
    """Each result shown answers the newest request sent at that moment: replies to older
    requests that still arrive (the engine can finish one just as a newer one is sent) are
    dropped, whether they come in the race of quick edits or are replayed on purpose."""
    arrived: list[tuple[int, int]] = []  # (request answered, newest request sent) on arrival
    shown: list[tuple[int, int]] = []  # (request shown, newest request sent) when shown
    replies: dict[int, RunDone] = {}
    app = ExplorerApp()

    def hook(message) -> None:
        if isinstance(message, Replied) and isinstance(message.reply, RunDone):
            arrived.append((message.reply.request_id, app.engine.latest_id))
            replies[message.reply.request_id] = message.reply

    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await wait_for_run(pilot)
        log = app.query_one(LogTable)
        original = log.show

        def spy(result):
            shown.append((app.shown_request, app.engine.latest_id))
            original(result)

        log.show = spy  # type: ignore[method-assign]
        first = app.shown_request
        field = app.query_one("#epochs", Input)
        for epochs in ("300000", "20", "200000", "50", "37"):
            sent = app.engine.latest_id
            field.value = epochs
            # each edit is its own request (past the debounce), sent while the last may run
            await wait_until(
                pilot, lambda sent=sent: app.engine.latest_id > sent or not app.is_running
            )
        assert app.is_running, "the app stopped during the edits"
        await wait_for_run(pilot)
        newest = app.engine.latest_id
        assert log.rows == 37
        # A reply to an old request, arriving after the newest was shown, changes nothing.
        old = replies[first]
        app.explorer.post_message(Replied(RunDone(first, old.results, old.curvature)))
        await pilot.pause()
        await pilot.pause()
        assert (first, newest) in arrived[-1:], "the stale reply reached the app"
        assert app.shown_request == newest
        assert log.rows == 37
    assert shown, "results were shown"
    stale = [(request, latest) for request, latest in shown if request < latest]
    assert stale == [], f"shown after a newer request was sent: {stale}"


async def test_bad_input_is_marked_and_the_last_good_run_stays(seed_lines_expected) -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        before = table_lines(app)
        requests = app.engine.latest_id
        await type_into(pilot, "lr", "-")
        field = app.query_one("#lr", Input)
        assert field.has_class("-invalid")
        message = str(app.query_one("#field-error", Static).content)
        assert "lr" in message and "not a number" in message
        await type_into(pilot, "loss", "x + 1")
        assert app.query_one("#loss", Input).has_class("-invalid")
        assert "'x'" in str(app.query_one("#field-error", Static).content)
        await pilot.pause(0.3)
        assert app.engine.latest_id == requests, "an invalid field must not run"
        assert table_lines(app) == before
        # Fixing the fields runs again.
        await type_into(pilot, "loss", "(w + 1)**2")
        await type_into(pilot, "lr", "0.99")
        await wait_for_run(pilot)
        assert str(app.query_one("#field-error", Static).content) == ""
        assert_table_is_seed_table(app, seed_lines_expected[1])


async def test_preset_keys_load_the_three_experiments(seed_lines_expected) -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape")  # leave the field: printable keys are commands again
        assert isinstance(app.focused, DescentChart)
        for key, table in (("2", 1), ("3", 2), ("1", 0)):
            await pilot.press(key)
            await wait_for_run(pilot)
            assert app.params == PRESETS[int(key)]
            assert_table_is_seed_table(app, seed_lines_expected[table])
        # The decay preset shows the rate as the seed prints it.
        await pilot.press("3")
        await wait_for_run(pilot)
        assert table_lines(app)[1].split()[-1] == "0.198000"


async def test_nudge_and_mirror_keys() -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        lr = app.query_one("#lr", Input)
        await pilot.press("f", "up")  # in the field: nudge it
        assert float(lr.value) == pytest.approx(0.01 * 10**0.1, rel=1e-5)
        await pilot.press("down")
        assert float(lr.value) == pytest.approx(0.01, rel=1e-5)
        await pilot.press("escape", "plus", "plus")
        assert float(lr.value) == pytest.approx(0.01 * 10**0.2, rel=1e-5)
        await pilot.press("minus", "minus")
        assert float(lr.value) == pytest.approx(0.01, rel=1e-5)
        lr.value = "0.01"
        await pilot.press("m")
        assert lr.value == "0.99"
        await wait_for_run(pilot)
        assert app.params is not None and app.params.spec.lr == 0.99
        await pilot.press("m")
        assert lr.value == "0.01"


async def test_log_scale_survives_a_loss_of_exactly_zero() -> None:
    app = ExplorerApp(Params(RunSpec(lr=0.5, epochs=20), SEED_LOSS))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        chart = app.query_one(DescentChart)
        await pilot.press("escape", "l")
        assert chart.log_loss
        await pilot.resize_terminal(100, 30)  # redraws: plotext's own log scale dies here
        await pilot.pause()
        assert "loss <= 0 not drawn" in chart.note
        for view in ("all", "loss", "w", "lr", "path", "loss+w"):
            await pilot.press("v")
            await pilot.pause()
            assert chart.view == view
        await pilot.press("l")
        assert not chart.log_loss


async def test_overflow_to_inf_and_nan_is_drawn_without_crashing() -> None:
    app = ExplorerApp(Params(RunSpec(lr=1e30, epochs=50), SEED_LOSS))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "l")
        await pilot.resize_terminal(90, 30)
        await pilot.pause()
        assert "inf/nan not drawn" in app.query_one(DescentChart).note
        assert "diverged at step" in str(app.query_one("#status", Static).content)


@pytest.mark.long
async def test_the_ui_answers_while_a_long_run_computes() -> None:
    # A loss outside XLA's exact set runs in graph mode: 200,000 steps take seconds.
    app = ExplorerApp(Params(RunSpec(lr=0.01, epochs=20), "tanh(3*w) + 0.1*w**2"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        app.query_one("#epochs", Input).value = "200000"
        await wait_until(pilot, lambda: "running" in str(app.query_one("#status").content))
        chart = app.query_one(DescentChart)
        await pilot.press("escape", "v")
        # The key was handled while the run was still computing: nothing waited for it.
        assert chart.view == "all"
        assert "running" in str(app.query_one("#status").content)
        assert app.shown_request != app.engine.latest_id
        assert app.query_one(LogTable).rows == 20, "the last good run stays while computing"
        await wait_for_run(pilot, timeout=180)
        assert app.query_one(LogTable).rows == 200_000


async def test_a_million_step_run_shows_every_step_in_the_log() -> None:
    # An XLA-exact loss: the million steps take milliseconds, their million rows are the test.
    app = ExplorerApp(Params(RunSpec(lr=0.01, epochs=20), "(w + 1)**2"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        app.query_one("#epochs", Input).value = "1000000"
        await wait_until(pilot, lambda: app.query_one(LogTable).rows == 1_000_000, 120, "the run")
        await pilot.press("escape", "t", "end")
        table = app.query_one(LogTable)
        assert table.cursor == 999_999
        assert table.row_text(table.rows - 1).split()[0] == "1000000"
        # The screen shows it: the table scrolled to the last step (read as drawn, not as every
        # million rows' text).
        shown = [table.render_line(y).text.split() for y in range(table.size.height)]
        assert [words[0] for words in shown if words][-1:] == ["1000000"]


@pytest.mark.parametrize("size", [(20, 8), (40, 12), (80, 24)])
async def test_small_sizes_and_resizing_do_not_crash(size: tuple[int, int]) -> None:
    app = ExplorerApp()
    async with app.run_test(size=size) as pilot:
        await wait_for_run(pilot)
        await pilot.resize_terminal(size[0] + 7, size[1] + 3)
        await pilot.pause()
        await pilot.resize_terminal(*size)
        await pilot.pause()
        assert app.return_code is None and app.is_running


async def test_help_screen_opens_and_closes() -> None:
    app = ExplorerApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f1")
        assert type(app.screen).__name__ == "HelpScreen"
        text = app.screen.query_one(Markdown).source
        for kind, formula in SCHEDULE_FORMULAS.items():  # written out, not the code's table
            assert f"| {kind} | `{formula}` |" in text
        assert "`adam`" in text and "CosineDecayRestarts" in text
        await pilot.press("escape")
        assert type(app.screen).__name__ != "HelpScreen"


async def test_the_command_palette_finds_commands_by_words_typed() -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("ctrl+p", *"pin this run")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(app.pins) == 1, 10, "the pin")
        await wait_for_run(pilot)
        await pilot.press("ctrl+p", *"demo mode")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.query_one("#params").display, 10, "demo mode")


async def test_every_palette_command_does_what_it_says() -> None:
    """Every command the palette offers, run as the palette runs it (its callback), and its
    effect checked; the test fails if the palette offers a command not checked here."""
    import inspect

    from textual.widgets import Input

    from tui import i18n
    from tui.app.commands import ExplorerCommands
    from tui.app.messages import Replied
    from tui.app.screens.sweep import SweepScreen
    from tui.app.widgets.playback import PlaybackBar
    from tui.engine.protocol import EngineReady
    from tui.i18n import t
    from tui.model.views import VIEWS

    app = ExplorerApp()
    loaded: list[EngineReady] = []

    def hook(message) -> None:
        if isinstance(message, Replied) and isinstance(message.reply, EngineReady):
            loaded.append(message.reply)

    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await wait_for_run(pilot)
        commands = {
            title: command for title, _, command in ExplorerCommands(app.screen)._commands()
        }
        bindings = [*app.explorer.BINDINGS, *app.BINDINGS]
        ids = {t(f"key.{b.id}.tip"): b.id for b in bindings if getattr(b, "id", None)}
        by_id = {ids[title]: command for title, command in commands.items()}
        done: set[str] = set()

        async def run(command_id: str, wait: bool = False) -> None:
            done.add(command_id)
            outcome = by_id[command_id]()
            if inspect.isawaitable(outcome):
                await outcome
            await pilot.pause()
            if wait:
                await wait_for_run(pilot)

        def lr() -> str:
            return app.query_one("#lr", Input).value

        async def opens(command_id: str, screen: str) -> None:
            await run(command_id)
            await wait_until(pilot, lambda: type(app.screen).__name__ == screen, 10, screen)
            app.pop_screen()
            await pilot.pause()

        await run("preset-2", wait=True)
        assert lr() == "0.99" and app.params.spec.decay is None
        await run("preset-3", wait=True)
        assert lr() == "0.2" and app.params.spec.decay == 0.99
        for number in (4, 5, 6, 7, 8):  # the losses of two parameters
            await run(f"preset-{number}", wait=True)
            assert app.params.loss == PRESETS[number].loss
            assert app.params.spec.starts == PRESETS[number].spec.starts
        await run("preset-1", wait=True)
        assert lr() == "0.01" and app.params.spec.decay is None
        await run("lr-up", wait=True)
        assert float(lr()) > 0.01 and app.params.spec.lr == float(lr())
        await run("lr-down", wait=True)
        assert float(lr()) == pytest.approx(0.01)
        await run("mirror", wait=True)
        assert float(lr()) == pytest.approx(0.99)  # 1 - lr
        chart = app.query_one(DescentChart)
        log, view = chart.log_loss, chart.view
        await run("log-scale")
        assert chart.log_loss is not log
        await run("view")
        assert chart.view == VIEWS[(VIEWS.index(view) + 1) % len(VIEWS)]
        await run("focus-chart")
        assert app.focused is chart
        await run("focus-table")
        assert app.focused is app.query_one(LogTable)
        await run("focus-fields")
        assert app.focused is app.query_one("#lr", Input)
        await run("pin")
        await run("pin")
        assert [p.number for p in app.pins] == [1, 2]
        await run("unpin")
        assert [p.number for p in app.pins] == [1]
        await run("pin")
        await run("clear-pins")
        assert app.pins == []
        bar = app.query_one(PlaybackBar)
        await run("play")
        assert bar.playing
        await run("play")
        assert not bar.playing
        await run("play-start")
        assert bar.shown == 1
        await run("step-on")
        assert bar.shown == 2 and not bar.playing
        await run("step-back")
        assert bar.shown == 1
        await run("play-end")
        assert bar.shown is None
        speed = bar.speed
        await run("slower")
        assert bar.speed == speed - 1
        await run("faster")
        assert bar.speed == speed
        await run("demo")
        assert app.explorer_screen.has_class("-demo")
        assert not app.query_one("#params").display
        await run("demo")
        assert not app.explorer_screen.has_class("-demo")
        await run("sweep")
        await wait_until(pilot, lambda: isinstance(app.screen, SweepScreen), 10, "the sweep")
        app.pop_screen()
        await pilot.pause()
        await opens("export", "ExportScreen")
        await opens("session", "SessionScreen")
        await opens("help", "HelpScreen")
        await run("language")
        assert i18n.language() == "zh"
        await run("language")
        assert i18n.language() == "en"
        if "restart-engine" in by_id:  # offered once it has a tooltip
            engines = len(loaded)
            await run("restart-engine")
            await wait_until(pilot, lambda: len(loaded) > engines, 90, "a new engine loaded")
            await wait_for_run(pilot)
            assert float(lr()) == pytest.approx(0.99)
        await run("race", wait=True)  # in place of the pins: GD, momentum and Adam
        assert [p.spec.optimizer for p in app.pins] == ["gd", "momentum", "adam"]
    assert done == set(by_id), sorted(set(by_id) - done)
