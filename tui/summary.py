"""The one-line summary of a run (``run --format summary``), in the current language."""

from __future__ import annotations

from tui.i18n import t

__all__ = ["summary_line"]


def summary_line(final_step: int, w: float, loss: float, status: str) -> str:
    """One-line run summary in the current language, e.g.
    ``step 20: w = 3.005648, loss = 16.706804, status: ...``.

    ``w`` and ``loss`` are formatted with ``%f``.
    """
    # format(x, "f") is exactly "%f" % x for a Python float
    return t(
        "cli.summary",
        step=int(final_step),
        w=format(float(w), "f"),
        loss=format(float(loss), "f"),
        status=status,
    )
