"""The engine's memory per step of a run, measured, against what tui.engine.memory counts; and
the memory and time of the engine's reply on its way to the UI.

    python bench/bench_memory.py [--runs 2] [--epochs 5000000] [--graph-epochs 1000000]
                                 [--reply-epochs 10000000] [--reply-only]

Each case runs in a process of its own: a short run first (TensorFlow loaded, the loop
compiled), then ``--runs`` runs of ``--epochs`` steps in one batch and the reply sent as the
engine sends it (its arrays out of band); the growth of the peak RSS (``ru_maxrss``) over the
short run's, divided by the steps of all runs, is the engine's bytes a step. The baseline is
the estimate the engine checks against the memory available before a request runs
(:func:`tui.engine.memory.engine_bytes`), and the float32 columns of the result (``w`` and the
loss: 8 bytes a step).

The reply's cases send one run's :class:`~tui.engine.protocol.RunDone` (the arrays of a run of
``--reply-epochs`` steps, as the engine gives them: 28 bytes a step) from a process to another
over a pipe, pickled whole (``Connection.send``, the baseline) and with its arrays out of band
(:func:`tui.engine.protocol.send_out_of_band`), both read by :func:`tui.engine.protocol.receive`:
the growth of each side's peak RSS over the arrays it holds anyway, and the time from the send
to the reply in the reader's hands (the median of several, for 100,000 steps).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import multiprocessing, resource, sys, threading
sys.path.insert(0, {root!r})
from tui.engine import tfenv
tfenv.load()
from tui.engine import descent
from tui.engine.protocol import RunDone, send_out_of_band
from tui.engine.spec import RunSpec

def drain(connection):
    try:
        while True:
            connection.recv_bytes()  # a piece at a time, let go at once: the UI's, not ours
    except EOFError:
        pass

loss, runs, epochs = {loss!r}, {runs}, {epochs}
descent.run_batch([RunSpec(epochs=1000)] * runs, loss)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
results = descent.run_batch(
    [RunSpec(epochs=epochs, lr=0.001 * (i + 1)) for i in range(runs)], loss
)
reader, writer = multiprocessing.Pipe(duplex=False)
thread = threading.Thread(target=drain, args=(reader,))
thread.start()
send_out_of_band(writer, RunDone(1, tuple(results)))  # the reply as the engine sends it
writer.close()
thread.join()
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


REPLY = """
import multiprocessing as mp, resource, statistics, sys, time
sys.path.insert(0, {root!r})
import numpy as np
from tui.engine import protocol
from tui.engine.outcome import Outcome, Status
from tui.engine.protocol import RunDone
from tui.engine.result import RunResult
from tui.engine.spec import RunSpec
from tui.i18n import msg

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

def result(n):
    rng = np.random.default_rng(n)
    return RunResult(
        RunSpec(epochs=n), "(w + 1)**2", np.arange(1, n + 1, dtype=np.int64),
        rng.random(n, np.float32), rng.random(n, np.float32), np.full(n, 0.01, np.float32),
        np.full(n, 0.01), np.float32(0), np.float32(0),
        Status(Outcome.DESCENDING, None, msg("engine.closed")), "xla",
    )

def write(connection, mode, n, repeat):
    reply = RunDone(1, (result(n),))
    before = peak()
    for _ in range(repeat):
        connection.send(time.perf_counter())
        if mode == "whole":
            connection.send(reply)
        else:
            protocol.send_out_of_band(connection, reply)
    connection.send(peak() - before)
    connection.close()

if __name__ == "__main__":
    mode, n, repeat = {mode!r}, {epochs}, {repeat}
    context = mp.get_context("fork")
    replies, writer = context.Pipe(duplex=False)
    process = context.Process(target=write, args=(writer, mode, n, repeat))
    process.start()
    writer.close()
    before = peak()
    times = []
    for _ in range(repeat):
        sent = replies.recv()
        reply = protocol.receive(replies)
        times.append(time.perf_counter() - sent)
        arrays = sum(a.nbytes for a in (reply.results[0].step, reply.results[0].w,
            reply.results[0].loss, reply.results[0].lr, reply.results[0].lr64))
        del reply
    engine = replies.recv()
    process.join()
    print(peak() - before - arrays, engine, statistics.median(times), arrays)
"""


def reply(mode: str, epochs: int, repeat: int) -> tuple[float, float, float, int]:
    """The reader's and the writer's peak RSS growth beyond the arrays (bytes), the median
    seconds from send to reply, and the arrays' bytes, for one reply sent ``mode`` ("whole" or
    "out of band") ``repeat`` times."""
    code = REPLY.format(root=str(ROOT), mode=mode, epochs=epochs, repeat=repeat)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600
    )
    reader, writer, seconds, arrays = out.stdout.split()[-4:]
    return float(reader), float(writer), float(seconds), int(arrays)


def reply_figures(epochs: int) -> None:
    """Print the reply's figures, out of band against whole, measured side by side."""
    mb = 1e6
    big = {mode: reply(mode, epochs, 3) for mode in ("whole", "out of band")}
    small = {mode: reply(mode, 100_000, 15) for mode in ("whole", "out of band")}
    for mode in big:
        reader, writer, seconds, arrays = big[mode]
        print(
            f"reply of {epochs:,} steps ({arrays / mb:.0f} MB of arrays), {mode}: UI peak "
            f"+{reader / mb:.0f} MB beyond them, engine +{writer / mb:.0f} MB, {seconds:.2f} s; "
            f"100,000 steps: {small[mode][2] * 1e3:.2f} ms"
        )
    whole, oob = big["whole"], big["out of band"]
    quick = small["out of band"][2] / small["whole"][2]
    print(
        f"out of band / whole: UI peak {(oob[0] + oob[3]) / (whole[0] + whole[3]):.2f}x "
        f"(the arrays counted), engine extra {oob[1] / max(whole[1], 1):.2f}x, time "
        f"{oob[2] / whole[2]:.2f}x; 100,000 steps {quick:.2f}x"
    )


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=5_000_000)
    parser.add_argument("--graph-epochs", type=int, default=1_000_000, help="graph mode's")
    parser.add_argument("--reply-epochs", type=int, default=10_000_000, help="the reply's run")
    parser.add_argument("--reply-only", action="store_true", help="only the reply's figures")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    reply_figures(args.reply_epochs)
    if args.reply_only:
        return
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
