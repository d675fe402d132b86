"""The seed's eager loop, written out literally, as the reference every engine result must match."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import tensorflow as tf


def eager_run(
    loss_fn: Callable[[tf.Tensor], tf.Tensor],
    w0: float,
    lr_base: float,
    epochs: int,
    decay: float | None = None,
    decay_steps: float = 1.0,
    staircase: bool = False,
) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Run the lesson's loop and return w after each step, the loss before it, and each lr."""
    w = tf.Variable(tf.constant(w0, dtype=tf.float32))
    ws, losses, lrs = [], [], []
    for step in range(epochs):
        if decay is None:
            lr = lr_base
        elif staircase:
            lr = lr_base * decay ** math.floor(step / decay_steps)
        else:
            lr = lr_base * decay ** (step / decay_steps)
        with tf.GradientTape() as tape:
            loss = loss_fn(w)
        grads = tape.gradient(loss, w)
        w.assign_sub(lr * grads)
        ws.append(w.numpy())
        losses.append(loss.numpy())
        lrs.append(lr)
    return np.array(ws, np.float32), np.array(losses, np.float32), lrs
