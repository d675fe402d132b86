"""The explorer's results pane: its widgets, mounted once the first frame is out.

The first frame shows the fields, the theory and status lines and the footer. The pane's
widgets (:mod:`tui.app.widgets.results`: playback, chart, pins, log) load NumPy and plotext,
about a third of what that frame took: they are mounted after it, as Textual's ``Lazy`` mounts a
widget (:meth:`ResultsPane.mount_results`). Until they are, the app holds its input
(:class:`~tui.app.held_input.HoldingApp`) and the engine's replies wait here
(:meth:`ResultsPane.hold_reply`), so that nothing asks for a widget not yet there; TensorFlow
takes seconds longer to load than that.

Where no one sees a first frame (a headless app: Pilot's tests, the screenshots), the pane is
composed with the rest (:attr:`ResultsPane.RESULTS_LATER`).

A mixin of :class:`~tui.app.screens.explorer.ExplorerScreen`, as
:class:`~tui.app.screens.pin_playback_actions.PinAndPlaybackActions` is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar, cast

from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.widget import Widget

from tui.app.messages import Replied

if TYPE_CHECKING:
    from tui.app.screens.explorer import ExplorerScreen
    from tui.app.widgets.chart import DescentChart
    from tui.app.widgets.log_table import LogTable
    from tui.app.widgets.pins_table import PinsTable
    from tui.app.widgets.playback import PlaybackBar


class ResultsPane:
    """The results pane's widgets, and when they are mounted."""

    RESULTS_LATER: ClassVar[bool | None] = None
    """Whether the pane is mounted after the first frame: ``None``, where the app has a
    display to show that frame on (it is not headless)."""

    results_mounted: bool = False
    """Whether the pane's widgets are mounted."""

    _early: list[Replied]

    @property
    def _screen(self) -> ExplorerScreen:
        """This screen, as the explorer's (whose mixin this is)."""
        return cast("ExplorerScreen", self)

    # -- the pane's widgets, by id (``NoMatches`` before they are mounted) ------------------

    @property
    def chart(self) -> DescentChart:
        """The chart."""
        return cast("DescentChart", self._screen.query_one("#chart"))

    @property
    def log_table(self) -> LogTable:
        """The log table."""
        return cast("LogTable", self._screen.query_one("#log"))

    @property
    def playback(self) -> PlaybackBar:
        """The playback bar (with the update line)."""
        return cast("PlaybackBar", self._screen.query_one("#playback"))

    @property
    def pins_table(self) -> PinsTable:
        """The pins' comparison table."""
        return cast("PinsTable", self._screen.query_one("#pins"))

    # -- when --------------------------------------------------------------------------------

    def results_later(self) -> bool:
        """Whether the pane waits for the first frame (see :attr:`RESULTS_LATER`)."""
        later = self.RESULTS_LATER
        return not self._screen.app.is_headless if later is None else later

    def compose_results(self) -> Iterator[Widget]:
        """The pane's widgets, where they are composed with the screen: a headless app's, and
        any screen composed again (the language switch)."""
        if self.results_mounted or not self.results_later():
            from tui.app.widgets.results import results_widgets

            yield from results_widgets()

    def start_results(self) -> None:
        """As the screen mounts: the pane mounts once the first frame is out, or is there."""
        if self._screen.query("#chart"):
            self.results_mounted = True
            self.results_shown()
            self._screen.explorer_app.release_input()
        else:
            self._screen.call_after_refresh(self.mount_results)

    async def mount_results(self) -> None:
        """Mount the pane's widgets (:mod:`tui.app.widgets.results`), then show what waited for
        them (:meth:`results_shown`) and let the app's held input go on (also if the screen
        went meanwhile). Run from this screen's queue, so no message of its own is handled in
        the meantime."""
        if self.results_mounted:
            return
        screen = self._screen
        try:
            from tui.app.widgets.results import results_widgets

            right = screen.query_one("#right", Vertical)
            await right.mount_all(results_widgets())
            if not right.is_attached:  # the screen went while they mounted (a quit)
                return
            self.results_mounted = True
            self.results_shown()
        except NoMatches:  # the screen was torn down (a quit at once)
            return
        finally:
            screen.explorer_app.release_input()

    def results_shown(self) -> None:
        """The pane is there: focus the chart (unless something else has the focus), so that
        the keys work at once (``f`` goes to the fields); show the session the explorer opened
        with, if any, and the replies that came before."""
        screen = self._screen
        if screen.focused is None:
            self.chart.focus()
        screen._place_playback()
        if screen._opening is not None:
            screen.apply_session(screen._opening)
        early, self._early = self._early, []
        for event in early:
            screen._replied(event)

    def hold_reply(self, event: Replied) -> bool:
        """Keep the engine's reply ``event`` until the pane is mounted; whether it was kept."""
        if self.results_mounted:
            return False
        self._early.append(event)
        return True
