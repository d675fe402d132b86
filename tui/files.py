"""Files written whole or not at all: a temporary file beside the target, flushed, fsynced
and renamed into place (:func:`write_atomic`), or a set of files moved in together
(:func:`write_all_atomic`).

Only the standard library is used: settings, sessions and exports all write through here.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TypeVar

__all__ = ["Contents", "user_path", "whole", "write_all_atomic", "write_atomic"]

#: A file's path: a ``Mapping``'s keys are invariant, so ``dict[Path, ...]`` needs a type variable.
_PathT = TypeVar("_PathT", bound="str | os.PathLike[str]")

#: A file's contents: its bytes whole, or its pieces in order (a long log is written as it is
#: made, so that only one piece is in memory at a time).
Contents = bytes | Iterable[bytes]


def user_path(text: str | os.PathLike[str]) -> Path:
    """A path as a user typed it, ``~`` and ``~user`` expanded as a shell expands them: an
    unknown ``~user`` stays as it is (``Path.expanduser`` raises ``RuntimeError`` on one)."""
    return Path(os.path.expanduser(text))


def whole(contents: Contents) -> bytes:
    """``contents`` as one ``bytes`` (its pieces joined), for what cannot take pieces."""
    return contents if isinstance(contents, bytes) else b"".join(contents)


def write_atomic(path: str | os.PathLike[str], data: Contents, *, overwrite: bool = True) -> None:
    """Write ``data`` (bytes, or pieces of bytes) to ``path`` atomically: :func:`write_all_atomic`
    with one file.

    The bytes go to a temporary file in the same folder, which is flushed, fsynced and then
    renamed over ``path`` with :func:`os.replace`. On any failure the temporary file is removed
    and an existing ``path`` is left untouched. A replaced file keeps its permission bits; a
    new one gets the usual ``0o666`` minus the umask. With ``overwrite=False`` the temporary
    file is hard-linked to ``path`` instead, which fails with :class:`FileExistsError` if
    ``path`` exists, even if it appeared a moment ago.
    """
    write_all_atomic({path: data}, overwrite=overwrite)


def write_all_atomic(
    files: Mapping[_PathT, Contents | Callable[[], Contents]],
    *,
    overwrite: bool = True,
) -> None:
    """Write a set of files whole or not at all.

    Each file's bytes (given, or made by calling its callable just before it is written, so
    that only one file's bytes are in memory at a time; given in pieces, each piece is written as
    it comes, so that only one piece is) go to a hidden temporary file in that
    file's folder, flushed and fsynced. Only when every one is written are they moved into
    place, as :func:`write_atomic` moves one. On any failure nothing of the set is left: the
    temporary files are removed, a file already moved into place is removed again if it is new
    and put back from a hard-linked backup if it replaced one (a folder without hard links gets
    no backup: a failure there, after the first rename, can leave a replaced file replaced).

    An :class:`OSError` names the file asked for (``err.filename``), never a temporary file,
    with the error number and text of the cause (so a clash is still :class:`FileExistsError`,
    a full disk ``errno.ENOSPC``). Other exceptions (from a callable) pass through unchanged.
    """
    paths: list[str | os.PathLike[str]] = list(files)
    targets = [os.fspath(path) for path in paths]
    temps: dict[str, str] = {}  # target -> its written temporary file
    backups: dict[str, str] = {}  # target -> a hard link to the file it replaces
    existed: set[str] = set()  # targets that were there before (never removed on failure)
    moved: list[str] = []
    current = targets[0] if targets else ""
    try:
        for current, make in zip(targets, files.values(), strict=True):
            data = make() if callable(make) else make
            temps[current] = _write_temporary(current, data)
        if len(targets) > 1:  # one file alone needs no backup: its rename is the whole change
            for current in targets:
                if overwrite and os.path.exists(current):
                    existed.add(current)
                    backup = _hidden_name(current, "bak")
                    with contextlib.suppress(OSError):
                        os.link(current, backup)
                        backups[current] = backup
        for current in targets:
            if overwrite:
                os.replace(temps[current], current)
            else:
                os.link(temps[current], current)
            moved.append(current)
    except BaseException as err:
        for target in reversed(moved):
            with contextlib.suppress(OSError):
                if target in backups:
                    os.replace(backups.pop(target), target)
                elif target not in existed:
                    os.unlink(target)
        for leftover in [*temps.values(), *backups.values()]:
            with contextlib.suppress(OSError):
                os.unlink(leftover)
        if isinstance(err, OSError):
            raise OSError(err.errno, err.strerror or str(err), current) from err
        raise
    for leftover in [*(temps.values() if not overwrite else ()), *backups.values()]:
        with contextlib.suppress(OSError):
            os.unlink(leftover)
    for folder in dict.fromkeys(os.path.dirname(os.path.abspath(t)) for t in targets):
        with contextlib.suppress(OSError):  # the renames durable, where folders can be synced
            dfd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)


def _hidden_name(target: str, kind: str) -> str:
    """A hidden name beside ``target`` for a temporary or backup file (48 random bits)."""
    folder, base = os.path.split(os.path.abspath(target))
    import secrets  # (loaded by the first file written, not on the way to a first frame)

    return os.path.join(folder, f".{base}.{secrets.token_hex(6)}.{kind}")


def _write_temporary(target: str, data: Contents) -> str:
    """``data`` (bytes, or pieces of bytes written one after another) in a new hidden file
    beside ``target``, flushed and fsynced; returns its path.

    The file gets ``target``'s permission bits if ``target`` exists; nothing is left on failure.
    """
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = None
    while True:
        tmp = _hidden_name(target, "tmp")
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:  # pragma: no cover - 48 random bits collided
            continue
        break
    try:
        with os.fdopen(fd, "wb") as f:
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), mode)
            for piece in (data,) if isinstance(data, (bytes, bytearray, memoryview)) else data:
                f.write(piece)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp
