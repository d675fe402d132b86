"""Benchmark the bulk log formats against naive per-row Python formatting.

Usage: ``python bench/bench_formats.py [--rows 1000000] [--repeat 3] [--scenario random]``

All timings use the same data (a run of ``--rows`` steps: float32 w and loss, a float64 lr for
the seed/en lines and its float32 value for CSV/JSON; ``--scenario`` picks random, diverging or
converged values, see :func:`make_data`). Each figure is the best of ``--repeat`` runs.
Baselines:

* seed / en: the lesson's ``%`` formatting, one Python ``%`` per row (same bytes);
* csv: one ``%`` per row with ``repr`` of the values as Python floats (float64 text, round-trips);
* json: ``json.dumps`` of the rows as Python lists (float64 text).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.formats import csv_bytes, en_lines, json_bytes, seed_lines  # noqa: E402

SEED_FMT = "第 %s 次迭代后的w是 %f,对应的loss值是 %f"
SEED_LR_FMT = SEED_FMT + ",学习率是%f"


def make_data(rows: int, scenario: str = "random", seed: int = 0) -> dict[str, np.ndarray]:
    """Columns of a run of ``rows`` steps.

    * random: w around 0 over many magnitudes and signs, loss = (w + 1)**2, lr decaying;
    * diverging: lr = 1.0001 on (w + 1)**2, so w + 1 grows by -1.0002 per step through huge
      values to inf, then nan (the last 30% of the rows);
    * converged: w = -1, loss = 0 and a constant lr on every row.
    """
    rng = np.random.default_rng(seed)
    step = np.arange(1, rows + 1, dtype=np.int64)
    k = np.arange(rows, dtype=np.float64)
    if scenario == "random":
        w = (rng.standard_normal(rows) * 10.0 ** rng.uniform(-3, 3, rows)).astype(np.float32)
        lr64 = 0.2 * 0.99999**k
    elif scenario == "diverging":
        with np.errstate(over="ignore", invalid="ignore"):
            w = (6.0 * np.power(np.float32(-1.0002), k.astype(np.float32)) - 1).astype(np.float32)
        w[int(rows * 0.7) :] = np.nan
        lr64 = np.full(rows, 1.0001)
    elif scenario == "converged":
        w = np.full(rows, -1.0, dtype=np.float32)
        lr64 = np.full(rows, 0.01)
    else:
        raise ValueError(f"unknown scenario {scenario!r}")
    with np.errstate(over="ignore", invalid="ignore"):
        loss = np.square(w + np.float32(1))
    return {"step": step, "w": w, "loss": loss, "lr64": lr64, "lr32": lr64.astype(np.float32)}


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    """Best wall time over ``repeat`` calls, and the last result."""
    best = float("inf")
    result: object = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def naive_seed(d: dict[str, np.ndarray], with_lr: bool) -> bytes:
    """The lesson's print formatting, one ``%`` per row."""
    ws = [np.float32(v) for v in d["w"]]  # the lesson formats numpy float32 scalars
    ls = [np.float32(v) for v in d["loss"]]
    if with_lr:
        lrs = d["lr64"].tolist()
        lines = [SEED_LR_FMT % (i + 1, ws[i], ls[i], lrs[i]) for i in range(len(ws))]
    else:
        lines = [SEED_FMT % (i + 1, ws[i], ls[i]) for i in range(len(ws))]
    return ("\n".join(lines) + "\n").encode()


def naive_en(d: dict[str, np.ndarray]) -> bytes:
    """English lines with lr, one ``%`` per row."""
    w, loss, lr = d["w"].tolist(), d["loss"].tolist(), d["lr64"].tolist()
    fmt = "step %d: w = %f, loss = %f, lr = %f\n"
    return "".join([fmt % (i + 1, w[i], loss[i], lr[i]) for i in range(len(w))]).encode()


def naive_csv(d: dict[str, np.ndarray]) -> bytes:
    """CSV rows with ``repr`` of Python floats, one ``%`` per row."""
    w, loss, lr = d["w"].tolist(), d["loss"].tolist(), d["lr32"].tolist()
    body = "".join([f"{i + 1},{w[i]!r},{loss[i]!r},{lr[i]!r}\n" for i in range(len(w))])
    return ("step,w,loss,lr\n" + body).encode()


def naive_json(d: dict[str, np.ndarray]) -> bytes:
    """``json.dumps`` of the rows as Python lists."""
    w, loss, lr = d["w"].tolist(), d["loss"].tolist(), d["lr32"].tolist()
    rows = [[i + 1, w[i], loss[i], lr[i]] for i in range(len(w))]
    doc = {"meta": {}, "columns": ["step", "w", "loss", "lr"], "rows": rows}
    return json.dumps(doc).encode()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one line per format."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--scenario", choices=("random", "diverging", "converged"), default="random")
    args = ap.parse_args(argv)
    d = make_data(args.rows, args.scenario)
    s, w, loss = d["step"], d["w"], d["loss"]
    cases: list[tuple[str, Callable[[], object], Callable[[], object], bool]] = [
        ("seed", lambda: naive_seed(d, False), lambda: seed_lines(s, w, loss), True),
        (
            "seed+lr",
            lambda: naive_seed(d, True),
            lambda: seed_lines(s, w, loss, d["lr64"]),
            True,
        ),
        ("en+lr", lambda: naive_en(d), lambda: en_lines(s, w, loss, d["lr64"]), True),
        ("csv", lambda: naive_csv(d), lambda: csv_bytes(s, w, loss, d["lr32"]), False),
        (
            "json",
            lambda: naive_json(d),
            lambda: json_bytes(s, w, loss, d["lr32"], {"rows": args.rows}),
            False,
        ),
    ]
    print(
        f"rows: {args.rows:,}  data: {args.scenario}  (best of {args.repeat}, wall-clock seconds)"
    )
    print(f"{'format':<8} {'naive s':>9} {'bulk s':>9} {'speed-up':>9} {'MB':>7}  same bytes")
    for name, naive, bulk, comparable in cases:
        t_naive, ref = best_of(args.repeat, naive)
        t_bulk, got = best_of(args.repeat, bulk)
        assert isinstance(got, bytes)
        same = ("yes" if got == ref else "NO") if comparable else "n/a (other float text)"
        print(
            f"{name:<8} {t_naive:9.3f} {t_bulk:9.3f} {t_naive / t_bulk:8.1f}x "
            f"{len(got) / 1e6:7.1f}  {same}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
