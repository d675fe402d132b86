"""The explorer's first frame goes out before its results pane's widgets are mounted, and
NumPy and plotext load with them, not before (issue 14, goal 2: about a third of what the first
frame took). Input sent in between waits for them and then goes on, in the order it came; the
engine's replies wait too; a quit does not.

An app with a display mounts the pane later (``tests/test_terminals.py`` starts the explorer in
a terminal); a headless one (Pilot's) composes it with the rest, so these tests ask for later
(``ResultsPane.RESULTS_LATER``)."""

from __future__ import annotations

import functools
import json
import pathlib
import subprocess
import sys
from typing import Any

import pytest
from textual.widgets import Input
from unloaded_engine import Unloaded

from tui.app.app import ExplorerApp
from tui.app.engine_client import ThreadEngine
from tui.app.pilot_helpers import wait_for_run, wait_until
from tui.app.screens.explorer import ExplorerScreen
from tui.model.params import PRESETS
from tui.model.views import default_view, next_view

#: The explorer started as ``lr-explorer`` starts it (its command line parsed first), with an
#: engine that never loads; what was loaded and drawn when the results began to mount.
FIRST_FRAME = """
import json, sys
sys.path.insert(0, sys.argv[1])  # the tests' folder
from tui.cli.parser import build_parser
build_parser().parse_args([])
from textual.app import App
from tui.app.app import ExplorerApp
from tui.app.screens.explorer import ExplorerScreen
from tui.model.params import PRESETS
from unloaded_engine import Unloaded
ExplorerScreen.RESULTS_LATER = True  # (headless here: see the module's docstring)

frames = []
display = App._display
def counted(self, screen, renderable):
    frames.append(renderable is not None)
    display(self, screen, renderable)
App._display = counted

seen = {}
mount_results = ExplorerScreen.mount_results
async def looked(self):
    seen["modules"] = sorted({m.split(".")[0] for m in sys.modules})
    seen["all modules"] = sorted(sys.modules)
    seen["frames"] = sum(frames)
    seen["lr shown"] = self.query_one("#lr").region.area > 0  # laid out, and drawn
    await mount_results(self)
ExplorerScreen.mount_results = looked

async def mounted(pilot):
    while not pilot.app.explorer.results_mounted:
        await pilot.pause()
    seen["after"] = sorted({m.split(".")[0] for m in sys.modules})
    pilot.app.exit()

ExplorerApp(PRESETS[1], show_timings=False, engine=Unloaded(), language="en").run(
    headless=True, size=(120, 40), auto_pilot=mounted
)
print(json.dumps(seen))
"""


async def test_a_headless_app_composes_the_results_with_the_rest() -> None:
    """No one sees a headless app's first frame: its chart is there from the start, as tests
    and screenshots always found it."""
    app = ExplorerApp(PRESETS[1], show_timings=False, engine=Unloaded(), language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.explorer.results_mounted and not app.holding_input
        assert app.focused is app.explorer.chart


@functools.cache
def first_frame_seen() -> dict[str, Any]:
    """What :data:`FIRST_FRAME` saw, run once for the tests that read it."""
    proc = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME, str(pathlib.Path(__file__).parent)],
        capture_output=True,
        text=True,
        check=True,
    )
    seen: dict[str, Any] = json.loads(proc.stdout.splitlines()[-1])
    return seen


def test_the_first_frame_is_out_before_numpy_and_plotext_load() -> None:
    seen = first_frame_seen()
    assert seen["frames"] >= 1 and seen["lr shown"]  # the fields were drawn
    heavy = {"numpy", "plotext", "textual_plotext"}
    assert sorted(heavy & set(seen["modules"])) == []
    assert heavy <= set(seen["after"])  # the chart and the log loaded them, once mounted


#: Modules of what the first frame does not show: the theory (shown with the first result), a
#: screenshot's fix, a file's temporary name.
NOT_FOR_THE_FIRST_FRAME = (
    "tui.engine.theory",
    "tui.engine.theory_plane",
    "tui.engine.plane_quadratic",
    "tui.app.screens.sweep_theory",
    "tui.app.widgets.theory_two",
    "tui.app.svg_cells",
    "secrets",
)


def test_the_first_frame_loads_no_theory_no_screenshot_fix_and_no_secrets() -> None:
    """What the first frame does not show is not loaded on the way to it (issue 14, goal 2):
    the theory's modules load with the first result (the panel is empty until then), the
    screenshot's cell fix with a screenshot, ``secrets`` with the first file written."""
    seen = first_frame_seen()
    assert seen["frames"] >= 1 and seen["lr shown"]
    loaded = set(seen["all modules"])
    assert "tui.app.widgets.theory" in loaded  # (the panel itself is on the first frame)
    assert sorted(loaded & set(NOT_FOR_THE_FIRST_FRAME)) == []


class Blocked:
    """``ExplorerScreen.mount_results`` put off until :meth:`release` (as if its imports took
    that long): the screen goes on handling its messages in the meantime."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(ExplorerScreen, "RESULTS_LATER", True)
        self.screen: ExplorerScreen | None = None
        self.mount_results = ExplorerScreen.mount_results

        async def put_off(screen: ExplorerScreen) -> None:
            self.screen = screen

        monkeypatch.setattr(ExplorerScreen, "mount_results", put_off)

    @property
    def started(self) -> bool:
        """Whether the screen has asked for its results to be mounted."""
        return self.screen is not None

    async def release(self) -> None:
        """Mount them now."""
        assert self.screen is not None
        await self.mount_results(self.screen)


async def test_keys_before_the_results_are_mounted_act_once_they_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``l`` (the log scale, on the chart), ``v`` (the chart's view) and ``3`` (a preset) sent
    while the results mount: each acted on a chart that was not there (a crash) until input
    was held; now they act after, in order."""
    blocked = Blocked(monkeypatch)
    app = ExplorerApp(PRESETS[1], show_timings=False, engine=ThreadEngine(), language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: blocked.started, what="the results to begin mounting")
        for key in ("l", "v", "3"):
            await pilot.press(key)
        await pilot.pause()
        assert not app.explorer.results_mounted and app.return_code is None
        await blocked.release()
        await wait_until(pilot, lambda: app.params is not None and app.params.spec.lr == 0.2)
        await wait_for_run(pilot)
        chart = app.explorer.chart
        assert chart.log_loss is True
        assert chart.view == next_view(default_view(1), 1)
        assert app.params is not None and app.params.spec == PRESETS[3].spec
        current = app.explorer.current
        assert current is not None and current.spec == PRESETS[3].spec


async def test_held_keys_go_before_keys_already_waiting_when_they_are_let_go(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``5`` and ``7`` typed in the lr field are held; a ``9`` is already in the app's queue as
    the results pane lets them go. Posted again behind it, the held keys came after it
    (``0.01957``); they go first, as they were typed."""
    from textual import events

    from tui.app.held_input import HoldingApp

    blocked = Blocked(monkeypatch)
    release_input = HoldingApp.release_input
    sent: list[bool] = []

    def with_a_key_waiting(app: HoldingApp) -> None:
        if app.holding_input and not sent:  # sent just before: in the queue, not yet read
            sent.append(app.post_message(events.Key("9", "9")))
        release_input(app)

    monkeypatch.setattr(HoldingApp, "release_input", with_a_key_waiting)
    app = ExplorerApp(PRESETS[1], show_timings=False, engine=Unloaded(), language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: blocked.started, what="the results to begin mounting")
        field = app.query_one("#lr", Input)
        field.focus()  # (not input: a focus is not held)
        await pilot.pause()
        await pilot.press("5", "7")
        assert field.value == "0.01" and field.has_focus  # held
        await blocked.release()
        await wait_until(pilot, lambda: len(field.value) == 7, what="the three keys")
        assert field.value == "0.01579" and field.has_focus


async def test_the_engines_news_before_the_results_are_mounted_is_taken_once_they_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The engine loaded while the results were not there: its news (which the playback bar
    hears, and which runs the fields) waited, then ran the lesson's first run."""
    blocked = Blocked(monkeypatch)
    app = ExplorerApp(PRESETS[1], show_timings=False, engine=ThreadEngine(), language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: blocked.started and app.engine_ready, what="the engine")
        await wait_until(pilot, lambda: bool(app.explorer._early), what="its news to wait")
        assert app.engine.latest_id == 0 and app.explorer.current is None
        await blocked.release()
        await wait_for_run(pilot)
        assert app.explorer.current is not None and not app.explorer._early
        assert "w = 3.005648" in str(app.explorer.status.content)  # the lesson's last w


async def test_a_quit_before_the_results_are_mounted_is_not_held(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    blocked = Blocked(monkeypatch)
    app = ExplorerApp(PRESETS[1], show_timings=False, engine=ThreadEngine(), language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: blocked.started, what="the results to begin mounting")
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: app._exit, what="the quit")  # (Textual's own flag)
        assert not app.explorer.results_mounted
    assert app.return_code == 0
