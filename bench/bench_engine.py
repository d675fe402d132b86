"""Engine speed against the seed's eager loop, per step, measured in the same run.

    python bench/bench_engine.py [--epochs 1000000] [--eager-steps 2000]
                                 [--opt-epochs 100000] [--opt-eager-steps 300]

Prints the eager loop's cost per step (the baseline), the engine's at ``--epochs`` (cold: first
call, with compilation; warm: best of 5, compiled, but the learning-rates computed anew each time),
the ratio, and checks bit-exactness: the engine's first
``--eager-steps`` steps against the eager loop, and the whole run against graph mode (the same
kernels as eager, without XLA).

Then the same for a loss of two parameters, plain descent on ``(w1 + 1)**2 + 10*(w2 - 1)**2``
from (w1, w2) = (5, -3) at lr 0.01: the two-variable eager loop of issue 15 per step, the engine
at ``--epochs``, the ratio, exactness against both.

Then the same for each keras optimizer (lr 0.01 from w0 5 on the lesson's loss): keras's eager
``apply_gradients`` loop per step (the baseline), the engine at ``--opt-epochs`` on its backend
and in graph mode, the ratios, and bit-exactness against both.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from tui.engine import tfenv  # noqa: E402

tfenv.configure_environment()

import tensorflow as tf  # noqa: E402
from eager_reference import eager_run, eager_run_spec, eager_run_two  # noqa: E402

from tui.engine import descent, schedules  # noqa: E402
from tui.engine.losses import parse_loss  # noqa: E402
from tui.engine.spec import RunSpec  # noqa: E402


def best_of(repeat: int, call) -> float:
    """The shortest of ``repeat`` timings of ``call()``, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1_000_000)
    parser.add_argument("--eager-steps", type=int, default=2000)
    parser.add_argument("--opt-epochs", type=int, default=100_000)
    parser.add_argument("--opt-eager-steps", type=int, default=300)
    args = parser.parse_args()
    cases = {
        "constant lr 0.01": dict(w0=5.0, lr=0.01),
        "lr 0.99": dict(w0=5.0, lr=0.99),
        "exp decay 0.2*0.99^(s/1)": dict(w0=5.0, lr=0.2, decay=0.99, decay_steps=1.0),
    }
    print(f"tensorflow {tf.__version__}, XLA exact: {descent.xla_in_use()}")
    for name, params in cases.items():
        eager_spec = RunSpec(epochs=args.eager_steps, **params)
        start = time.perf_counter()
        ws, losses, _ = eager_run(
            lambda w: tf.square(w + 1),
            eager_spec.w0,
            eager_spec.lr,
            eager_spec.epochs,
            eager_spec.decay,
            eager_spec.decay_steps,
        )
        eager_step = (time.perf_counter() - start) / args.eager_steps
        spec = RunSpec(epochs=args.epochs, **params)
        start = time.perf_counter()
        result = descent.run(spec)
        cold = time.perf_counter() - start
        warm = best_of(5, lambda spec=spec: _uncached_run(spec))
        head_exact = np.array_equal(
            result.w[: args.eager_steps].view(np.int32), ws.view(np.int32)
        ) and np.array_equal(result.loss[: args.eager_steps].view(np.int32), losses.view(np.int32))
        graph = _graph_run(spec)
        whole_exact = np.array_equal(result.w.view(np.int32), graph.w.view(np.int32))
        per_step = warm / args.epochs
        print(
            f"{name:26s} eager {eager_step * 1e6:8.1f} us/step | engine {args.epochs:,} steps: "
            f"cold {cold * 1e3:7.1f} ms, warm {warm * 1e3:7.1f} ms = {per_step * 1e6:.4f} us/step "
            f"| ratio {eager_step / per_step:,.0f}x | exact vs eager (first {args.eager_steps}): "
            f"{head_exact}, vs graph mode (all): {whole_exact}"
        )
    bench_two_parameters(args.epochs, args.eager_steps)
    for kind in ("momentum", "nesterov", "adagrad", "rmsprop", "adam"):
        bench_optimizer(kind, args.opt_epochs, args.opt_eager_steps)


#: The two-parameter case: an ill-conditioned bowl (curvatures 2 and 20).
TWO_LOSS = "(w1 + 1)**2 + 10*(w2 - 1)**2"


def bench_two_parameters(epochs: int, eager_steps: int) -> None:
    """Print the two-parameter figures (see the module docstring)."""
    fn = parse_loss(TWO_LOSS).tf_function()
    eager_spec = RunSpec(w0=5.0, start2=-3.0, lr=0.01, epochs=eager_steps)
    start = time.perf_counter()
    w1s, w2s, losses, _, _ = eager_run_two(fn, eager_spec)
    eager_step = (time.perf_counter() - start) / eager_steps
    spec = RunSpec(w0=5.0, start2=-3.0, lr=0.01, epochs=epochs)
    start = time.perf_counter()
    result = descent.run(spec, TWO_LOSS)
    cold = time.perf_counter() - start
    warm = best_of(5, lambda: _uncached_run(spec, TWO_LOSS))
    assert result.w2 is not None
    head = [(result.w, w1s), (result.w2, w2s), (result.loss, losses)]
    head_exact = all(
        np.array_equal(a[:eager_steps].view(np.int32), b.view(np.int32)) for a, b in head
    )
    graph = _graph_run(spec, TWO_LOSS)
    assert graph.w2 is not None
    whole_exact = np.array_equal(result.w.view(np.int32), graph.w.view(np.int32))
    whole_exact &= np.array_equal(result.w2.view(np.int32), graph.w2.view(np.int32))
    per_step = warm / epochs
    print(
        f"{'two parameters (w1, w2)':26s} eager {eager_step * 1e6:8.1f} us/step | engine "
        f"({result.backend}) {epochs:,} steps: cold {cold * 1e3:7.1f} ms, warm "
        f"{warm * 1e3:7.1f} ms = {per_step * 1e6:.4f} us/step "
        f"| ratio {eager_step / per_step:,.0f}x | exact vs eager (first {eager_steps}): "
        f"{head_exact}, vs graph mode (all): {whole_exact}"
    )


def bench_optimizer(kind: str, epochs: int, eager_steps: int) -> None:
    """Print one keras optimizer's figures (see the module docstring)."""
    eager_spec = RunSpec(w0=5.0, lr=0.01, epochs=eager_steps, optimizer=kind)
    start = time.perf_counter()
    ws, losses, _ = eager_run_spec(lambda w: tf.square(w + 1), eager_spec)
    eager_step = (time.perf_counter() - start) / eager_steps
    spec = RunSpec(w0=5.0, lr=0.01, epochs=epochs, optimizer=kind)
    start = time.perf_counter()
    result = descent.run(spec)
    cold = time.perf_counter() - start
    warm = best_of(3, lambda: _uncached_run(spec)) / epochs
    head_exact = np.array_equal(result.w[:eager_steps].view(np.int32), ws.view(np.int32))
    head_exact &= np.array_equal(result.loss[:eager_steps].view(np.int32), losses.view(np.int32))
    _graph_run(spec)  # compiled once, then timed
    start = time.perf_counter()
    graph = _graph_run(spec)
    graph_step = (time.perf_counter() - start) / epochs
    whole_exact = np.array_equal(result.w.view(np.int32), graph.w.view(np.int32))
    whole_exact &= np.array_equal(result.loss.view(np.int32), graph.loss.view(np.int32))
    print(
        f"{kind:9s} eager apply_gradients {eager_step * 1e6:8.1f} us/step | engine "
        f"({result.backend}) {epochs:,} steps: cold {cold * 1e3:7.1f} ms, "
        f"warm {warm * 1e6:.3f} us/step = {eager_step / warm:,.0f}x eager | graph mode "
        f"{graph_step * 1e6:.1f} us/step = {eager_step / graph_step:,.0f}x eager, "
        f"{graph_step / warm:,.0f}x slower than {result.backend} | exact vs eager (first "
        f"{eager_steps}): {head_exact}, vs graph mode (all): {whole_exact}"
    )


def _uncached_run(spec: RunSpec, loss: str = descent.SEED_LOSS) -> descent.RunResult:
    """A run with the learning-rate table computed again (it is cached between equal runs)."""
    schedules._exponential.cache_clear()
    return descent.run(spec, loss)


def _graph_run(spec: RunSpec, loss: str = descent.SEED_LOSS) -> descent.RunResult:
    """The same run without XLA: graph mode, the eager kernels."""
    original = descent._xla_trusted
    descent._xla_trusted = lambda: False
    try:
        return descent.run(spec, loss)
    finally:
        descent._xla_trusted = original


if __name__ == "__main__":
    main()
