"""The cost of the two languages in the explorer, in process (Pilot), against baselines.

Usage: ``python bench/bench_language.py [--repeat 10]``

1. ``ctrl+l``, the switch: the whole screen is composed again in the other language and the
   current run shown at once. Baseline: ``v``, a change of chart view (one replot).
2. Drawing a page of the log (38 rows) at random places in a 1,000,000-step run: in Chinese
   each row is the lesson's sentence, made by the seed formatter a block of 64 rows at a time;
   in English the columns are formatted per row. Baseline: the English page.

Figures are medians over ``--repeat`` samples, as ratios to their baseline; the exit status is
0 whatever they are (a benchmark, not a test).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time

import numpy as np

PAGE = 38


async def measure(repeat: int) -> None:
    from tui import i18n
    from tui.app.app import ExplorerApp
    from tui.app.pilot_helpers import wait_for_run
    from tui.app.widgets.log_table import LogTable
    from tui.engine.spec import RunSpec
    from tui.model.params import PRESETS, Params
    from tui.model.session import Session

    app = ExplorerApp(PRESETS[3], show_timings=False, language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape")
        switch, view = [], []
        for _ in range(repeat):
            start = time.perf_counter()
            await pilot.press("v")
            await pilot.pause()
            view.append(time.perf_counter() - start)
            start = time.perf_counter()
            await pilot.press("ctrl+l")
            await pilot.pause()
            switch.append(time.perf_counter() - start)
        print_row("ctrl+l, switch language", switch, view, "v, chart view")

        long = Params(RunSpec(lr=0.2, epochs=1_000_000, decay=0.999999), PRESETS[3].loss)
        app.apply_session(Session(long, (), None, "loss+w", False, False, None))
        await wait_for_run(pilot, timeout=120)
        log = app.query_one(LogTable)
        rng = np.random.default_rng(0)
        pages: dict[str, list[float]] = {"en": [], "zh": []}
        for _ in range(repeat):
            for code in ("en", "zh"):
                i18n.set_language(code)
                log.show(log.result)  # type: ignore[arg-type]
                top = int(rng.integers(0, log.rows - PAGE))
                start = time.perf_counter()
                for index in range(top, top + PAGE):
                    log.row_text(index)
                pages[code].append(time.perf_counter() - start)
        print_row("log page, Chinese sentences", pages["zh"], pages["en"], "English columns")


def print_row(name: str, samples: list[float], base: list[float], base_name: str) -> None:
    """One figure: its median, its baseline's median, and the ratio."""
    m, b = statistics.median(samples), statistics.median(base)
    print(
        f"{name:<30} {m * 1000:8.2f} ms   {base_name:<18} {b * 1000:8.2f} ms   "
        f"ratio {m / b:6.2f}x   (min {min(samples) * 1000:.2f}, max {max(samples) * 1000:.2f})"
    )


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    os.environ["LR_EXPLORER_CONFIG_DIR"] = tempfile.mkdtemp(prefix="lr-explorer-bench-")
    from tui.engine import tfenv

    tfenv.configure_environment()
    asyncio.run(measure(args.repeat))


if __name__ == "__main__":
    main()
