"""Tests of tui.formats: byte-exact "%f" lines, round-tripping CSV/JSON, atomic writes."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from tui import files
from tui.export import FORMATS
from tui.files import write_atomic
from tui.formats import (
    assemble,
    csv_bytes,
    en_lines,
    fixed6,
    json_bytes,
    seed_lines,
)
from tui.summary import summary_line

SEED_FILE = Path(__file__).parent / "data" / "seed_lesson.txt"
SEED_RE = re.compile(
    r"第 (\d+) 次迭代后的w是 ([-\d.]+),对应的loss值是 ([\d.]+)(?:,学习率是([\d.]+))?"
)
SEED_FMT = "第 %s 次迭代后的w是 %f,对应的loss值是 %f"
SEED_LR_FMT = SEED_FMT + ",学习率是%f"

F32_MAX = np.finfo(np.float32).max


# ------------------------------------------------------------------------------------------
# references: plain Python, one row at a time
# ------------------------------------------------------------------------------------------


def py_seed(step, w, loss, lr=None) -> bytes:
    """The lesson's print formatting (numpy float32 scalars, as ``w.numpy()`` gives)."""
    out = []
    for i in range(len(step)):
        if lr is None:
            out.append(SEED_FMT % (int(step[i]), w[i], loss[i]))
        else:
            out.append(SEED_LR_FMT % (int(step[i]), w[i], loss[i], float(lr[i])))
    return "".join(line + "\n" for line in out).encode()


def py_en(step, w, loss, lr=None) -> bytes:
    out = []
    for i in range(len(step)):
        line = "step %d: w = %f, loss = %f" % (int(step[i]), w[i], loss[i])  # noqa: UP031
        if lr is not None:
            line += ", lr = %f" % float(lr[i])  # noqa: UP031
        out.append(line + "\n")
    return "".join(out).encode()


def py_repr32(v: np.float32) -> str:
    """Python-``repr``-style text of the shortest float32 decimal (digits from NumPy)."""
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "-inf" if v < 0 else "inf"
    if v == 0:
        return "-0.0" if np.signbit(v) else "0.0"
    mant, exp_text = np.format_float_scientific(v, unique=True, trim="-").split("e")
    sign = "-" if mant.startswith("-") else ""
    digits = mant.lstrip("-").replace(".", "")
    e = int(exp_text)
    if -4 <= e < 16:
        if e >= 0:
            body = digits[: e + 1].ljust(e + 1, "0") + "." + (digits[e + 1 :] or "0")
        else:
            body = "0." + "0" * (-e - 1) + digits
    else:
        rest = "." + digits[1:] if len(digits) > 1 else ""
        body = f"{digits[0]}{rest}e{'-' if e < 0 else '+'}{abs(e):02d}"
    return sign + body


# ------------------------------------------------------------------------------------------
# test data
# ------------------------------------------------------------------------------------------


def special_f32() -> np.ndarray:
    vals = [0.0, -0.0, np.inf, -np.inf, np.nan, 3.4e38, -3.4e38, F32_MAX, -F32_MAX, 1e-45]
    vals += [-1e-45, 1.17549435e-38, 5e-39, -5e-39, 0.5e-6, 1.5e-6, 2.5e-6, -2.5e-6, 4.88, 36.0]
    vals += [0.9999995, 9.9999995, 99.9999995, 2.0**24, 2.0**33, 2.0**63, 2.0**64, 1e19, 1e20]
    a = np.array(vals, dtype=np.float32)
    neg_nan = np.array([0xFFC00000, 0x7F800001, 0xFF800001, 0x7FFFFFFF], dtype=np.uint32)
    return np.concatenate([a, neg_nan.view(np.float32)])


def tie_f32() -> np.ndarray:
    """Float32 values whose x * 10**6 is exactly k + 1/2, and their neighbours.

    x = (2k + 1) / (2 * 10**6) is a binary fraction only if 5**6 divides 2k + 1, so the ties
    are exactly x = q / 128 with q odd (exact in float32 for q < 2**24); checked with Fraction.
    """
    rng = np.random.default_rng(11)
    q = np.concatenate([np.arange(1, 400, 2), rng.integers(0, 2**23, 3000) * 2 + 1])
    x = (q / 128.0).astype(np.float32)
    assert np.array_equal(x.astype(np.float64) * 128, q)  # exact, so all are ties
    assert all(Fraction(float(v)) * 10**6 % 1 == Fraction(1, 2) for v in x[::50])
    up = np.nextafter(x, np.float32(np.inf))
    down = np.nextafter(x, np.float32(0))
    return np.concatenate([x, -x, up, down, -up])


def random_f32(n: int, seed: int) -> np.ndarray:
    """Random bit patterns and normal values over many magnitudes."""
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32).view(np.float32)
    mags = (rng.standard_normal(n) * 10.0 ** rng.uniform(-12, 15, n)).astype(np.float32)
    small = (rng.standard_normal(n) * 10.0 ** rng.uniform(-3, 3, n)).astype(np.float32)
    return np.concatenate([bits, mags, small])


def random_lr64(n: int, seed: int) -> np.ndarray:
    """Float64 learning rates: schedules, random values, exact and near 6-decimal ties."""
    rng = np.random.default_rng(seed)
    sched = 0.2 * 0.99 ** np.arange(n // 4)
    rand = rng.uniform(0, 2, n // 4) * 10.0 ** rng.integers(-8, 3, n // 4)
    ties = (rng.integers(0, 2**30, n // 8) * 2 + 1) / 128.0  # exactly k + 1/2 millionths
    near = (rng.integers(0, 10**7, n // 8) + 0.5) / 1e6  # nearest doubles to k + 1/2
    near = np.concatenate([near, np.nextafter(near, 0), np.nextafter(near, 1)])
    bits = rng.integers(0, 2**63, n // 8, dtype=np.int64).view(np.float64)
    extra = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e300, -1e-300, 5e-324, 1e19])
    return np.concatenate([sched, rand, ties, -ties, near, bits, extra])


# ------------------------------------------------------------------------------------------
# fixed6 / seed / en
# ------------------------------------------------------------------------------------------


def test_formats_tuple():
    assert FORMATS == ("seed", "en", "csv", "json", "summary")


@pytest.mark.parametrize(
    "values",
    [special_f32(), tie_f32(), random_f32(20000, 1)],
    ids=["special", "ties", "random"],
)
def test_fixed6_float32_matches_percent_f(values):
    got = fixed6(values).tolist()
    expected = [("%f" % float(v)).encode() for v in values]  # noqa: UP031
    assert got == expected


def test_fixed6_float64_matches_percent_f():
    values = random_lr64(40000, 2)
    with np.errstate(invalid="ignore"):
        got = fixed6(values).tolist()
    assert got == [("%f" % float(v)).encode() for v in values]  # noqa: UP031


def test_fixed6_shapes_and_examples():
    assert fixed6(np.array([[4.88, -0.0]], dtype=np.float32)).tolist() == [
        [b"4.880000", b"-0.000000"]
    ]
    assert fixed6(np.array([], dtype=np.float32)).shape == (0,)
    assert fixed6(np.array([float("-nan"), 3.4e38], dtype=np.float32)).tolist() == [
        b"nan",
        b"339999995214436424907732413799364296704.000000",
    ]


def seed_tables() -> list[tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """The lesson's three 20-row tables: (printed lines, step, w, loss, lr or empty)."""
    matches = list(SEED_RE.finditer(SEED_FILE.read_text(encoding="utf-8")))
    assert len(matches) == 60
    tables = []
    for t in range(3):
        ms = matches[20 * t : 20 * t + 20]
        assert [int(m.group(1)) for m in ms] == list(range(1, 21))
        tables.append(
            (
                [m.group(0) for m in ms],
                np.array([int(m.group(1)) for m in ms], dtype=np.int64),
                np.array([float(m.group(2)) for m in ms], dtype=np.float32),
                np.array([float(m.group(3)) for m in ms], dtype=np.float32),
                np.array([float(m.group(4)) for m in ms if m.group(4)], dtype=np.float64),
            )
        )
    return tables


def test_seed_lines_reproduce_the_lesson():
    tables = seed_tables()
    assert [bool(len(t[4])) for t in tables] == [False, False, True]
    for lines, step, w, loss, lr in tables:
        out = seed_lines(step, w, loss, lr if len(lr) else None)
        assert out.decode("utf-8").split("\n") == [*lines, ""]
        assert out == py_seed(step, w, loss, lr if len(lr) else None)


def test_seed_example_lines():
    step = np.array([1, 2], dtype=np.int64)
    w = np.array([4.88, 1.1744], dtype=np.float32)
    loss = np.array([36.0, 12.959999], dtype=np.float32)
    assert (
        seed_lines(step, w, loss)
        == (
            "第 1 次迭代后的w是 4.880000,对应的loss值是 36.000000\n"
            "第 2 次迭代后的w是 1.174400,对应的loss值是 12.959999\n"
        ).encode()
    )
    lr = np.array([0.2, 0.2 * 0.99])
    assert seed_lines(step, w, loss, lr).decode().splitlines()[1] == (
        "第 2 次迭代后的w是 1.174400,对应的loss值是 12.959999,学习率是0.198000"
    )
    assert en_lines(step[:1], w[:1], loss[:1]) == b"step 1: w = 4.880000, loss = 36.000000\n"
    assert en_lines(step[:1], w[:1], loss[:1], np.array([0.2])) == (
        b"step 1: w = 4.880000, loss = 36.000000, lr = 0.200000\n"
    )


def test_seed_and_en_lines_match_python_loop_on_random_data():
    w = np.concatenate([random_f32(12000, 3), special_f32(), tie_f32()])
    rng = np.random.default_rng(4)
    loss = w[rng.permutation(w.size)]
    n = w.size
    step = np.arange(1, n + 1, dtype=np.int64) * 97  # wide step numbers, several chunks
    lr = random_lr64(n, 5)[:n]
    assert lr.size == n and n > 2 * assemble._CHUNK
    with np.errstate(invalid="ignore"):
        assert seed_lines(step, w, loss) == py_seed(step, w, loss)
        assert seed_lines(step, w, loss, lr) == py_seed(step, w, loss, lr)
        assert en_lines(step, w, loss, lr) == py_en(step, w, loss, lr)


def test_repeated_values_and_huge_steps():
    """Runs of equal values (constant lr, converged w) and 10-million-step numbers."""
    n = 5000
    step = np.arange(9_999_000, 9_999_000 + n, dtype=np.int64)
    w = np.repeat(np.array([-1.0, -0.99999994, 3.0], dtype=np.float32), [2000, 1000, 2000])
    loss = np.square(w + np.float32(1))
    lr = np.full(n, 0.01)
    lr[4000:] = 0.009999999999
    assert seed_lines(step, w, loss, lr) == py_seed(step, w, loss, lr)
    assert en_lines(step, w, loss) == py_en(step, w, loss)
    const = np.full(n, -0.0, dtype=np.float32)  # one run per chunk
    assert en_lines(step, const, const, lr) == py_en(step, const, const, lr)
    assert (
        csv_bytes(step, const, const, const).decode().splitlines()[-1] == "10003999,-0.0,-0.0,-0.0"
    )


def test_float64_w_and_negative_steps():
    w = np.array([0.1234565, -2.5e-7, 1e17, -0.0])
    step = np.array([-3, 0, 7, -(2**63)], dtype=np.int64)
    assert seed_lines(step, w, w, w) == py_seed(step, w, w, w)


def test_empty_and_mismatched_inputs():
    e32 = np.zeros(0, dtype=np.float32)
    e64 = np.zeros(0, dtype=np.int64)
    assert seed_lines(e64, e32, e32) == b""
    assert en_lines(e64, e32, e32, np.zeros(0)) == b""
    with pytest.raises(ValueError):
        seed_lines(np.arange(3), np.zeros(2, np.float32), np.zeros(3, np.float32))
    with pytest.raises(TypeError):
        en_lines(np.zeros(1), np.zeros(1, np.float32), np.zeros(1, np.float32))


def test_summary_line():
    assert summary_line(20, 3.005648, 16.706804, "still descending") == (
        "step 20: w = 3.005648, loss = 16.706804, status: still descending"
    )
    assert summary_line(3, np.float32("nan"), float("inf"), "diverged") == (
        "step 3: w = nan, loss = inf, status: diverged"
    )


# ------------------------------------------------------------------------------------------
# CSV / JSON
# ------------------------------------------------------------------------------------------


def same_f32(text_values, expected: np.ndarray) -> None:
    """Every text reads back (through float64) to the same float32 bits; NaN stays NaN."""
    got = np.array([np.float32(float(t)) for t in text_values], dtype=np.float32)
    exp_nan = np.isnan(expected)
    assert np.array_equal(np.isnan(got), exp_nan)
    assert np.array_equal(got.view(np.uint32)[~exp_nan], expected.view(np.uint32)[~exp_nan])


def csv_case() -> tuple[np.ndarray, ...]:
    pow2 = np.ldexp(np.float32(1), np.arange(-149, 128)).astype(np.float32)
    ints = np.random.default_rng(6).integers(2**24, 2**40, 3000).astype(np.float32)
    w = np.concatenate([random_f32(8000, 7), special_f32(), tie_f32(), pow2, -pow2, ints])
    rng = np.random.default_rng(8)
    loss = w[rng.permutation(w.size)]
    lr = np.concatenate(
        [np.full(w.size // 2, 0.01, np.float32), rng.permutation(w)[: w.size - w.size // 2]]
    )
    step = np.arange(1, w.size + 1, dtype=np.int64)
    return step, w, loss, lr


def test_csv_round_trips_every_float32():
    step, w, loss, lr = csv_case()
    text = csv_bytes(step, w, loss, lr).decode("ascii")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["step", "w", "loss", "lr"]
    body = rows[1:]
    assert len(body) == step.size
    assert [int(r[0]) for r in body] == step.tolist()
    for col, values in ((1, w), (2, loss), (3, lr)):
        same_f32([r[col] for r in body], values)
    assert text.endswith("\n") and "\r" not in text


def test_csv_text_is_shortest_repr():
    step, w, loss, lr = csv_case()
    body = csv_bytes(step, w, loss, lr).decode().splitlines()[1:]
    assert [r.split(",")[1] for r in body] == [py_repr32(v) for v in w]
    small = np.array([4.88, 36.0, 0.01, 3.4e38, 1e-45, 1e16, 1e-4, 1e-5, -0.0], np.float32)
    out = csv_bytes(np.arange(1, 10), small, small, small).decode().splitlines()
    assert [r.split(",")[1] for r in out[1:]] == [
        "4.88",
        "36.0",
        "0.01",
        "3.4e+38",
        "1e-45",
        "1e+16",
        "0.0001",
        "1e-05",
        "-0.0",
    ]
    special = np.array([np.inf, -np.inf, np.nan], np.float32)
    assert csv_bytes(np.arange(3), special, special, special).decode().splitlines()[1:] == [
        "0,inf,inf,inf",
        "1,-inf,-inf,-inf",
        "2,nan,nan,nan",
    ]


def test_csv_rejects_non_float32_values():
    with pytest.raises(TypeError):
        csv_bytes(np.arange(1), np.zeros(1, np.float32), np.zeros(1, np.float32), None)
    with pytest.raises(ValueError):
        csv_bytes(np.arange(1), np.array([0.1]), np.zeros(1, np.float32), np.zeros(1, np.float32))
    # float64 holding float32 values is fine
    assert csv_bytes(np.arange(1), np.array([0.5]), np.array([2.0]), np.array([0.25])) == (
        b"step,w,loss,lr\n0,0.5,2.0,0.25\n"
    )


def strict_loads(data: bytes):
    def no_constants(name):
        raise AssertionError(f"non-standard JSON constant {name}")

    return json.loads(data, parse_constant=no_constants)


def test_json_round_trips_and_is_strict():
    step, w, loss, lr = csv_case()
    meta = {"lr": 0.01, "schedule": "constant", "seed": [1, 2], "名字": "学习率"}
    data = json_bytes(step, w, loss, lr, meta)
    for token in (b"NaN", b"Infinity"):
        assert token not in data
    doc = strict_loads(data)
    assert list(doc) == ["meta", "columns", "rows"]
    assert doc["meta"] == meta
    assert doc["columns"] == ["step", "w", "loss", "lr"]
    rows = doc["rows"]
    assert [r[0] for r in rows] == step.tolist()

    def as_text(v):
        if isinstance(v, str):
            assert v in ("inf", "-inf", "nan")
        else:
            assert isinstance(v, float)
        return v

    for col, values in ((1, w), (2, loss), (3, lr)):
        same_f32([as_text(r[col]) for r in rows], values)


def test_json_small_and_empty():
    s = np.array([1, 2], np.int64)
    w = np.array([4.88, np.nan], np.float32)
    loss = np.array([36.0, -np.inf], np.float32)
    lr = np.array([0.01, 0.01], np.float32)
    data = json_bytes(s, w, loss, lr, {"lr": 0.01})
    assert json.loads(data)["rows"] == [[1, 4.88, 36.0, 0.01], [2, "nan", "-inf", 0.01]]
    empty = json_bytes(s[:0], w[:0], loss[:0], lr[:0], {})
    assert strict_loads(empty) == {"meta": {}, "columns": ["step", "w", "loss", "lr"], "rows": []}
    with pytest.raises(ValueError):
        json_bytes(s, w, loss, lr, {"bad": float("nan")})


# ------------------------------------------------------------------------------------------
# write_atomic
# ------------------------------------------------------------------------------------------


def test_write_atomic_writes_and_replaces(tmp_path):
    target = tmp_path / "log.txt"
    write_atomic(target, b"first")
    assert target.read_bytes() == b"first"
    write_atomic(str(target), b"second")
    assert target.read_bytes() == b"second"
    assert sorted(os.listdir(tmp_path)) == ["log.txt"]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_write_atomic_failed_replace_keeps_old_file(tmp_path, monkeypatch):
    target = tmp_path / "log.txt"
    target.write_bytes(b"old")

    def boom(src, dst):
        raise OSError("disk on fire")

    monkeypatch.setattr(files.os, "replace", boom)
    with pytest.raises(OSError, match="disk on fire"):
        write_atomic(target, b"new content")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["log.txt"]


def test_write_atomic_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "new.txt"
    with pytest.raises(TypeError):
        write_atomic(target, "not bytes")  # type: ignore[arg-type]
    assert os.listdir(tmp_path) == []
    target.write_bytes(b"keep")
    with pytest.raises(TypeError):
        write_atomic(target, None)  # type: ignore[arg-type]
    assert target.read_bytes() == b"keep"
    assert os.listdir(tmp_path) == ["new.txt"]


def test_write_atomic_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "nope" / "x.txt", b"data")
    assert os.listdir(tmp_path) == []


def test_write_atomic_keeps_permissions_of_replaced_file(tmp_path):
    target = tmp_path / "log.txt"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o640
