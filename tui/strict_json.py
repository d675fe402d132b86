"""One strict reader for the JSON users hand us: session files and lines, and the settings file.

Python's :func:`json.loads` trusts its input in ways a pasted line or a file found on disk must
not be trusted: it recurses once per nested ``[`` or ``{`` (100,000 of them raise
``RecursionError``), it converts an integer of any length (4,300 digits and more raise
``ValueError``, and a 400-digit one overflows ``float()`` later), and it accepts ``NaN``,
``Infinity`` and ``1e999`` as numbers. Opening a FIFO blocks until something writes to it, and a
big file is read whole. This reader bounds all of that before the text reaches the parser and
raises :class:`StrictJSONError`, whose message names what is wrong in the current language.

It imports neither Textual nor TensorFlow: the command line, the settings and the app all use it.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import stat
from typing import Any

from tui.i18n import t

#: Nesting deeper than this is refused (a session nests 4 deep, the settings 2).
MAX_DEPTH = 32

#: An integer with more digits than this is refused (far beyond any step count or float32).
MAX_INT_DIGITS = 100

#: The most bytes a file is read to, unless the caller says otherwise.
MAX_BYTES = 1 << 20

# A JSON string (escapes included), or one bracket. The string's body is written as the
# "unrolled loop" [^"\\]*(?:\\.[^"\\]*)*, which matches in linear time, never backtracking.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


class StrictJSONError(ValueError):
    """Text or a file that the strict reader refuses; the message says why, in one line."""


def check_depth(text: str, most: int = MAX_DEPTH) -> None:
    """Refuse ``text`` if its arrays and objects nest more than ``most`` deep.

    A scan of the brackets outside strings, with a counter: no recursion, linear time, and it
    stops at the first bracket too deep.
    """
    depth = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token == "[" or token == "{":
            depth += 1
            if depth > most:
                raise StrictJSONError(t("json.too_deep", most=most))
        elif token == "]" or token == "}":
            depth -= 1


def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise StrictJSONError(t("json.long_int", digits=digits, most=MAX_INT_DIGITS))
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise StrictJSONError(t("json.not_finite", text=_shorten(text)))
    return value


def _parse_constant(text: str) -> float:
    raise StrictJSONError(t("json.not_finite", text=text))


def _shorten(text: str, most: int = 24) -> str:
    return text if len(text) <= most else f"{text[: most // 2]}…{text[-most // 2 :]}"


def loads(text: str, *, max_chars: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value in ``text``, read strictly (:class:`StrictJSONError` if refused).

    Refused: more than ``max_chars`` characters, nesting deeper than ``max_depth``, an integer
    of more than :data:`MAX_INT_DIGITS` digits, ``NaN``, ``Infinity`` and numbers too large for
    a float, and anything that is not JSON (with the line and column).
    """
    if len(text) > max_chars:
        raise StrictJSONError(t("json.too_long", size=len(text), most=max_chars))
    check_depth(text, max_depth)
    try:
        return json.loads(
            text,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
        )
    except json.JSONDecodeError as err:
        raise StrictJSONError(
            t("json.not_json", why=err.msg, line=err.lineno, column=err.colno)
        ) from None
    except RecursionError:  # pragma: no cover - check_depth has refused deep nesting already
        raise StrictJSONError(t("json.too_deep", most=max_depth)) from None


def read_text(path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES) -> str:
    """The UTF-8 text of the regular file at ``path``, at most ``max_bytes`` long.

    The file is opened without blocking and checked with ``fstat`` before anything is read, so
    a FIFO, a device or a socket is refused at once (:class:`StrictJSONError`) instead of
    waiting for a writer or reading without end; a folder raises ``IsADirectoryError`` as
    ``open`` would. Other failures to open or read are the ``OSError`` the system gives.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except ValueError:  # a NUL in the name: no file can have it
        raise StrictJSONError(t("json.nul_path")) from None
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
        if not stat.S_ISREG(mode):
            raise StrictJSONError(t("json.not_a_file"))
        raw = f.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise StrictJSONError(t("json.too_big", most=max_bytes))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise StrictJSONError(t("json.not_utf8")) from None


def load(
    path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH
) -> Any:
    """The JSON value in the file at ``path``: :func:`read_text`, then :func:`loads`."""
    return loads(read_text(path, max_bytes=max_bytes), max_chars=max_bytes, max_depth=max_depth)
