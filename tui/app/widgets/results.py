"""The results pane's widgets, top to bottom: the playback bar (with the update line), the
chart, the pins' comparison table and the log.

The explorer mounts them once its first frame is out (``ExplorerScreen.mount_results``): this
module loads NumPy and plotext with them, which the first frame does without.
"""

from __future__ import annotations

from textual.widget import Widget

from tui.app.widgets.chart import DescentChart
from tui.app.widgets.log_table import LogTable
from tui.app.widgets.pins_table import PinsTable
from tui.app.widgets.playback import PlaybackBar


def results_widgets() -> list[Widget]:
    """New results widgets, with the ids the screen and its stylesheet know them by."""
    return [
        PlaybackBar(id="playback"),
        DescentChart(id="chart"),
        PinsTable(id="pins"),
        LogTable(id="log"),
    ]
