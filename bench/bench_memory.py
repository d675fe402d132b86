"""The engine's memory per step of a run, measured, against what tui.engine.memory counts.

    python bench/bench_memory.py [--runs 2] [--epochs 5000000] [--graph-epochs 1000000]

Each case runs in a process of its own: a short run first (TensorFlow loaded, the loop
compiled), then ``--runs`` runs of ``--epochs`` steps in one batch and the pickled reply the
engine sends; the growth of the peak RSS (``ru_maxrss``) over the short run's, divided by the
steps of all runs, is the engine's bytes a step. The baseline is the estimate the engine checks
against the memory available before a request runs (:func:`tui.engine.memory.engine_bytes`), and
the float32 columns of the result (``w`` and the loss: 8 bytes a step).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import pickle, resource, sys
sys.path.insert(0, {root!r})
from tui.engine import tfenv
tfenv.load()
from tui.engine import descent
from tui.engine.spec import RunSpec
loss, runs, epochs = {loss!r}, {runs}, {epochs}
descent.run_batch([RunSpec(epochs=1000)] * runs, loss)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
results = descent.run_batch(
    [RunSpec(epochs=epochs, lr=0.001 * (i + 1)) for i in range(runs)], loss
)
reply = pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print((peak - before) / (runs * epochs), results[0].backend)
"""


def measure(loss: str, runs: int, epochs: int) -> tuple[float, str]:
    """Bytes a step at the engine's peak for ``runs`` runs of ``epochs`` steps, and the path."""
    code = CHILD.format(root=str(ROOT), loss=loss, runs=runs, epochs=epochs)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600
    )
    value, backend = out.stdout.split()[-2:]
    return float(value), backend


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=5_000_000)
    parser.add_argument("--graph-epochs", type=int, default=1_000_000, help="graph mode's")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tui.engine import memory

    estimate = memory.engine_bytes()
    for loss, epochs in (("(w + 1)**2", args.epochs), ("tanh(w) + 0.1*w**2", args.graph_epochs)):
        measured, backend = measure(loss, args.runs, epochs)
        print(
            f"{loss} ({backend}), {args.runs} x {epochs:,} steps: engine peak "
            f"{measured:.1f} bytes a step; counted {estimate} ({measured / estimate:.2f}x); "
            f"{measured / 8:.1f}x the float32 w and loss"
        )
    wanted = memory.need(5, 10_000_000)
    print(
        f"5 runs x 10,000,000 steps: counted {memory.size_text(wanted.total)} (engine "
        f"{memory.size_text(wanted.engine)}, explorer {memory.size_text(wanted.ui)}); available "
        f"here now {memory.size_text(memory.available() or 0)}"
    )


if __name__ == "__main__":
    main()
