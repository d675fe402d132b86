"""The model layer: one parameter table drives the form, the command line and sessions; a run's
prefix and rates; pins on a board; and none of it loads Textual."""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from textual.app import App, ComposeResult
from textual.widgets import Checkbox, Input, Select

from tui.app.widgets.params import LAYOUT, ParamsForm, params_values
from tui.cli.options import add_parameter_options, spec_from_args
from tui.cli.parser import build_parser
from tui.engine.losses import SEED_LOSS
from tui.engine.outcome import Outcome, Status
from tui.engine.result import RunResult
from tui.engine.spec import RunSpec, Schedule
from tui.i18n import msg
from tui.model import session as sessions
from tui.model.parameters import PARAMETERS, Parameter, by_name
from tui.model.params import Params
from tui.model.pins import MAX_PINS, PinBoard

#: A value each typed parameter accepts, as typed, and what it reads as.
SAMPLES = {
    "w0": ("2.5", 2.5),
    "w2": ("-1.5", -1.5),
    "lr": ("0.3", 0.3),
    "epochs": ("7", 7),
    "decay": ("0.9", 0.9),
    "decay-steps": ("3", 3.0),
    "steps": ("3", 3.0),
    "rate": ("0.4", 0.4),
    "alpha": ("0.2", 0.2),
    "power": ("2", 2.0),
    "t-mul": ("3", 3.0),
    "m-mul": ("0.5", 0.5),
    "boundaries": ("4", (4,)),
    "factors": ("1, 0.5", (1.0, 0.5)),
    "warmup": ("2", 2),
    "beta": ("0.5", 0.5),
    "loss": ("w**2", "w**2"),
    "tol": ("0.001", 0.001),
}


def with_default(name: str, default: object) -> tuple[Parameter, ...]:
    """The table with parameter ``name``'s default changed (nothing patched: a new table)."""
    return tuple(replace(p, default=default) if p.name == name else p for p in PARAMETERS)


def parser_of(table: tuple[Parameter, ...] = PARAMETERS) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(exit_on_error=False)
    add_parameter_options(parser, table)
    return parser


def schedule_using(record: Parameter) -> str:
    """A schedule that uses ``record`` (constant if every one does)."""
    return record.schedules[0] if record.schedules else "constant"


def optimizer_using(record: Parameter) -> str:
    return record.optimizers[0] if record.optimizers else "gd"


class FormApp(App[None]):
    """Only the parameter pane, with no engine: what the table composes."""

    def __init__(self, params: Params, table: tuple[Parameter, ...] = PARAMETERS) -> None:
        super().__init__()
        self.params, self.table = params, table

    def compose(self) -> ComposeResult:
        yield ParamsForm(self.params, id="params", table=self.table)


# -- the table drives the command line ---------------------------------------------------------


@pytest.mark.parametrize("record", [p for p in PARAMETERS if p.flag], ids=lambda p: p.name)
def test_each_option_is_the_tables_and_reaches_the_run(record: Parameter) -> None:
    kind, optimizer = schedule_using(record), optimizer_using(record)
    argv = ["--schedule", kind, "--optimizer", optimizer]
    if record.kind == "flag":
        argv.append(record.flag)
    elif record.kind == "choice":
        argv = [record.flag, record.choices[-1]]
    else:
        argv += [record.flag, SAMPLES[record.name][0]]
    args = parser_of().parse_args(argv)
    if record.home == "params":
        assert getattr(args, str(record.dest)) == SAMPLES[record.name][1]
        return
    spec = spec_from_args(args)
    holder = spec.schedule if record.home == "schedule" else spec
    if record.kind == "choice":
        wanted = record.choices[-1]
    elif record.kind == "flag":
        wanted = True
    else:
        wanted = SAMPLES[record.name][1]
    assert getattr(holder, record.attribute) == wanted


@pytest.mark.parametrize("command", [[], ["run"], ["serve"]])
def test_the_tolerance_is_one_option_of_every_command(command: list[str]) -> None:
    assert [p.name for p in PARAMETERS if p.flag is None] == [], "every parameter has its option"
    assert build_parser().parse_args([*command, "--tol", "0.001"]).tol == 0.001


def test_a_default_changed_in_the_table_is_the_command_lines() -> None:
    table = with_default("alpha", 0.25)
    args = parser_of(table).parse_args(["--schedule", "cosine"])
    assert args.alpha == 0.25
    assert spec_from_args(args, table).schedule == Schedule("cosine", alpha=0.25)
    decay = with_default("decay", 0.5)
    args = parser_of(decay).parse_args(["--schedule", "exponential"])
    assert spec_from_args(args, decay).decay == 0.5
    steps = with_default("steps", 40.0)
    args = parser_of(steps).parse_args(["--schedule", "polynomial"])
    assert spec_from_args(args, steps).schedule.steps == 40.0


def test_the_help_tells_the_defaults_of_the_table() -> None:
    assert "(default 0.9)" in " ".join(parser_of().format_help().split())
    help_text = " ".join(parser_of(with_default("beta", 0.75)).format_help().split())
    assert "(default 0.75)" in help_text and "(default 0.9)" not in help_text
    steps = " ".join(parser_of(with_default("steps", 40.0)).format_help().split())
    assert "(default 1 for exponential, 40 for the others)" in steps


def test_the_help_arguments_the_i18n_tests_assume_are_the_tables() -> None:
    from test_i18n_cli import HELP_ARGS

    for key, args in HELP_ARGS.items():
        (record,) = [p for p in PARAMETERS if p.help == key and p.flag == f"--{p.name}"]
        sharing = {p.name.replace("-", "_"): p.default for p in PARAMETERS if p.flag == record.flag}
        wanted = {"default": record.default, **sharing, **dict(record.help_args)}
        assert {name: wanted[name] for name in args} == args, key


# -- the table drives the form -----------------------------------------------------------------


def test_the_forms_layout_places_each_parameter_once() -> None:
    placed = [name for row in LAYOUT for name in row]
    assert sorted(p.name for p in PARAMETERS) == sorted(set(placed) - {"formula", "lr-preview"})
    assert len(placed) == len(set(placed))


async def test_a_new_parameter_gets_a_field_without_a_place_in_the_layout() -> None:
    warmth = replace(by_name()["rate"], name="warmth", label=None, title="warmth", schedules=None)
    app = FormApp(Params(RunSpec(), SEED_LOSS), (*PARAMETERS, warmth))
    async with app.run_test(size=(60, 90)):
        field = app.query_one("#warmth", Input)
        assert field.value == "1" and field.border_title == "warmth"


async def test_the_form_composes_a_field_per_parameter_and_parses_each() -> None:
    app = FormApp(Params(RunSpec(), SEED_LOSS))
    async with app.run_test(size=(60, 80)) as pilot:
        form = app.query_one(ParamsForm)
        widgets = {"flag": Checkbox, "choice": Select}
        for record in PARAMETERS:  # (a field is made once the run uses it)
            form.query_one("#schedule", Select).value = schedule_using(record)
            form.query_one("#optimizer", Select).value = optimizer_using(record)
            if not record.for_loss(1):  # w2's start: a loss of two parameters reads it
                form.query_one("#loss", Input).value = "w1**2 + w2**2"
            await pilot.pause()
            assert isinstance(form.query_one(f"#{record.name}"), widgets.get(record.kind, Input))
            if record.kind in ("flag", "choice"):
                continue
            form.query_one(f"#{record.name}", Input).value = SAMPLES[record.name][0]
            await pilot.pause()
            params = form.parse()
            holder = {"params": params, "run": params.spec, "schedule": params.spec.schedule}
            value = getattr(holder[record.home], record.attribute)
            assert value == SAMPLES[record.name][1], record.name


async def test_a_default_changed_in_the_table_is_the_forms_initial_value() -> None:
    table = with_default("alpha", 0.25)
    assert params_values(Params(RunSpec(), SEED_LOSS), table)["alpha"] == "0.25"
    decay = with_default("decay", 0.5)
    assert params_values(Params(RunSpec(), SEED_LOSS), decay)["decay"] == "0.5"
    app = FormApp(Params(RunSpec(), SEED_LOSS), table)
    async with app.run_test(size=(60, 80)) as pilot:
        form = app.query_one(ParamsForm)
        form.query_one("#schedule", Select).value = "cosine"
        await pilot.pause()
        assert form.query_one("#alpha", Input).value == "0.25"
        form.query_one("#steps", Input).value = "30"
        assert form.parse().spec.schedule == Schedule("cosine", steps=30.0, alpha=0.25)


# -- the table drives sessions -----------------------------------------------------------------


def test_every_parameter_is_a_session_key_and_every_key_a_parameter() -> None:
    spec = RunSpec(schedule=Schedule("cosine"))
    data = sessions.to_dict(sessions.Session(Params(spec, SEED_LOSS)))
    run, schedule = set(data["run"]), set(data["run"]["schedule"])
    for record in PARAMETERS:
        keys = {"params": set(data), "run": run, "schedule": schedule}[record.home]
        assert record.attribute in keys, record.name
    from_table = {p.attribute for p in PARAMETERS if p.home == "run"} | {"schedule"}
    assert from_table == {f.name for f in dataclasses.fields(RunSpec)}
    keras = {p.attribute for p in PARAMETERS if p.home == "schedule" or p.also_schedule}
    assert keras == {f.name for f in dataclasses.fields(Schedule)}


def test_a_default_changed_in_the_table_is_what_a_session_leaves_out() -> None:
    spec = RunSpec(schedule=Schedule("cosine"))
    data = sessions.to_dict(sessions.Session(Params(spec, SEED_LOSS)))
    del data["run"]["schedule"]["alpha"], data["run"]["warmup"]
    read = sessions.from_dict(json.loads(json.dumps(data)), with_default("alpha", 0.25))
    assert read.params.spec.schedule.alpha == 0.25
    read = sessions.from_dict(data, with_default("warmup", 3))
    assert read.params.spec.warmup == 3
    assert sessions.from_dict(data).params.spec == spec  # the table's own defaults


# -- a run's prefix and rates ------------------------------------------------------------------


def result_of(spec: RunSpec, steps: int = 6) -> RunResult:
    """A made-up run (no TensorFlow): its numbers only need to be told apart."""
    lr = np.full(steps, spec.lr, np.float32)
    return RunResult(
        spec=spec,
        loss_expr=SEED_LOSS,
        step=np.arange(1, steps + 1),
        w=np.arange(steps, dtype=np.float32),
        loss=np.arange(10, 11 + steps, dtype=np.float32),
        lr=lr,
        lr64=lr.astype(np.float64) * 0.999,
        final_loss=np.float32(10 + steps),
        final_grad=np.float32(0),
        status=Status(Outcome.CONVERGED, 1, msg("outcome.at_start", outcome="x")),
        backend="graph",
    )


def test_rates_are_the_float64_ones_where_the_rate_changes() -> None:
    constant = result_of(RunSpec(lr=0.1))
    assert constant.rates is constant.lr
    for spec in (RunSpec(decay=0.9), RunSpec(warmup=2), RunSpec(schedule=Schedule("cosine"))):
        result = result_of(spec)
        assert result.rates is result.lr64, spec


def test_a_prefix_holds_the_first_steps_and_the_loss_after_them() -> None:
    result = result_of(RunSpec(decay=0.9))
    part = result.prefix(3)
    for name in ("step", "w", "loss", "lr", "lr64"):
        assert getattr(part, name).tolist() == getattr(result, name)[:3].tolist(), name
    assert part.final_loss == result.loss[3]
    assert part.spec == result.spec and part.status == result.status
    assert result.prefix(0).w.size == 1 and result.prefix(-5).w.size == 1
    assert result.prefix(6) is result and result.prefix(99) is result


# -- the pin board -----------------------------------------------------------------------------


def test_the_board_numbers_pins_and_keeps_a_baseline() -> None:
    board = PinBoard()
    for lr in (0.1, 0.2, 0.3):
        board.add(RunSpec(lr=lr), None)
    assert board.numbers() == (1, 2, 3) and board.baseline == 1
    board.set_baseline(2)
    board.remove(2)
    assert board.numbers() == (1, 3) and board.baseline == 1 and board.baseline_index() == 0
    board.add(RunSpec(), None)
    assert board.numbers() == (1, 3, 4)  # a number is never given twice
    board.clear()
    assert board.pins == [] and board.baseline is None and board.next_number == 5
    restored = PinBoard.restored((RunSpec(lr=0.1), RunSpec(lr=0.2)), 1)
    assert restored.numbers() == (1, 2) and restored.baseline == 2 and restored.next_number == 3
    assert restored.find(2).spec.lr == 0.2 and restored.find(7) is None
    full = PinBoard()
    for _ in range(MAX_PINS):
        full.add(RunSpec(), None)
    assert full.full
    with pytest.raises(ValueError):
        full.add(RunSpec(), None)


# -- no Textual --------------------------------------------------------------------------------


def test_the_model_the_cli_and_reading_a_session_load_no_textual(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    sessions.save(path, sessions.Session(Params(RunSpec(decay=0.9), SEED_LOSS)))
    code = (
        "import sys\n"
        "import tui.model, tui.model.parameters, tui.model.params, tui.model.pins\n"
        "import tui.model.session, tui.model.views, tui.cli\n"
        "from tui.cli.options import spec_from_args\n"
        "from tui.cli.parser import build_parser\n"
        "spec_from_args(build_parser().parse_args(['--schedule', 'cosine']))\n"
        f"session = tui.model.session.load({str(path)!r})\n"
        "assert session.params.spec.decay == 0.9\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = set(proc.stdout.split())
    assert "tui" in modules
    assert "textual" not in modules and "tensorflow" not in modules


def test_by_name_finds_every_record() -> None:
    assert list(by_name()) == [p.name for p in PARAMETERS]


# -- the keras schedules' T is named steps, its option --decay-steps ---------------------------


def test_a_sessions_bad_t_is_named_steps_not_decay_steps() -> None:
    spec = RunSpec(schedule=Schedule("cosine"))
    data = sessions.to_dict(sessions.Session(Params(spec, SEED_LOSS)))
    data["run"]["schedule"]["steps"] = 0
    with pytest.raises(sessions.SessionError) as keras:
        sessions.from_dict(data)
    data["run"]["schedule"]["steps"] = 10
    data["run"]["decay_steps"] = 0
    with pytest.raises(sessions.SessionError) as exponential:
        sessions.from_dict(data)
    assert str(keras.value).startswith("steps: ")
    assert str(exponential.value).startswith("decay-steps: ")


def test_the_command_line_names_a_bad_t_by_its_option(capsys: pytest.CaptureFixture[str]) -> None:
    from tui import cli

    with pytest.raises(SystemExit):
        cli.main(["run", "--schedule", "cosine", "--decay-steps", "0"])
    assert "argument --decay-steps: " in capsys.readouterr().err
