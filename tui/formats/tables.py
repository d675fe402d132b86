"""The tables: CSV and strict JSON, their floats the shortest that read back exactly."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from tui.formats.assemble import _assemble, _columns, _Part, _required
from tui.formats.fields import _int_field
from tui.formats.shortest import _csv_number, _json_number


def column_names(two: bool) -> tuple[str, ...]:
    """The columns of a table: ``step, w, loss, lr``, or ``step, w1, w2, loss, lr`` for a run
    of two parameters (``two``)."""
    return ("step", "w1", "w2", "loss", "lr") if two else ("step", "w", "loss", "lr")


def csv_bytes(
    step: np.ndarray,
    w: np.ndarray,
    loss: np.ndarray,
    lr: np.ndarray,
    header: bool = True,
    w2: np.ndarray | None = None,
) -> bytes:
    """CSV with header ``step,w,loss,lr`` and one row per step (``\\n`` line ends); with
    ``w2`` (a run of two parameters, ``w`` being w1), ``step,w1,w2,loss,lr``.

    ``header=False`` leaves the header out, for the chunks after the first of a long output.

    ``w``, ``loss`` and ``lr`` are float32 (other float arrays must hold float32 values exactly,
    else ValueError). Each is written as the shortest decimal that reads back to the same
    float32 bits (``np.float32(float(text))``), e.g. ``4.88``, ``36.0``, ``1e-05``; non-finite
    values as ``inf``, ``-inf``, ``nan``.
    """
    s, wa, la, ra, w2a = _columns(step, w, loss, _required(lr), float32_only=True, w2=w2)
    assert ra is not None  # _required(lr) refused a missing lr
    ws: list[_Part] = (
        [(_csv_number, wa)] if w2a is None else [(_csv_number, wa), b",", (_csv_number, w2a)]
    )
    parts: list[_Part] = [
        (_int_field, s),
        b",",
        *ws,
        b",",
        (_csv_number, la),
        b",",
        (_csv_number, ra),
        b"\n",
    ]
    names = ",".join(column_names(w2a is not None)).encode()
    return _assemble(parts, s.shape[0], head=names + b"\n" if header else b"")


def json_bytes(
    step: np.ndarray,
    w: np.ndarray,
    loss: np.ndarray,
    lr: np.ndarray,
    meta: Mapping[str, Any],
    w2: np.ndarray | None = None,
) -> bytes:
    """One strict JSON document: ``{"meta": ..., "columns": [...], "rows": [[step, w, loss, lr]]}``.

    One row per line. ``meta`` is dumped with :func:`json.dumps` (it must not contain non-finite
    floats: ValueError). Columns as for :func:`csv_bytes`: floats are the shortest decimals that
    read back to the same float32 bits; non-finite values are the strings ``"inf"``, ``"-inf"``,
    ``"nan"``, so the document has no NaN/Infinity tokens. With ``w2`` (a run of two
    parameters, ``w`` being w1) the columns are ``["step", "w1", "w2", "loss", "lr"]``.
    """
    return b"".join(json_chunks(step, w, loss, lr, meta, w2=w2))


def json_chunks(
    step: np.ndarray,
    w: np.ndarray,
    loss: np.ndarray,
    lr: np.ndarray,
    meta: Mapping[str, Any],
    rows: int | None = None,
    w2: np.ndarray | None = None,
) -> Iterator[bytes]:
    """:func:`json_bytes`'s document in pieces of ``rows`` rows (all at once if ``None``): the
    first piece opens the document, the last closes it, and joined they are its bytes."""
    s, wa, la, ra, w2a = _columns(step, w, loss, _required(lr), float32_only=True, w2=w2)
    assert ra is not None  # _required(lr) refused a missing lr
    head = (
        '{"meta": '
        + json.dumps(dict(meta), allow_nan=False)
        + ', "columns": '
        + json.dumps(list(column_names(w2a is not None)))
        + ', "rows": ['
    ).encode()
    n = s.shape[0]
    if n == 0:
        yield head + b"]}\n"
        return
    size = n if rows is None else max(1, rows)
    for lo in range(0, n, size):
        hi = min(n, lo + size)
        last = hi == n
        second: list[_Part] = [] if w2a is None else [b", ", (_json_number, w2a[lo:hi])]
        parts: list[_Part] = [
            b"[",
            (_int_field, s[lo:hi]),
            b", ",
            (_json_number, wa[lo:hi]),
            *second,
            b", ",
            (_json_number, la[lo:hi]),
            b", ",
            (_json_number, ra[lo:hi]),
            b"],\n",
        ]
        yield _assemble(
            parts,
            hi - lo,
            head=head + b"\n" if lo == 0 else b"",
            tail=b"\n]}\n" if last else b"",
            cut=2 if last else 0,  # no comma after the last row
        )
