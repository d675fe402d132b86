"""Sessions: file and one-line round trips, strict reading, and the explorer reopening them."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from app_helpers import wait_for_run, wait_until
from textual.widgets import Input, Static

from tui.app import ExplorerApp
from tui.app.screens.session import SessionScreen
from tui.engine.spec import KERAS_SCHEDULES, OPTIMIZERS, RunSpec, Schedule
from tui.model import session as sessions
from tui.model.params import Params
from tui.model.session import Session, SessionError

SAMPLE = Session(
    Params(
        RunSpec(
            w0=-2.5,
            lr=0.123456789,
            epochs=77,
            schedule=Schedule("piecewise", boundaries=(10, 40), factors=(1.0, 0.5, 0.125)),
            warmup=3,
            optimizer="rmsprop",
            beta=0.8,
        ),
        "sin(3*w) + 0.1*w**2",
        1e-4,
    ),
    pins=(
        RunSpec(lr=0.99),
        RunSpec(lr=0.2, decay=0.97, decay_steps=2.0, staircase=True),
        RunSpec(
            lr=0.3, schedule=Schedule("cosine-restarts", steps=9.0, t_mul=1.5), optimizer="adam"
        ),
    ),
    baseline=1,
    view="lr",
    log_loss=True,
    demo=False,
    step=33,
)


def test_a_session_round_trips_through_json_and_one_line() -> None:
    assert sessions.loads(sessions.dumps(SAMPLE)) == SAMPLE
    line = sessions.to_line(SAMPLE)
    assert line.startswith("lrx1:") and "\n" not in line and " " not in line
    assert sessions.from_line(f"  {line}\n") == SAMPLE
    assert len(line) < len(sessions.dumps(SAMPLE))


def test_save_is_atomic_and_never_overwrites_unless_asked(tmp_path) -> None:
    path = tmp_path / "s.json"
    sessions.save(path, SAMPLE)
    assert sessions.load(path) == SAMPLE
    other = Session(Params(RunSpec(), "(w + 1)**2", 1e-6))
    with pytest.raises(FileExistsError):
        sessions.save(path, other)
    assert sessions.load(path) == SAMPLE
    sessions.save(path, other, overwrite=True)
    assert sessions.load(path) == other
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"], "no temporary file left"


def corrupt(change) -> str:
    data = sessions.to_dict(SAMPLE)
    change(data)
    return json.dumps(data)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{", ["not JSON", "line 1"]),
        ("[1, 2]", ["not an lr-explorer session"]),
        ('{"format": "something-else"}', ["not an lr-explorer session"]),
        (corrupt(lambda d: d.update(version=99)), ["version 99"]),
        (corrupt(lambda d: d.update(extra=1)), ["unknown key 'extra'"]),
        (corrupt(lambda d: d["run"].update(lr="fast")), ["run.lr", "must be a number"]),
        (corrupt(lambda d: d["run"].update(lr=-1)), ["lr", "0 or more"]),
        (corrupt(lambda d: d["run"].update(epochs=2.5)), ["run.epochs", "whole number"]),
        (corrupt(lambda d: d["run"].update(optimizer="lbfgs")), ["optimizer", "lbfgs"]),
        (corrupt(lambda d: d["run"]["schedule"].update(factors=[1])), ["factors"]),
        (corrupt(lambda d: d["run"]["schedule"].update(kind=3)), ["schedule.kind", "text"]),
        (corrupt(lambda d: d.update(loss="__import__('os').system('true')")), ["loss"]),
        (corrupt(lambda d: d.update(tol=0)), ["tol", "above 0"]),
        (corrupt(lambda d: d.update(pins=[d["run"]] * 9)), ["pins", "at most 8"]),
        (corrupt(lambda d: d.update(baseline=3)), ["baseline"]),
        (corrupt(lambda d: d["view"].update(chart="pie")), ["view.chart", "pie"]),
        (corrupt(lambda d: d["view"].update(demo="yes")), ["view.demo", "true or false"]),
        (corrupt(lambda d: d["view"].update(step=78)), ["view.step", "1 to 77"]),
        (corrupt(lambda d: d["view"].update(step=True)), ["view.step"]),
    ],
)
def test_corrupt_or_foreign_sessions_are_named_errors(text: str, words: list[str]) -> None:
    with pytest.raises(SessionError) as caught:
        sessions.loads(text)
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message, (word, message)


@pytest.mark.parametrize("line", ["lrx1:", "lrx1:!!!!", "lrx1:eJzLSM3JyVcozy/KSQEAGgQEXQ", "hello"])
def test_damaged_lines_are_refused(line: str) -> None:
    with pytest.raises(SessionError):
        sessions.from_line(line)


def test_unreadable_files_name_the_file(tmp_path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(SessionError, match="cannot read .*nope.json"):
        sessions.load(missing)
    binary = tmp_path / "b.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(SessionError, match="not UTF-8"):
        sessions.load(binary)


async def test_save_then_reopen_shows_the_same_screen(tmp_path) -> None:
    path = tmp_path / "class.json"
    app = ExplorerApp(session=SAMPLE)
    async with app.run_test(size=(120, 44)) as pilot:
        await wait_for_run(pilot)
        await wait_until(pilot, lambda: all(p.result is not None for p in app.pins), 30, "pins")
        assert app.current_session() == SAMPLE
        assert app.query_one("#chart").view == "lr" and app.query_one("#chart").log_loss
        assert [p.spec for p in app.pins] == list(SAMPLE.pins) and app.baseline == 2
        assert app.query_one("#playback").shown == 33 and app.query_one("#log").rows == 33
        await pilot.press("escape", "ctrl+s")
        assert isinstance(app.screen, SessionScreen)
        app.screen.query_one("#session-path", Input).value = str(path)
        await pilot.click("#save-session")
        assert "saved to" in str(app.screen.query_one("#session-message", Static).content)
        rows = [app.query_one("#log").row_text(i) for i in range(app.query_one("#log").rows)]
    again = ExplorerApp(session=sessions.load(path))
    async with again.run_test(size=(120, 44)) as pilot:
        await wait_for_run(pilot)
        assert again.current_session() == SAMPLE
        assert [again.query_one("#log").row_text(i) for i in range(33)] == rows


async def test_a_pasted_line_is_applied_and_a_corrupt_file_changes_nothing(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    corrupt_text = '{"format": "lr-explorer-session", "version": 1, "run": {"lr": "x"}}'
    bad.write_text(corrupt_text)
    app = ExplorerApp()
    async with app.run_test(size=(120, 44)) as pilot:
        await wait_for_run(pilot)
        before = app.current_session()
        await pilot.press("escape", "ctrl+s")
        app.screen.query_one("#session-path", Input).value = str(bad)
        await pilot.click("#open-session")
        message = str(app.screen.query_one("#session-message", Static).content)
        assert "not opened" in message and "run.lr" in message
        # Saving over an existing file asks first.
        await pilot.pause(0.3)  # a button ignores presses while its last press animates
        await pilot.click("#save-session")
        assert "press Save again" in str(app.screen.query_one("#session-message", Static).content)
        assert bad.read_text() == corrupt_text, "not overwritten without asking"
        app.screen.query_one("#session-line", Input).value = "lrx1:garbage"
        await pilot.click("#apply-line")
        assert "damaged" in str(app.screen.query_one("#session-message", Static).content)
        await pilot.press("escape")
        assert app.current_session() == before
        await pilot.press("ctrl+s")
        app.screen.query_one("#session-line", Input).value = sessions.to_line(SAMPLE)
        await pilot.click("#apply-line")
        await wait_for_run(pilot)
        assert app.current_session() == SAMPLE


def test_the_command_line_refuses_a_corrupt_session_in_one_line(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    proc = subprocess.run(
        [sys.executable, "-m", "tui", "--session", str(bad)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "--session" in proc.stderr and "not JSON" in proc.stderr


DATA = Path(__file__).parent / "data"

#: The default screen's session, as saved in ``data/session_v1_default.json``.
DEFAULT = Session(Params(RunSpec(), "(w + 1)**2", 1e-6))


def test_sessions_saved_before_the_strict_reader_still_read_back() -> None:
    # Written by the writer as it was before the reader became strict: files and lines.
    assert sessions.load(DATA / "session_v1_sample.json") == SAMPLE
    assert sessions.load(DATA / "session_v1_default.json") == DEFAULT
    lines = (DATA / "session_v1_lines.txt").read_text().split()
    assert [sessions.from_line(line) for line in lines] == [SAMPLE, DEFAULT]


@pytest.mark.parametrize("kind", [None, "exponential", *KERAS_SCHEDULES])
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_session_the_writer_makes_reads_back(kind: str | None, optimizer: str) -> None:
    if kind is None:
        spec = RunSpec(lr=0.5, epochs=10_000_000, warmup=10_000_000, optimizer=optimizer)
    elif kind == "exponential":
        spec = RunSpec(lr=1e-30, decay=0.5, decay_steps=1e-3, staircase=True, optimizer=optimizer)
    else:
        spec = RunSpec(lr=3e38, w0=-3e38, schedule=Schedule(kind, steps=1e-9), optimizer=optimizer)
    session = Session(
        Params(spec, "0.001*w**4 - w", 1e-300),
        pins=(spec,) * 8,
        baseline=7,
        view="path",
        demo=True,
        step=1,
    )
    assert sessions.loads(sessions.dumps(session)) == session
    assert sessions.from_line(sessions.to_line(session)) == session


@pytest.mark.parametrize(
    ("tol", "words"),
    [
        ("NaN", "NaN is not a finite number"),
        ("Infinity", "Infinity is not a finite number"),
        ("-Infinity", "-Infinity is not a finite number"),
        ("1e999", "1e999 is not a finite number"),
        ("1" * 4_400, "4,400 digits"),
        ("-1e-9", "tol: must be above 0"),
    ],
    ids=["nan", "inf", "-inf", "1e999", "4400-digits", "negative"],
)
def test_a_session_tolerance_obeys_the_command_line_rule(tol: str, words: str) -> None:
    text = sessions.dumps(SAMPLE).replace('"tol": 0.0001', f'"tol": {tol}')
    assert f'"tol": {tol}' in text
    for read in (sessions.loads, lambda text: sessions.from_line(line_of(text))):
        with pytest.raises(SessionError) as caught:
            read(text)
        assert words in str(caught.value)


def test_a_tolerance_handed_over_as_data_is_checked_too() -> None:
    for bad in (float("nan"), float("inf")):
        data = sessions.to_dict(SAMPLE)
        data["tol"] = bad
        with pytest.raises(SessionError, match="tol: must be finite"):
            sessions.from_dict(data)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        '{"format": ' + "{" * 50_000,
        '{"format": "lr-explorer-session", "v": ' + "9" * 4400 + "}",
    ],
    ids=["nested-lists", "nested-objects", "4400-digits"],
)
def test_deep_nesting_and_huge_integers_are_refused_in_lines_and_files(text: str, tmp_path) -> None:
    with pytest.raises(SessionError, match="nested more than|digits"):
        sessions.loads(text)
    with pytest.raises(SessionError, match="nested more than|digits"):
        sessions.from_line(line_of(text))
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(SessionError, match="bad.json: (nested more than|a whole number of)"):
        sessions.load(path)


def line_of(text: str) -> str:
    """A one-line session holding ``text`` as its JSON, packed as :func:`sessions.to_line` does."""
    packed = base64.urlsafe_b64encode(zlib.compress(text.encode(), 9)).decode()
    return sessions.LINE_PREFIX + packed.rstrip("=")
