"""Text formats of the per-step log, built in bulk with NumPy and exact to the byte.

A run can log up to millions of steps, so nothing here formats one row at a time with Python's
``%``. Rows are processed in chunks of 16,384: every number is turned into digits with array
arithmetic and digit-table look-ups, each column fills its cells of one ``uint8`` matrix per
chunk (the constant text of the line already in place, unused cells holding a filler byte 0),
and dropping the fillers (``mat[mat != 0]``, skipped when there are none) yields the
concatenated lines. Runs of identical consecutive values (a constant lr, a converged w) are
formatted once. The result is one ``bytes`` object (peak memory about twice its size).

Exactness:

* ``%f`` (:func:`fixed6`, :func:`seed_lines`, :func:`en_lines`) is ``round_half_even(x * 10**6)``
  printed with six decimals. For float32, ``float64(x) * 10**6`` is exact (24 + 20 significant
  bits) and ``np.rint`` rounds half to even, so the integer is exact; for float64 the fraction
  ``x - trunc(x)`` (exact) is ``m * 2**-s`` and ``m * 15625 / 2**(s - 6)`` is rounded in int64
  with a two-limb product. Integer parts beyond int64 are expanded exactly in base-10**9 limbs.
  The text is byte-identical to Python's ``"%f" % float(x)``, including ``-0.000000``, ``inf``,
  ``-inf`` and ``nan`` (Python prints no sign on a NaN).
* CSV / JSON floats (:func:`csv_bytes`, :func:`json_bytes`) are the shortest decimal (at most 9
  significant digits) strictly inside the float32 rounding interval of the value, checked with
  a margin far wider than the float64 error of the check (9 digits always qualify), so the
  text reads back to the same float32 bits through any correctly rounding parser, directly or
  through float64 (``np.float32(float(text))``). The digits are those of NumPy's shortest
  float32 repr; the layout is Python's ``repr``: ``36.0``, ``0.01``, ``1e-05``, ``3.4e+38``.

Only NumPy and the standard library are used: no words of a language (the summary line,
which is words, is :func:`tui.summary.summary_line`).

The package, one algorithm a module: :mod:`~tui.formats.fields` (digit tables and integer
fields), :mod:`~tui.formats.fixed6` (``%f``), :mod:`~tui.formats.shortest` (shortest float32),
:mod:`~tui.formats.assemble` (rows in chunks), :mod:`~tui.formats.text` (the sentences) and
:mod:`~tui.formats.tables` (CSV, JSON).
"""

from __future__ import annotations

from tui.formats.fixed6 import fixed6
from tui.formats.tables import csv_bytes, json_bytes, json_chunks
from tui.formats.text import (
    EN_SENTENCE,
    SEED_SENTENCE,
    Sentence,
    en_lines,
    seed_lines,
    sentence_lines,
)

__all__ = [
    "EN_SENTENCE",
    "SEED_SENTENCE",
    "Sentence",
    "csv_bytes",
    "en_lines",
    "fixed6",
    "json_bytes",
    "json_chunks",
    "seed_lines",
    "sentence_lines",
]
