"""Module state for ``zygote_stand_in.py``: imported by the fork server before it forks, and
changed by each forked app (each must see only its own change)."""

from __future__ import annotations

import multiprocessing  # noqa: F401 - its key, made at import, must be each app's own
import os

#: The pids of the apps that added themselves (each forked app adds its own).
STATE: list[int] = []

#: The process that imported this module: the fork server's pid, when it preloaded it.
IMPORTED_IN = os.getpid()
