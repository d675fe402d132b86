"""Long logs are written as they are made (issue 14, item 7): ``run --out`` and the JSON format
go to the file a piece at a time, still byte for byte the whole document, still atomic."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tui import formats
from tui.files import write_atomic


def columns(n: int, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    values = (rng.standard_normal((3, n)) * 10.0 ** rng.uniform(-8, 8, (3, n))).astype(np.float32)
    values[:, rng.integers(0, max(n, 1), 2) if n else []] = np.inf
    return np.arange(1, n + 1), values[0], values[1], values[2]


@pytest.mark.parametrize("n", [0, 1, 2, 7, 64])
@pytest.mark.parametrize("rows", [1, 3, 7, None])
def test_json_in_pieces_is_the_whole_document(n: int, rows: int | None) -> None:
    step, w, loss, lr = columns(n, n * 10 + (rows or 0))
    meta = {"lr": 0.01, "tol": 1e-6}
    pieces = list(formats.json_chunks(step, w, loss, lr, meta, rows=rows))
    whole = formats.json_bytes(step, w, loss, lr, meta)
    assert b"".join(pieces) == whole
    if rows is not None and n > rows:
        assert len(pieces) == -(-n // rows)  # every piece holds at most `rows` rows
    doc = json.loads(whole)
    assert len(doc["rows"]) == n and doc["meta"] == meta


def test_pieces_are_written_in_order_and_whole(tmp_path) -> None:
    target = tmp_path / "log.csv"
    made: list[int] = []

    def pieces():
        for i in range(5):
            made.append(i)
            yield f"{i}\n".encode()

    write_atomic(target, pieces())
    assert target.read_bytes() == b"0\n1\n2\n3\n4\n" and made == [0, 1, 2, 3, 4]


def test_a_failure_while_the_pieces_are_made_leaves_the_old_file(tmp_path) -> None:
    target = tmp_path / "log.csv"
    target.write_bytes(b"before\n")

    def pieces():
        yield b"half of "
        raise RuntimeError("the formatter failed")

    with pytest.raises(RuntimeError):
        write_atomic(target, pieces())
    assert target.read_bytes() == b"before\n"
    assert [p.name for p in tmp_path.iterdir()] == ["log.csv"]  # no temporary file left


def test_an_export_plans_the_logs_in_pieces(tmp_path) -> None:
    """The export screen writes each log as it is made too: its plan gives the pieces, which
    joined are the format's bytes (a visitor's download joins them)."""
    from tui import export
    from tui.engine import descent
    from tui.engine.spec import RunSpec
    from tui.files import whole

    result = descent.run(RunSpec(epochs=20))
    files = export.plan(tmp_path, "r", result, kinds=["csv", "json", "txt"], svg="<svg/>")
    for path, make in files.items():
        contents = make()
        if path.suffix == ".svg":
            assert contents == b"<svg/>"
            continue
        assert not isinstance(contents, bytes)  # pieces, made while they are written
        fmt = {".csv": "csv", ".json": "json", ".txt": export.text_format()}[path.suffix]
        assert whole(contents) == export.run_bytes(result, fmt)
