"""Schedules and optimizers against the eager loops that define them, measured in the same run.

    python bench/bench_schedules.py [--table-steps 1000000] [--steps 100000] [--eager-steps 500]

- Schedules: the lr table of each ``tf.keras`` schedule over ``--table-steps`` steps (XLA plus
  the spot check against eager calls; a fresh rate each time, so nothing is cached), against the
  schedule called eagerly once per step (the reference, timed over ``--eager-steps``) and
  against the exact fallback (graph mode, one scalar step at a time).
- Optimizers: ``--steps`` steps of each keras optimizer in the engine against the eager
  ``apply_gradients`` loop per step, with the first ``--eager-steps`` checked bit for bit.
- Pins: 8 Adam runs in one call against 8 calls.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from bench_engine import best_of  # noqa: E402

from tui.engine import tfenv  # noqa: E402

tfenv.configure_environment()

from eager_reference import eager_run_spec  # noqa: E402

from tui.engine import descent, keras_schedules  # noqa: E402
from tui.engine.losses import parse_loss  # noqa: E402
from tui.engine.spec import KERAS_SCHEDULES, OPTIMIZERS, RunSpec, Schedule  # noqa: E402


def bench_schedules(table_steps: int, eager_steps: int) -> None:
    """Tables of every keras schedule: XLA (checked) against eager calls and the fallback."""
    print(f"schedules: lr table of {table_steps:,} steps")
    rates = iter(np.linspace(0.1, 0.9, 1000).tolist())
    fallback_steps = min(table_steps, 100_000)
    for kind in KERAS_SCHEDULES:
        schedule = Schedule(kind, steps=table_steps / 4, alpha=0.1, boundaries=(100, 10_000))
        schedule = dataclasses.replace(schedule, factors=(1.0, 0.1, 0.01))
        start = time.perf_counter()
        keras_schedules.eager_rates(schedule, 0.5, np.arange(eager_steps))
        eager = (time.perf_counter() - start) / eager_steps
        keras_schedules.table(schedule, 0.5, table_steps)  # compile
        fast = best_of(3, lambda s=schedule: keras_schedules.table(s, next(rates), table_steps))
        keras_schedules._xla_ok = False
        try:
            keras_schedules.table(schedule, 0.5, 64)  # trace the fallback
            start = time.perf_counter()
            slow_table = keras_schedules.table(schedule, 0.5, fallback_steps)
            slow = time.perf_counter() - start
        finally:
            keras_schedules._xla_ok = True
        same = np.array_equal(
            keras_schedules.table(schedule, 0.5, fallback_steps).view(np.int32),
            slow_table.view(np.int32),
        )
        per_step = fast / table_steps
        print(
            f"  {kind:16s} eager {eager * 1e6:7.1f} us/step | table {fast * 1e3:7.1f} ms = "
            f"{per_step * 1e6:.4f} us/step, {eager / per_step:,.0f}x eager | fallback "
            f"{slow / fallback_steps * 1e6:.2f} us/step | XLA = fallback over "
            f"{fallback_steps:,}: {same}"
        )


def bench_optimizers(steps: int, eager_steps: int) -> None:
    """Each optimizer in the engine against the eager keras loop."""
    print(f"optimizers: {steps:,} steps on (w + 1)**2, lr 0.05")
    fn = parse_loss("(w + 1)**2").tf_function()
    for optimizer in OPTIMIZERS:
        spec = RunSpec(lr=0.05, epochs=steps, optimizer=optimizer)
        short = dataclasses.replace(spec, epochs=eager_steps)
        start = time.perf_counter()
        ws, losses, _ = eager_run_spec(fn, short)
        eager = (time.perf_counter() - start) / eager_steps
        start = time.perf_counter()
        result = descent.run(spec)
        cold = time.perf_counter() - start
        warm = best_of(3, lambda s=spec: descent.run(s))
        exact = np.array_equal(result.w[:eager_steps].view(np.int32), ws.view(np.int32))
        exact &= np.array_equal(result.loss[:eager_steps].view(np.int32), losses.view(np.int32))
        per_step = warm / steps
        print(
            f"  {optimizer:9s} eager {eager * 1e6:7.1f} us/step | engine cold {cold * 1e3:7.1f}"
            f" ms, warm {warm * 1e3:7.1f} ms = {per_step * 1e6:6.3f} us/step, "
            f"{eager / per_step:,.0f}x eager | exact (first {eager_steps}): {exact}"
        )


def bench_pins(steps: int) -> None:
    """8 Adam pins at different rates: one call against 8."""
    specs = [
        RunSpec(lr=lr, epochs=steps, optimizer="adam") for lr in np.geomspace(0.01, 1, 8).tolist()
    ]
    descent.run_batch(specs)
    for spec in specs:
        descent.run(spec)
    batch = best_of(3, lambda: descent.run_batch(specs))
    single = best_of(3, lambda: [descent.run(spec) for spec in specs])
    print(
        f"pins: 8 Adam runs of {steps:,} steps: one call {batch * 1e3:.1f} ms, "
        f"8 calls {single * 1e3:.1f} ms ({single / batch:.1f}x)"
    )


def main() -> None:
    """Run the benchmarks and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table-steps", type=int, default=1_000_000)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--eager-steps", type=int, default=500)
    args = parser.parse_args()
    bench_schedules(args.table_steps, args.eager_steps)
    bench_optimizers(args.steps, args.eager_steps)
    for steps in (1000, args.steps):
        bench_pins(steps)


if __name__ == "__main__":
    main()
