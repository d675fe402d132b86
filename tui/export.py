"""Writing runs out: the bytes of each format, and files written atomically, never clobbered.

The formats are one registry, :data:`EXPORT_FORMATS`: ``lr-explorer run --format`` and the
export screen both offer what it lists, so a new format is one record there.

No TensorFlow and no Textual here: the command line and the explorer both use it.
"""

from __future__ import annotations

import dataclasses
import errno
import os
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.engine.schedule_formulas import formula
from tui.files import Contents, user_path, write_all_atomic
from tui.i18n import language, t
from tui.summary import summary_line

if TYPE_CHECKING:
    from tui.engine.result import RunResult

# The formats (NumPy) are imported where a run is written, not here: ``lr-explorer``'s parser
# imports this module for the format names, and the explorer's first frame needs no NumPy.

#: Rows formatted at a time, so that memory stays bounded and the first lines go out early.
CHUNK_ROWS = 1 << 18


def run_meta(result: RunResult) -> dict[str, Any]:
    """What produced ``result``: its parameters, schedule, optimizer, loss, and its outcome with
    the tolerance it was judged by."""
    spec = result.spec
    # A run of two parameters has w2's start after w1's (w0); one of one parameter has none.
    starts = {"w0": spec.w0} if spec.start2 is None else {"w0": spec.w0, "start2": spec.start2}
    return {
        **starts,
        "lr": spec.lr,
        "epochs": spec.epochs,
        "decay": spec.decay,
        "decay_steps": spec.decay_steps,
        "staircase": spec.staircase,
        "schedule": spec.schedule_kind,
        "schedule_parameters": dataclasses.asdict(spec.schedule) if spec.schedule else None,
        "warmup": spec.warmup,
        "formula": formula(spec),
        "optimizer": spec.optimizer,
        "beta": spec.beta,
        "loss": result.loss_expr,
        "tol": result.tol,
        "status": str(result.status),
    }


def _sentence_chunks(result: RunResult, fmt: str) -> Iterator[bytes]:
    """``result`` as the lesson's sentences (``seed``) or the English ones (``en``)."""
    from tui import formats

    lines = formats.seed_lines if fmt == "seed" else formats.en_lines
    # The seed prints the rate (as Python computed it) only when it changes.
    lr = result.lr64 if result.spec.decays else None
    for start in range(0, len(result.step), CHUNK_ROWS):
        part = slice(start, start + CHUNK_ROWS)
        yield lines(
            result.step[part],
            result.w[part],
            result.loss[part],
            None if lr is None else lr[part],
            None if result.w2 is None else result.w2[part],
        )


def _csv_chunks(result: RunResult) -> Iterator[bytes]:
    """``result`` as CSV, the header in the first chunk only."""
    from tui import formats

    for start in range(0, len(result.step), CHUNK_ROWS):
        part = slice(start, start + CHUNK_ROWS)
        rows = (result.step[part], result.w[part], result.loss[part], result.lr[part])
        w2 = None if result.w2 is None else result.w2[part]
        yield formats.csv_bytes(*rows, header=start == 0, w2=w2)


def _json_chunks(result: RunResult) -> Iterator[bytes]:
    """``result`` as one JSON document, :func:`run_meta` its ``meta``, a piece at a time."""
    from tui import formats

    yield from formats.json_chunks(
        result.step,
        result.w,
        result.loss,
        result.lr,
        run_meta(result),
        rows=CHUNK_ROWS,
        w2=result.w2,
    )


def _summary_chunks(result: RunResult) -> Iterator[bytes]:
    """``result``'s one-line summary in the current language (w1 and w2 for a run of two)."""
    if result.w2 is not None:
        w1, w2 = result.final_ws
        two = t(
            "cli.summary_two",
            step=int(result.step[-1]),
            w1=format(float(w1), "f"),
            w2=format(float(w2), "f"),
            loss=format(float(result.final_loss), "f"),
            status=str(result.status),
        )
        yield (two + "\n").encode()
        return
    line = summary_line(
        int(result.step[-1]),
        float(result.final_w),
        float(result.final_loss),
        str(result.status),
    )
    yield (line + "\n").encode()


def text_format() -> str:
    """The format of a text log (``.txt``) in the current language: the lesson's Chinese
    sentences (``seed``) in Chinese, the same in English (``en``) otherwise."""
    return "seed" if language() == "zh" else "en"


@dataclasses.dataclass(frozen=True)
class ExportFormat:
    """A format a run can be written in: one record of :data:`EXPORT_FORMATS`."""

    name: str
    """Its name: the value of ``run --format``, the end of its check box's id (``export-csv``)."""
    suffix: str
    """The suffix of the files the export screen writes in it (without the dot)."""
    write: Callable[[RunResult], Iterator[bytes]]
    """The bytes of a run in this format, a piece at a time."""
    label: str | None = None
    """The catalogue key of its check box's label on the export screen; ``None``: not there."""
    command_line: bool = True
    """Whether ``lr-explorer run --format`` offers it."""
    stands_for: Callable[[], str] | None = None
    """The name of the format it is written in, chosen when an export is planned (the text
    log's depends on the language of the moment); ``None``: itself."""


#: Every format a run can be written in, in the order they are offered: ``run --format``
#: offers those with ``command_line``, the export screen those with a ``label``.
EXPORT_FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat("seed", "txt", partial(_sentence_chunks, fmt="seed")),
    ExportFormat("en", "txt", partial(_sentence_chunks, fmt="en")),
    ExportFormat("csv", "csv", _csv_chunks, label="export.csv"),
    ExportFormat("json", "json", _json_chunks, label="export.json"),
    ExportFormat("summary", "txt", _summary_chunks),
    ExportFormat(
        "txt",
        "txt",
        lambda result: run_chunks(result, text_format()),
        label="export.txt",
        command_line=False,
        stands_for=text_format,
    ),
)

#: The formats by name.
BY_NAME: dict[str, ExportFormat] = {record.name: record for record in EXPORT_FORMATS}

#: The names ``lr-explorer run --format`` offers, in order.
FORMATS: tuple[str, ...] = tuple(f.name for f in EXPORT_FORMATS if f.command_line)

#: The formats the export screen offers (one check box each), in order.
SCREEN_FORMATS: tuple[ExportFormat, ...] = tuple(f for f in EXPORT_FORMATS if f.label)


def run_chunks(result: RunResult, fmt: str) -> Iterator[bytes]:
    """``result`` in format ``fmt`` (a name in :data:`EXPORT_FORMATS`), a piece at a time."""
    record = BY_NAME.get(fmt)
    if record is None:
        raise ValueError(f"unknown format {fmt!r}")
    yield from record.write(result)


def run_bytes(result: RunResult, fmt: str) -> bytes:
    """``result`` in format ``fmt``, whole."""
    return b"".join(run_chunks(result, fmt))


def plan(
    folder: str | os.PathLike[str],
    name: str,
    current: RunResult,
    pins: Sequence[tuple[int, RunResult]] = (),
    kinds: Sequence[str] = ("csv", "json"),
    svg: str | None = None,
) -> dict[Path, Callable[[], Contents]]:
    """The files an export writes (``name.csv``, ``name-pin2.json``, ``name.svg``, ...), each
    with what makes its bytes, called only when it is written (a long run takes a moment); a
    log's come in pieces, written as they are made (:func:`tui.files.whole` joins them).

    ``kinds`` are names in :data:`EXPORT_FORMATS`; ``txt``, the text log in the current
    language (:func:`text_format`), is chosen now. ``pins`` are (pin number, result);
    ``svg`` a screenshot's text, if one is wanted.
    """
    stem = name.strip()
    if not stem or os.sep in stem or (os.altsep and os.altsep in stem) or stem in (".", ".."):
        raise ValueError(t("cli.export.not_a_name", name=name))
    base = user_path(folder)
    files: dict[Path, Callable[[], Contents]] = {}
    for label, result in [("", current), *((f"-pin{n}", r) for n, r in pins)]:
        for kind in kinds:
            record = BY_NAME[kind]
            fmt = record.stands_for() if record.stands_for else kind
            files[base / f"{stem}{label}.{record.suffix}"] = partial(run_chunks, result, fmt)
    if svg is not None:
        files[base / f"{stem}.svg"] = partial(svg.encode, "utf-8")
    return files


def existing(files: dict[Path, Callable[[], Contents]]) -> list[Path]:
    """Which of the planned files already exist. An :class:`OSError` (a name too long for
    the file system, a folder that may not be searched) names the file it was about."""
    return [path for path in files if path.exists()]


def write(files: dict[Path, Callable[[], Contents]], *, overwrite: bool = False) -> list[Path]:
    """Write the planned files as a set, whole or not at all
    (:func:`tui.files.write_all_atomic`); an existing one only with ``overwrite``. Returns the
    paths written, in order. An :class:`OSError` names the planned file that failed."""
    write_all_atomic(files, overwrite=overwrite)
    return list(files)


#: Catalogue keys of the reasons a file cannot be written, in words, by error number.
_REASONS: dict[int, str] = {
    errno.ENOSPC: "oserror.no_space",
    errno.EACCES: "oserror.denied",
    errno.EPERM: "oserror.denied",
    errno.EROFS: "oserror.read_only",
    errno.ENOENT: "oserror.no_folder",
    errno.ENOTDIR: "oserror.not_a_folder",
    errno.EISDIR: "oserror.is_a_folder",
    errno.EEXIST: "oserror.exists",
    errno.ENAMETOOLONG: "oserror.name_too_long",
    errno.EFBIG: "oserror.too_big",
    errno.EIO: "oserror.io",
}
if hasattr(errno, "EDQUOT"):
    _REASONS[errno.EDQUOT] = "oserror.quota"


def reason(err: OSError) -> str:
    """Why ``err`` happened, in words of the current language (the system's own text, which
    is English, only for an error number not listed here)."""
    key = _REASONS.get(err.errno) if err.errno is not None else None
    if key is not None:
        return t(key)
    code = errno.errorcode.get(err.errno, str(err.errno)) if err.errno else type(err).__name__
    return t("oserror.other", code=code, text=err.strerror or str(err))
