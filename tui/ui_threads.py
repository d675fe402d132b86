"""The threads a UI process's libraries may start: NumPy's OpenBLAS one.

A UI's NumPy (the chart's points, the log's columns, a 2x2 Hessian) does no linear algebra
worth a thread, and OpenBLAS otherwise starts a thread a core as NumPy loads: in the explorer
that costs about 45 ms of CPU on the way to the first frame, beside the engine's TensorFlow
load on the other core; in a classroom thirty apps would hold sixty idle threads, and the fork
server could not fork with one alive. The engine, a process of its own, keeps its defaults.

Standard library only: the entry point reads it before anything else loads.
"""

from __future__ import annotations

import os

#: The environment that keeps a UI process's libraries to one thread.
APP_THREADS = {"OPENBLAS_NUM_THREADS": "1"}


def limit_ui_threads() -> None:
    """Keep this process's libraries, not yet loaded, to :data:`APP_THREADS` (a value the user
    set stays). Called once the engine has been forked, so that it keeps its own."""
    for name, value in APP_THREADS.items():
        os.environ.setdefault(name, value)
