"""The engine process dies or stalls: the explorer says so, restarts it, and never blocks.

A stalled engine is one stopped with ``SIGSTOP``. Where the old behaviour was to block the UI
thread for good, a watchdog thread sends ``SIGCONT`` after :data:`HANG_GUARD` seconds, so that
such a test fails (the watchdog had to step in) instead of hanging: no assertion is about time.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace

import numpy as np
import pytest
from app_helpers import table_lines, type_into, wait_for_run, wait_until
from textual.widgets import Input, Static

from tui.app import ExplorerApp
from tui.app.engine_client import (
    EngineClient,
    EngineStopped,
    Mailbox,
    Restarts,
    death_reason,
)
from tui.app.screens.sweep import SweepScreen
from tui.app.widgets.chart import DescentChart
from tui.engine.protocol import EngineReady
from tui.engine.spec import RunSpec
from tui.engine.sweep import log_rates, sweep_specs
from tui.i18n import msg

#: These tests kill and stop the engine process: they need one (see ``tests/conftest.py``).
pytestmark = pytest.mark.engine_process

#: Seconds before the watchdog lets a stalled engine go (only ever reached by a blocked UI).
HANG_GUARD = 60.0

#: A sweep request of 2,000 rates pickles to about 150 KB, more than twice a pipe's 64 KiB.
MANY_RATES = 2000


@contextmanager
def stalled(pid: int) -> Iterator[threading.Event]:
    """The engine process ``pid`` stopped (``SIGSTOP``) inside the block; the event is set if
    the watchdog had to continue it because the block did not end."""
    released = threading.Event()

    def release() -> None:
        released.set()
        _continue(pid)

    os.kill(pid, signal.SIGSTOP)
    watchdog = threading.Timer(HANG_GUARD, release)
    watchdog.start()
    try:
        yield released
    finally:
        watchdog.cancel()
        _continue(pid)


def _continue(pid: int) -> None:
    with suppress(ProcessLookupError):  # killed meanwhile (quitting kills it)
        os.kill(pid, signal.SIGCONT)


def recorded_notes(app: ExplorerApp) -> list[str]:
    """Every notification ``app`` makes from now on (kept, unlike toasts that expire)."""
    notes: list[str] = []
    notify = app.notify

    def record(message: str, *args: object, **kwargs: object) -> None:
        notes.append(str(message))
        notify(message, *args, **kwargs)  # type: ignore[arg-type]

    app.notify = record  # type: ignore[method-assign]
    return notes


def status_text(app: ExplorerApp) -> str:
    """What the status line says."""
    return str(app.query_one("#status", Static).content)


async def wait_quit(app: ExplorerApp, released: threading.Event) -> None:
    """Until ``app`` is quitting, or the watchdog gave up on it (then the test fails)."""
    while not app._exit and not released.is_set():
        await asyncio.sleep(0.02)


def kill_engine(app: ExplorerApp) -> int:
    """Kill the engine process as the system's out-of-memory killer would; its pid."""
    pid = app.engine.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    return pid


# -- the mailbox and the client, without Textual ---------------------------------------------


def test_the_mailbox_keeps_only_the_newest_and_put_never_waits() -> None:
    box: Mailbox[int] = Mailbox()
    # Nobody takes: a queue would grow, a bounded one or a pipe would block the putter.
    putter = threading.Thread(target=lambda: [box.put(i) for i in range(100_000)], daemon=True)
    putter.start()
    putter.join(HANG_GUARD)
    assert not putter.is_alive(), "put waited for a taker"
    assert box.take() == 99_999
    taken: list[int | None] = []
    taker = threading.Thread(target=lambda: taken.append(box.take()), daemon=True)
    taker.start()  # waits: the slot is empty
    box.put(7)
    taker.join(HANG_GUARD)
    assert taken == [7]
    box.close()
    assert box.take() is None


def test_submitting_to_a_stalled_engine_never_blocks() -> None:
    client = EngineClient()
    client.start()
    try:
        assert client.pid is not None
        specs = sweep_specs(RunSpec(), log_rates(1e-4, 2.0, MANY_RATES))
        with stalled(client.pid) as released:
            ids = [client.submit(specs, "(w + 1)**2", 1e-6) for _ in range(3)]
            ids += [
                client.submit([RunSpec(lr=0.01 + i * 1e-5)], "(w + 1)**2", 1e-6) for i in range(500)
            ]
            assert not released.is_set(), "submit waited for the stalled engine"
        assert ids == list(range(1, 504)) and client.latest_id == 503
    finally:
        client.stop()


def test_a_dead_engine_is_named_and_a_submit_to_it_never_raises() -> None:
    client = EngineClient()
    client.start()
    try:
        pid = client.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        assert client._link is not None
        client._link.process.join(HANG_GUARD)  # gone: its end of the request pipe is closed
        specs = sweep_specs(RunSpec(), log_rates(1e-4, 2.0, MANY_RATES))
        client.submit(specs, "(w + 1)**2", 1e-6)  # was BrokenPipeError, on the UI thread
        client.submit([RunSpec()], "(w + 1)**2", 1e-6)
        try:
            while client.receive(0.1) is None:
                pass
        except EngineStopped as stopped:
            reason = stopped.reason
        else:
            raise AssertionError("a reply from a killed engine")
    finally:
        client.stop()
    assert str(reason) == (
        "killed by signal 9 (SIGKILL): by hand, or by the system when memory ran out"
    )


def test_how_an_engine_ended_is_said_in_words() -> None:
    assert death_reason(-signal.SIGKILL) == msg("engine.sigkill", number=9, name="SIGKILL")
    assert str(death_reason(-signal.SIGSEGV)) == "killed by signal 11 (SIGSEGV)"
    assert str(death_reason(1)) == "it exited with code 1"
    assert str(death_reason(None)) == "it stopped answering"


def test_restarts_stop_at_the_third_death_within_the_window() -> None:
    restarts = Restarts(most=3, window=60.0)
    assert restarts.died(0.0) and restarts.died(10.0)
    assert not restarts.died(20.0)
    assert restarts.count() == 3
    restarts = Restarts(most=3, window=60.0)
    assert restarts.died(0.0) and restarts.died(10.0)
    assert restarts.died(75.0), "the first death is more than a minute before"
    restarts.reset()
    assert restarts.count() == 0


def test_the_engine_ends_quietly_when_the_ui_has_gone(tmp_path, monkeypatch) -> None:
    from tui.engine.launch import LOG_ENV

    log = tmp_path / "engine.log"
    monkeypatch.setenv(LOG_ENV, str(log))
    client = EngineClient()
    client.start()
    try:
        while not isinstance(client.receive(0.1), EngineReady):
            pass
        link = client._link
        assert link is not None
        link.replies.close()  # as if the UI had gone: the engine's next reply has nowhere to go
        client.submit([RunSpec()], "(w + 1)**2", 1e-6)
        link.mailbox.close()  # then the request pipe closes too
        link.process.join(HANG_GUARD)
        assert link.process.exitcode == 0, "the engine ended with an error"
    finally:
        client.stop()
    assert "Traceback" not in log.read_text(errors="replace")


# -- the explorer ----------------------------------------------------------------------------


async def test_a_killed_engine_is_restarted_and_the_run_on_screen_comes_back() -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "p")  # a pin, then another rate: both must come back
        await type_into(pilot, "lr", "0.2")
        await wait_for_run(pilot)
        lines, shown = table_lines(app), app.shown_request
        current, pin = app._current, app.pins[0].result
        assert current is not None and pin is not None
        notes = recorded_notes(app)
        old = kill_engine(app)
        await wait_until(pilot, lambda: app.engine.pid != old, what="a new engine process")
        said = "the engine stopped: killed by signal 9 (SIGKILL)"
        assert said in status_text(app) and "restarting it" in status_text(app)
        assert any("killed by signal 9 (SIGKILL)" in note for note in notes), notes
        await wait_until(pilot, lambda: app.shown_request > shown, what="the run again")
        await wait_for_run(pilot)
        assert table_lines(app) == lines
        again, pin_again = app._current, app.pins[0].result
        assert again is not None and pin_again is not None and again is not current
        assert np.array_equal(again.w.view(np.int32), current.w.view(np.int32))
        assert np.array_equal(pin_again.loss.view(np.int32), pin.loss.view(np.int32))
        assert "the engine is back" in " ".join(notes)
        assert "still descending" in status_text(app) or "converged" in status_text(app)


async def test_killed_with_the_range_test_open_an_edit_keeps_everything() -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "p", "s")
        await wait_until(pilot, lambda: isinstance(app.screen, SweepScreen) and app.screen.sweep)
        screen = app.screen
        assert isinstance(screen, SweepScreen) and screen.sweep is not None
        before = screen.sweep
        pid = kill_engine(app)
        assert app.engine._link is not None
        app.engine._link.process.join(HANG_GUARD)  # dead, its pipe broken, before the edit
        screen.query_one("#sweep-count", Input).value = "100"  # was BrokenPipeError
        await pilot.pause()
        await wait_until(
            pilot,
            lambda: screen.sweep is not None and screen.sweep.lrs.size == 100,
            what="the edited sweep after the restart",
        )
        assert app.screen is screen and app.engine.pid != pid
        assert len(app.pins) == 1 and app.pins[0].result is not None
        assert app.query_one("#lr", Input).value == "0.01"
        screen.query_one("#sweep-count", Input).value = "200"
        await wait_until(pilot, lambda: screen.sweep is not None and screen.sweep.lrs.size == 200)
        after = screen.sweep
        assert np.array_equal(after.lrs, before.lrs)
        assert np.array_equal(after.final_loss.view(np.int32), before.final_loss.view(np.int32))
        await pilot.press("escape")
        await wait_for_run(pilot)
        assert app.pins[0].result is not None


async def test_a_stalled_engine_never_blocks_the_screen() -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        assert app.params is not None and app.engine.pid is not None
        base = app.params
        chart = app.query_one(DescentChart)
        log_loss = chart.log_loss
        with stalled(app.engine.pid) as released:
            sweep = log_rates(1e-4, 2.0, MANY_RATES)
            # 150 KB: more than the pipe holds (no sweep screen is open to show it)
            app.engine.submit(sweep_specs(base.spec, sweep), base.loss, base.tol)
            for i in range(1, 501):  # 500 edits of about 300 bytes each: 150 KB more
                app.params = replace(base, spec=replace(base.spec, lr=0.01 + i * 1e-5))
            await pilot.press("escape", "l")  # a key still goes through
            assert chart.log_loss is not log_loss
            assert not released.is_set(), "the UI thread waited for the stalled engine"
        await wait_for_run(pilot)  # once continued, the newest edit (only) is shown
        assert app._current is not None
        assert app._current.spec.lr == app.params.spec.lr == 0.01 + 500 * 1e-5


async def test_ctrl_q_quits_at_once_while_the_engine_is_stalled_mid_range_test() -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "s")
        await wait_until(pilot, lambda: isinstance(app.screen, SweepScreen) and app.screen.sweep)
        screen = app.screen
        assert isinstance(screen, SweepScreen) and app.engine.pid is not None
        with stalled(app.engine.pid) as released:
            screen.query_one("#sweep-count", Input).value = ""
            screen.query_one("#sweep-count", Input).focus()
            await pilot.press(*str(MANY_RATES))  # 2, 20, 200, 2000 rates: about 165 KB
            screen.query_one("#sweep-chart").focus()
            await pilot.press("m")
            assert screen.metric == "steps"
            # Pressed from a task: an app that does not quit fails the test, never hangs it.
            press = asyncio.ensure_future(pilot.press("ctrl+q"))
            await wait_quit(app, released)
            press.cancel()
            assert app.return_code == 0, "ctrl+q did not quit"
            assert not released.is_set(), "the UI thread waited for the stalled engine"


async def test_an_engine_that_keeps_dying_is_left_stopped_until_asked() -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        app._restarts = Restarts(most=3, window=3600.0)  # three deaths, however slow the machine
        shown = app.shown_request
        notes = recorded_notes(app)
        for _ in range(2):
            old = kill_engine(app)
            await wait_until(pilot, lambda old=old: app.engine.pid != old, what="a restart")
        last = kill_engine(app)
        await wait_until(pilot, lambda: "3 times" in status_text(app), what="giving up")
        assert f"{app._restart_key()} tries again" in status_text(app)
        assert app.engine.pid == last, "restarted after the third death"
        assert any("3 times" in note for note in notes), notes
        await pilot.press("escape", "s")
        assert not isinstance(app.screen, SweepScreen)
        assert f"{app._restart_key()} restarts it" in notes[-1], notes[-1]
        await pilot.press("ctrl+r")
        assert app.engine.pid != last
        await wait_until(pilot, lambda: app.shown_request > shown, what="the run after ctrl+r")
        await wait_for_run(pilot)
        assert "still descending" in status_text(app)


async def test_a_range_test_under_the_palette_still_gets_its_results() -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "s")
        await wait_until(pilot, lambda: isinstance(app.screen, SweepScreen) and app.screen.sweep)
        screen = app.screen
        assert isinstance(screen, SweepScreen)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: app.screen is not screen, what="the palette")
        screen.query_one("#sweep-count", Input).value = "100"  # asked for under the palette
        await wait_until(
            pilot,
            lambda: screen.sweep is not None and screen.sweep.lrs.size == 100,
            what="the sweep's results under the palette",
        )
