"""How much memory a run request needs, weighed before the engine allocates any of it.

The spec's limits (:data:`tui.engine.spec.MAX_EPOCHS` steps a run, :data:`tui.engine.spec.MAX_CELLS`
steps in all) bound what one request may ask for whatever the machine; this bounds it by the
machine: a request whose arrays would not fit in the memory available now (``MemAvailable`` of
``/proc/meminfo``) is refused with a message naming the figures, instead of swapping the machine
to a halt or being killed half-way.

What one step of one run holds, with ``P`` parameters (``w``, or ``w1`` and ``w2``), float32 being
4 bytes (the engine's arrays, :func:`tui.engine.descent.run_batch` and
:class:`tui.engine.result.RunResult`):

- the result: ``w`` (4 P), ``loss`` (4), ``step`` (int64, 8), ``lr`` (float32, 4) and ``lr64``
  (float64, 8): ``24 + 4 P`` bytes;
- the engine, at its peak: the rate tables (``lr64`` and ``lr``, 12), the loop's output arrays
  (``4 (P + 1)``), the result's own copies of its columns (``4 (P + 1) + 8``), and the bytes of
  a pickled reply (the result's again), which it no longer makes (the reply's arrays go out of
  band, :func:`tui.engine.protocol.send_out_of_band`) but which the peak measured inside the run
  needs all the same (57 bytes a step for ``w``, against the 64 counted): ``52 + 12 P``;
- the explorer: the result, read in place from the pipe (:func:`tui.engine.protocol.receive`;
  one piece of a few megabytes besides): ``24 + 4 P``.

So one step of a run of ``w`` costs 92 bytes in all: 5 runs of 10,000,000 steps need 4.6 GB.
The chunk buffers of the compiled loops are bounded (a few megabytes) and not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tui.engine.spec import ParameterError
from tui.i18n import msg

#: Where Linux says how much memory can be had without swapping.
MEMINFO = Path("/proc/meminfo")


def result_bytes(params: int = 1) -> int:
    """Bytes of one step of one :class:`~tui.engine.result.RunResult` of ``params`` parameters."""
    return 24 + 4 * params


def engine_bytes(params: int = 1) -> int:
    """Bytes the engine holds at its peak for one step of one run (see the module docstring)."""
    return 52 + 12 * params


def ui_bytes(params: int = 1) -> int:
    """Bytes the explorer holds for one step of one run it received: the result, read in place
    (the reply is never held whole besides it)."""
    return result_bytes(params)


@dataclass(frozen=True)
class Need:
    """What a request of ``runs`` runs of up to ``epochs`` steps needs, in bytes."""

    runs: int
    epochs: int
    engine: int
    ui: int

    @property
    def total(self) -> int:
        """The engine's and the explorer's bytes together (one machine holds both)."""
        return self.engine + self.ui


def need(runs: int, epochs: int, params: int = 1) -> Need:
    """The memory ``runs`` runs of ``epochs`` steps (the longest run's) need."""
    cells = runs * epochs
    return Need(runs, epochs, cells * engine_bytes(params), cells * ui_bytes(params))


def available(meminfo: Path | None = None) -> int | None:
    """The bytes of memory available now (``MemAvailable``), or ``None`` where it is not known
    (no ``/proc/meminfo``, or no such line in it)."""
    try:
        text = (meminfo or MEMINFO).read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "MemAvailable":
            fields = value.split()
            if fields and fields[0].isdigit():
                scale = 1024 if len(fields) < 2 or fields[1].lower() == "kb" else 1
                return int(fields[0]) * scale
    return None


def size_text(count: int) -> str:
    """A count of bytes for a message: ``6.0 GB``, ``480 MB``, ``12 kB``."""
    if count >= 10**9:
        return f"{count / 10**9:.1f} GB"
    if count >= 10**6:
        return f"{count / 10**6:.0f} MB"
    return f"{max(count, 0) / 10**3:.0f} kB"


def check(runs: int, epochs: int, params: int = 1, meminfo: Path | None = None) -> Need:
    """Refuse (:class:`~tui.engine.spec.ParameterError` on ``epochs``) a request that needs
    more memory than is available now; return what it needs otherwise (also when the memory
    available is not known)."""
    wanted = need(runs, epochs, params)
    have = available(meminfo)
    if have is not None and wanted.total > have:
        raise ParameterError(
            "epochs",
            msg(
                "spec.memory",
                runs=runs,
                epochs=epochs,
                need=size_text(wanted.total),
                engine=size_text(wanted.engine),
                ui=size_text(wanted.ui),
                available=size_text(have),
            ),
        )
    return wanted
