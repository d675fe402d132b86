"""Range-test figures: a graph-mode range test against the per-lane loop it replaced, a new count
of rates, an XLA range test, and the re-run of 8 pins, each against a baseline of the same run.

    python bench/bench_sweep.py [--rates 200] [--epochs 1000] [--quick]

The graph-mode range test (issue 14, goal 6) is 200 rates x 1,000 steps of the seed's update on
``tanh(w) + 0.1*w**2``. Its baseline, measured in the same run, is the loop the engine had
before :mod:`tui.engine.lanes` (copied below: the whole loss and its gradient built once per
lane, one trace per count of rates). Both are timed from a fresh trace (what a user waits for
when they open the range test or change its count) and again. ``--quick`` leaves out the
baseline's 500-rate trace (about 20 s).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import best_of  # noqa: E402

from tui.engine import tfenv  # noqa: E402

tf = tfenv.load()

import numpy as np  # noqa: E402

from tui.engine import descent, lanes, scalar_lanes  # noqa: E402
from tui.engine.losses import parse_loss  # noqa: E402
from tui.engine.schedules import lr_tables  # noqa: E402
from tui.engine.spec import RunSpec  # noqa: E402
from tui.engine.sweep import log_rates, sweep  # noqa: E402

#: The graph-mode loss of the issue's figure.
GRAPH_LOSS = "tanh(w) + 0.1*w**2"


def per_lane_loop(expr: str) -> Any:
    """The graph-mode loop the engine had before :mod:`tui.engine.lanes`, as it was: every lane
    its own scalar copy of the loss and its gradient, a trace for each count of lanes."""
    fn = parse_loss(expr).tf_function()

    def step(w: Any, lr: Any) -> tuple[Any, Any, Any]:
        with tf.GradientTape() as tape:
            tape.watch(w)
            value = fn(w)
        grad = tape.gradient(value, w, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return w - lr * grad, value, grad

    @tf.function(autograph=False)
    def graph_loop(w0: Any, lrs: Any, n: Any) -> tuple[Any, ...]:
        count = w0.shape[0]
        w_ta = tf.TensorArray(tf.float32, size=tf.shape(lrs)[0], element_shape=w0.shape)
        loss_ta = tf.TensorArray(tf.float32, size=tf.shape(lrs)[0], element_shape=w0.shape)

        def lanes_step(ws: Any, i: Any) -> tuple[list[Any], list[Any], list[Any]]:
            outs = [step(ws[lane], lrs[i, lane]) for lane in range(count)]
            return [out[0] for out in outs], [out[1] for out in outs], [out[2] for out in outs]

        def body(i: Any, ws: Any, w_ta: Any, loss_ta: Any) -> tuple[Any, ...]:
            w_next, values, _ = lanes_step(ws, i)
            return (
                i + 1,
                w_next,
                w_ta.write(i, tf.stack(w_next)),
                loss_ta.write(i, tf.stack(values)),
            )

        _, ws, w_ta, loss_ta = tf.while_loop(
            lambda i, *_: i < n, body, (tf.constant(0), tf.unstack(w0, num=count), w_ta, loss_ta)
        )
        _, final_loss, final_grad = lanes_step(ws, 0)
        return (
            w_ta.stack(),
            loss_ta.stack(),
            tf.stack(ws),
            tf.stack(final_loss),
            tf.stack(final_grad),
        )

    return graph_loop


def graph_inputs(rates: int, epochs: int) -> tuple[np.ndarray, np.ndarray]:
    """The range test's starts ``[rates]`` and rate table ``[epochs, rates]`` (float32)."""
    base = RunSpec(w0=5.0, epochs=epochs)
    tables = [lr_tables(replace(base, lr=float(lr)))[1] for lr in log_rates(1e-4, 2.0, rates)]
    return np.full(rates, 5.0, np.float32), np.array(tables, np.float32).T.copy()


def timed(call: Any) -> tuple[float, Any]:
    """Seconds ``call()`` took, and what it gave."""
    start = time.perf_counter()
    out = call()
    return time.perf_counter() - start, out


def graph_range_test(rates: int, epochs: int, quick: bool) -> None:
    """The goal-6 figures: the new loop against the per-lane loop, from a fresh trace and
    again, then a new count of rates; both give the same bits (checked)."""
    expr = parse_loss(GRAPH_LOSS)
    w0, table = graph_inputs(rates, epochs)
    scalar_lanes.group_size()  # the probe, once per process, as the engine's first graph run does
    new_first, new = timed(lambda: lanes.steps(expr, w0[None, :], table))
    new_again = best_of(3, lambda: lanes.steps(expr, w0[None, :], table))
    old_loop = per_lane_loop(GRAPH_LOSS)
    args = (tf.constant(w0), tf.constant(table), tf.constant(epochs, tf.int32))
    old_first, old = timed(lambda: [t.numpy() for t in old_loop(*args)])
    old_again = best_of(2, lambda: [t.numpy() for t in old_loop(*args)])
    same = np.array_equal(new[0][0].view(np.int32), old[0].view(np.int32)) and np.array_equal(
        new[1].view(np.int32), old[1].view(np.int32)
    )
    print(
        f"range test {rates} x {epochs:,} on {GRAPH_LOSS} (graph mode): fresh trace "
        f"{new_first:.2f} s vs the per-lane loop {old_first:.2f} s ({old_first / new_first:.1f}x); "
        f"again {new_again:.3f} s vs {old_again:.3f} s ({old_again / new_again:.1f}x); "
        f"same bits: {same}"
    )
    base = RunSpec(w0=5.0, epochs=epochs)
    lrs = log_rates(1e-4, 2.0, rates)
    whole = best_of(3, lambda: sweep(base, lrs, GRAPH_LOSS))
    print(
        f"  the whole range test (sweep(): rate tables, loop, statuses): {whole:.3f} s, "
        f"{old_again / whole:.1f}x faster than the per-lane loop alone"
    )
    more = int(rates * 2.5)
    w0_more, table_more = graph_inputs(more, epochs)
    new_more, _ = timed(lambda: lanes.steps(expr, w0_more[None, :], table_more))
    traces = lanes.compiled_loop(str(expr), lanes.block_size(expr, more))
    line = (
        f"  {more} rates (a new count): {new_more:.2f} s, traces of the loop: "
        f"{traces.experimental_get_tracing_count()}"
    )
    if not quick:
        more_loop = per_lane_loop(GRAPH_LOSS)
        args = (tf.constant(w0_more), tf.constant(table_more), tf.constant(epochs, tf.int32))
        old_more, _ = timed(lambda: [t.numpy() for t in more_loop(*args)])
        line += f" | per-lane loop {old_more:.2f} s (a new trace; {old_more / new_more:.1f}x)"
    print(line)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="no 500-rate per-lane baseline")
    args = parser.parse_args()
    graph_range_test(args.rates, args.epochs, args.quick)
    base = RunSpec(w0=5.0, epochs=args.epochs)
    lrs = log_rates(1e-4, 2.0, args.rates)
    loss = "(w + 1)**2"
    sweep(base, lrs, loss)  # compile
    engine = min(sweep(base, lrs, loss).seconds for _ in range(5))
    wall = best_of(5, lambda: sweep(base, lrs, loss))
    one_by_one = best_of(2, lambda: [descent.run(replace(base, lr=float(lr))) for lr in lrs])
    print(
        f"sweep {args.rates} x {args.epochs:,} on {loss} ({descent.run(base).backend}): engine "
        f"{engine * 1e3:.1f} ms, whole call {wall * 1e3:.1f} ms | {args.rates} single calls "
        f"{one_by_one * 1e3:.1f} ms | ratio {one_by_one / wall:.1f}x"
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
