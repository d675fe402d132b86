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


def reference_lr(spec, step: int):
    """The rate of ``spec`` at ``step``, by definition: the seed's Python float for its own
    schedules, a keras schedule called eagerly for the others, keras's linear warm-up first."""
    if step < spec.warmup:
        fraction = tf.cast(step, tf.float32) / tf.cast(spec.warmup, tf.float32)
        return float((tf.constant(spec.lr, tf.float32) * fraction).numpy())
    step -= spec.warmup
    if spec.schedule is not None:
        return float(keras_schedule_reference(spec.schedule, spec.lr)(step).numpy())
    if spec.decay is None:
        return spec.lr
    exponent = step / spec.decay_steps
    return spec.lr * spec.decay ** (math.floor(exponent) if spec.staircase else exponent)


def keras_schedule_reference(schedule, lr: float):
    """The ``tf.keras.optimizers.schedules`` object a user would write for ``schedule``."""
    s = tf.keras.optimizers.schedules
    if schedule.kind == "piecewise":
        return s.PiecewiseConstantDecay(
            list(schedule.boundaries), [lr * f for f in schedule.factors]
        )
    if schedule.kind == "inverse-time":
        return s.InverseTimeDecay(lr, schedule.steps, schedule.rate, staircase=schedule.staircase)
    if schedule.kind == "polynomial":
        return s.PolynomialDecay(
            lr, schedule.steps, lr * schedule.alpha, power=schedule.power, cycle=schedule.cycle
        )
    if schedule.kind == "cosine":
        return s.CosineDecay(lr, schedule.steps, alpha=schedule.alpha)
    return s.CosineDecayRestarts(
        lr, schedule.steps, t_mul=schedule.t_mul, m_mul=schedule.m_mul, alpha=schedule.alpha
    )


def keras_optimizer_reference(kind: str, beta: float):
    """The ``tf.keras.optimizers`` instance a user would write for ``kind``."""
    o = tf.keras.optimizers
    return {
        "momentum": lambda: o.SGD(0.01, momentum=beta),
        "nesterov": lambda: o.SGD(0.01, momentum=beta, nesterov=True),
        "adagrad": lambda: o.Adagrad(0.01),
        "rmsprop": lambda: o.RMSprop(0.01, rho=beta),
        "adam": lambda: o.Adam(0.01, beta_1=beta),
    }[kind]()


def eager_run_spec(loss_fn: Callable[[tf.Tensor], tf.Tensor], spec):
    """The lesson's loop for any spec: its rate per step, and the seed's update or a keras
    optimizer's ``apply_gradients`` with that rate. Returns w after each step, the loss before
    it, and each rate as the loop computed it."""
    w = tf.Variable(tf.constant(spec.w0, dtype=tf.float32))
    optimizer = (
        None if spec.optimizer == "gd" else keras_optimizer_reference(spec.optimizer, spec.beta)
    )
    ws, losses, lrs = [], [], []
    for step in range(spec.epochs):
        lr = reference_lr(spec, step)
        with tf.GradientTape() as tape:
            loss = loss_fn(w)
        grads = tape.gradient(loss, w)
        if optimizer is None:
            w.assign_sub(lr * grads)
        else:
            optimizer.learning_rate = lr
            optimizer.apply_gradients([(grads, w)])
        ws.append(w.numpy())
        losses.append(loss.numpy())
        lrs.append(lr)
    return np.array(ws, np.float32), np.array(losses, np.float32), lrs


def eager_run_two(loss_fn: Callable[[tf.Tensor, tf.Tensor], tf.Tensor], spec):
    """The two-variable loop of a loss of ``w1`` and ``w2`` (issue 15), as a user writes it,
    for any spec (``w0`` is w1's start, ``start2`` w2's): its rate per step, and the plain update
    of each variable or a keras optimizer's ``apply_gradients`` of both. The gradient of a
    variable the loss does not use is 0 (``unconnected_gradients=ZERO``).

    Returns w1 and w2 after each step, the loss before it, each rate, and the loss, g1 and g2 at
    the last point.
    """
    w1 = tf.Variable(tf.constant(spec.w0, dtype=tf.float32))
    w2 = tf.Variable(tf.constant(spec.start2, dtype=tf.float32))
    optimizer = (
        None if spec.optimizer == "gd" else keras_optimizer_reference(spec.optimizer, spec.beta)
    )
    zero = tf.UnconnectedGradients.ZERO
    w1s, w2s, losses, lrs = [], [], [], []
    for step in range(spec.epochs):
        lr = reference_lr(spec, step)
        with tf.GradientTape() as tape:
            loss = loss_fn(w1, w2)
        g1, g2 = tape.gradient(loss, [w1, w2], unconnected_gradients=zero)
        if optimizer is None:
            w1.assign_sub(lr * g1)
            w2.assign_sub(lr * g2)
        else:
            optimizer.learning_rate = lr
            optimizer.apply_gradients(zip([g1, g2], [w1, w2], strict=True))
        w1s.append(w1.numpy())
        w2s.append(w2.numpy())
        losses.append(loss.numpy())
        lrs.append(lr)
    with tf.GradientTape() as tape:
        loss = loss_fn(w1, w2)
    g1, g2 = tape.gradient(loss, [w1, w2], unconnected_gradients=zero)
    final = (loss.numpy(), g1.numpy(), g2.numpy())
    as32 = [np.array(values, np.float32) for values in (w1s, w2s, losses)]
    return (*as32, lrs, final)
