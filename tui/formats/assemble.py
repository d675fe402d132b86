"""The byte-matrix machinery: rows of constant text and fields, assembled in chunks, runs
of identical values formatted once, and the columns checked on the way in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tui.formats.fields import _I64, _U8, _as_float32, _as_float_array, _Field, _field_matrix

_CHUNK = 16384  # rows per assembled block: the byte matrix (~1 MB) stays in cache
_MIN_DEDUP = 256  # below this many rows, run-length de-duplication is not worth it

_Maker = Callable[[np.ndarray], _Field]


def _dedup(maker: _Maker, x: np.ndarray) -> _Field:
    """Format once per run of identical (bitwise) consecutive values, then repeat the rows.

    A constant learning rate or a converged w/loss repeats the same value for many rows.
    """
    n = x.shape[0]
    if n < _MIN_DEDUP:
        return maker(x)
    key = x.view(f"u{x.dtype.itemsize}")
    change = np.empty(n, dtype=bool)
    change[0] = True
    np.not_equal(key[1:], key[:-1], out=change[1:])
    if np.count_nonzero(change) * 4 > n:
        return maker(x)
    starts = np.flatnonzero(change)
    field = maker(x[starts])
    counts = np.diff(np.append(starts, n))

    def fill(out: np.ndarray) -> None:
        rows = _field_matrix(field, starts.size)
        out[:] = rows if starts.size == 1 else np.repeat(rows, counts, axis=0)

    return _Field(field.width, field.const, fill)


_Part = bytes | tuple[_Maker, np.ndarray]


def _assemble(
    parts: list[_Part], n: int, head: bytes = b"", tail: bytes = b"", cut: int = 0
) -> bytes:
    """``head`` + the ``n`` rows (constant and field parts, fillers dropped) + ``tail``.

    Works in chunks of ``_CHUNK`` rows: one ``uint8`` matrix per chunk is initialised with the
    constant cells of the whole row, the fields fill in their cells, and ``mat[mat != 0]`` is the
    chunk's text (the matrix itself when it holds no filler). ``cut`` bytes are dropped from the
    end of the rows. Only the final ``bytes`` is a full copy of the text.
    """
    out: list[bytes | np.ndarray] = [head]
    for lo in range(0, n, _CHUNK):
        hi = min(n, lo + _CHUNK)
        pieces: list[bytes | _Field] = [
            p if isinstance(p, bytes) else _dedup(p[0], p[1][lo:hi]) for p in parts
        ]
        template = b"".join(p if isinstance(p, bytes) else p.const for p in pieces)
        mat = np.empty((hi - lo, len(template)), dtype=_U8)
        mat[:] = np.frombuffer(template, dtype=_U8)
        col = 0
        for p in pieces:
            if isinstance(p, bytes):
                col += len(p)
            else:
                p.fill(mat[:, col : col + p.width])
                col += p.width
        if np.count_nonzero(mat) == mat.size:
            out.append(mat.reshape(-1))
        else:
            out.append(mat[mat != 0])
    if cut and n:
        out[-1] = out[-1][:-cut]
    out.append(tail)
    # numpy's stubs give ndarray the buffer protocol only for Python >= 3.12 (__buffer__);
    # bytes.join reads an array's buffer on every version.
    return b"".join(out)  # type: ignore[arg-type]


def _columns(
    step: Any,
    w: Any,
    loss: Any,
    lr: Any | None,
    float32_only: bool,
    w2: Any | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Validate and normalise the columns (1-D, equal lengths): step, w (w1 for a run of two
    parameters), loss, lr if given, and w2 if given."""
    s = np.ascontiguousarray(np.asarray(step).reshape(-1))
    if s.dtype.kind not in "iub":
        raise TypeError(f"step must be an integer array, got {s.dtype}")
    s = s.astype(_I64, copy=False)
    conv = _as_float32 if float32_only else _as_float_array
    cols = [conv(w, "w"), conv(loss, "loss")]
    lr_arr = conv(lr, "lr") if lr is not None else None
    w2_arr = conv(w2, "w2") if w2 is not None else None
    for name, c in (("w", cols[0]), ("loss", cols[1]), ("lr", lr_arr), ("w2", w2_arr)):
        if c is not None and c.shape[0] != s.shape[0]:
            raise ValueError(f"{name} has {c.shape[0]} rows, step has {s.shape[0]}")
    return s, cols[0], cols[1], lr_arr, w2_arr


def _required(lr: Any) -> Any:
    """The lr column is required for CSV and JSON."""
    if lr is None:
        raise TypeError("lr is required for csv and json")
    return lr
