"""One rule for w2's start (issue 15): not given, it is the parameter table's default, whoever
reads a loss of w1 and w2: the explorer's field, ``lr-explorer run`` and the explorer's own
command line, and a session without ``start2``."""

from __future__ import annotations

from app_helpers import type_into, wait_for_run
from textual.widgets import Input

from tui import cli
from tui.app import ExplorerApp
from tui.model import session as sessions
from tui.model.parameters import START2_DEFAULT, by_name
from tui.model.params import PRESETS, STRETCHED_BOWL, Params

ARGV = ["--loss", STRETCHED_BOWL, "--lr", "0.05", "--epochs", "8"]


def test_the_default_is_the_tables_and_w1s() -> None:
    assert by_name()["w2"].default == START2_DEFAULT == by_name()["w0"].default


def test_the_command_line_and_a_session_without_start2_agree() -> None:
    for argv in (ARGV, ["run", *ARGV]):
        spec = cli.spec_from_args(cli.build_parser().parse_args(argv))
        assert spec.starts == (by_name()["w0"].default, START2_DEFAULT), argv
    data = sessions.to_dict(sessions.Session(Params(spec, STRETCHED_BOWL)))
    del data["run"]["start2"]
    assert sessions.from_dict(data).params.spec == spec


async def test_the_explorers_field_shows_the_default_and_runs_from_it() -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await type_into(pilot, "loss", STRETCHED_BOWL)
        await wait_for_run(pilot)
        assert app.query_one("#w2", Input).value == f"{START2_DEFAULT:g}"
        assert app.params is not None and app.params.spec.start2 == START2_DEFAULT
        # The session it makes reads back the same, with start2 or without it.
        data = sessions.to_dict(app.current_session())
        del data["run"]["start2"]
        assert sessions.from_dict(data).params == app.params
