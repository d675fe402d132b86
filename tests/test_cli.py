"""``lr-explorer run``: the seed's tables, every format, and one clear line for each bad input."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys

import numpy as np
import pytest
from conftest import bits

from tui import cli

SEED_THIRD = "--w0 5 --lr 0.2 --epochs 20 --decay 0.99 --decay-steps 1 --format seed"


def run_cli(argv: list[str], capsysbinary) -> tuple[int, bytes, bytes]:
    """Run ``lr-explorer`` in this process; return (status, stdout, stderr)."""
    try:
        status = cli.main(argv)
    except SystemExit as exc:
        status = exc.code
    out, err = capsysbinary.readouterr()
    return status, out, err


def test_the_console_script_prints_the_seeds_third_table(seed_lines_expected) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tui", "run", *SEED_THIRD.split()],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == seed_lines_expected[2]
    assert proc.stderr == "", "TensorFlow's log lines must not reach the terminal"


@pytest.mark.parametrize(("lr", "table"), [("0.01", 0), ("0.99", 1)])
def test_constant_rates_print_the_first_two_tables(
    lr: str, table: int, seed_lines_expected, capsysbinary
) -> None:
    status, out, _ = run_cli(["run", "--lr", lr], capsysbinary)
    assert status == 0
    assert out.decode("utf-8").splitlines() == seed_lines_expected[table]


def test_english_format(capsysbinary) -> None:
    status, out, _ = run_cli(["run", "--format", "en", "--epochs", "2"], capsysbinary)
    assert status == 0
    assert out.decode().splitlines() == [
        "step 1: w = 4.880000, loss = 36.000000",
        "step 2: w = 4.762400, loss = 34.574402",
    ]


def test_csv_and_json_round_trip_float32(capsysbinary) -> None:
    argv = ["run", "--lr", "0.37", "--epochs", "50", "--decay", "0.9"]
    _, out_csv, _ = run_cli([*argv, "--format", "csv"], capsysbinary)
    _, out_json, _ = run_cli([*argv, "--format", "json"], capsysbinary)
    rows = list(csv.DictReader(io.StringIO(out_csv.decode())))
    doc = json.loads(out_json)
    assert len(rows) == len(doc["rows"]) == 50
    from tui.engine import descent
    from tui.engine.spec import RunSpec

    result = descent.run(RunSpec(lr=0.37, epochs=50, decay=0.9))
    for column in ("w", "loss", "lr"):
        parsed = np.array([float(r[column]) for r in rows], np.float32)
        assert bits(parsed).tolist() == bits(getattr(result, column)).tolist()
    index = doc["columns"].index("w")
    assert (
        bits(np.array([r[index] for r in doc["rows"]], np.float32)).tolist()
        == bits(result.w).tolist()
    )
    assert doc["meta"]["status"] == str(result.status)


def test_every_step_is_printed_even_inf_and_nan(capsysbinary) -> None:
    import tensorflow as tf
    from eager_reference import eager_run

    status, out, _ = run_cli(
        ["run", "--lr", "1e30", "--epochs", "8", "--format", "en"], capsysbinary
    )
    ws, losses, _ = eager_run(lambda w: tf.square(w + 1), 5.0, 1e30, 8)
    assert np.isinf(ws).any() and np.isnan(ws).any(), "the run goes through inf to nan"
    expected = [
        "step %d: w = %f, loss = %f" % (k, w, loss)  # noqa: UP031 - the seed's own %f
        for k, (w, loss) in enumerate(zip(ws.tolist(), losses.tolist(), strict=True), 1)
    ]
    assert status == 0
    assert out.decode().splitlines() == expected


def test_summary_names_the_outcome(capsysbinary) -> None:
    from tui.engine import descent
    from tui.engine.spec import RunSpec

    status, out, _ = run_cli(["run", "--lr", "0.99", "--format", "summary"], capsysbinary)
    final_loss = descent.run(RunSpec(lr=0.99)).final_loss
    assert status == 0
    assert out.decode() == f"step 20: w = 3.005651, loss = {final_loss:f}, status: oscillating\n"


#: Bad inputs to ``lr-explorer run``, with what the English error names.
BAD_INPUTS = [
    (["--lr", "abc"], ["--lr", "not a number"]),
    (["--lr", "nan"], ["--lr", "finite"]),
    (["--w0", "inf"], ["--w0", "finite"]),
    (["--lr", "-0.1"], ["--lr", "0 or more"]),
    (["--epochs", "0"], ["--epochs", "at least 1"]),
    (["--epochs", "-3"], ["--epochs"]),
    (["--epochs", "2.5"], ["--epochs", "whole number"]),
    (["--epochs", "100000001"], ["--epochs", "at most 10,000,000"]),
    (["--decay", "0"], ["--decay", "above 0"]),
    (["--decay", "-1"], ["--decay"]),
    (["--decay-steps", "0"], ["--decay-steps", "above 0"]),
    (["--decay-steps", "-2"], ["--decay-steps"]),
    (["--loss", "x + 1"], ["--loss", "'x'", "column 1"]),
    (["--loss", "__import__('os').system('echo pwned')"], ["--loss"]),
    (["--loss", "(w + 1"], ["--loss"]),
    (["--w0", "1e39"], ["--w0", "float32"]),
    (["--format", "xml"], ["--format", "invalid choice"]),
    (["--tol", "0"], ["--tol", "above 0"]),
    (["--schedule", "sawtooth"], ["--schedule", "invalid choice"]),
    (["--schedule", "cosine", "--decay", "0.9"], ["--decay", "not cosine's"]),
    (["--schedule", "cosine", "--alpha", "2"], ["--alpha", "from 0 to 1"]),
    (["--schedule", "piecewise", "--boundaries", "50,20"], ["--boundaries", "rise"]),
    (["--schedule", "piecewise", "--boundaries", "5,x"], ["--boundaries", "not a number"]),
    (["--schedule", "piecewise", "--factors", "1"], ["--factors", "2, not 1"]),
    (["--schedule", "polynomial", "--power", "0"], ["--power", "above 0"]),
    (["--warmup", "2.5"], ["--warmup", "whole number"]),
    (["--optimizer", "sgd"], ["--optimizer", "invalid choice"]),
    (["--optimizer", "adam", "--beta", "1"], ["--beta", "not including, 1"]),
]


@pytest.mark.parametrize(("argv", "names"), BAD_INPUTS)
def test_bad_input_is_one_line_and_status_2(
    argv: list[str], names: list[str], capsysbinary
) -> None:
    status, out, err = run_cli(["run", *argv], capsysbinary)
    text = err.decode()
    assert status == 2
    assert out == b""
    assert text.count("\n") == 1, text
    assert "Traceback" not in text
    for name in names:
        assert name in text, (name, text)


@pytest.mark.parametrize(("argv", "names"), BAD_INPUTS)
def test_bad_input_in_chinese_is_one_chinese_line_and_status_2(
    argv: list[str], names: list[str], capsysbinary
) -> None:
    status, out, err = run_cli(["run", "--lang", "zh", *argv], capsysbinary)
    text = err.decode()
    assert (status, out) == (2, b"")
    assert text.count("\n") == 1, text
    assert names[0] in text, text
    reason = text.split(names[0], 1)[1]
    assert re.search(r"[\u4e00-\u9fff]", reason), f"the reason is in Chinese: {text}"
    assert "error" not in text and "argument" not in text


def test_help_states_every_schedules_formula_and_every_optimizer(capsys) -> None:
    from stated_formulas import SCHEDULE_FORMULAS, WARMUP_FORMULA_TEXT

    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    text = capsys.readouterr().out
    lines = text[text.index("schedules:") :].splitlines()
    for kind, formula in SCHEDULE_FORMULAS.items():
        assert f"  {kind:<15}  {formula}" in lines, kind
    assert f"  {'--warmup W':<15}  {WARMUP_FORMULA_TEXT}" in lines
    keras = {
        "piecewise": "PiecewiseConstantDecay",
        "inverse-time": "InverseTimeDecay",
        "polynomial": "PolynomialDecay",
        "cosine": "CosineDecay",
        "cosine-restarts": "CosineDecayRestarts",
    }
    for kind, name in keras.items():
        below = lines[lines.index(f"  {kind:<15}  {SCHEDULE_FORMULAS[kind]}") + 1]
        assert below.strip() == f"tf.keras.optimizers.schedules.{name}", kind
    optimizers = {
        "gd": "the lesson's w -= lr * grads (default; bit-exact)",
        "momentum": "tf.keras.optimizers.SGD(momentum=beta)",
        "nesterov": "tf.keras.optimizers.SGD(momentum=beta, nesterov=True)",
        "adagrad": "tf.keras.optimizers.Adagrad()",
        "rmsprop": "tf.keras.optimizers.RMSprop(rho=beta)",
        "adam": "tf.keras.optimizers.Adam(beta_1=beta)",
    }
    for name, update in optimizers.items():
        assert f"  {name:<8}  {update}" in lines, name
    assert max(map(len, lines)) <= 88


def test_the_stated_formulas_are_what_keras_computes() -> None:
    """The help's formulas, computed as written, against keras's schedules (and the seed's
    exponential decay against its Python float64 arithmetic)."""
    import math

    from eager_reference import keras_schedule_reference

    from tui.engine.spec import Schedule

    lr, T, rate, power, alpha = 0.3, 7.0, 0.5, 2.0, 0.1
    end = alpha * lr
    stated = {
        "inverse-time": lambda s: lr / (1 + rate * s / T),
        "inverse-time staircase": lambda s: lr / (1 + rate * math.floor(s / T)),
        "polynomial": lambda s: (lr - end) * (1 - min(s, T) / T) ** power + end,
        "cosine": lambda s: (
            lr * ((1 - alpha) * (1 + math.cos(math.pi * min(s, T) / T)) / 2 + alpha)
        ),
        "piecewise": lambda s: lr * [1.0, 0.5, 0.1][sum(s > b for b in (4, 9))],
    }
    schedules = {
        "inverse-time": Schedule("inverse-time", steps=T, rate=rate),
        "inverse-time staircase": Schedule("inverse-time", steps=T, rate=rate, staircase=True),
        "polynomial": Schedule("polynomial", steps=T, power=power, alpha=alpha),
        "cosine": Schedule("cosine", steps=T, alpha=alpha),
        "piecewise": Schedule("piecewise", boundaries=(4, 9), factors=(1.0, 0.5, 0.1)),
    }
    for name, formula in stated.items():
        keras = keras_schedule_reference(schedules[name], lr)
        for s in range(20):
            assert float(keras(s).numpy()) == pytest.approx(formula(s), rel=1e-6), (name, s)


def test_schedule_warmup_and_optimizer_options_run_the_eager_loop_they_name(capsysbinary) -> None:
    from eager_reference import eager_run_spec

    from tui.engine.losses import parse_loss
    from tui.engine.spec import RunSpec, Schedule

    argv = "run --lr 0.4 --epochs 30 --schedule cosine-restarts --decay-steps 6 --t-mul 1.5"
    argv += " --m-mul 0.7 --alpha 0.05 --warmup 4 --optimizer rmsprop --beta 0.8 --format csv"
    status, out, err = run_cli(argv.split(), capsysbinary)
    assert status == 0, err
    rows = list(csv.reader(io.StringIO(out.decode())))[1:]
    spec = RunSpec(
        lr=0.4,
        epochs=30,
        schedule=Schedule("cosine-restarts", steps=6.0, t_mul=1.5, m_mul=0.7, alpha=0.05),
        warmup=4,
        optimizer="rmsprop",
        beta=0.8,
    )
    ws, losses, lrs = eager_run_spec(parse_loss("(w + 1)**2").tf_function(), spec)
    assert bits(np.array([r[1] for r in rows], np.float32)).tolist() == bits(ws).tolist()
    assert bits(np.array([r[2] for r in rows], np.float32)).tolist() == bits(losses).tolist()
    assert [np.float32(r[3]) for r in rows] == [np.float32(x) for x in lrs]


def test_json_names_the_schedule_formula_and_optimizer(capsysbinary) -> None:
    argv = ["run", "--schedule", "inverse-time", "--rate", "0.5", "--decay-steps", "2"]
    status, out, _ = run_cli([*argv, "--optimizer", "nesterov", "--format", "json"], capsysbinary)
    meta = json.loads(out)["meta"]
    assert status == 0
    assert meta["schedule"] == "inverse-time"
    assert meta["formula"] == "0.01 / (1 + 0.5 * s / 2)"
    assert meta["schedule_parameters"]["rate"] == 0.5
    assert (meta["optimizer"], meta["beta"]) == ("nesterov", 0.9)


def test_out_writes_the_file_atomically_and_never_replaces_without_force(
    tmp_path, capsysbinary
) -> None:
    target = tmp_path / "run.csv"
    argv = ["run", "--lr", "0.99", "--format", "csv", "--out", str(target)]
    status, out, err = run_cli(argv, capsysbinary)
    assert (status, out) == (0, b"")
    assert f"wrote {target}" in err.decode()
    _, stdout_csv, _ = run_cli(argv[:-2], capsysbinary)
    assert target.read_bytes() == stdout_csv
    status, _, err = run_cli([*argv[:2], "0.5", *argv[3:]], capsysbinary)
    assert status == 2 and "exists; add --force" in err.decode()
    assert target.read_bytes() == stdout_csv, "left as it was"
    status, _, _ = run_cli([*argv[:2], "0.5", *argv[3:], "--force"], capsysbinary)
    assert status == 0 and target.read_bytes() != stdout_csv
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.csv"], "no temporary files"
    status, _, err = run_cli([*argv[:-1], str(tmp_path / "no" / "such" / "x.csv")], capsysbinary)
    assert status == 2 and "cannot write" in err.decode() and err.decode().count("\n") == 1


def test_bad_input_never_runs_code(tmp_path) -> None:
    marker = tmp_path / "pwned"
    proc = subprocess.run(
        [sys.executable, "-m", "tui", "run", "--loss", f"__import__('os').mkdir('{marker}')"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert not marker.exists()
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("fmt", ["seed", "en", "csv"])
def test_long_outputs_are_written_in_chunks_that_join_exactly(
    fmt: str, capsysbinary, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["run", "--lr", "0.3", "--epochs", "1000", "--decay", "0.999", "--format", fmt]
    _, whole, _ = run_cli(argv, capsysbinary)
    from tui import export

    monkeypatch.setattr(export, "CHUNK_ROWS", 7)
    _, chunked, _ = run_cli(argv, capsysbinary)
    assert chunked == whole
    assert len(whole.splitlines()) == 1000 + (fmt == "csv")
