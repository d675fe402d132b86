"""A run's reply with its arrays out of band (tui.engine.protocol): the same bits, arrays as
writable as unpickled ones, read piece by piece, and an engine gone mid-reply read as gone."""

from __future__ import annotations

import threading
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from typing import Any

import numpy as np
import pytest

from tui.engine import protocol
from tui.engine.outcome import Outcome, Status
from tui.engine.protocol import Buffers, RunDone, RunProgress
from tui.engine.result import RunResult
from tui.engine.spec import RunSpec
from tui.i18n import msg


def result(n: int) -> RunResult:
    """A run's result of ``n`` steps with the engine's dtypes, and bits of every kind (NaN
    payloads, infinities, negative zero) in its float columns."""
    rng = np.random.default_rng(n)
    w = rng.standard_normal(n).astype(np.float32)
    w[:4] = [np.nan, np.inf, -0.0, -np.inf]
    w.view(np.int32)[4] = 0x7FC00123  # a NaN with a payload of its own
    return RunResult(
        RunSpec(epochs=n),
        "(w + 1)**2",
        np.arange(1, n + 1, dtype=np.int64),
        w,
        rng.standard_normal(n).astype(np.float32),
        np.full(n, 0.01, np.float32),
        rng.standard_normal(n),
        np.float32(1.5),
        np.float32(-0.25),
        Status(Outcome.DESCENDING, None, msg("engine.closed")),
        "graph",
        w2=rng.standard_normal(n).astype(np.float32),
        final_grad2=np.float32(2.0),
    )


class Recording:
    """A reply end that records the size of every message :func:`protocol.receive` takes."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.pieces: list[int] = []

    def recv(self) -> Any:
        return self.connection.recv()

    def recv_bytes_into(self, buffer: Any, offset: int = 0) -> int:
        size = self.connection.recv_bytes_into(buffer, offset)
        self.pieces.append(size)
        return size


def sent_through_a_pipe(reply: object, piece: int, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``reply`` sent out of band by a thread (a pipe holds less than a reply) and received."""
    monkeypatch.setattr(protocol, "PIECE", piece)
    reader, writer = Pipe(duplex=False)
    sender = threading.Thread(target=protocol.send_out_of_band, args=(writer, reply), daemon=True)
    sender.start()
    recording = Recording(reader)
    try:
        got = protocol.receive(recording)  # type: ignore[arg-type]
    finally:
        reader.close()  # a failed read leaves no sender blocked on a full pipe
    sender.join(10)
    assert recording.pieces and max(recording.pieces) <= piece, "a message bigger than a piece"
    return got


def test_the_arrays_come_out_of_band_with_the_same_bits(monkeypatch: pytest.MonkeyPatch) -> None:
    sent = RunDone(7, (result(50_000), result(8)), curvature=2.0)
    got = sent_through_a_pipe(sent, 10_000, monkeypatch)
    assert isinstance(got, RunDone) and (got.request_id, got.curvature) == (7, 2.0)
    for mine, theirs in zip(sent.results, got.results, strict=True):
        for name in ("step", "w", "w2", "loss", "lr", "lr64"):
            a, b = getattr(mine, name), getattr(theirs, name)
            assert (a.dtype, a.shape) == (b.dtype, b.shape), name
            assert a.tobytes() == b.tobytes(), name
            assert b.flags.writeable, f"{name} is read-only, as an unpickled array is not"
        assert (theirs.final_loss, theirs.final_grad2) == (mine.final_loss, mine.final_grad2)
        assert theirs.status == mine.status and theirs.spec == mine.spec


def test_a_reply_sent_whole_is_received_as_it_was() -> None:
    reader, writer = Pipe(duplex=False)
    writer.send(RunProgress(3, 10, 20))
    assert protocol.receive(reader) == RunProgress(3, 10, 20)


def test_an_engine_gone_in_the_middle_of_a_reply_reads_as_gone() -> None:
    reader, writer = Pipe(duplex=False)
    writer.send(Buffers(b"", (1000,)))
    writer.send_bytes(b"x" * 10)
    writer.close()
    with pytest.raises(EOFError):
        protocol.receive(reader)
