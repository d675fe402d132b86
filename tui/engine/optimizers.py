"""``tf.keras`` optimizers on the seed's loss loop, many lanes at once, bit-exact with eager.

The reference is the seed's loop with the update handed to a keras optimizer::

    opt = tf.keras.optimizers.Adam(learning_rate=lr, beta_1=beta)
    for step in range(epochs):
        with tf.GradientTape() as tape:
            loss = loss_fn(w)
        grads = tape.gradient(loss, w)
        opt.learning_rate = lr_at(step)   # the schedule's rate, rounded to float32
        opt.apply_gradients([(grads, w)])

Here the lanes of one optimizer kind share one float32 vector variable per parameter (``w``, or
``w1`` and ``w2``: ``opt.apply_gradients(zip([g1, g2], [w1, w2]))``) and one keras optimizer,
whose learning rate is a schedule returning a per-lane vector of rates. The optimizers' updates
are element-wise products, sums, square roots and quotients, which IEEE arithmetic rounds the
same for a vector as for a scalar; Adam's ``beta ** step`` is one scalar for all lanes.

Two backends run keras's own ``apply_gradients`` in a ``tf.while_loop``:

- ``"xla"`` (``jit_compile=True``), for losses whose ops XLA computes as the eager kernels do
  (:data:`tui.engine.losses.XLA_EXACT_OPS`): the loss is taken on the vector of lanes. With FMA
  contraction and fast math ruled out (:mod:`tui.engine.tfenv`), XLA's multiplies, adds,
  square roots, quotients and ``pow`` round as the eager kernels do: 0 mismatches against the
  eager ``apply_gradients`` loop for every optimizer in our trials, at 0.05 to 0.3 us a lane
  step against about 1 ms eager. :func:`xla_trusted` checks it once per optimizer on this
  machine, against graph mode bit for bit, and the engine falls back to graph mode otherwise.
- ``"graph"``, the eager kernels without XLA: about 50 us a step. The loss and its gradients
  are the graph-mode descent loop's (:func:`tui.engine.lane_loss.loss_and_gradients`): the
  IEEE-rounded ops (the function registry's ``VECTOR_EXACT_OPS``) on the vector of lanes,
  the others on groups of lanes too short for Eigen's vector kernels (its vectorised sin, cos,
  atan... differ in the last bit from the scalar path a one-element eager tensor takes: 8
  lanes of ``sin(3*w) + 0.1*w**2`` under Adam differed from the eager loop in 248 of 512
  values), and the gradients of a parameter's uses summed in the eager tape's order (graph
  mode's ``AddN`` summed those of ``w*w + 1/w - 3*w`` in another: 18 of 180 Adam values
  differed).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import numpy as np

from tui.engine import tfenv
from tui.engine.lane_loss import LaneLoss, loss_and_gradients
from tui.engine.losses import SEED_LOSS, parse_loss

tf = tfenv.load()

#: The backends a :class:`LanesRunner` compiles for (see the module docstring).
BACKENDS = ("xla", "graph")


def keras_optimizer(kind: str, beta: float, learning_rate: Any) -> Any:
    """The ``tf.keras.optimizers`` instance for ``kind``, with keras's defaults but ``beta``
    (:data:`tui.engine.spec.OPTIMIZER_UPDATES` says which class and argument)."""
    optimizers = tf.keras.optimizers
    if kind == "momentum":
        return optimizers.SGD(learning_rate, momentum=beta)
    if kind == "nesterov":
        return optimizers.SGD(learning_rate, momentum=beta, nesterov=True)
    if kind == "adagrad":
        return optimizers.Adagrad(learning_rate)
    if kind == "rmsprop":
        return optimizers.RMSprop(learning_rate, rho=beta)
    if kind == "adam":
        return optimizers.Adam(learning_rate, beta_1=beta)
    raise ValueError(f"not a keras optimizer: {kind!r}")


# TensorFlow has no types: the keras base class is Any (subclassing Any is allowed for this
# module in pyproject.toml).
_Schedule: Any = tf.keras.optimizers.schedules.LearningRateSchedule


class _LaneRates(_Schedule):
    """A schedule that returns the rates of the step under way, one per lane."""

    def __init__(self, rates: Any) -> None:  # a tf.Variable
        self.rates = rates

    def __call__(self, step: Any) -> Any:
        return self.rates.read_value()

    def get_config(self) -> dict[str, Any]:
        return {}


class LanesRunner:
    """The variables, optimizer and compiled steps for ``lanes`` lanes of one optimizer.

    Use under :attr:`lock`: :meth:`reset`, then :meth:`steps` chunk after chunk, then
    :meth:`final`. There is one ``[lanes]`` variable per parameter of the loss (:attr:`ws`).
    """

    def __init__(self, expr: str, kind: str, beta: float, lanes: int, backend: str) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"not a backend: {backend!r}")
        self.lock = threading.Lock()
        self.lanes = lanes
        self.backend = backend
        loss = parse_loss(expr)
        fn = loss.tf_function()
        if backend == "xla" and not loss.xla_exact:
            raise ValueError(f"not an XLA-exact loss: {expr!r}")
        jit = backend == "xla"
        # Graph mode: every lane on the scalar kernels, the gradients of a parameter's uses
        # summed in the eager tape's order (graph mode's own AddN may sum them in another).
        lane_loss = None if jit else LaneLoss(loss.program, lanes)
        self.ws = [tf.Variable(tf.zeros([lanes]), name=name) for name in loss.params]
        self.rates = tf.Variable(tf.zeros([lanes]), name="rates")
        self.ends = tf.Variable(tf.zeros([lanes], tf.int32), name="ends")
        self.optimizer = keras_optimizer(kind, beta, _LaneRates(self.rates))
        self.optimizer.build(self.ws)
        self.initial = [v.numpy() for v in self.optimizer.variables]
        ws, rates, ends, optimizer = self.ws, self.rates, self.ends, self.optimizer

        def loss_and_grad() -> tuple[Any, list[Any]]:
            if lane_loss is not None:
                value, lane_grads = loss_and_gradients(lane_loss, [w.read_value() for w in ws])
                return value, list(lane_grads)
            with tf.GradientTape() as tape:
                value = fn(*ws)
            grads = tape.gradient(value, ws, unconnected_gradients=tf.UnconnectedGradients.ZERO)
            return value, grads

        @tf.function(autograph=False, jit_compile=jit)
        def steps(lrs: Any, start: Any, n: Any) -> tuple[Any, Any]:
            size = tf.shape(lrs)[0]
            w_tas = tuple(tf.TensorArray(tf.float32, size=size, element_shape=[lanes]) for _ in ws)
            loss_ta = tf.TensorArray(tf.float32, size=size, element_shape=[lanes])

            def body(i: Any, w_tas: Any, loss_ta: Any) -> tuple[Any, Any, Any]:
                # Stateful ops run in program order (tf.function's automatic control
                # dependencies hold in while-loop bodies too).
                before = [w.read_value() for w in ws]
                value, grads = loss_and_grad()
                rates.assign(lrs[i])
                optimizer.apply_gradients(zip(grads, ws, strict=True))
                written = []
                for w, old, ta in zip(ws, before, w_tas, strict=True):
                    # A lane past its own end stands still.
                    after = tf.where(start + i < ends, w.read_value(), old)
                    w.assign(after)
                    written.append(ta.write(i, after))
                return i + 1, tuple(written), loss_ta.write(i, value)

            _, w_tas, loss_ta = tf.while_loop(
                lambda i, *_: i < n, body, (tf.constant(0), w_tas, loss_ta)
            )
            return tuple(ta.stack() for ta in w_tas), loss_ta.stack()

        @tf.function(autograph=False, jit_compile=jit)
        def final() -> tuple[Any, Any]:
            value, grads = loss_and_grad()
            return value, tf.stack(grads)

        self._steps = steps
        self._final = final

    def reset(self, w0: np.ndarray, ends: np.ndarray) -> None:
        """Start over from ``w0[parameter, lane]`` (for the lanes used: float64 or float32
        values, rounded to float32), each lane stopping after its ``ends``."""
        starts = np.asarray(w0, np.float64).reshape(len(self.ws), -1)
        stops = np.zeros(self.lanes, np.int32)
        stops[: len(ends)] = ends
        for w, row in zip(self.ws, starts, strict=True):
            start = np.zeros(self.lanes, np.float32)
            start[: row.size] = row.astype(np.float32)
            w.assign(start)
        self.ends.assign(stops)
        for variable, value in zip(self.optimizer.variables, self.initial, strict=True):
            variable.assign(value)

    def steps(
        self, lrs: np.ndarray, start: int, n: int
    ) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        """Take steps ``start`` to ``start + n - 1`` at rates ``lrs[i, lane]`` (padded rows
        allowed): ``(each parameter after each step, loss before each)``."""
        ws, ls = self._steps(tf.constant(lrs), tf.constant(start, tf.int32), tf.constant(n))
        return tuple(w.numpy()[:n] for w in ws), ls.numpy()[:n]

    def final(self) -> tuple[np.ndarray, np.ndarray]:
        """The loss at each lane's last point, and its gradient ``[parameter, lane]``."""
        value, grads = self._final()
        return value.numpy(), grads.numpy()


@lru_cache(maxsize=16)
def lanes_runner(
    expr: str, kind: str, beta: float, lanes: int, backend: str = "graph"
) -> LanesRunner:
    """The cached :class:`LanesRunner` for this loss, optimizer, lane count and backend."""
    return LanesRunner(expr, kind, beta, lanes, backend)


#: The probe's battery: lanes of w0 and rates, steps; rates up to 9 make some lanes overflow.
_PROBE_LANES = 8
_PROBE_STEPS = tfenv.MIN_BUCKET
_PROBE_BETA = 0.9

_probe_lock = threading.Lock()
_probe_results: dict[str, bool] = {}


def xla_trusted(kind: str) -> bool:
    """Whether XLA runs optimizer ``kind`` bit for bit as graph mode does on this machine.

    Checked once per kind, on the seed's loss: w and the loss after each of 64 steps on 8 lanes
    with varied rates (some overflowing to inf and nan), and the final loss and gradient. Any bit
    that differs, or any error from XLA, turns XLA off for that kind.
    """
    with _probe_lock:
        if kind not in _probe_results:
            _probe_results[kind] = tfenv.xla_allowed() and _probe(kind)
        return _probe_results[kind]


def _probe(kind: str) -> bool:
    """Run the battery of :func:`xla_trusted` on both backends and compare their bits."""
    rng = np.random.default_rng(14)
    w0 = np.linspace(-7.3, 5.0, _PROBE_LANES).astype(np.float32)[None, :]
    rates = (10 ** rng.uniform(-4, 0.95, (_PROBE_STEPS, _PROBE_LANES))).astype(np.float32)
    ends = np.array([_PROBE_STEPS] * (_PROBE_LANES - 1) + [_PROBE_STEPS // 3], np.int32)
    outputs = []
    try:
        for backend in BACKENDS:
            runner = LanesRunner(SEED_LOSS, kind, _PROBE_BETA, _PROBE_LANES, backend)
            runner.reset(w0, ends)
            ws, losses = runner.steps(rates, 0, _PROBE_STEPS)
            outputs.append((*ws, losses, *runner.final()))
    except Exception:  # noqa: BLE001 - any failure of XLA here means: do not use it
        return False
    xla, graph = outputs
    return all(
        np.array_equal(a.view(np.int32), b.view(np.int32)) for a, b in zip(xla, graph, strict=True)
    )
