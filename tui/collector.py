"""Python's cyclic garbage collector while a command starts: less often, then as it was.

Starting allocates hundreds of thousands of objects, most of which live as long as the process
(the modules of Textual, Rich and NumPy; TensorFlow's for ``run``). At Python's default
thresholds (700, 10, 10) the collector ran about 240 times before the explorer's first frame,
two of them full collections walking every object: measured, a tenth of the UI's CPU to its
first frame and of ``run``'s CPU. :func:`start` raises the thresholds for the start (the test
suite runs at the same ones, see ``tests/conftest.py``); :func:`settle` puts back the ones it
found once the explorer shows its first results, so that a long session's cyclic garbage (a
run's arrays among it) is collected as often as before.

:func:`settle` also moves what is alive then out of the collector's sight (``gc.freeze``, after
one full collection): the modules, the first screen. At Python's thresholds a full collection
still came every dozen or so keys and walked those 112,000 objects again: 40-48 ms each,
measured in the explorer with ``gc.callbacks`` (4.7 ms of the collector's time a key on
average over 40 keys; 1.8 ms once they were frozen). What is frozen is never collected: a
first screen's widget dropped later in a cycle of references (a language switch recomposes)
stays, once.

Standard library only: the command line calls :func:`start` before anything else is imported.
"""

from __future__ import annotations

import gc

#: The thresholds while a command starts: a young collection every 10,000 allocations.
START_THRESHOLDS = (10_000, 20, 10)

_found: tuple[int, int, int] | None = None


def start() -> None:
    """Collect less often from now on (until :func:`settle`)."""
    global _found
    if _found is None:
        _found = gc.get_threshold()
    gc.set_threshold(*START_THRESHOLDS)


def settle() -> None:
    """Collect as often as before :func:`start` again, and freeze what lives now (nothing if
    :func:`start` was not called, or once it was settled)."""
    global _found
    if _found is not None:
        gc.collect()
        gc.freeze()
        gc.set_threshold(*_found)
        _found = None
