"""An operation on a vector of lanes that rounds every lane as a one-element eager tensor does.

Eigen's vectorised transcendentals (sin, exp, tanh, pow...) differ in the last bit from the
scalar kernel that the eager loop's one-element tensor takes. :func:`lanewise` therefore splits
the lanes into groups shorter than a vector packet of this build (:func:`group_size`): Eigen's
element-wise loops form a packet only while a whole packet of elements is left, so every
element of a group goes through the scalar kernel. Forward, the op is applied to each group;
backward, the op's registered gradient is taken group by group on the same tensors (an inner
tape). The outer tape records one operation (a ``tf.custom_gradient``); the group ops it hides
are not recorded (``stop_recording``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from tui.engine import tfenv

tf = tfenv.load()

#: Lanes per group when the probe cannot tell the packet size: fewer than the 4 float32 of the
#: smallest vector packet of any of Eigen's CPU back ends (SSE, NEON, AltiVec...).
SAFE_GROUP = 3

#: The packet sizes of float32 that Eigen's CPU back ends have (SSE/NEON, AVX, AVX-512).
PACKET_SIZES = (4, 8, 16)

_group_lock = threading.Lock()
_group: int | None = None


def group_size() -> int:
    """Lanes per group of a scalar-path op: one less than this build's float32 packet.

    Eigen computes element-wise ops in packets of ``P`` elements while ``P`` are left and
    element by element after, with the scalar kernel; ``P`` is one constant of the build
    (``packet_traits<float>::size``, the same for every op). So a tensor of fewer than ``P``
    elements never meets a vector kernel. ``P`` is measured once: ``sin`` on vectors of each
    length against the same values one at a time (Eigen's vector sin differs from the scalar
    one in the last bit for about half of all inputs); the shortest length that differs is
    ``P``. Anything unexpected (no difference, or one at a length that is no packet size)
    gives :data:`SAFE_GROUP`.
    """
    global _group
    with _group_lock:
        if _group is None:
            with tf.init_scope():  # eagerly, even when first asked while tracing
                _group = measure_group()
        return _group


def measure_group(op: Callable[[Any], Any] | None = None) -> int:
    """The probe of :func:`group_size`, on ``op`` (``tf.math.sin``; another for tests)."""
    sin = tf.math.sin if op is None else op
    values = np.random.default_rng(8).uniform(-40.0, 40.0, 16 * 16).astype(np.float32)
    scalar = np.array([np.asarray(sin(tf.constant(v))) for v in values], np.float32)
    for length in range(2, max(PACKET_SIZES) + 1):
        count = values.size // length * length
        parts = values[:count].reshape(-1, length)
        vector = np.concatenate([np.asarray(sin(tf.constant(part))) for part in parts])
        if not np.array_equal(vector.view(np.int32), scalar[:count].view(np.int32)):
            return length - 1 if length in PACKET_SIZES else SAFE_GROUP
    return SAFE_GROUP


def groups(lanes: int, size: int) -> list[int]:
    """The sizes of the groups of ``size`` lanes :func:`lanewise` applies an op to."""
    full, rest = divmod(lanes, size)
    return [size] * full + ([rest] if rest else [])


def _split(vector: Any, sizes: list[int]) -> list[Any]:
    return tf.split(vector, sizes) if len(sizes) > 1 else [vector]


def _join(parts: Sequence[Any]) -> Any:
    return tf.concat(list(parts), 0) if len(parts) > 1 else parts[0]


def lanewise(
    op: Callable[..., Any], args: list[tuple[Any, bool]], sizes: list[int], tape: Any
) -> Any:
    """``op`` on each group of lanes, recorded on ``tape`` as one operation whose gradient is
    ``op``'s own gradient taken group by group. ``args`` are ``(tensor, varies by lane)``: a
    lane vector, or a constant scalar (which the op broadcasts, as the eager loop's)."""

    def forward(*vectors: Any) -> tuple[Any, Callable[..., Any]]:
        with tape.stop_recording():
            inner = tf.GradientTape()
            with inner:
                columns = [_split(vector, sizes) for vector in vectors]
                for column in columns:
                    for part in column:
                        inner.watch(part)
                outs = []
                for group in range(len(sizes)):
                    it: Iterator[list[Any]] = iter(columns)
                    operands = [next(it)[group] if varies else value for value, varies in args]
                    outs.append(op(*operands))
            result = _join(outs)

        def backward(upstream: Any) -> list[Any]:
            grads = inner.gradient(
                outs,
                [part for column in columns for part in column],
                output_gradients=_split(upstream, sizes),
                unconnected_gradients=tf.UnconnectedGradients.ZERO,
            )
            n = len(sizes)
            return [_join(grads[i * n : (i + 1) * n]) for i in range(len(vectors))]

        return result, backward

    return tf.custom_gradient(forward)(*(value for value, varies in args if varies))
