"""The graph-mode loop of many lanes (tui.engine.lanes, lane_loss, scalar_lanes): each lane bit
for bit the eager loop on its own scalar, for losses of every function, any count of lanes, any
schedule; one trace for any count of rates in a block and any number of steps."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from conftest import bits
from eager_reference import eager_run_spec
from test_graph_path import spec_of

from tui.engine import lane_loss, lanes, scalar_lanes
from tui.engine.loss_functions import FUNCTIONS, REGISTRY
from tui.engine.losses import LossError, parse_loss
from tui.engine.schedules import lr_tables
from tui.engine.spec import KERAS_SCHEDULES, RunSpec

#: Losses that use w many times (the gradients of the uses are summed: AddN of three and more
#: terms rounds by its order), powers of w and of computed values, w in both arguments of a
#: function taken by groups, and every function a loss may call.
LOSSES = [
    "w*w + exp(w)",
    "tanh(w) + 0.1*w**2",
    "sin(w) + cos(w) + tanh(w) + w*w",
    "w**7 - 3*w + tanh(w)**3 + (sin(w) + w)**5 / 100",
    "w**w + w**1.5",
    "-abs(w) + max(w, 0.5)*min(-w, 2) + 0.3*w^2",
    "log(w**2 + 1) + sigmoid(w) - softplus(-w)*tanh(w)",
    "sqrt(abs(w) + 1) + atan(w)*w - log1p(w**2)/w",
    "tan(w/3) + sinh(w/4) - cosh(w/5) + exp(-w**2)",
    "max(min(w, exp(w)), w**3/9) + (w - 1)**2",
]

#: The pieces of random losses.
_UNARY = [name for name in FUNCTIONS]
_BINARY = ["+", "-", "*", "/", "**"]


def random_loss(rng: np.random.Generator, depth: int) -> str:
    """A random expression of w: functions, operators, powers and constants, ``depth`` deep."""
    if depth == 0:
        return str(rng.choice(["w", "w", "w", "0.5", "2", "1.7"]))
    kind = rng.integers(4)
    if kind == 0:
        return f"{rng.choice(_UNARY)}({random_loss(rng, depth - 1)})"
    if kind == 1:
        return f"{rng.choice(['min', 'max'])}({random_loss(rng, depth - 1)}, w)"
    if kind == 2:
        return f"({random_loss(rng, depth - 1)})**{rng.choice(['2', '3', '6', '7', '0.5'])}"
    op = rng.choice(_BINARY[:4])
    return f"({random_loss(rng, depth - 1)}) {op} ({random_loss(rng, depth - 1)})"


def random_losses(count: int, seed: int) -> list[str]:
    """``count`` random losses that parse, each using w at least three times."""
    rng = np.random.default_rng(seed)
    found: list[str] = []
    while len(found) < count:
        text = random_loss(rng, 3)
        try:
            parse_loss(text)
        except LossError:
            continue
        if text.count("w") >= 3:
            found.append(text)
    return found


def eager_final(text: str, w_last: float) -> tuple[np.float32, np.float32]:
    """The loss and its gradient at ``w_last``, as the eager loop's next step takes them."""
    w = tf.Variable(tf.constant(w_last, tf.float32))
    with tf.GradientTape() as tape:
        value = parse_loss(text).tf_function()(w)
    return np.float32(value.numpy()), np.float32(tape.gradient(value, w).numpy())


def assert_lanes_are_eager(text: str, specs: list[RunSpec]) -> None:
    """:func:`lanes.descend` on ``specs`` (one loss) gives each lane's eager run, bit for bit:
    w after each step, the loss before it, and the loss and gradient at the end."""
    expr = parse_loss(text)
    tables = [lr_tables(spec)[1] for spec in specs]
    epochs = max(spec.epochs for spec in specs)
    starts = np.array([[spec.w0 for spec in specs]], np.float64).astype(np.float32)
    run = lanes.descend(expr, starts, tables, epochs)
    fn = expr.tf_function()
    for lane, spec in enumerate(specs):
        ws, losses, _ = eager_run_spec(fn, spec)
        n = spec.epochs
        assert bits(run.ws[0][:n, lane]).tolist() == bits(ws).tolist(), (text, spec)
        assert bits(run.loss[:n, lane]).tolist() == bits(losses).tolist(), (text, spec)
        if n == epochs:
            loss, grad = eager_final(text, float(ws[-1]))
            assert bits(run.final_loss[lane]) == bits(loss), (text, spec)
            assert bits(run.final_grads[0, lane]) == bits(grad), (text, spec)


def plain_specs(rng: np.random.Generator, count: int, epochs: int) -> list[RunSpec]:
    """``count`` runs of the seed's update with random w0 and rate (some blow up)."""
    return [
        RunSpec(w0=float(rng.uniform(-4, 4)), lr=float(10 ** rng.uniform(-3, 0.6)), epochs=epochs)
        for _ in range(count)
    ]


@pytest.mark.parametrize("text", LOSSES)
def test_each_lane_is_the_eager_loop(text: str) -> None:
    # 6 lanes: padded to 8, one group of the probe's size and a shorter one.
    rng = np.random.default_rng(sum(map(ord, text)))
    assert_lanes_are_eager(text, plain_specs(rng, 6, 25))


@pytest.mark.parametrize("text", random_losses(6, seed=14))
def test_random_losses_are_the_eager_loop(text: str) -> None:
    rng = np.random.default_rng(sum(map(ord, text)))
    assert_lanes_are_eager(text, plain_specs(rng, 5, 20))


def test_every_function_is_taken_by_groups_unless_vector_exact() -> None:
    """The random and hand-written losses cover every function, and a loss of vector-exact ops
    only has no op taken by groups (it runs as one vector, in blocks of VECTOR_BLOCK)."""
    used = set().union(*(parse_loss(text).ops for text in LOSSES))
    assert used >= set(FUNCTIONS) | {"pow", "div", "neg", "square", "mul", "add", "sub"}
    vector = parse_loss("(w + 1)**2 / (w*w + 3) - w")
    assert lanes.lanewise_ops(vector) == frozenset()
    assert lanes.block_size(vector, 2000) == 2048
    assert lanes.lanewise_ops(parse_loss("tanh(w) + w")) == {"tanh"}
    assert lanes.block_size(parse_loss("tanh(w) + w"), 2000) == lanes.BLOCK
    assert not any(REGISTRY[name].vector_exact for name in FUNCTIONS)


@pytest.mark.parametrize("schedule", ["exponential", *KERAS_SCHEDULES])
def test_schedules_and_different_lengths_are_the_eager_loop(schedule: str) -> None:
    """Every schedule, with warm-up sometimes, and runs of different lengths in one batch (a
    shorter lane goes on at rate 0)."""
    rng = np.random.default_rng(sum(map(ord, schedule)))
    specs = [spec_of(rng, schedule, "gd") for _ in range(5)]
    assert_lanes_are_eager("tanh(w) + 0.1*w**2 + exp(-w)*w", specs)


def test_more_lanes_than_a_block_run_block_after_block(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lanes, "BLOCK", 4)
    text = "w*w + exp(w) - tanh(w)"
    assert lanes.block_size(parse_loss(text), 11) == 4
    assert_lanes_are_eager(text, plain_specs(np.random.default_rng(3), 11, 15))


def test_a_new_count_of_rates_or_steps_reuses_the_trace() -> None:
    text = "tanh(w) + 0.1*w**2 + sin(w)/7"
    expr = parse_loss(text)
    rng = np.random.default_rng(5)
    for count, epochs in [(130, 5), (200, 40), (256, 3), (300, 9), (700, 2)]:
        specs = plain_specs(rng, count, epochs)
        starts = np.array([[s.w0 for s in specs]], np.float32)
        lanes.descend(expr, starts, [lr_tables(s)[1] for s in specs], epochs)
    assert lanes.block_size(expr, 130) == lanes.block_size(expr, 700) == lanes.BLOCK
    assert lanes.compiled_loop(text, lanes.BLOCK).experimental_get_tracing_count() == 1


def eager_two(text: str, w1: float, w2: float, lr: float, epochs: int) -> np.ndarray:
    """The user's two-variable loop: ``(w1, w2)`` after each step, as float32 ``[2, N]``."""
    fn = parse_loss(text).tf_function()
    v1, v2 = tf.Variable(tf.constant(w1, tf.float32)), tf.Variable(tf.constant(w2, tf.float32))
    out = []
    for _ in range(epochs):
        with tf.GradientTape() as tape:
            loss = fn(v1, v2)
        g1, g2 = tape.gradient(loss, [v1, v2])
        v1.assign_sub(lr * g1)
        v2.assign_sub(lr * g2)
        out.append((v1.numpy(), v2.numpy()))
    return np.array(out, np.float32).T


def test_two_parameters_each_take_their_gradient() -> None:
    text = "tanh(w1)*w2 + w1*w1 + exp(w2/3) + w2**3/10 + sin(w1)*w1"
    expr = parse_loss(text)
    rng = np.random.default_rng(12)
    starts = rng.uniform(-2, 2, (2, 5)).astype(np.float32)
    rates = (10 ** rng.uniform(-3, -0.5, 5)).astype(np.float32)
    epochs = 20
    run = lanes.descend(expr, starts, [np.full(epochs, r, np.float32) for r in rates], epochs)
    for lane in range(5):
        want = eager_two(text, *map(float, starts[:, lane]), float(rates[lane]), epochs)
        got = np.array([run.ws[0][:, lane], run.ws[1][:, lane]])
        assert bits(got).tolist() == bits(want).tolist(), lane


def test_the_gradients_of_the_uses_of_w_are_summed_in_the_tapes_order() -> None:
    # add(mul(w, w), exp(w)): the tape takes add, then mul (pushing its two uses), then exp.
    loss = lane_loss.LaneLoss(parse_loss("w*w + exp(w)").program, 8, group=3)
    assert loss.order == [0, 1, 2]
    # A deeper use comes after shallower ones, whatever the order they were built in.
    deep = lane_loss.LaneLoss(parse_loss("sin(sin(w)) + w*w").program, 8, group=3)
    assert deep.order == [1, 2, 0]
    # w**3 is w * square(w): the multiply's use, then the square's, around tanh's use.
    power = lane_loss.LaneLoss(parse_loss("w**3 + tanh(w)").program, 8, group=3)
    assert power.order == [0, 2, 1]


def fake_sin(packet: int):
    """A stand-in for sin (the identity, exact on any length) whose vector kernel, from
    ``packet`` elements on, is one bit off."""

    def sin(x: tf.Tensor) -> np.ndarray:
        value = tf.identity(x).numpy()
        if value.ndim and value.size >= packet:
            value = value.copy()
            value.view(np.int32)[:packet] ^= 1
        return value

    return sin


@pytest.mark.parametrize(("packet", "group"), [(4, 3), (8, 7), (16, 15), (5, 3), (99, 3)])
def test_the_group_is_one_less_than_the_packet_the_probe_finds(packet: int, group: int) -> None:
    """A packet size Eigen has gives groups one shorter; any other finding (a length that is no
    packet size, or no difference at all) gives the safe group of 3."""
    assert scalar_lanes.measure_group(fake_sin(packet)) == group


def test_the_probe_finds_a_packet_of_this_build() -> None:
    assert (
        scalar_lanes.group_size() + 1 in scalar_lanes.PACKET_SIZES
        or scalar_lanes.group_size() == scalar_lanes.SAFE_GROUP
    )


@pytest.mark.parametrize("text", LOSSES)
def test_the_gradient_at_any_point_is_the_eager_tapes(text: str) -> None:
    expr = parse_loss(text)
    points = np.random.default_rng(len(text)).uniform(-3, 3, 9).astype(np.float32)
    loss = lane_loss.LaneLoss(expr.program, points.size)
    value, (grad,) = tf.function(lambda w: lane_loss.loss_and_gradients(loss, (w,)))(
        tf.constant(points)
    )
    for lane, point in enumerate(points):
        want_loss, want_grad = eager_final(text, float(point))
        assert bits(value.numpy()[lane]) == bits(want_loss), (text, point)
        assert bits(grad.numpy()[lane]) == bits(want_grad), (text, point)


def test_a_keras_optimizer_on_the_lanes_gradients_is_the_eager_loop() -> None:
    """What the optimizers' graph-mode loop can use: the lanes' gradient of a variable's
    value, handed to ``apply_gradients`` for the variable (w used three times: the order of
    their sum matters; graph mode's own AddN sums this one in another order)."""
    text, steps = "w*w + exp(w)", 15
    expr = parse_loss(text)
    starts = np.linspace(-2.5, 2.0, 6).astype(np.float32)
    w = tf.Variable(starts)
    optimizer = tf.keras.optimizers.Adam(0.05, beta_1=0.8)
    loss = lane_loss.LaneLoss(expr.program, starts.size)

    @tf.function(autograph=False)
    def step() -> None:
        _, (grad,) = lane_loss.loss_and_gradients(loss, (w.read_value(),))
        optimizer.apply_gradients([(grad, w)])

    path = []
    for _ in range(steps):
        step()
        path.append(w.numpy())
    fn = expr.tf_function()
    for lane, start in enumerate(starts):
        v = tf.Variable(tf.constant(start))
        eager_optimizer = tf.keras.optimizers.Adam(0.05, beta_1=0.8)
        for i in range(steps):
            with tf.GradientTape() as tape:
                value = fn(v)
            eager_optimizer.apply_gradients([(tape.gradient(value, v), v)])
            assert bits(path[i][lane]) == bits(v.numpy()), (lane, i)


def test_a_loss_of_vector_exact_ops_needs_no_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lesson's loss runs as one vector: its first graph-mode run (the explorer's first
    results) does not wait for the packet probe."""

    def no_probe() -> int:
        raise AssertionError("probed the packet size for a loss of vector-exact ops")

    monkeypatch.setattr(scalar_lanes, "group_size", no_probe)
    loss = lane_loss.LaneLoss(parse_loss("(w + 1)**2 / (w*w + 3) - w").program, 8)
    assert loss.sizes == []
    with pytest.raises(AssertionError, match="probed"):
        lane_loss.LaneLoss(parse_loss("tanh(w)").program, 8)


@pytest.mark.parametrize("text", [*LOSSES[:4], "(w1 - 1)**2 + tanh(w2)*w1", "sin(w1) * w2**2"])
@pytest.mark.parametrize("epochs", [0, 1, 13])
def test_a_short_run_in_graph_only_takes_a_compiled_step_a_call_with_the_loops_bits(
    text: str, epochs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``lanes.steps`` within ``tfenv.graph_only`` (a short run: compile the least) calls one
    compiled step per step, the loop's own body: the same bits as the loop, which is never
    traced; at 0 steps, the loss and gradient at the starts."""
    from tui.engine import tfenv

    expr = parse_loss(text)
    rng = np.random.default_rng(epochs + len(text))
    starts = rng.uniform(-2, 2, (len(expr.params), 6)).astype(np.float32)
    rates = (10 ** rng.uniform(-3, 0, (epochs, 6))).astype(np.float32)
    looped = lanes.steps(expr, starts, rates)

    def no_loop(expr: str, lanes: int):
        raise AssertionError("a short run traced the while loop")

    monkeypatch.setattr(lanes, "compiled_loop", no_loop)
    with tfenv.graph_only():
        stepwise = lanes.steps(expr, starts, rates)
    for mine, loop in zip(stepwise, looped, strict=True):
        assert (mine.shape, mine.dtype) == (loop.shape, loop.dtype)
        assert bits(mine).tolist() == bits(loop).tolist()
