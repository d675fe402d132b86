"""Export: the runs to CSV and JSON at full precision, a screenshot, atomic and never clobbering."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import numpy as np
import pytest
from app_helpers import wait_for_run, wait_until
from conftest import bits
from export_drive import export_into
from textual.widgets import Checkbox, Input, Label, Static

from tui import export
from tui.app import ExplorerApp
from tui.engine import descent
from tui.engine.spec import RunSpec, Schedule
from tui.model.params import PRESETS


def csv_columns(data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """w, loss and lr read back from an exported CSV, as float32."""
    rows = list(csv.reader(io.StringIO(data.decode())))[1:]
    return tuple(np.array([r[i] for r in rows], np.float32) for i in (1, 2, 3))  # type: ignore[return-value]


def test_the_plan_names_every_file_and_the_contents_read_back_exactly(tmp_path) -> None:
    spec = RunSpec(lr=0.3, epochs=50, schedule=Schedule("cosine", steps=30.0), optimizer="adam")
    current, pin = descent.run(spec), descent.run(RunSpec(lr=0.99, epochs=50))
    files = export.plan(tmp_path, "demo", current, [(2, pin)], ["csv", "json"], "<svg/>")
    assert [p.name for p in files] == [
        "demo.csv",
        "demo.json",
        "demo-pin2.csv",
        "demo-pin2.json",
        "demo.svg",
    ]
    export.write(files)
    w, loss, lr = csv_columns((tmp_path / "demo.csv").read_bytes())
    assert bits(w).tolist() == bits(current.w).tolist()
    assert bits(loss).tolist() == bits(current.loss).tolist()
    assert bits(lr).tolist() == bits(current.lr).tolist()
    doc = json.loads((tmp_path / "demo-pin2.json").read_text())
    assert doc["meta"]["lr"] == 0.99 and doc["meta"]["status"] == str(pin.status)
    assert bits(np.array([r[1] for r in doc["rows"]], np.float32)).tolist() == bits(pin.w).tolist()
    meta = json.loads((tmp_path / "demo.json").read_text())["meta"]
    assert (meta["schedule"], meta["optimizer"]) == ("cosine", "adam")
    with pytest.raises(ValueError, match="not a file name"):
        export.plan(tmp_path, "../x", current)


def test_existing_files_are_not_replaced_unless_asked(tmp_path) -> None:
    result = descent.run(RunSpec())
    files = export.plan(tmp_path, "r", result, kinds=["csv"])
    (tmp_path / "r.csv").write_text("mine")
    assert export.existing(files) == [tmp_path / "r.csv"]
    with pytest.raises(FileExistsError):
        export.write(files)
    assert (tmp_path / "r.csv").read_text() == "mine"
    export.write(files, overwrite=True)
    assert (tmp_path / "r.csv").read_bytes() == export.run_bytes(result, "csv")


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_failure_in_the_middle_leaves_no_partial_file(
    tmp_path, monkeypatch: pytest.MonkeyPatch, overwrite: bool
) -> None:
    result = descent.run(RunSpec(epochs=5000))
    files = export.plan(tmp_path, "r", result, kinds=["csv"])
    if overwrite:
        (tmp_path / "r.csv").write_text("before")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)  # after the bytes, before the rename
    with pytest.raises(OSError):
        export.write(files, overwrite=overwrite)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == (["r.csv"] if overwrite else []), "no temporary file, no partial file"
    if overwrite:
        assert (tmp_path / "r.csv").read_text() == "before"


async def test_the_export_screen_writes_the_log_the_pins_and_a_screenshot(tmp_path) -> None:
    app = ExplorerApp(PRESETS[2])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "p", "3")
        await wait_for_run(pilot)
        message = await export_into(pilot, tmp_path)
        screen = app.screen
        assert "wrote" in str(message.content)
        names = sorted(p.name for p in tmp_path.iterdir())
        assert names == [
            "lr-run-pin1.csv",
            "lr-run-pin1.json",
            "lr-run-pin1.txt",
            "lr-run.csv",
            "lr-run.json",
            "lr-run.svg",
            "lr-run.txt",
        ]
        assert str(tmp_path) in str(message.content)
        w, _, lr = csv_columns((tmp_path / "lr-run.csv").read_bytes())
        assert bits(w).tolist() == bits(app._current.w).tolist()  # the current run: decay
        w_pin, _, _ = csv_columns((tmp_path / "lr-run-pin1.csv").read_bytes())
        assert bits(w_pin).tolist() == bits(app.pins[0].result.w).tolist()  # the pin: lr 0.99
        # The text log in English: the lesson's lines in English words, lr as it decays.
        text = (tmp_path / "lr-run.txt").read_text(encoding="utf-8").splitlines()
        assert len(text) == 20
        assert text[0] == "step 1: w = 2.600000, loss = 36.000000, lr = 0.200000"
        svg = (tmp_path / "lr-run.svg").read_text()
        assert svg.startswith("<svg") and "lr-explorer" in svg and "Export" not in svg
        # Again: the files exist, so the first press asks and the second replaces.
        before = (tmp_path / "lr-run.svg").stat().st_mtime_ns
        screen.query_one("#export-csv", Checkbox).value = False
        await pilot.pause(0.3)  # the button's press animation from the first export
        await pilot.click("#export-go")
        assert "Press Export again" in str(message.content)
        assert (tmp_path / "lr-run.svg").stat().st_mtime_ns == before
        await pilot.pause(0.3)
        await pilot.click("#export-go")
        await wait_until(pilot, lambda: "wrote 5 files" in str(message.content), 20, "rewrite")


def test_a_folder_of_an_unknown_user_is_planned_as_typed_and_home_is_expanded() -> None:
    """``~user`` of no such user stays as typed, as a shell leaves it (``Path.expanduser``
    raises ``RuntimeError`` on it, which reached the export screen's handler as a crash)."""
    result = descent.run(RunSpec(epochs=3))
    files = export.plan("~no-such-user-here/out", "r", result, kinds=["csv"])
    assert list(files) == [Path("~no-such-user-here/out/r.csv")]
    files = export.plan("~/out", "r", result, kinds=["csv"])
    assert list(files) == [Path.home() / "out" / "r.csv"]


async def test_the_export_screen_takes_a_folder_of_an_unknown_user_without_a_crash(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "e")
        screen = app.screen
        folder = screen.query_one("#export-folder", Input)
        folder.value = "~no-such-user-here"
        await pilot.pause()
        screen.query_one("#export-json", Checkbox).value = False  # a checkbox crashed it
        await pilot.pause()
        names = str(screen.query_one("#export-files", Label).content)
        assert names == "writes lr-run.csv, lr-run.txt, lr-run.svg"
        await pilot.click("#export-go")
        message = screen.query_one("#export-message", Static)
        await wait_until(pilot, lambda: bool(str(message.content)), 20, "a message")
        said = "nothing written: ~no-such-user-here/lr-run.csv: the folder does not exist"
        assert str(message.content) == said
        assert app.screen is screen and list(tmp_path.iterdir()) == []


async def test_the_export_screen_opens_when_the_working_folder_was_removed(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()  # Path.cwd() now raises FileNotFoundError
    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "e")
        screen = app.screen
        assert screen.query_one("#export-folder", Input).value == "."
        await pilot.click("#export-go")
        message = screen.query_one("#export-message", Static)
        await wait_until(pilot, lambda: bool(str(message.content)), 20, "a message")
        assert str(message.content) == "nothing written: lr-run.csv: the folder does not exist"
        assert app.screen is screen


@pytest.mark.parametrize("tol", [1e-6, 1e-2])
def test_the_json_says_the_tolerance_its_status_was_judged_by(tol: float) -> None:
    """lr 0.1 for 40 steps converges at a different step to 1e-2 than to 1e-6: the status
    depends on the tolerance, so the document says which one it was judged by (the app's, or
    run --tol's)."""
    result = descent.run(RunSpec(lr=0.1, epochs=40), tol=tol)
    doc = json.loads(b"".join(export.run_chunks(result, "json")))
    assert doc["meta"]["tol"] == tol
    assert doc["meta"]["status"] == str(result.status)
    converged_at = {t: descent.run(RunSpec(lr=0.1, epochs=40), tol=t).status for t in (1e-6, 1e-2)}
    assert converged_at[1e-6] != converged_at[1e-2]  # the tolerance matters to this status
