"""Export writes its files as a set, whole or not at all, and a failure names the file and why."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import pytest
from app_helpers import wait_for_run
from export_drive import FullDisk, export_into, is_hidden_temporary, read_only
from textual.widgets import Input, Static

from tui import export, files
from tui.app import ExplorerApp
from tui.app.pilot_helpers import wait_until
from tui.app.screens.export import ExportScreen
from tui.engine import descent
from tui.engine.spec import RunSpec
from tui.i18n import set_language, t
from tui.model.params import PRESETS


def four_files(folder: Path) -> dict[Path, object]:
    """The export of one run: csv, json, the text log and a screenshot, in that order."""
    result = descent.run(RunSpec(lr=0.2, epochs=40))
    return export.plan(folder, "r", result, kinds=["csv", "json", "txt"], svg="<svg/>")


def listing(folder: Path) -> list[str]:
    """Every name in ``folder``, hidden ones included."""
    return sorted(os.listdir(folder))


def test_a_full_disk_at_the_third_file_leaves_no_file_of_the_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = four_files(tmp_path)
    disk = FullDisk(monkeypatch, tmp_path, fail_at=3)
    with pytest.raises(OSError) as caught:
        export.write(files)  # type: ignore[arg-type]
    assert len(disk.temporaries) == 3, "the fault is at the third file"
    assert listing(tmp_path) == [], "no file of the set, and no temporary file"
    assert caught.value.errno == errno.ENOSPC
    assert caught.value.filename == str(tmp_path / "r.txt"), "the third file, by its own name"
    assert t("oserror.no_space") == export.reason(caught.value)


def test_a_full_disk_leaves_the_files_it_would_have_replaced_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = four_files(tmp_path)
    for n, path in enumerate(files):
        path.write_text(f"mine {n}")
    (tmp_path / "r.svg").chmod(0o640)
    FullDisk(monkeypatch, tmp_path, fail_at=4)
    with pytest.raises(OSError):
        export.write(files, overwrite=True)  # type: ignore[arg-type]
    assert listing(tmp_path) == sorted(path.name for path in files)
    assert [path.read_text() for path in files] == [f"mine {n}" for n in range(4)]
    assert (tmp_path / "r.svg").stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_failed_rename_puts_back_every_file_already_moved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, overwrite: bool
) -> None:
    """The last step can fail too (a file appears, the folder is removed): the files already
    moved into place are removed again, or restored from their backups."""
    files = four_files(tmp_path)
    paths = list(files)
    if overwrite:
        paths[0].write_text("old csv")  # replaced, then put back
    move = os.replace if overwrite else os.link
    moves: list[str] = []

    def third_fails(src: str, dst: str) -> None:
        if not is_hidden_temporary(dst):
            moves.append(dst)
            if len(moves) == 3:
                raise OSError(errno.EIO, os.strerror(errno.EIO))
        move(src, dst)

    monkeypatch.setattr(os, "replace" if overwrite else "link", third_fails)
    with pytest.raises(OSError) as caught:
        export.write(files, overwrite=overwrite)  # type: ignore[arg-type]
    assert caught.value.filename == str(paths[2])
    assert listing(tmp_path) == (["r.csv"] if overwrite else [])
    if overwrite:
        assert paths[0].read_text() == "old csv"
    assert t("oserror.io") == export.reason(caught.value)


def test_a_file_that_appears_meanwhile_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    files = four_files(tmp_path)
    paths = list(files)
    real_link = os.link

    def appears(src: str, dst: str) -> None:
        if dst == str(paths[1]):
            paths[1].write_text("someone else's")
        real_link(src, dst)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "link", appears)
        with pytest.raises(FileExistsError) as caught:
            export.write(files)  # type: ignore[arg-type]
    assert caught.value.filename == str(paths[1]), "the user's file, not the hidden one"
    assert listing(tmp_path) == ["r.json"]
    assert paths[1].read_text() == "someone else's"


def test_a_read_only_folder_is_named_by_the_users_file_never_the_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = four_files(tmp_path)
    read_only(monkeypatch, tmp_path)
    with pytest.raises(PermissionError) as caught:
        export.write(files)  # type: ignore[arg-type]
    assert caught.value.filename == str(tmp_path / "r.csv")
    assert export.reason(caught.value) == t("oserror.denied")
    assert listing(tmp_path) == []


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="chmod 0o555 does not stop root from writing (the simulated variant runs instead)",
)
def test_a_really_read_only_folder_is_named_by_the_users_file(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    files = four_files(folder)
    folder.chmod(0o555)
    try:
        with pytest.raises(PermissionError) as caught:
            export.write(files)  # type: ignore[arg-type]
        assert caught.value.filename == str(folder / "r.csv")
        assert listing(folder) == []
    finally:
        folder.chmod(0o755)


def test_a_reason_the_catalogue_does_not_know_still_names_the_error() -> None:
    set_language("zh")
    text = export.reason(OSError(errno.ENOTSOCK, os.strerror(errno.ENOTSOCK)))
    assert "ENOTSOCK" in text and text.startswith("系统错误")
    full = export.reason(OSError(errno.ENOSPC, "No space left on device"))
    assert full == "磁盘已满（设备上没有剩余空间）"


def test_write_atomic_names_the_file_not_its_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sessions and settings share the writer: the same holds for one file."""
    read_only(monkeypatch, tmp_path)
    with pytest.raises(PermissionError) as caught:
        files.write_atomic(tmp_path / "session.json", b"{}")
    assert caught.value.filename == str(tmp_path / "session.json")


@pytest.mark.parametrize(
    ("language", "fault"), [("en", "full"), ("zh", "full"), ("en", "read-only")]
)
async def test_the_export_screen_says_which_file_and_why_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: str, fault: str
) -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False, language=language)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape")  # out of the focused field, so that e opens the export
        if fault == "full":
            FullDisk(monkeypatch, tmp_path, fail_at=3)  # csv, json, then the text log fails
            where, why = tmp_path / "lr-run.txt", t("oserror.no_space")
        else:
            read_only(monkeypatch, tmp_path)
            where, why = tmp_path / "lr-run.csv", t("oserror.denied")
        message = await export_into(pilot, tmp_path)
        text = str(message.content)
        assert text.replace(r"\[", "[") == t("export.not_written", where=str(where), why=why)
        assert ".tmp" not in text
        assert listing(tmp_path) == []


async def test_closing_the_screen_while_it_writes_still_says_what_happened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write goes on after ``escape``; its result arrives as a notification instead of on
    a screen that is gone (and never reaches Textual's crash handler)."""
    release = threading.Event()
    real_write = export.write

    def slow_write(files, *, overwrite=False):
        assert release.wait(30), "the test never let the write finish"
        return real_write(files, overwrite=overwrite)

    monkeypatch.setattr(export, "write", slow_write)
    app = ExplorerApp(PRESETS[1], show_timings=False, language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "e")
        screen = app.screen
        screen.query_one("#export-folder", Input).value = str(tmp_path)
        await pilot.click("#export-go")
        await pilot.press("escape")
        assert app.screen is not screen
        release.set()
        wrote = t("export.wrote", count=4, folder=tmp_path.resolve(), names="")
        await wait_until(
            pilot,
            lambda: any(n.message.startswith(wrote) for n in app._notifications),
            20,
            "the notification",
        )
        assert sorted(listing(tmp_path)) == [
            "lr-run.csv",
            "lr-run.json",
            "lr-run.svg",
            "lr-run.txt",
        ]
    assert app.return_code in (0, None)


async def test_a_name_too_long_for_the_file_system_is_a_message(tmp_path: Path) -> None:
    """A file name of 300 characters: ``Path.exists`` raises ENAMETOOLONG (names are at most
    255 bytes), which crashed the app; the screen says the name is too long instead."""
    app = ExplorerApp(show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape")  # out of the focused field, so that e opens the export
        await pilot.press("e")
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        screen.query_one("#export-folder", Input).value = str(tmp_path)
        screen.query_one("#export-name", Input).value = "n" * 300
        await pilot.click("#export-go")
        await pilot.pause()
        message = str(screen.query_one("#export-message", Static).content)
        assert "the name is too long" in message and "n" * 300 in message
        assert app.screen is screen and app.return_code is None
    assert list(tmp_path.iterdir()) == []
