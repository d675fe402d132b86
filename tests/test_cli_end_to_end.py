"""``lr-explorer run`` end to end: every run option given a value other than its default, the
output (csv, summary) against the lesson's eager loop on a loss written by hand in TensorFlow,
so that an option the CLI drops, or a loss it mistranslates, shows as a wrong number."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
import tensorflow as tf
from conftest import bits
from eager_reference import eager_run, eager_run_spec

from tui import cli
from tui.engine.spec import RunSpec, Schedule


def run_cli(argv: list[str], capsysbinary) -> tuple[int, str, str]:
    """Run ``lr-explorer`` in this process; return (status, stdout, stderr) as text."""
    try:
        status = cli.main(argv)
    except SystemExit as exc:
        status = exc.code
    out, err = capsysbinary.readouterr()
    return status, out.decode("utf-8"), err.decode("utf-8")


def loss_a(w: tf.Tensor) -> tf.Tensor:
    """``log(1 + (w - 1)**2)``, by hand (graph-mode path: log is not XLA-exact)."""
    return tf.math.log(1.0 + tf.square(w - 1.0))


def loss_b(w: tf.Tensor) -> tf.Tensor:
    """``0.5*(w - 2)**2 + sin(w - 2)**2``, by hand (XLA path: sub, mul, square, sin, add)."""
    return 0.5 * tf.square(w - 2.0) + tf.square(tf.sin(w - 2.0))


#: The seed's exponential decay, staircase, a non-default tol and a typed loss.
ARGV_A = [
    "--loss", "log(1 + (w - 1)**2)",
    "--w0", "-2.5",
    "--lr", "0.2",
    "--epochs", "60",
    "--decay", "0.9",
    "--decay-steps", "4",
    "--staircase",
    "--tol", "1e-4",
]  # fmt: skip

#: A keras schedule with its own parameters, warm-up, an optimizer with its beta, a tol.
ARGV_B = [
    "--loss", "0.5*(w - 2)**2 + sin(w - 2)**2",
    "--w0", "-1.5",
    "--lr", "0.3",
    "--epochs", "60",
    "--schedule", "polynomial",
    "--decay-steps", "40",
    "--power", "2",
    "--alpha", "0.1",
    "--warmup", "3",
    "--optimizer", "adam",
    "--beta", "0.7",
    "--tol", "1e-3",
]  # fmt: skip

#: inverse-time decay with a staircase, warm-up, momentum with its beta; the seed's loss shifted.
ARGV_C = [
    "--loss", "(w - 3)^2",
    "--w0", "7",
    "--lr", "0.2",
    "--epochs", "40",
    "--schedule", "inverse-time",
    "--rate", "0.5",
    "--decay-steps", "3",
    "--staircase",
    "--warmup", "2",
    "--optimizer", "momentum",
    "--beta", "0.5",
]  # fmt: skip

SPEC_C = RunSpec(
    w0=7.0,
    lr=0.2,
    epochs=40,
    schedule=Schedule("inverse-time", steps=3.0, rate=0.5, staircase=True),
    warmup=2,
    optimizer="momentum",
    beta=0.5,
)

SPEC_B = RunSpec(
    w0=-1.5,
    lr=0.3,
    epochs=60,
    schedule=Schedule("polynomial", steps=40.0, power=2.0, alpha=0.1),
    warmup=3,
    optimizer="adam",
    beta=0.7,
)


def reference(case: str) -> tuple[np.ndarray, np.ndarray, list[float], float, float]:
    """The eager loop's (w, loss, lr) per step for ``case``, its final loss and its tol."""
    if case == "a":
        ws, losses, lrs = eager_run(loss_a, -2.5, 0.2, 60, 0.9, 4.0, staircase=True)
        fn, tol = loss_a, 1e-4
    elif case == "c":
        ws, losses, lrs = eager_run_spec(lambda w: tf.square(w - 3.0), SPEC_C)
        fn, tol = None, 1e-6
    else:
        ws, losses, lrs = eager_run_spec(loss_b, SPEC_B)
        fn, tol = loss_b, 1e-3
    final = float("nan") if fn is None else float(fn(tf.constant(ws[-1])).numpy())
    return ws, losses, lrs, final, tol


def converged_step(losses: np.ndarray, final_loss: float, tol: float) -> int:
    """The first step k (1-based) such that the loss after every step from k on is <= tol."""
    after = [*losses[1:].tolist(), final_loss]
    k = len(after)
    while k > 1 and after[k - 2] <= tol:
        k -= 1
    return k


ARGVS = {"a": ARGV_A, "b": ARGV_B, "c": ARGV_C}


@pytest.mark.parametrize("case", ["a", "b", "c"])
def test_csv_is_the_eager_loop_of_the_options_given(case: str, capsysbinary) -> None:
    status, out, err = run_cli(["run", *ARGVS[case], "--format", "csv"], capsysbinary)
    assert status == 0, err
    ws, losses, lrs, _, _ = reference(case)
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["step", "w", "loss", "lr"]
    rows = rows[1:]
    assert [int(r[0]) for r in rows] == list(range(1, len(ws) + 1))
    assert bits(np.array([r[1] for r in rows], np.float32)).tolist() == bits(ws).tolist()
    assert bits(np.array([r[2] for r in rows], np.float32)).tolist() == bits(losses).tolist()
    expected_lr = bits(np.array(lrs, np.float32)).tolist()
    assert bits(np.array([r[3] for r in rows], np.float32)).tolist() == expected_lr


def test_the_reference_rates_are_what_the_options_say() -> None:
    """The references themselves, against the formulas written out (not the engine's tables)."""
    _, _, lrs, _, _ = reference("a")
    assert lrs[:9] == [0.2] * 4 + [0.2 * 0.9] * 4 + [0.2 * 0.9**2]
    _, _, lrs, _, _ = reference("b")
    # keras's warm-up: lr * s / 3 for s < 3, then the polynomial decay from lr to 0.1 * lr
    # over 40 steps, and 0.1 * lr after them.
    assert lrs[:3] == pytest.approx([0.0, 0.1, 0.2], rel=1e-6)
    decayed = [(0.3 - 0.03) * (1 - min(s, 40) / 40) ** 2 + 0.03 for s in range(57)]
    assert lrs[3:] == pytest.approx(decayed, rel=1e-5)
    _, _, lrs, _, _ = reference("c")
    # warm-up over 2 steps, then 0.2 / (1 + 0.5 * floor(s / 3)).
    stairs = [0.2 / (1 + 0.5 * (s // 3)) for s in range(38)]
    assert lrs[:2] == pytest.approx([0.0, 0.1], rel=1e-6)
    assert lrs[2:] == pytest.approx(stairs, rel=1e-6)


@pytest.mark.parametrize("case", ["a", "b"])
def test_summary_is_the_eager_loops_last_step_and_the_status_at_the_tol_given(
    case: str, capsysbinary
) -> None:
    status, out, err = run_cli(["run", *ARGVS[case], "--format", "summary"], capsysbinary)
    assert status == 0, err
    ws, losses, _, final_loss, tol = reference(case)
    # At the tol given the run has converged; at the default (1e-6) it has not.
    assert 1e-6 < final_loss <= tol
    step = converged_step(losses, final_loss, tol)
    assert 1 < step < 60
    expected = (
        f"step 60: w = {float(ws[-1]):f}, loss = {final_loss:f}, status: converged at step {step}\n"
    )
    assert out == expected
