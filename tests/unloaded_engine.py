"""An engine that never loads, for tests of the UI's own start. Standard library only, so
that a script a test runs in a fresh interpreter can import it without loading anything the
start it measures would not load."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any


class Unloaded:
    """An engine that never loads: nothing runs, so the start is the UI's alone."""

    latest_id = 0

    def start(self) -> None:
        """Nothing to start."""

    def submit(self, specs: Sequence[Any], loss: str, tol: float) -> int:
        """Never called (the engine is not ready)."""
        return 0

    def ask_gradients(self, loss: str, ws: Sequence[float]) -> int:
        """Never answered."""
        return 0

    def receive(self, timeout: float) -> None:
        """No reply, ever."""
        time.sleep(timeout)

    def stop(self) -> None:
        """Nothing to stop."""
