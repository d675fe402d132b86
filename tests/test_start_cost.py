"""The explorer's start styles its screen once and reads its form once (issue 14, goal 2).

Every app start paid for work its first frame did not need: Textual 8.2.8 styled the whole
screen again as it first resumed (every widget styled as it mounted) and at its first resize
(its breakpoints' classes), the whole form twice (focused as
the first focusable widget, then left for the chart), each field once as it validated its first
value or was disabled, each footer key once as it took the compact class, and parsed every
stylesheet again for each app of the process; the form read all its fields once for each of
them. Each test counts the work, never its time. The engine here never loads, so that only the
UI's own start is seen.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import textual.css.stylesheet as stylesheet_module
from textual import events
from textual.app import App
from textual.dom import DOMNode
from textual.widgets import Checkbox, Input, Static
from textual.widgets._footer import FooterKey
from unloaded_engine import Unloaded

from tui.app.app import ExplorerApp
from tui.app.styling import SharedStylesheet, rules_for
from tui.app.widgets.params import ParamsForm
from tui.engine.losses import SEED_LOSS
from tui.engine.spec import RunSpec, Schedule
from tui.model.params import PRESETS, Params

#: The explorer's breakpoint classes (``ExplorerScreen.VERTICAL_BREAKPOINTS``).
BREAKPOINTS = {"-tiny", "-short", "-medium", "-tall"}


def restyled(monkeypatch: pytest.MonkeyPatch) -> list[DOMNode]:
    """Every node Textual styles again (with its descendants) from now on."""
    nodes: list[DOMNode] = []
    original = App.update_styles

    def update_styles(self: App[object], node: DOMNode, animate: bool = True) -> None:
        nodes.append(node)
        original(self, node, animate)

    monkeypatch.setattr(App, "update_styles", update_styles)
    return nodes


@pytest.mark.parametrize(("size", "height_class"), [((120, 40), "-tall"), ((80, 24), "-short")])
async def test_the_start_styles_the_screen_once_with_its_breakpoint_class(
    monkeypatch: pytest.MonkeyPatch, size: tuple[int, int], height_class: str
) -> None:
    nodes = restyled(monkeypatch)
    app = ExplorerApp(PRESETS[1], show_timings=False, engine=Unloaded())
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.explorer
        assert screen.classes & BREAKPOINTS == {height_class}
        # No restyle of the whole screen: not for its breakpoints' classes, nor Textual's own
        # as the screen first shows (each widget was styled as it mounted).
        assert [node for node in nodes if node is screen] == []


async def test_a_later_resume_that_asks_for_a_restyle_still_gets_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only the start's first resume is spared: a later one that asks for its styles again
    (Textual's ``ScreenResume(refresh_styles=True)``, as a pushed or switched-to screen gets)
    has them."""
    nodes = restyled(monkeypatch)
    app = ExplorerApp(PRESETS[1], show_timings=False, engine=Unloaded())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.explorer
        assert [node for node in nodes if node is screen] == []
        screen.post_message(events.ScreenResume(refresh_styles=True))
        await pilot.pause()
        assert [node for node in nodes if node is screen] == [screen]


async def test_the_start_styles_no_form_field_or_footer_key_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nodes = restyled(monkeypatch)
    app = ExplorerApp(PRESETS[1], show_timings=False, engine=Unloaded())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.focused is app.explorer.chart
        assert not [n for n in nodes if isinstance(n, ParamsForm)], "the form took the focus"
        assert not [n.id for n in nodes if isinstance(n, Input | Checkbox)]
        assert not [n for n in nodes if isinstance(n, FooterKey)]
        keys = list(app.explorer.query(FooterKey))
        assert keys and all(k.has_class("-compact") for k in keys)
        # The fields the run does not use are not even made.
        assert not app.query("#decay") and not app.query("#staircase") and not app.query("#w2")
        assert app.query_one("#lr", Input).has_class("-valid")


#: Forms with other fields shown: a schedule of the lesson's, a keras one with its box and an
#: optimizer with beta, a loss of w1 and w2 (w2's start shown).
OTHER_FORMS = [
    PRESETS[3],
    Params(
        RunSpec(
            lr=0.3,
            schedule=Schedule("inverse-time", steps=3.0, staircase=True),
            optimizer="momentum",
        ),
        SEED_LOSS,
    ),
    PRESETS[4],
]


@pytest.mark.parametrize("params", OTHER_FORMS, ids=["exponential", "keras-momentum", "w1-w2"])
async def test_no_field_of_another_form_is_styled_again_at_start(
    monkeypatch: pytest.MonkeyPatch, params: Params
) -> None:
    nodes = restyled(monkeypatch)
    app = ExplorerApp(params, show_timings=False, engine=Unloaded())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert not [n.id for n in nodes if isinstance(n, Input | Checkbox)]
        fields = [*app.query(Input), *app.query(Checkbox)]
        shown = {w.id for w in fields if w.display and not w.disabled}
        assert {"lr", "loss", "tol"} <= shown


async def test_the_form_reads_its_fields_once_at_start_and_loses_no_edit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads: list[int] = []
    original = ParamsForm.parse
    monkeypatch.setattr(ParamsForm, "parse", lambda self: (reads.append(1), original(self))[1])
    app = ExplorerApp(PRESETS[1], show_timings=False, engine=Unloaded())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert len(reads) == 1  # the first values of 18 fields and two drop-downs, read once
        assert app.params is not None and app.params.spec.lr == 0.01
        # Edits made together are all read, however their reads are put together.
        app.query_one("#lr", Input).value = "0.02"
        app.query_one("#epochs", Input).value = "30"
        await pilot.pause()
        assert app.params.spec.lr == 0.02 and app.params.spec.epochs == 30
        app.query_one("#lr", Input).value = "0.03"
        app.query_one("#epochs", Input).value = "3x"
        await pilot.pause()
        assert "epochs" in str(app.query_one("#field-error", Static).content)
        app.query_one("#epochs", Input).value = "40"
        await pilot.pause()
        assert app.params.spec.lr == 0.03 and app.params.spec.epochs == 40


async def test_a_second_app_parses_no_stylesheet_again(monkeypatch: pytest.MonkeyPatch) -> None:
    first = ExplorerApp(PRESETS[1], show_timings=False, engine=Unloaded())
    async with first.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
    parsed: list[object] = []
    original = stylesheet_module.parse

    def parse(*args: object, **options: object) -> object:
        parsed.append(args[1])
        return original(*args, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(stylesheet_module, "parse", parse)
    second = ExplorerApp(PRESETS[1], show_timings=False, engine=Unloaded())
    async with second.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(second.stylesheet, SharedStylesheet)
        assert second.stylesheet.rules and parsed == []


async def test_each_theme_has_its_own_parsed_rules() -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False, engine=Unloaded())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        dark = app.stylesheet._parse_cache
        assert dark is rules_for(app.get_css_variables())
        app.theme = "textual-light"
        await pilot.pause()
        light = app.stylesheet._parse_cache
        assert light is rules_for(app.get_css_variables()) and light is not dark
        assert app.screen.styles.background == app.current_theme.to_color_system().background


def test_the_command_line_makes_no_digit_tables_as_it_loads() -> None:
    """The export formats' digit tables (``tui.formats.fields``) are made at their first use:
    every start imports the formats (the command line lists their names), and making the
    tables at import cost it about 10 ms."""
    code = (
        "import tui.cli.commands, tui.formats.fields as f, numpy as np\n"
        "print(f._unit.cache_info().currsize)\n"
        "out = np.zeros((1, 6), np.uint8); f._put_digits(out, np.array([123456]), 6)\n"
        "print(f._unit.cache_info().currsize, bytes(out[0]).decode())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["0", "2", "123456"]
