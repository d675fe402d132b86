"""A run's result as it is pickled (tui.engine.result_wire): the arrays of one value and the
steps travel as what makes them again, and come back with the same dtype, length, bits and
writability; every other array travels as it is."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from tui.engine import descent
from tui.engine.outcome import Outcome, Status
from tui.engine.result import RunResult
from tui.engine.result_wire import Counted, Repeated, pack
from tui.engine.spec import RunSpec
from tui.i18n import msg

COLUMNS = ("step", "w", "w2", "loss", "lr", "lr64")


def made(n: int, **columns: np.ndarray) -> RunResult:
    """A result of ``n`` steps: the steps 1..n, a constant rate, random w and loss, unless
    ``columns`` say otherwise."""
    rng = np.random.default_rng(n)
    fields = {
        "step": np.arange(1, n + 1, dtype=np.int64),
        "w": rng.standard_normal(n).astype(np.float32),
        "loss": rng.standard_normal(n).astype(np.float32),
        "lr": np.full(n, 0.01, np.float32),
        "lr64": np.full(n, 0.01),
        **columns,
    }
    return RunResult(
        RunSpec(epochs=n),
        "(w + 1)**2",
        final_loss=np.float32(1.5),
        final_grad=np.float32(-0.25),
        status=Status(Outcome.DESCENDING, None, msg("engine.closed")),
        backend="xla",
        **fields,
    )


def out_of_band(result: RunResult) -> tuple[RunResult, int]:
    """``result`` pickled as the engine's process sends it (protocol 5, arrays out of band)
    and unpickled; with the bytes sent in all."""
    buffers: list[pickle.PickleBuffer] = []
    header = pickle.dumps(result, protocol=5, buffer_callback=buffers.append)
    views = [buffer.raw() for buffer in buffers]
    copies = [bytearray(view) for view in views]  # as the reader fills its own buffers
    got = pickle.loads(header, buffers=copies)
    return got, len(header) + sum(view.nbytes for view in views)


def assert_same(mine: RunResult, theirs: RunResult) -> None:
    for name in COLUMNS:
        a, b = getattr(mine, name), getattr(theirs, name)
        if a is None:
            assert b is None, name
            continue
        assert (a.dtype, a.shape) == (b.dtype, b.shape), name
        assert a.tobytes() == b.tobytes(), name
        # (the engine's rate tables are read-only, and an unpickled copy of one may be too)
        assert b.flags.writeable or not a.flags.writeable, f"{name} came back read-only"
    for name in ("spec", "loss_expr", "status", "backend", "tol", "seconds"):
        assert getattr(theirs, name) == getattr(mine, name), name
    for name in ("final_loss", "final_grad", "final_grad2"):
        a, b = getattr(mine, name), getattr(theirs, name)
        assert type(a) is type(b) and np.asarray(a).tobytes() == np.asarray(b).tobytes(), name


def test_a_constant_rate_and_the_steps_are_not_sent_as_bytes() -> None:
    n = 100_000
    result = made(n)
    got, sent = out_of_band(result)
    assert_same(result, got)
    # Only w and the loss go as bytes: the steps (8n), the rate (4n) and lr64 (8n) do not.
    assert sent < 8 * n + 4096, sent
    assert (got.step[0], got.step[-1]) == (1, n)


@pytest.mark.parametrize(
    ("name", "column"),
    [
        ("lr", np.r_[np.full(99, 0.01, np.float32), np.float32(0.02)]),  # the last one differs
        ("lr64", 0.01 * 0.99 ** np.arange(100)),  # a decaying rate
        ("lr", np.r_[np.zeros(50, np.float32), np.full(50, -0.0, np.float32)]),  # 0 and -0
        ("step", np.arange(0, 100, dtype=np.int64)),  # from 0: not the steps
        ("step", np.r_[np.arange(1, 50), np.arange(51, 102)].astype(np.int64)),  # a step left out
    ],
)
def test_an_array_of_more_than_one_value_goes_as_it_is(name: str, column: np.ndarray) -> None:
    assert pack(column) is column
    result = made(100, **{name: column})
    got, _ = out_of_band(result)
    assert_same(result, got)


def test_a_repeated_nan_keeps_its_payload_and_a_repeated_zero_its_sign() -> None:
    nan = np.full(100, np.nan, np.float32)
    nan.view(np.int32)[:] = 0x7FC00123
    zero = np.full(100, -0.0)
    assert isinstance(pack(nan), Repeated) and isinstance(pack(zero), Repeated)
    result = made(100, w=nan, loss=nan.copy(), lr64=zero)
    got, _ = out_of_band(result)
    assert_same(result, got)
    assert (got.w.view(np.int32) == 0x7FC00123).all()
    assert np.signbit(got.lr64).all()


def test_short_arrays_and_other_steps_dtypes() -> None:
    short = np.full(10, 0.5, np.float32)
    assert pack(short) is short
    steps = np.arange(1, 101, dtype=np.int32)
    assert pack(steps) == Counted(100, steps.dtype.str)
    result = made(100, step=steps)
    got, _ = out_of_band(result)
    assert_same(result, got)


@pytest.mark.parametrize(
    "spec",
    [
        RunSpec(lr=0.2, epochs=3000),
        RunSpec(lr=0.2, epochs=3000, decay=0.99),
        RunSpec(lr=0.2, epochs=3000, optimizer="adam"),
        RunSpec(lr=0.2, epochs=3000, start2=1.0),
    ],
)
def test_an_engine_run_comes_back_bit_for_bit(spec: RunSpec) -> None:
    loss = "(w1 + 1)**2 + 3*(w2 - 1)**2" if spec.start2 is not None else "(w + 1)**2"
    (result,) = descent.run_batch([spec], loss)
    got, sent = out_of_band(result)
    assert_same(result, got)
    columns = [getattr(result, name) for name in COLUMNS]
    arrays = sum(column.nbytes for column in columns if column is not None)
    if not spec.decays:  # the steps, and the rate at least, are not sent as bytes
        assert sent < arrays - 8 * spec.epochs - 4 * spec.epochs
