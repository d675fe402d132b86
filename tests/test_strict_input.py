"""One strict reader for sessions, settings and fields: bounded, named refusals, nothing changed.

Each test here reproduces a way bad input used to crash or hang the explorer or the command
line (issue 10 item 2): deep nesting, huge integers, NaN and Infinity, a FIFO, a zip bomb, and
Textual 8.2.8's number regex that backtracks exponentially.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import zlib
from pathlib import Path

import pytest
from app_helpers import type_into, wait_for_run
from textual import events
from textual.widgets import Input, Static
from textual.widgets._input import _RESTRICT_TYPES

from tui import cli, settings, strict_json
from tui.app import ExplorerApp
from tui.app.screens.session import SessionScreen
from tui.app.widgets.params import ParamsForm
from tui.model import session as sessions
from tui.strict_json import MAX_DEPTH, StrictJSONError

NESTED = "[" * 100_000
HUGE_INT = "1" * 4_400


def line_of(text: str) -> str:
    """A one-line session holding ``text`` as its JSON, packed as the writer packs it."""
    packed = zlib.compress(text.encode(), 9)
    return sessions.LINE_PREFIX + base64.urlsafe_b64encode(packed).decode().rstrip("=")


DEFAULT_FILE = Path(__file__).parent / "data" / "session_v1_default.json"


def session_text(**changes: str) -> str:
    """A good session's JSON with top-level ``changes`` written in as raw JSON text."""
    data = json.loads(DEFAULT_FILE.read_text())
    text = json.dumps(data)
    for name, raw in changes.items():
        old = f'"{name}": {json.dumps(data[name])}'
        assert old in text
        text = text.replace(old, f'"{name}": {raw}', 1)
    return text


#: Session texts that used to crash (RecursionError, ValueError) or mislead (NaN, Infinity).
BAD_SESSIONS = {
    "nested": (NESTED, f"nested more than {MAX_DEPTH} deep"),
    "huge-int": (session_text(tol=HUGE_INT), "4,400 digits"),
    "nan-tol": (session_text(tol="NaN"), "NaN is not a finite number"),
    "inf-tol": (session_text(tol="Infinity"), "Infinity is not a finite number"),
    "big-tol": (session_text(tol="1e999"), "1e999 is not a finite number"),
}


# ------------------------------------------------------------------------------------------
# The reader itself (no Textual, no TensorFlow)
# ------------------------------------------------------------------------------------------


def test_the_reader_refuses_deep_nesting_without_recursing() -> None:
    for text in (NESTED, "{" + '"a":{' * 100_000, "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)):
        with pytest.raises(StrictJSONError, match="nested more than 32 deep"):
            strict_json.loads(text)
    assert strict_json.loads("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    # Brackets inside strings (escaped quotes included) are not nesting.
    assert strict_json.loads(json.dumps({"a": "[" * 1000 + '\\"[[' * 100})) is not None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (f"[{HUGE_INT}]", "a whole number of 4,400 digits (at most 100)"),
        (f"[-{'9' * 101}]", "101 digits"),
        ("[NaN]", "NaN is not a finite number"),
        ('{"x": Infinity}', "Infinity is not a finite number"),
        ("[-Infinity]", "-Infinity is not a finite number"),
        ("[1e999]", "1e999 is not a finite number"),
        (f"[{'9' * 400}.0]", "is not a finite number"),
        ("{", "not JSON"),
    ],
    ids=["huge-int", "101-digits", "nan", "inf", "-inf", "1e999", "400-digit-float", "not-json"],
)
def test_the_reader_names_numbers_it_refuses(text: str, words: str) -> None:
    with pytest.raises(StrictJSONError) as caught:
        strict_json.loads(text)
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_the_reader_bounds_the_text_and_keeps_good_json() -> None:
    with pytest.raises(StrictJSONError, match="at most 10"):
        strict_json.loads("[" + "1," * 10 + "1]", max_chars=10)
    good = {"a": [1, 2.5, -3, None, True, "x"], "b": {"c": 10**99}}
    assert strict_json.loads(json.dumps(good)) == good


def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    caught: list[BaseException] = []

    def read() -> None:
        try:
            strict_json.read_text(fifo)
        except BaseException as err:  # noqa: BLE001 - handed to the test's thread
            caught.append(err)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(30)
    if reader.is_alive():  # a reader blocked in open(): a writer lets it go, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(5)
        pytest.fail("reading a FIFO waited for a writer")
    assert len(caught) == 1 and isinstance(caught[0], StrictJSONError)
    assert "not a regular file" in str(caught[0])


def test_files_too_big_or_not_utf8_or_with_a_nul_in_the_name_are_named(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 11)
    with pytest.raises(StrictJSONError, match="too big"):
        strict_json.read_text(big, max_bytes=10)
    assert strict_json.read_text(big, max_bytes=11) == " " * 11
    (tmp_path / "bin.json").write_bytes(b"\xff")
    with pytest.raises(StrictJSONError, match="not UTF-8"):
        strict_json.read_text(tmp_path / "bin.json")
    with pytest.raises(StrictJSONError, match="NUL"):
        strict_json.read_text(str(tmp_path / "a\x00b"))
    with pytest.raises(IsADirectoryError):
        strict_json.read_text(tmp_path)


# ------------------------------------------------------------------------------------------
# Sessions: the line, the file, and the command line's --session
# ------------------------------------------------------------------------------------------


def test_the_nested_line_of_169_characters_is_refused_by_name() -> None:
    line = line_of(NESTED)
    assert len(line) < 170
    with pytest.raises(sessions.SessionError, match="nested more than 32 deep"):
        sessions.from_line(line)


def test_a_line_that_unpacks_to_gigabytes_is_refused_after_one_mebibyte() -> None:
    bomb = zlib.compressobj(9)
    packed = bomb.compress(b"[" + b" " * (64 << 20)) + bomb.flush()
    line = sessions.LINE_PREFIX + base64.urlsafe_b64encode(packed).decode()
    with pytest.raises(sessions.SessionError, match="unpacks to more than 1,048,576 bytes"):
        sessions.from_line(line)
    with pytest.raises(sessions.SessionError, match="characters"):
        sessions.from_line(sessions.LINE_PREFIX + "A" * (sessions.MAX_LINE + 1))


@pytest.mark.parametrize("name", BAD_SESSIONS)
def test_bad_sessions_are_named_in_a_line_and_in_a_file(name: str, tmp_path: Path) -> None:
    text, words = BAD_SESSIONS[name]
    with pytest.raises(sessions.SessionError, match=words):
        sessions.from_line(line_of(text))
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(sessions.SessionError) as caught:
        sessions.load(path)
    assert str(caught.value).startswith(f"{path}: ") and words in str(caught.value)


@pytest.mark.parametrize("name", [*BAD_SESSIONS, "fifo"])
def test_the_command_line_refuses_a_bad_session_file_in_one_line(
    name: str, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bad.json"
    if name == "fifo":
        os.mkfifo(path)
        words = "not a regular file"
    else:
        text, words = BAD_SESSIONS[name]
        path.write_text(text)
    # A session wrongly accepted would start the explorer: fail then, rather than wait on it.
    monkeypatch.setattr(ExplorerApp, "run", lambda self: pytest.fail("the explorer started"))
    with pytest.raises(SystemExit) as exited:
        cli.main(["--session", str(path)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--session" in err and words in err, err
    assert "Traceback" not in err


def test_the_command_line_refuses_a_fifo_session_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    proc = subprocess.run(
        [sys.executable, "-m", "tui", "--session", str(fifo)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "not a regular file" in proc.stderr


async def test_a_pasted_nested_line_or_a_bad_file_keeps_the_screen(tmp_path: Path) -> None:
    files = {}
    for name, (text, _) in BAD_SESSIONS.items():
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(text)
    files["fifo"] = tmp_path / "fifo.json"
    os.mkfifo(files["fifo"])
    app = ExplorerApp()
    async with app.run_test(size=(120, 44)) as pilot:
        await wait_for_run(pilot)
        before = app.current_session()
        await pilot.press("escape", "ctrl+s")
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        field = screen.query_one("#session-line", Input)
        field.focus()
        field.value = ""
        await pilot.pause()
        field.post_message(events.Paste(line_of(NESTED)))
        await pilot.pause()
        assert field.value == line_of(NESTED)
        await pilot.press("enter")
        message = str(screen.query_one("#session-message", Static).content)
        assert "not applied" in message and "nested more than 32 deep" in message
        assert app.screen is screen
        words = {name: w for name, (_, w) in BAD_SESSIONS.items()} | {"fifo": "regular file"}
        for name, path in files.items():
            screen.query_one("#session-path", Input).value = str(path)
            await pilot.pause(0.3)  # a button ignores presses while its last press animates
            await pilot.click("#open-session")
            message = str(screen.query_one("#session-message", Static).content)
            assert "not opened" in message and words[name] in message, (name, message)
            assert app.screen is screen
        # Names that Path.expanduser or open() would raise on are messages too.
        for text, said in (("~no-such-user-here/s.json", "cannot read"), ("a\x00b", "NUL")):
            screen.query_one("#session-path", Input).value = text
            await pilot.pause(0.3)
            await pilot.click("#open-session")
            assert said in str(screen.query_one("#session-message", Static).content), text
        await pilot.press("escape")
        assert app.current_session() == before


# ------------------------------------------------------------------------------------------
# The settings file: a bad one is ignored, named, and left alone
# ------------------------------------------------------------------------------------------

BAD_SETTINGS = {
    "nested": ('{"keys": ' + "[" * 50_000, "nested more than 32 deep"),
    "huge-int": ('{"theme": ' + "5" * 5_000 + "}", "5,000 digits"),
}


@pytest.mark.parametrize("name", BAD_SETTINGS)
def test_bad_settings_are_ignored_by_name_and_left_alone(name: str, own_config_dir: Path) -> None:
    text, words = BAD_SETTINGS[name]
    path = own_config_dir / settings.FILE_NAME
    path.write_text(text)
    kept, problem = settings.load()
    assert kept == settings.Settings()
    assert problem is not None and "settings ignored" in problem and words in problem
    assert path.read_text() == text


@pytest.mark.parametrize("name", BAD_SETTINGS)
def test_run_works_with_bad_settings_and_says_they_were_ignored(
    name: str, own_config_dir: Path, capsys
) -> None:
    text, words = BAD_SETTINGS[name]
    (own_config_dir / settings.FILE_NAME).write_text(text)
    assert cli.main(["run", "--epochs", "2"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 2
    assert err.count("\n") == 1 and "warning: settings ignored" in err and words in err


def test_run_finishes_when_the_settings_file_is_a_fifo(own_config_dir: Path) -> None:
    os.mkfifo(own_config_dir / settings.FILE_NAME)
    proc = subprocess.run(
        [sys.executable, "-m", "tui", "run", "--epochs", "2"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 2
    assert "settings ignored" in proc.stderr and "not a regular file" in proc.stderr


# ------------------------------------------------------------------------------------------
# The fields: our own parser, never Textual's number regex
# ------------------------------------------------------------------------------------------


async def test_fields_parse_numbers_themselves_and_name_what_is_wrong() -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 50)) as pilot:
        await wait_for_run(pilot)
        form = app.query_one(ParamsForm)
        # No field is filtered through a Textual regex (8.2.8's number one backtracks).
        for field in form.query(Input):
            assert _RESTRICT_TYPES[field.type] is None and field.restrict is None, field.id
        error = app.query_one("#field-error", Static)
        lr = app.query_one("#lr", Input)
        await type_into(pilot, "lr", "1" * 8 + "a")
        assert lr.value == "11111111a", "the letter reaches our parser"
        assert lr.has_class("-invalid") and "lr: not a number: '11111111a'" in str(error.content)
        # A pasted page is refused in a line of at most 200 characters, not quoted whole
        # (1 MB quoted whole took 6 s to lay out, at every keystroke).
        lr.value = ""
        lr.post_message(events.Paste("7x" * 50_000))
        await pilot.pause()
        assert len(lr.value) == 100_000
        assert len(str(error.content)) == 200 and str(error.content).endswith("…")
        lr.value = ""
        await pilot.pause()
        assert str(error.content) == "lr: empty; type a number"
        await type_into(pilot, "lr", "0.5")
        await type_into(pilot, "tol", "0")
        assert str(error.content) == "tolerance: must be above 0"
        await type_into(pilot, "tol", "nan")
        assert str(error.content) == "tolerance: must be finite, not nan"
        await type_into(pilot, "tol", "1e-6")
        # Nudging a number beyond a float (typed, or once nudged), or nan, changes nothing.
        epochs = app.query_one("#epochs", Input)
        for text in ("1" * 400, "nan", "inf", "1.7e308"):
            epochs.value = text
            epochs.focus()
            await pilot.press("up")
            assert epochs.value == text
        await type_into(pilot, "epochs", "20")
        await wait_for_run(pilot)
        assert str(error.content) == "" and app.params.spec.lr == 0.5


def test_the_reader_loads_neither_textual_nor_tensorflow() -> None:
    code = (
        "import sys, tui.strict_json, tui.settings\n"
        "print('textual' in sys.modules, 'tensorflow' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.split() == ["False", "False"]
