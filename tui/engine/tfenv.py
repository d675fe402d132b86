"""Import TensorFlow once, configured for exact, quiet runs.

These settings must be in place before TensorFlow is first imported or first compiles:

- ``TF_CPP_MIN_LOG_LEVEL=3`` keeps TensorFlow's native log lines off the user's terminal.
- ``XLA_FLAGS=--xla_cpu_max_isa=AVX``: XLA's CPU backend always lets LLVM contract ``w - lr * g``
  into a fused multiply-add, which rounds once instead of twice; on this machine 14% of the
  seed's printed lines then differ from the eager loop. Capping the instruction set below AVX2
  leaves LLVM no FMA instruction to contract into, and every multiply and add rounds as the
  eager kernels do. The descent loop itself is scalar, so nothing is lost in speed.
- ``--xla_disable_hlo_passes=algsimp``: XLA's algebraic simplifier regroups products with
  constants (``0.01*(2*s)*(2*w)`` becomes ``(s*w)*0.04``), which changes the last bit of
  polynomial losses on small shapes; without it the loop runs at the same speed.
- ``--xla_cpu_enable_fast_math=false`` (TensorFlow 2.21's default, pinned here): fast math would
  let XLA divide by a reciprocal and approximate ``sqrt`` and ``pow``, which the keras optimizers
  run on (:mod:`tui.engine.optimizers`).
- Grappler is switched off: its arithmetic rewrites (e.g. regrouping the sums of the product
  rule) change the last bit of graph-mode results for some losses; eager runs never see them.

``LR_EXPLORER_XLA=off`` (:data:`XLA_ENV`) makes the engine take the graph-mode path it falls
back to where XLA is not exact, without asking XLA: for tests of that path, and for a machine
whose XLA fails in some other way. :func:`graph_only` does the same for what one thread runs
within it: a short run, for which graph mode is as fast as XLA would be with its probe and its
compilation (:func:`graph_is_enough`), takes graph mode and never waits for either.

:func:`load` skips the eager import of Keras that ``import tensorflow`` does at its end (see
there): a run of plain descent on the lesson's schedules never uses Keras.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from tui.engine.spec import RunSpec

_XLA_FLAGS = {
    "--xla_cpu_max_isa": "--xla_cpu_max_isa=AVX",
    "--xla_disable_hlo_passes": "--xla_disable_hlo_passes=algsimp",
    "--xla_cpu_enable_fast_math": "--xla_cpu_enable_fast_math=false",
}


#: The environment variable that turns XLA off (``off``, ``0``, ``no`` or ``false``).
XLA_ENV = "LR_EXPLORER_XLA"


#: The most steps (lanes x epochs) of a request that graph mode runs as fast as XLA would, its
#: probe and compilation counted: graph mode takes about 50 us a step here, XLA's probe and a
#: first compilation about 0.3 s.
GRAPH_ENOUGH = 2048

_here = threading.local()


def xla_allowed() -> bool:
    """Whether XLA may be tried at all: :data:`XLA_ENV` does not turn it off, and this thread
    is not inside :func:`graph_only`."""
    if in_graph_only():
        return False
    return os.environ.get(XLA_ENV, "").strip().lower() not in ("off", "0", "no", "false")


@contextlib.contextmanager
def graph_only() -> Iterator[None]:
    """Within this, what this thread runs takes graph mode and asks nothing of XLA (no probe,
    no compilation): the same bits, sooner for a short run (:func:`graph_is_enough`)."""
    before = getattr(_here, "graph_only", False)
    _here.graph_only = True
    try:
        yield
    finally:
        _here.graph_only = before


def in_graph_only() -> bool:
    """Whether this thread is inside :func:`graph_only` (a short run: compile the least)."""
    return bool(getattr(_here, "graph_only", False))


def graph_is_enough(specs: Sequence[RunSpec]) -> bool:
    """Whether graph mode runs ``specs`` (one batch) as fast as XLA would with its start-up
    costs: at most :data:`GRAPH_ENOUGH` steps in all, and only the lesson's own schedules (a
    ``tf.keras`` schedule's table is computed with XLA, which its module allows or not once, as
    it loads)."""
    steps = len(specs) * max((spec.epochs for spec in specs), default=0)  # lanes run as long
    return steps <= GRAPH_ENOUGH and all(spec.schedule is None for spec in specs)


#: The smallest padded size, so that short runs and tables share one compiled function.
MIN_BUCKET = 64


def bucket(n: int, least: int = MIN_BUCKET) -> int:
    """The power of two at or above ``n`` (and ``least``): sizes padded to it let a compiled
    ``tf.function`` serve many lengths instead of being traced again for each."""
    return max(least, 1 << (n - 1).bit_length())


def configure_environment() -> None:
    """Set the environment variables above, keeping whatever else the user set."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    flags = os.environ.get("XLA_FLAGS", "")
    for name, flag in _XLA_FLAGS.items():
        if name not in flags:
            flags = f"{flags} {flag}".strip()
    os.environ["XLA_FLAGS"] = flags


#: The module ``import tensorflow`` imports at its end to register Keras's optimizers for
#: saved models (TensorFlow 2.21, ``tensorflow/__init__.py``), which no run here needs.
_KERAS_EAGER = "keras.src.optimizers"


def load() -> ModuleType:
    """Import and return the ``tensorflow`` module, configured as described above.

    TensorFlow 2.21's ``__init__`` ends by importing Keras's optimizers, about 0.1 s, "so that
    any function/method that needs to happen at load time will trigger", and passes over an
    ``ImportError`` there. Keras is needed only by its optimizers and schedules; a ``None``
    in ``sys.modules`` for that one import makes it such an error, and once TensorFlow is in,
    ``tf.keras`` loads Keras whole on first use, as it would have.
    """
    configure_environment()
    skip = "tensorflow" not in sys.modules and _KERAS_EAGER not in sys.modules
    if skip:
        sys.modules[_KERAS_EAGER] = None  # type: ignore[assignment]
    try:
        import tensorflow as tf
    finally:
        if skip and sys.modules.get(_KERAS_EAGER, False) is None:
            del sys.modules[_KERAS_EAGER]

    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
    # Retracing notices and the like go through Python logging: keep them off the screen too.
    tf.get_logger().setLevel("ERROR")
    # TensorFlow 2.21 ships no types (mypy skips it), so its module is Any to mypy.
    return cast(ModuleType, tf)


def quiet_native_logs(log_path: str | None = None) -> None:
    """Send what native code writes to file descriptor 2 to ``log_path`` (default: nowhere).

    ``TF_CPP_MIN_LOG_LEVEL`` does not silence the notices TensorFlow's C++ prints while it is
    imported (oneDNN, CUDA stubs). Python's own ``sys.stderr`` keeps the original stream, so
    the program's messages still reach the user.
    """
    sys.stderr.flush()
    original = os.dup(2)
    target = os.open(log_path or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(target, 2)
    os.close(target)
    sys.stderr = open(  # noqa: SIM115 - lives as long as the process, as sys.stderr does
        original, "w", buffering=1, encoding="utf-8", errors="backslashreplace", closefd=True
    )
