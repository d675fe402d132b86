"""Losses of two parameters, ``w1`` and ``w2``: the parser, the program and the TF function.

The engine's two-parameter runs are checked against the eager loop in
``tests/test_two_params_engine.py``.
"""

from __future__ import annotations

import pickle

import pytest

from tui import i18n
from tui.engine.loss_ir import W
from tui.engine.losses import ONE_PARAMETER, TWO_PARAMETERS, LossError, parse_loss

ISSUE_LOSSES = (
    "(w1 + 1)**2 + 10*(w2 - 1)**2",
    "(1 - w1)**2 + 100*(w2 - w1**2)**2",
    "w1**2 - w2**2",
    "sin(w1)*cos(w2) + 0.1*(w1**2 + w2**2)",
)


def parameters_of(node: object) -> set[int]:
    """The indices of the :class:`W` nodes of a program."""
    if isinstance(node, W):
        return {node.index}
    found: set[int] = set()
    for child in getattr(node, "args", ()) or (getattr(node, "base", None),):
        if child is not None:
            found |= parameters_of(child)
    return found


@pytest.mark.parametrize("text", ISSUE_LOSSES)
def test_issue_losses_are_two_parameter_losses(text: str) -> None:
    expr = parse_loss(text)
    assert expr.params == TWO_PARAMETERS
    assert parameters_of(expr.program) == {0, 1}
    # The canonical text parses back to the same program.
    again = parse_loss(str(expr))
    assert again.program == expr.program and again.params == expr.params


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("w1^2+w2^2", "w1**2 + w2**2"),
        ("(w1*w2)", "w1*w2"),
        ("  w2 - (w1)  ", "w2 - w1"),
        ("w1**3 + w2**-2", "w1**3 + w2**-2"),
    ],
)
def test_canonical_text(text: str, canonical: str) -> None:
    assert str(parse_loss(text)) == canonical


@pytest.mark.parametrize("text", ["w1**2", "(w2 - 3)**2", "sin(w1)", "w2**0 + w1"])
def test_naming_one_of_w1_w2_is_still_two_parameters(text: str) -> None:
    assert parse_loss(text).params == TWO_PARAMETERS


def test_w1_and_w2_are_indices_0_and_1() -> None:
    assert parse_loss("w1").program == W(0)
    assert parse_loss("w2").program == W(1)
    assert parse_loss("w").program == W(0)


@pytest.mark.parametrize("text", ["(w + 1)**2", "sin(3*w) + 0.1*w^2", "w"])
def test_w_losses_unchanged(text: str) -> None:
    expr = parse_loss(text)
    assert expr.params == ONE_PARAMETER
    assert "w1" not in str(expr) and parameters_of(expr.program) == {0}


@pytest.mark.parametrize(
    ("text", "column", "name", "other"),
    [
        ("w + w1", 5, "w1", "w"),
        ("w1*w2 + w", 9, "w", "w1"),
        ("(w2 - w)**2", 7, "w", "w2"),
        ("  sin(w) + w2", 12, "w2", "w"),
    ],
)
def test_mixing_w_with_w1_w2_is_refused_at_its_column(
    text: str, column: int, name: str, other: str
) -> None:
    with pytest.raises(LossError) as info:
        parse_loss(text)
    assert info.value.column == column
    line = str(info.value)
    assert f"'{name}' cannot be used with '{other}'" in line


@pytest.mark.parametrize(
    ("text", "column", "name"),
    [("w3 + w1", 1, "w3"), ("w1 + w0", 6, "w0"), ("W2", 1, "W2"), ("x1*w2", 1, "x1")],
)
def test_other_parameter_like_names_are_refused(text: str, column: int, name: str) -> None:
    with pytest.raises(LossError) as info:
        parse_loss(text)
    assert info.value.column == column
    line = str(info.value)
    assert f"name '{name}' is not allowed" in line
    assert line.endswith("the parameters are w alone, or w1 and w2")


def test_constant_two_parameter_loss_names_w1_w2() -> None:
    with pytest.raises(LossError, match="must depend on w1 or w2"):
        parse_loss("w1**0")


def test_refusals_in_chinese() -> None:
    with pytest.raises(LossError) as mixed:
        parse_loss("w + w1")
    with pytest.raises(LossError) as other:
        parse_loss("w3")
    i18n.set_language("zh")
    try:
        assert "'w1' 不能与 'w' 同时使用" in str(mixed.value)
        assert str(other.value).endswith("参数只能是 w，或者 w1 和 w2")
    finally:
        i18n.set_language("en")


def test_two_parameter_expr_pickles() -> None:
    expr = parse_loss(ISSUE_LOSSES[1])
    again = pickle.loads(pickle.dumps(expr))
    assert again == expr and again.params == TWO_PARAMETERS


def test_tf_function_of_two_parameters() -> None:
    tf = pytest.importorskip("tensorflow")
    fn = parse_loss("(w1 + 1)**2 + 10*(w2 - 1)**2").tf_function()
    w1 = tf.constant([0.5, -1.0], tf.float32)
    w2 = tf.constant([2.0, 1.0], tf.float32)
    expected = tf.square(w1 + 1.0) + 10.0 * tf.square(w2 - 1.0)
    assert fn(w1, w2).numpy().tolist() == expected.numpy().tolist()
    assert fn.__doc__ == "loss(w1, w2) = (w1 + 1)**2 + 10*(w2 - 1)**2"
    one = parse_loss("(w + 1)**2").tf_function()
    assert one(tf.constant(2.0)).numpy() == 9.0
    assert one.__doc__ == "loss(w) = (w + 1)**2"


def test_tf_function_of_an_unused_parameter_has_zero_gradient() -> None:
    tf = pytest.importorskip("tensorflow")
    fn = parse_loss("(w1 - 2)**2").tf_function()
    w1, w2 = tf.Variable(1.0), tf.Variable(5.0)
    with tf.GradientTape() as tape:
        value = fn(w1, w2)
    g1, g2 = tape.gradient(value, [w1, w2], unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert (value.numpy(), g1.numpy(), g2.numpy()) == (1.0, -2.0, 0.0)
