"""The hooks of a UI's own engine process: the first results as soon as TensorFlow can give them.

:class:`QuickHooks` serve one UI, as :class:`~tui.engine.server.LoopHooks` do, with two
differences that take XLA off the path to the first results:

- :meth:`QuickHooks.ready` says the engine is ready as soon as TensorFlow is in, without
  waiting for XLA's probe (:func:`tui.engine.descent.xla_in_use`, about 0.3 s).
- A short request (:func:`tui.engine.tfenv.graph_is_enough`) that comes before XLA is ready
  runs in graph mode (:func:`tui.engine.tfenv.graph_only`): the same bits, with neither the
  probe nor a compilation to wait for. After the first one, a thread of the engine probes XLA
  and compiles that request's loop, while the UI shows its results; the requests after that
  take XLA as every engine does.

Every result still names the path that computed it (``RunResult.backend``), and the engine's
ready message says graph mode, the path its first runs take.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.engine import tfenv
from tui.engine.protocol import EngineReady, RunRequest
from tui.engine.server import LoopHooks

if TYPE_CHECKING:
    from tui.engine.result import RunResult


class QuickHooks(LoopHooks):
    """One UI's engine, ready at once; XLA readied after the first results."""

    out_of_band = True  # the UI's process link reads replies by protocol.receive

    def __init__(self, started: float | None = None) -> None:
        self.started = time.perf_counter() if started is None else started
        """When the engine process started loading (``time.perf_counter()``)."""
        self.warmed = threading.Event()
        """Set once XLA is ready (probed, and the first request's loop compiled) or refused."""
        self._warming: threading.Thread | None = None

    def ready(self) -> EngineReady:
        """Load TensorFlow and say so at once: the seconds since the process started loading,
        and graph mode, the path the first runs take."""
        from tui.engine import descent

        return EngineReady(time.perf_counter() - self.started, False, descent.tf.__version__)

    def run(
        self,
        request: RunRequest,
        should_stop: Callable[[], bool],
        progress: Callable[[int, int], None],
    ) -> list[RunResult]:
        """Run ``request``: in graph mode if it is short and XLA is not ready yet (then start
        readying it), else as every engine does."""
        if self.warmed.is_set() or not tfenv.graph_is_enough(request.specs):
            return super().run(request, should_stop, progress)
        with tfenv.graph_only():
            results = super().run(request, should_stop, progress)
        self._warm_up(request)
        return results

    def _warm_up(self, request: RunRequest) -> None:
        """Start readying XLA (once) in a thread of its own, on ``request``'s loop."""
        if self._warming is not None:
            return
        self._warming = threading.Thread(
            target=self._warm, args=(request,), name="lr-explorer-xla-warm-up", daemon=True
        )
        self._warming.start()

    def _warm(self, request: RunRequest) -> None:
        """Probe XLA; if it is exact here, compile ``request``'s loop by running it again (the
        next edits mostly differ in their numbers, not in the shapes compiled)."""
        from tui.engine import descent

        try:
            if descent.xla_in_use():
                descent.run_batch(request.specs, request.loss, tol=request.tol)
        except Exception:  # noqa: BLE001 - readying only: a real request meets it and says so
            pass
        finally:
            self.warmed.set()
