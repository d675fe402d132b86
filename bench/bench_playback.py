"""The cost of one playback frame against the frame budget, measured under Pilot.

    python bench/bench_playback.py [--frames 40]

Plays a run frame by frame (``.``) and times each frame: truncating the run and the pins,
redrawing the log, and building the chart's plot (the expensive part), against
:data:`tui.app.widgets.playback.TICK`, the time between two frames. The baseline, measured in
the same run, is the same frame with nothing pinned at 20 steps.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tui.app.app import ExplorerApp  # noqa: E402
from tui.app.pilot_helpers import wait_for_run, wait_until  # noqa: E402
from tui.app.widgets.chart import DescentChart  # noqa: E402
from tui.app.widgets.playback import TICK, PlaybackBar  # noqa: E402
from tui.engine.losses import SEED_LOSS  # noqa: E402
from tui.engine.spec import RunSpec  # noqa: E402
from tui.model.params import Params  # noqa: E402


async def frame_times(epochs: int, pins: int, frames: int) -> list[float]:
    """Seconds per frame: one step on, the frame drawn, the chart's plot built."""
    app = ExplorerApp(Params(RunSpec(lr=0.99, epochs=epochs), SEED_LOSS), show_timings=False)
    times = []
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot, timeout=300)
        await pilot.press("escape")
        for k in range(pins):
            app.query_one("#lr").value = f"{0.1 + 0.1 * k:g}"  # type: ignore[attr-defined]
            await pilot.pause()
            await wait_for_run(pilot, timeout=300)
            await pilot.press("p")
        await wait_until(pilot, lambda: all(p.result is not None for p in app.pins), 300)
        bar = app.query_one(PlaybackBar)
        chart = app.query_one(DescentChart)
        bar.shown = epochs // 2
        await pilot.pause()
        for _ in range(frames):
            start = time.perf_counter()
            bar.step_by(1)
            app.explorer.show_frame()  # what the Frame message does, timed here synchronously
            chart.render()  # the plot is built at the next repaint: build it now
            times.append(time.perf_counter() - start)
            await pilot.pause()
    return times


def main() -> None:
    """Print the median and worst frame for a few run sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=40)
    args = parser.parse_args()
    cases = [(20, 0), (20, 8), (100_000, 0), (1_000_000, 0), (1_000_000, 3)]
    baseline = None
    for epochs, pins in cases:
        times = asyncio.run(frame_times(epochs, pins, args.frames))
        median = statistics.median(times)
        baseline = baseline or median
        print(
            f"{epochs:>9,} steps, {pins} pins: frame median {median * 1e3:6.1f} ms, "
            f"worst {max(times) * 1e3:6.1f} ms ({median / baseline:4.1f}x the 20-step frame; "
            f"budget {TICK * 1e3:.0f} ms a frame)"
        )


if __name__ == "__main__":
    main()
