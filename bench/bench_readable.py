"""The log's column widths at every key: ``readable_width`` against the float64 one it replaced.

    python bench/bench_readable.py [--steps N] [--repeats R]

Three 100,000-step float32 columns as a run gives them (a settled w, a loss falling to tiny
values and exactly 0, a constant lr; or a diverging run's, out to inf and nan) and the same in
float64; each width is taken by the
current implementation and by the reference kept in ``tests/test_readable_width.py``,
alternately in one run (the machine's load falls on both alike), and the median of each is
printed with their ratio. The widths must agree.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from itertools import product
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_readable_width import reference_width  # noqa: E402

from tui.readable_width import readable_width  # noqa: E402


def columns(steps: int, dtype: type[np.floating], diverging: bool = False) -> list[np.ndarray]:
    """A descent's w, loss and lr columns of ``steps`` rows: settling, or (``diverging``)
    swinging out to inf and nan."""
    k = np.arange(steps, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        w = -1.0 + 6.0 * (-1.5 if diverging else 0.96) ** k
        loss = (w + 1.0) ** 2
        if diverging:
            w[steps // 2 :] = np.nan
            loss[steps // 2 :] = np.nan
        else:
            loss[steps // 2 :] = 0.0
        lr = np.full(steps, 1.25 if diverging else 0.02)
        return [c.astype(dtype) for c in (w, loss, lr)]


def main() -> None:
    """Time both implementations on the columns and print the medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    dtypes: tuple[type[np.floating], ...] = (np.float32, np.float64)
    for dtype, diverging in product(dtypes, (False, True)):
        cols = columns(args.steps, dtype, diverging)
        assert [readable_width(c) for c in cols] == [reference_width(c) for c in cols]
        times: dict[str, list[float]] = {"new": [], "old": []}
        for _ in range(args.repeats):
            for name, width in (("new", readable_width), ("old", reference_width)):
                start = time.perf_counter()
                for c in cols:
                    width(c)
                times[name].append(time.perf_counter() - start)
        new, old = (statistics.median(times[n]) * 1e3 for n in ("new", "old"))
        print(
            f"{np.dtype(dtype).name}, 3 {'diverging' if diverging else 'settling'} columns of "
            f"{args.steps:,}: "
            f"now {new:.3f} ms, before {old:.3f} ms, {new / old:.2f}x"
        )


if __name__ == "__main__":
    main()
