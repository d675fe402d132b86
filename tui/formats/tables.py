"""The tables: CSV and strict JSON, their floats the shortest that read back exactly."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from tui.formats.assemble import _assemble, _columns, _Part, _required
from tui.formats.fields import _int_field
from tui.formats.shortest import _csv_number, _json_number


def csv_bytes(
    step: np.ndarray, w: np.ndarray, loss: np.ndarray, lr: np.ndarray, header: bool = True
) -> bytes:
    """CSV with header ``step,w,loss,lr`` and one row per step (``\\n`` line ends).

    ``header=False`` leaves the header out, for the chunks after the first of a long output.

    ``w``, ``loss`` and ``lr`` are float32 (other float arrays must hold float32 values exactly,
    else ValueError). Each is written as the shortest decimal that reads back to the same
    float32 bits (``np.float32(float(text))``), e.g. ``4.88``, ``36.0``, ``1e-05``; non-finite
    values as ``inf``, ``-inf``, ``nan``.
    """
    s, wa, la, ra = _columns(step, w, loss, _required(lr), float32_only=True)
    assert ra is not None  # _required(lr) refused a missing lr
    parts: list[_Part] = [
        (_int_field, s),
        b",",
        (_csv_number, wa),
        b",",
        (_csv_number, la),
        b",",
        (_csv_number, ra),
        b"\n",
    ]
    return _assemble(parts, s.shape[0], head=b"step,w,loss,lr\n" if header else b"")


def json_bytes(
    step: np.ndarray, w: np.ndarray, loss: np.ndarray, lr: np.ndarray, meta: Mapping[str, Any]
) -> bytes:
    """One strict JSON document: ``{"meta": ..., "columns": [...], "rows": [[step, w, loss, lr]]}``.

    One row per line. ``meta`` is dumped with :func:`json.dumps` (it must not contain non-finite
    floats: ValueError). Columns as for :func:`csv_bytes`: floats are the shortest decimals that
    read back to the same float32 bits; non-finite values are the strings ``"inf"``, ``"-inf"``,
    ``"nan"``, so the document has no NaN/Infinity tokens.
    """
    return b"".join(json_chunks(step, w, loss, lr, meta))


def json_chunks(
    step: np.ndarray,
    w: np.ndarray,
    loss: np.ndarray,
    lr: np.ndarray,
    meta: Mapping[str, Any],
    rows: int | None = None,
) -> Iterator[bytes]:
    """:func:`json_bytes`'s document in pieces of ``rows`` rows (all at once if ``None``): the
    first piece opens the document, the last closes it, and joined they are its bytes."""
    s, wa, la, ra = _columns(step, w, loss, _required(lr), float32_only=True)
    assert ra is not None  # _required(lr) refused a missing lr
    head = (
        '{"meta": '
        + json.dumps(dict(meta), allow_nan=False)
        + ', "columns": ["step", "w", "loss", "lr"], "rows": ['
    ).encode()
    n = s.shape[0]
    if n == 0:
        yield head + b"]}\n"
        return
    size = n if rows is None else max(1, rows)
    for lo in range(0, n, size):
        hi = min(n, lo + size)
        last = hi == n
        parts: list[_Part] = [
            b"[",
            (_int_field, s[lo:hi]),
            b", ",
            (_json_number, wa[lo:hi]),
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
