"""The command line's smaller promises: ``--session`` takes the one-line session as well as a
file, ``--print-session`` prints the session the explorer closed on (sharing over SSH with no
clipboard), ``--tol`` is an option of every command, options given before a command hold for
it, the help's "below" has something below, and an empty number says it is empty."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any

import pytest
from app_helpers import wait_for_run, wait_until
from textual.widgets import Input, Label

from tui import cli
from tui.engine.schedule_formulas import FORMULAS
from tui.engine.spec import RunSpec, parse_epochs, parse_number
from tui.i18n import t
from tui.model.params import PRESETS, Params
from tui.model.session import LINE_PREFIX, Session, from_line, is_line, save, to_line

#: A session unlike the explorer's defaults: another rate, a pin, the loss on a log scale.
SESSION = Session(
    Params(RunSpec(lr=0.3, epochs=12), "(w + 1)**2", 1e-3),
    pins=(RunSpec(lr=0.99, epochs=12),),
    baseline=0,
    log_loss=True,
)


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``lr-explorer`` in this process; return (status, stdout, stderr)."""
    try:
        status = cli.main(argv)
    except SystemExit as exc:
        status = exc.code  # type: ignore[assignment]
    out, err = capsys.readouterr()
    return status, out, err


class Made:
    """What the explorer was opened with, by a stand-in that is never run (its ``run`` sets
    what a real app keeps when it exits)."""

    def __init__(self) -> None:
        self.params: Params | None = None
        self.options: dict[str, Any] = {}
        self.last_session: Session | None = None
        self.wrote: list[tuple[Path, tuple[str, ...]]] = []


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> Made:
    """The explorer replaced by a stand-in; returns what it was made with."""
    import tui.app

    record = Made()

    class App:
        """The explorer, not run."""

        return_code = 0

        def __init__(self, params: Params, **options: Any) -> None:
            record.params, record.options = params, options
            self.last_session = record.last_session
            self.wrote = record.wrote

        def run(self) -> None:
            pass

    monkeypatch.setattr(tui.app, "ExplorerApp", App)
    return record


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """``serve`` with no server started and no engine: returns each visitor's command line
    (their explorer's arguments) as the server was given it."""
    from tui.engine import hub_supervisor
    from tui.serve import address
    from tui.serve.server import ClassroomServer

    commands: list[list[str]] = []

    class Hub:
        """The room's engine, not started."""

        def __init__(self, log_path: str | None) -> None:
            pass

        def start(self) -> None:
            pass

        def environment(self) -> dict[str, str]:
            return {}

        def stop(self) -> None:
            pass

    monkeypatch.setattr(hub_supervisor, "HubSupervisor", Hub)
    monkeypatch.setattr(
        ClassroomServer, "serve_on", lambda self, sock: commands.append(self.argv[3:])
    )
    monkeypatch.setattr(address, "bind", lambda host, port: socket.create_server((host, 0)))
    return commands


# -- --session: a file or the line itself ------------------------------------------------------


def test_the_explorer_opens_the_one_line_session_given(made: Made, capsys) -> None:
    line = to_line(SESSION)
    assert run_cli(["--session", line], capsys)[0] == 0
    assert made.options["session"] == SESSION
    # Pasted with the newline and spaces a terminal's copy brings along, it is the same line.
    assert run_cli(["--session", f"  {line}\n"], capsys)[0] == 0
    assert made.options["session"] == SESSION


def test_the_explorer_still_opens_a_session_file(made: Made, tmp_path: Path, capsys) -> None:
    save(tmp_path / "lesson.json", SESSION)
    assert run_cli(["--session", str(tmp_path / "lesson.json")], capsys)[0] == 0
    assert made.options["session"] == SESSION


def test_the_prefix_decides_never_the_disk(
    made: Made, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """A file named like a line does not make the line a file's name; ``./`` names the file.
    (A whole line is too long to be a file's name: one of a few characters stands for it.)"""
    name = LINE_PREFIX + "abc"
    monkeypatch.chdir(tmp_path)
    save(tmp_path / name, SESSION)
    assert is_line(name) and not is_line(f"./{name}")
    status, _, err = run_cli(["--session", name], capsys)
    assert status == 2 and "argument --session: the session line is damaged" in err
    assert run_cli(["--session", f"./{name}"], capsys)[0] == 0
    assert made.options["session"] == SESSION


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (LINE_PREFIX + "not-a-session", "the session line is damaged"),
        ("missing.json", f"no file missing.json (a one-line session starts with {LINE_PREFIX})"),
    ],
)
def test_a_bad_session_is_one_line_naming_what_is_wrong(
    value: str, says: str, made: Made, capsys
) -> None:
    status, out, err = run_cli(["--session", value], capsys)
    assert (status, out) == (2, "")
    assert err.startswith("lr-explorer: error: argument --session: " + says), err
    assert err.count("\n") == 1
    assert made.params is None, "the explorer never opened"


def test_a_bad_session_file_is_named(made: Made, tmp_path: Path, capsys) -> None:
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    status, _, err = run_cli(["--session", str(tmp_path / "bad.json")], capsys)
    assert status == 2
    assert f"argument --session: {tmp_path / 'bad.json'}: " in err


@pytest.mark.parametrize("before", [True, False])
def test_serve_starts_every_visitor_on_the_line_given(
    before: bool, served: list[list[str]], capsys
) -> None:
    """Before ``serve`` or after it, the session is serve's: checked, then handed on."""
    line = to_line(SESSION)
    argv = ["--session", line, "serve"] if before else ["serve", "--session", line]
    assert run_cli(argv, capsys)[0] == 0
    assert served[0].count("--session") == 1
    visitor = cli.build_parser().parse_args(served[0])
    assert visitor.session == line and from_line(visitor.session) == SESSION


def test_serve_hands_on_a_session_files_whole_path(
    served: list[list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    save(tmp_path / "lesson.json", SESSION)
    monkeypatch.chdir(tmp_path)
    assert run_cli(["serve", "--session", "lesson.json"], capsys)[0] == 0
    assert served[0][-2:] == ["--session", str(tmp_path / "lesson.json")]


def test_serve_refuses_a_damaged_line_before_serving(served: list[list[str]], capsys) -> None:
    status, _, err = run_cli(["serve", "--session", LINE_PREFIX + "xyz"], capsys)
    assert status == 2 and "argument --session: the session line is damaged" in err
    assert served == []


def test_run_refuses_a_session_it_would_ignore(capsys) -> None:
    status, out, err = run_cli(["--session", "missing.json", "run"], capsys)
    assert (status, out) == (2, "")
    reason = t("cli.error.session_command", command="run")
    assert err == f"lr-explorer: error: argument --session: {reason} (see --help)\n"


# -- --print-session -----------------------------------------------------------------------------


def test_print_session_prints_the_line_on_stdout_and_the_files_on_stderr(
    made: Made, tmp_path: Path, capsys
) -> None:
    made.last_session = SESSION
    made.wrote = [(tmp_path, ("lr-run.csv", "lr-run.svg"))]
    status, out, err = run_cli(["--print-session"], capsys)
    assert status == 0
    assert out == to_line(SESSION) + "\n", "only the line: $(lr-explorer --print-session)"
    assert from_line(out) == SESSION
    assert f"wrote 2 files to {tmp_path}: lr-run.csv, lr-run.svg" in err
    assert t("cli.session_line", prog="lr-explorer") in err


def test_without_print_session_nothing_is_printed(made: Made, capsys) -> None:
    made.last_session = SESSION
    assert run_cli([], capsys) == (0, "", "")


def test_print_session_says_when_there_is_no_session(made: Made, capsys) -> None:
    status, out, err = run_cli(["--print-session"], capsys)
    assert (status, out) == (0, "")
    assert err == t("cli.no_session", prog="lr-explorer") + "\n"


@pytest.mark.parametrize("command", ["serve", "run"])
def test_print_session_is_refused_where_no_explorer_closes_here(
    command: str, served: list[list[str]], capsys
) -> None:
    status, out, err = run_cli(["--print-session", command], capsys)
    assert (status, out) == (2, "")
    reason = t("cli.error.print_session", command=command)
    assert err == f"lr-explorer: error: argument --print-session: {reason} (see --help)\n"
    assert served == []
    status, _, err = run_cli([command, "--print-session"], capsys)
    assert status == 2 and "--print-session" in err


async def test_the_app_keeps_the_session_it_closes_on_and_the_files_it_wrote(
    tmp_path: Path,
) -> None:
    """What ``--print-session`` prints is what was on screen at ``ctrl+q`` (a pin, the log
    scale), and where the export screen wrote."""
    from export_drive import export_into

    from tui.app import ExplorerApp

    app = ExplorerApp(PRESETS[2])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "p", "3", "l")
        await wait_for_run(pilot)
        await export_into(pilot, tmp_path)
        await pilot.press("escape")
        on_screen = app.current_session()
        await pilot.press("ctrl+q")
    assert app.last_session == on_screen
    assert app.last_session.params == PRESETS[3] and app.last_session.log_loss
    assert app.last_session.pins == (PRESETS[2].spec,)
    ((folder, names),) = app.wrote
    assert folder == tmp_path.resolve()
    assert sorted(names) == sorted(p.name for p in tmp_path.iterdir())


async def test_the_app_keeps_the_session_files_it_saved(tmp_path: Path, monkeypatch) -> None:
    """A session saved with ctrl+s is among the files --print-session names."""
    from textual.widgets import Button, Input

    from tui.app import ExplorerApp

    monkeypatch.chdir(tmp_path)
    app = ExplorerApp(PRESETS[2])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        app.screen.query_one("#session-path", Input).value = "lesson.json"
        app.screen.query_one("#save-session", Button).press()
        await pilot.pause()
        await pilot.press("escape", "ctrl+q")
    assert (tmp_path / "lesson.json").is_file()
    assert app.wrote == [(tmp_path.resolve(), ("lesson.json",))]


# -- the export dialog names what it writes ----------------------------------------------------


async def test_the_export_dialog_names_the_files_it_writes(tmp_path: Path) -> None:
    from tui.app import ExplorerApp
    from tui.app.screens.export import ExportScreen

    app = ExplorerApp(PRESETS[2])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "p", "3")
        await wait_for_run(pilot)
        await pilot.press("e")
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        shown = screen.query_one("#export-files", Label)
        assert str(shown.content) == (
            "writes lr-run.csv, lr-run.json, lr-run.txt, lr-run-pin1.csv, lr-run-pin1.json, … "
            "(7 files)"
        )
        screen.query_one("#export-folder", Input).value = str(tmp_path)
        screen.query_one("#export-name", Input).value = "class"
        screen.query_one("#export-csv").value = False  # type: ignore[attr-defined]
        screen.query_one("#export-json").value = False  # type: ignore[attr-defined]
        await pilot.pause()
        assert str(shown.content) == "writes class.txt, class-pin1.txt, class.svg"
        await pilot.click("#export-go")
        wanted = sorted(["class.txt", "class-pin1.txt", "class.svg"])
        # Each file is written to a temporary name and renamed into place, so the folder
        # holds three names before it holds the three files: wait for the names wanted.
        await wait_until(
            pilot, lambda: sorted(p.name for p in tmp_path.iterdir()) == wanted, 20, "the files"
        )
        assert sorted(p.name for p in tmp_path.iterdir()) == wanted
        screen.query_one("#export-name", Input).value = "a/b"
        await pilot.pause()
        assert str(shown.content) == t("cli.export.not_a_name", name="a/b")


# -- --tol, and options before the command -----------------------------------------------------


def test_the_explorer_takes_the_tolerance(made: Made, capsys) -> None:
    assert run_cli(["--tol", "1e-3", "--lr", "0.2"], capsys)[0] == 0
    assert made.params == Params(RunSpec(lr=0.2), "(w + 1)**2", 1e-3)
    status, _, err = run_cli(["--tol", "0"], capsys)
    assert status == 2 and "argument --tol: must be above 0" in err


def test_serve_hands_the_tolerance_to_every_visitor(served: list[list[str]], capsys) -> None:
    assert run_cli(["serve", "--tol", "1e-3"], capsys)[0] == 0
    assert cli.build_parser().parse_args(served[0]).tol == 1e-3


def test_options_before_run_hold_for_it(capsys) -> None:
    argv = ["--format", "summary", "--epochs", "3"]
    before = run_cli(["--lr", "0.5", "--tol", "0.5", "run", *argv], capsys)
    after = run_cli(["run", "--lr", "0.5", "--tol", "0.5", *argv], capsys)
    default = run_cli(["run", *argv], capsys)
    assert before == after and before[0] == 0
    assert before != default, "lr 0.5 and tol 0.5 are not the defaults' run"
    assert run_cli(["--lr", "0.9", "run", "--lr", "0.5", *argv], capsys) == after


# -- the help tells the truth --------------------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["serve"], ["run"]])
def test_the_formulas_below_are_below(command: list[str], capsys) -> None:
    status, out, _ = run_cli([*command, "--help"], capsys)
    assert status == 0
    options, below = out.split(t("cli.epilog.schedules"), 1)
    assert "formulas below" in " ".join(options.split())
    for kind, formula in FORMULAS.items():
        assert re.search(rf"^  {re.escape(kind)} +{re.escape(formula)}$", below, re.M), kind
    assert "tf.keras.optimizers.Adam(beta_1=beta)" in below  # the optimizers "see below"


@pytest.mark.parametrize("command", [[], ["serve"], ["run"]])
def test_the_help_says_lesson_where_the_readme_does(command: list[str], capsys) -> None:
    """The README calls it the lesson; ``seed`` stays only as the format's name."""
    out = run_cli([*command, "--help"], capsys)[1]
    assert "the lesson's" in out
    left = re.sub(r"\{seed,|\bseed: |--format seed", "", out)
    assert "seed" not in left, left


# -- an empty number ------------------------------------------------------------------------------


@pytest.mark.parametrize("option", ["--lr", "--w0", "--tol", "--epochs", "--warmup"])
def test_an_empty_number_says_it_is_empty(option: str, capsys) -> None:
    status, _, err = run_cli(["run", option, " "], capsys)
    assert status == 2
    assert f"argument {option}: empty; type a number (see --help)" in err


def test_the_command_line_and_the_form_say_the_same_of_an_empty_field() -> None:
    from tui.app.widgets.params import FIELDS, ParsedBy

    with pytest.raises(ValueError) as caught:
        parse_number("lr", "")
    with pytest.raises(ValueError, match="empty"):
        parse_epochs("")
    reason = str(caught.value.reason)  # type: ignore[attr-defined]
    form = ParsedBy(FIELDS["lr"].parse, "lr", number=True).validate("")
    assert form.failure_descriptions == [t("spec.error", name="lr", reason=reason)]
