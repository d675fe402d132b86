"""A request that would need more memory than the machine has is refused before the engine
allocates it, with the figures, in both languages (MemAvailable faked)."""

from __future__ import annotations

import threading
from multiprocessing import Pipe
from pathlib import Path

import pytest

from tui import i18n
from tui.engine import descent, memory, server
from tui.engine.protocol import EngineReady, RunFailed, RunRequest
from tui.engine.spec import MAX_CELLS, MAX_EPOCHS, ParameterError, RunSpec

MEMINFO = """MemTotal:       24683652 kB
MemFree:          901532 kB
MemAvailable:     {kb} kB
Buffers:          123456 kB
"""


@pytest.fixture
def available_kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Set the MemAvailable the engine reads, in kB."""
    path = tmp_path / "meminfo"
    monkeypatch.setattr(memory, "MEMINFO", path)

    def set_kb(kb: int) -> None:
        path.write_text(MEMINFO.format(kb=kb), encoding="ascii")

    return set_kb


def test_the_estimate_counts_the_engines_and_the_explorers_arrays() -> None:
    # The 5 runs of 10M steps: 92 bytes a step (64 engine, 28 explorer: the reply's
    # arrays come out of band, read in place, so the explorer holds the result once).
    wanted = memory.need(5, 10_000_000)
    assert (wanted.engine, wanted.ui, wanted.total) == (3_200_000_000, 1_400_000_000, 46 * 10**8)
    assert memory.size_text(wanted.total) == "4.6 GB"
    # w1 and w2: one more float32 column in each copy.
    assert memory.need(1, 1, params=2).total == 92 + 12 + 4
    # The spec's own ceiling, for scale: the most one request may ask for.
    assert memory.need(MAX_CELLS // MAX_EPOCHS, MAX_EPOCHS).total == 46 * 10**8


def test_mem_available_is_read_from_meminfo(available_kb, tmp_path: Path) -> None:
    available_kb(2048)
    assert memory.available() == 2048 * 1024
    (tmp_path / "no_line").write_text("MemTotal: 5 kB\n", encoding="ascii")
    assert memory.available(tmp_path / "no_line") is None
    assert memory.available(tmp_path / "absent") is None


def test_a_run_that_does_not_fit_is_refused_before_anything_is_allocated(
    available_kb, monkeypatch: pytest.MonkeyPatch
) -> None:
    available_kb(1000)  # 1 MB; 3 runs x 100,000 steps need 28 MB

    def no_tables(spec: RunSpec):
        raise AssertionError("the rate tables were built for a refused request")

    monkeypatch.setattr(descent, "lr_tables", no_tables)
    specs = [RunSpec(epochs=100_000, lr=lr) for lr in (0.01, 0.1, 0.5)]
    with pytest.raises(ParameterError) as caught:
        descent.run_batch(specs)
    assert caught.value.name == "epochs"
    text = str(caught.value.reason)
    assert text == (
        "3 runs x 100,000 steps need about 28 MB of memory (engine 19 MB, explorer 8 MB), "
        "and this machine has 1 MB available: ask for fewer steps or runs"
    )
    i18n.set_language("zh")
    assert str(caught.value.reason) == (
        "3 次运行 x 100,000 步约需 28 MB 内存（引擎 19 MB，界面 8 MB），"
        "而本机现在可用的只有 1 MB：请减少步数或运行次数"
    )


def test_a_run_that_fits_runs(available_kb) -> None:
    available_kb(1000)  # 1 MB: 2 runs x 1,000 steps need 240 kB
    assert len(descent.run_batch([RunSpec(epochs=1000), RunSpec(epochs=500, lr=0.3)])) == 2


def test_unknown_memory_refuses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "MEMINFO", tmp_path / "absent")
    assert descent.run(RunSpec(epochs=100)).spec.epochs == 100


def test_the_engine_answers_the_refusal_to_the_explorer(available_kb) -> None:
    available_kb(10)
    ui_requests, engine_requests = Pipe()
    engine_replies, ui_replies = Pipe()
    loop = threading.Thread(target=server.serve_loop, args=(engine_requests, engine_replies))
    loop.start()
    try:
        assert isinstance(ui_replies.recv(), EngineReady)
        ui_requests.send(RunRequest(7, (RunSpec(epochs=50_000),), "(w + 1)**2", 1e-6))
        assert ui_replies.poll(60), "no answer from the engine"
        reply = ui_replies.recv()
    finally:
        ui_requests.close()
        loop.join(60)
    assert isinstance(reply, RunFailed) and reply.request_id == 7
    assert not isinstance(reply.message, str) and reply.message.key == "spec.error"
    assert dict(reply.message.args)["reason"].key == "spec.memory"
    assert "need about 5 MB of memory" in str(reply.message)


async def test_the_explorer_says_it_before_it_runs(available_kb) -> None:
    """The lesson's 20 steps fit in 51 MB; 10,000,000 steps (920 MB) do not: the status line
    says so with the figures, and the last run that fitted stays on screen."""
    from app_helpers import type_into, wait_for_run, wait_until

    from tui.app import ExplorerApp
    from tui.app.widgets.status import StatusLine

    available_kb(50_000)
    app = ExplorerApp(show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await type_into(pilot, "epochs", "10000000")

        def status() -> str:
            return str(app.explorer.query_one(StatusLine).render())

        await wait_until(pilot, lambda: "available" in status(), what="the refusal")
        assert "need about 920 MB of memory" in status()
        assert "this machine has 51 MB available" in status()
        # Typed digit by digit: the last run that fitted stays on screen.
        assert app.explorer.current.spec.epochs <= 100_000
