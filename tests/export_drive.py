"""Driving the export screen in Pilot tests (one way to write the runs into a folder), and
the disk faults export tests simulate."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tui.app.pilot_helpers import wait_until
from tui.app.screens.export import ExportScreen


async def export_into(pilot: Pilot, folder: Path) -> Static:
    """Press ``e``, write everything the screen offers into ``folder`` and wait until the screen
    names the folder it wrote to (in either language); return the screen's message line."""
    await pilot.press("e")
    screen = pilot.app.screen
    assert isinstance(screen, ExportScreen)
    screen.query_one("#export-folder", Input).value = str(folder)
    await pilot.click("#export-go")
    message = screen.query_one("#export-message", Static)
    await wait_until(pilot, lambda: str(folder.resolve()) in str(message.content), 20, "the files")
    return message


class FullDisk:
    """The disk fills up while the ``fail_at``-th hidden temporary file in ``folder`` is
    written: its ``os.fsync`` raises ``ENOSPC``, as a real full disk does (the bytes were
    buffered, the flush to the device fails). Any other file syncs as usual."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, folder: Path, fail_at: int = 3) -> None:
        self.folder = os.path.abspath(folder)
        self.fail_at = fail_at
        self.temporaries: list[int] = []  # the descriptor of each temporary file opened
        self._open, self._fsync = os.open, os.fsync
        monkeypatch.setattr(os, "open", self.open)
        monkeypatch.setattr(os, "fsync", self.fsync)

    def open(self, path: Any, flags: int, mode: int = 0o777, *, dir_fd: int | None = None) -> int:
        """:func:`os.open`, noting the descriptors of our temporary files."""
        fd = self._open(path, flags, mode, dir_fd=dir_fd)
        name = os.fspath(path)
        if os.path.dirname(os.path.abspath(name)) == self.folder and is_hidden_temporary(name):
            self.temporaries.append(fd)
        return fd

    def fsync(self, fd: int) -> None:
        """:func:`os.fsync`, failing for the ``fail_at``-th temporary file."""
        if len(self.temporaries) >= self.fail_at and fd == self.temporaries[self.fail_at - 1]:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._fsync(fd)


def read_only(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """``folder`` refuses new files as a read-only folder does (``EACCES`` from ``os.open``,
    naming the file it tried to create). A real ``chmod 0o555`` does not stop root, who runs
    CI, so the refusal is simulated."""
    real_open = os.open
    folder_name = os.path.abspath(folder)

    def refuse(path: Any, flags: int, mode: int = 0o777, *, dir_fd: int | None = None) -> int:
        name = os.fspath(path)
        if os.path.dirname(os.path.abspath(name)) == folder_name and flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), name)
        return real_open(path, flags, mode, dir_fd=dir_fd)

    monkeypatch.setattr(os, "open", refuse)


def is_hidden_temporary(name: str) -> bool:
    """Whether ``name`` is one of the hidden files the writer makes beside a target."""
    base = os.path.basename(name)
    return base.startswith(".") and base.endswith((".tmp", ".bak"))
