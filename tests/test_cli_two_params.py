"""``lr-explorer run`` on a loss of two parameters (issue 15): ``--w1``/``--w0`` and ``--w2``
give the starts, every format prints every step with w1 and w2, each checked against the
two-variable eager loop a user writes (``eager_reference.eager_run_two``) and ``%f`` computed
here; ``--w2`` not given is the parameter table's default (as in the explorer's field and in
sessions), said on standard error and in the help; ``--w2`` for a loss of w is refused, naming
it; a loss of w prints exactly as before (no w2 anywhere)."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
import tensorflow as tf
from conftest import bits
from eager_reference import eager_run, eager_run_two

from tui import cli, formats
from tui.engine.spec import RunSpec
from tui.i18n import catalogue
from tui.model.parameters import START2_DEFAULT, by_name


def run_cli(argv: list[str], capsysbinary) -> tuple[int, str, str]:
    """Run ``lr-explorer`` in this process; return (status, stdout, stderr) as text."""
    try:
        status = cli.main(argv)
    except SystemExit as exc:
        status = exc.code
    out, err = capsysbinary.readouterr()
    return status, out.decode("utf-8"), err.decode("utf-8")


def stretched(w1: tf.Tensor, w2: tf.Tensor) -> tf.Tensor:
    """``(w1 + 1)**2 + 10*(w2 - 1)**2``, by hand."""
    return tf.square(w1 + 1.0) + 10.0 * tf.square(w2 - 1.0)


def rosenbrock(w1: tf.Tensor, w2: tf.Tensor) -> tf.Tensor:
    """``(1 - w1)**2 + 100*(w2 - w1**2)**2``, by hand."""
    return tf.square(1.0 - w1) + 100.0 * tf.square(w2 - tf.square(w1))


#: Plain descent with the seed's exponential decay (so the sentences print the rate).
ARGV_GD = [
    "--loss", "(w1 + 1)**2 + 10*(w2 - 1)**2",
    "--w1", "3",
    "--w2", "-0.5",
    "--lr", "0.09",
    "--epochs", "40",
    "--decay", "0.95",
]  # fmt: skip
SPEC_GD = RunSpec(w0=3.0, start2=-0.5, lr=0.09, epochs=40, decay=0.95)

#: Adam on Rosenbrock's valley, w1's start given as --w0 (the same option).
ARGV_ADAM = [
    "--loss", "(1 - w1)**2 + 100*(w2 - w1**2)**2",
    "--w0", "-1.5",
    "--w2", "2",
    "--lr", "0.05",
    "--epochs", "50",
    "--optimizer", "adam",
    "--beta", "0.8",
]  # fmt: skip
SPEC_ADAM = RunSpec(w0=-1.5, start2=2.0, lr=0.05, epochs=50, optimizer="adam", beta=0.8)

CASES = {"gd": (ARGV_GD, stretched, SPEC_GD), "adam": (ARGV_ADAM, rosenbrock, SPEC_ADAM)}


def reference(case: str):
    """The eager loop's w1, w2, loss and rates for ``case``, and its final loss."""
    _, fn, spec = CASES[case]
    w1, w2, losses, lrs, final = eager_run_two(fn, spec)
    return w1, w2, losses, lrs, final[0]


@pytest.mark.parametrize("case", sorted(CASES))
def test_csv_and_json_are_the_eager_loop_in_columns_step_w1_w2_loss_lr(
    case: str, capsysbinary
) -> None:
    argv = CASES[case][0]
    w1, w2, losses, lrs, _ = reference(case)
    expected = [bits(w1), bits(w2), bits(losses), bits(np.array(lrs, np.float32))]
    status, out, err = run_cli(["run", *argv, "--format", "csv"], capsysbinary)
    assert status == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["step", "w1", "w2", "loss", "lr"]
    assert [int(r[0]) for r in rows[1:]] == list(range(1, len(w1) + 1))
    for column, want in enumerate(expected, start=1):
        got = bits(np.array([np.float32(float(r[column])) for r in rows[1:]], np.float32))
        assert got.tolist() == want.tolist(), rows[0][column]
    status, out, err = run_cli(["run", *argv, "--format", "json"], capsysbinary)
    assert status == 0, err
    document = json.loads(out)
    assert document["columns"] == ["step", "w1", "w2", "loss", "lr"]
    assert document["meta"]["w0"] == CASES[case][2].w0
    assert document["meta"]["start2"] == CASES[case][2].start2
    table = np.array(document["rows"], np.float64)
    assert table[:, 0].tolist() == list(range(1, len(w1) + 1))
    for column, want in enumerate(expected, start=1):
        assert bits(table[:, column].astype(np.float32)).tolist() == want.tolist()


@pytest.mark.parametrize(
    ("fmt", "line"),
    [
        ("seed", "第 %d 次迭代后的w1是 %f,w2是 %f,对应的loss值是 %f,学习率是%f"),
        ("en", "step %d: w1 = %f, w2 = %f, loss = %f, lr = %f"),
    ],
)
def test_both_sentence_forms_print_every_step_with_w1_and_w2(
    fmt: str, line: str, capsysbinary
) -> None:
    w1, w2, losses, lrs, _ = reference("gd")
    status, out, err = run_cli(["run", *ARGV_GD, "--format", fmt], capsysbinary)
    assert status == 0, err
    rows = zip(w1.tolist(), w2.tolist(), losses.tolist(), lrs, strict=True)
    expected = [line % (k, a, b, loss, lr) for k, (a, b, loss, lr) in enumerate(rows, 1)]
    assert out.splitlines() == expected


def test_a_constant_rate_prints_no_rate_in_the_sentences(capsysbinary) -> None:
    argv = [*ARGV_ADAM, "--format", "seed"]
    w1, w2, losses, _, _ = reference("adam")
    status, out, err = run_cli(["run", *argv], capsysbinary)
    assert status == 0, err
    rows = zip(w1.tolist(), w2.tolist(), losses.tolist(), strict=True)
    line = "第 %d 次迭代后的w1是 %f,w2是 %f,对应的loss值是 %f"
    assert out.splitlines() == [line % (k, *row) for k, row in enumerate(rows, 1)]


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "step 50: w1 = %f, w2 = %f, loss = %f, status: %s"),
        ("zh", "第 50 步：w1 = %f，w2 = %f，loss = %f，状态：%s"),
    ],
)
def test_the_summary_names_w1_and_w2_at_the_last_step(lang: str, line: str, capsysbinary) -> None:
    w1, w2, _, _, final_loss = reference("adam")
    argv = ["--lang", lang, "run", *ARGV_ADAM]
    status, out, err = run_cli([*argv, "--format", "json"], capsysbinary)
    assert status == 0, err
    outcome = json.loads(out)["meta"]["status"]
    status, out, err = run_cli([*argv, "--format", "summary"], capsysbinary)
    assert status == 0, err
    assert out == line % (float(w1[-1]), float(w2[-1]), float(final_loss), outcome) + "\n"


@pytest.mark.parametrize("command", [["run"], [], ["serve"]])
def test_w2_for_a_loss_of_w_is_refused_naming_it(command: list[str], capsysbinary) -> None:
    argv = [*command, "--loss", "(w + 1)**2", "--w2", "1"]
    status, out, err = run_cli(argv, capsysbinary)
    assert status == 2 and out == ""
    why = "a loss of w alone has no w2: give only w0"
    assert err.splitlines()[-1] == f"lr-explorer: error: argument --w2: {why} (see --help)"


def test_the_refusal_is_in_chinese_too(capsysbinary) -> None:
    argv = ["--lang", "zh", "run", "--loss", "(w + 1)**2", "--w2", "1"]
    status, _, err = run_cli(argv, capsysbinary)
    assert status == 2
    assert err.splitlines()[-1] == (
        "lr-explorer：错误：参数 --w2：只含 w 的 loss 没有 w2：只需给出 w0（见 --help）"
    )


BOWL_ARGV = ["--loss", "(w1 + 1)**2 + 10*(w2 - 1)**2", "--lr", "0.05", "--epochs", "8"]


@pytest.mark.parametrize(
    ("lang", "note"),
    [
        ("en", "lr-explorer: the run starts at w1 = 5, w2 = 5 (w2's default; --w2 sets it)"),
        ("zh", "lr-explorer：起点 w1 = 5，w2 = 5（w2 取默认值；可用 --w2 设置）"),
    ],
)
def test_w2_not_given_starts_at_the_tables_default_and_says_so(
    lang: str, note: str, capsysbinary
) -> None:
    assert START2_DEFAULT == by_name()["w2"].default == 5.0
    argv = ["--lang", lang, "run", *BOWL_ARGV, "--format", "csv"]
    status, defaulted, err = run_cli(argv, capsysbinary)
    assert status == 0 and err.splitlines() == [note]
    status, given, err = run_cli([*argv, "--w2", "5"], capsysbinary)
    assert status == 0 and given == defaulted
    assert err.splitlines()[-1] == note.split(" (")[0].split("（")[0]
    spec = RunSpec(w0=5.0, start2=START2_DEFAULT, lr=0.05, epochs=8)
    _, w2, _, _, _ = eager_run_two(stretched, spec)
    rows = list(csv.reader(io.StringIO(defaulted)))[1:]
    assert bits(np.array([float(r[2]) for r in rows], np.float32)).tolist() == bits(w2).tolist()


def test_the_starts_note_gives_every_digit_given(capsysbinary) -> None:
    argv = ["run", *BOWL_ARGV, "--w1", "-0.5", "--w2", "0.1234567891", "--format", "summary"]
    status, _, err = run_cli(argv, capsysbinary)
    assert status == 0
    assert err.splitlines() == ["lr-explorer: the run starts at w1 = -0.5, w2 = 0.1234567891"]


@pytest.mark.parametrize(("lang", "words"), [("en", "(default 5)"), ("zh", "（默认 5）")])
def test_the_help_gives_w2s_default(lang: str, words: str, capsysbinary) -> None:
    status, out, _ = run_cli(["--lang", lang, "run", "--help"], capsysbinary)
    assert status == 0
    # The help is wrapped at the terminal's width (Chinese between any two characters).
    text = "".join(out.split())
    help_w2 = "".join(catalogue(lang)["cli.help.start2"].format(default=5).split())
    assert f"--w2W2{help_w2}" in text and help_w2.endswith("".join(words.split()))


@pytest.mark.parametrize("fmt", ["seed", "en", "csv", "json"])
def test_a_loss_of_w_prints_w_as_before(fmt: str, capsysbinary) -> None:
    ws, losses, lrs = eager_run(lambda w: tf.square(w - 1.0), 3.0, 0.1, 6, 0.9, 1.0)
    argv = ["run", "--loss", "(w - 1)**2", "--w0", "3", "--lr", "0.1", "--epochs", "6"]
    status, out, err = run_cli([*argv, "--decay", "0.9", "--format", fmt], capsysbinary)
    assert status == 0, err
    step = np.arange(1, 7)
    lr32 = np.array(lrs, np.float32)
    expected = {
        "seed": lambda: formats.seed_lines(step, ws, losses, np.array(lrs)),
        "en": lambda: formats.en_lines(step, ws, losses, np.array(lrs)),
        "csv": lambda: formats.csv_bytes(step, ws, losses, lr32),
    }
    if fmt == "json":
        document = json.loads(out)
        assert document["columns"] == ["step", "w", "loss", "lr"]
        assert "start2" not in document["meta"] and "w2" not in out
    else:
        assert out.encode() == expected[fmt]()
        assert "w1" not in out and "w2" not in out


def test_long_two_parameter_outputs_come_in_chunks_that_join_exactly(monkeypatch) -> None:
    from tui import export
    from tui.engine import descent

    result = descent.run(SPEC_GD, "(w1 + 1)**2 + 10*(w2 - 1)**2")
    whole = {fmt: export.run_bytes(result, fmt) for fmt in ("seed", "en", "csv", "json")}
    monkeypatch.setattr(export, "CHUNK_ROWS", 7)
    for fmt, text in whole.items():
        pieces = list(export.run_chunks(result, fmt))
        assert len(pieces) > 1 and b"".join(pieces) == text, fmt
    assert whole["csv"].count(b"step,") == 1
    rows = [line.split(b",") for line in whole["csv"].splitlines()[1:]]
    assert (
        bits(np.array([float(r[2]) for r in rows], np.float32)).tolist() == bits(result.w2).tolist()
    )


async def test_the_export_screen_writes_w1_and_w2_of_the_run_and_its_pins(tmp_path) -> None:
    from app_helpers import wait_for_run, wait_until
    from export_drive import export_into

    from tui.app import ExplorerApp
    from tui.model.params import PRESETS

    app = ExplorerApp(PRESETS[4], language="en", show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "p")
        await wait_until(pilot, lambda: all(p.result is not None for p in app.pins), 30, "pin")
        await export_into(pilot, tmp_path)
        spec = PRESETS[4].spec
        w1, w2, losses, lrs, _ = eager_run_two(stretched, spec)
        for name in ("lr-run", "lr-run-pin1"):
            rows = list(csv.reader(io.StringIO((tmp_path / f"{name}.csv").read_text())))
            assert rows[0] == ["step", "w1", "w2", "loss", "lr"]
            got = np.array([[np.float32(float(x)) for x in r[1:3]] for r in rows[1:]], np.float32)
            assert bits(got[:, 0]).tolist() == bits(w1).tolist()
            assert bits(got[:, 1]).tolist() == bits(w2).tolist()
            document = json.loads((tmp_path / f"{name}.json").read_text())
            assert document["columns"] == ["step", "w1", "w2", "loss", "lr"]
            assert document["meta"]["start2"] == spec.start2
        text = (tmp_path / "lr-run.txt").read_text(encoding="utf-8").splitlines()
        a, b, loss = float(w1[0]), float(w2[0]), float(losses[0])
        assert text[0] == f"step 1: w1 = {a:f}, w2 = {b:f}, loss = {loss:f}"
        assert len(text) == spec.epochs
