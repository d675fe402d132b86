"""Sweep and pin figures: a 200 x 1,000 range test and the re-run of 8 pins, in engine time.

    python bench/bench_sweep.py [--rates 200] [--epochs 1000]

The baseline, measured in the same run, is the same work done as one engine call per run.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import best_of  # noqa: E402

from tui.engine import tfenv  # noqa: E402

tfenv.configure_environment()

from tui.engine import descent  # noqa: E402
from tui.engine.spec import RunSpec  # noqa: E402
from tui.engine.sweep import log_rates, sweep  # noqa: E402


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=1000)
    args = parser.parse_args()
    base = RunSpec(w0=5.0, epochs=args.epochs)
    lrs = log_rates(1e-4, 2.0, args.rates)
    loss = "(w + 1)**2"
    sweep(base, lrs, loss)  # compile
    engine = min(sweep(base, lrs, loss).seconds for _ in range(5))
    wall = best_of(5, lambda: sweep(base, lrs, loss))
    one_by_one = best_of(2, lambda: [descent.run(replace(base, lr=float(lr))) for lr in lrs])
    print(
        f"sweep {args.rates} x {args.epochs:,}: engine {engine * 1e3:.1f} ms (target <= 100), "
        f"whole call {wall * 1e3:.1f} ms | {args.rates} single calls {one_by_one * 1e3:.1f} ms "
        f"| ratio {one_by_one / wall:.1f}x"
    )
    for epochs in (1000, 100_000):
        pins = [
            RunSpec(w0=5.0, epochs=epochs, lr=lr)
            for lr in (0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 1.01)
        ]
        descent.run_batch(pins)  # compile
        batched = best_of(5, lambda pins=pins: descent.run_batch(pins))
        single = best_of(3, lambda pins=pins: [descent.run(p) for p in pins])
        print(
            f"8 pins x {epochs:,} steps: one call {batched * 1e3:.1f} ms | 8 calls "
            f"{single * 1e3:.1f} ms | ratio {single / batched:.1f}x"
        )


if __name__ == "__main__":
    main()
