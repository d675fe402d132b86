"""Tests of the loss language's one function registry, its public IR and the parse cache."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import itertools
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import cast

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest
import tensorflow as tf

from tui import i18n
from tui.engine import loss_ir, losses
from tui.engine.loss_functions import (
    BINARY_OPERATORS,
    FUNCTIONS,
    REGISTRY,
    XLA_EXACT_OPS,
    LossFunction,
)
from tui.engine.losses import LossError, LossExpr, parse_loss

TUI = Path(__file__).resolve().parent.parent / "tui"
LOSS_MODULES = sorted((TUI / "engine").glob("loss*.py"))

#: Sample arguments (float32 values, so that float64 folds and float32 ops see the same inputs).
POINTS = [float(np.float32(x)) for x in (-2.5, -0.75, -0.1, 0.25, 0.5, 0.8, 1.5, 2.0, 3.0)]

#: The operations IEEE 754 rounds correctly: float64 then float32 is the float32 result, exactly.
CORRECTLY_ROUNDED = {"add", "sub", "mul", "div", "neg", "square", "sqrt", "abs", "min", "max"}


def bits(values: object) -> np.ndarray:
    """The float32 bit patterns of ``values``, for bit-for-bit comparisons."""
    return np.asarray(values, dtype=np.float32).view(np.int32)


def samples(record: LossFunction, points: list[float] = POINTS) -> list[tuple[float, ...]]:
    """The argument tuples from ``points`` inside the record's domain (fold finite there)."""
    out = []
    for args in itertools.product(points, repeat=record.arity):
        try:
            value = record.fold(*args)
        except (ValueError, ArithmeticError):
            continue
        if math.isfinite(value):
            out.append(args)
    return out


def tf_values(record: LossFunction, args: list[tuple[float, ...]]) -> np.ndarray:
    """The record's TensorFlow op on the columns of ``args``, eagerly in float32."""
    columns = [tf.constant(np.array(col, np.float32)) for col in zip(*args, strict=True)]
    return record.tf_op(tf)(*columns).numpy()


# --- Each record is consistent. ------------------------------------------------------------------


@pytest.mark.parametrize("name", list(REGISTRY))
def test_the_fold_computes_what_the_tf_op_computes(name: str) -> None:
    record = REGISTRY[name]
    args = samples(record)
    assert len(args) >= 4, name
    folded = np.array([record.fold(*a) for a in args])
    computed = tf_values(record, args)
    if name in CORRECTLY_ROUNDED:
        np.testing.assert_array_equal(bits(computed), bits(folded), err_msg=name)
    else:
        np.testing.assert_allclose(computed, folded, rtol=1e-6, atol=1e-7, err_msg=name)


def eager_value_and_grads(record: LossFunction, args: tuple[float, ...]) -> list[float]:
    """The record's TF op and its gradients at scalar ``args``, eagerly, as the lesson's loop."""
    xs = [tf.constant(np.float32(a)) for a in args]
    with tf.GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        y = record.tf_op(tf)(*xs)
    grads = tape.gradient(y, xs, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    return [float(y), *(float(g) for g in grads)]


@pytest.mark.parametrize("name", list(REGISTRY))
def test_the_slope_is_the_tf_gradient(name: str) -> None:
    record = REGISTRY[name]
    checked = 0
    for args in samples(record):
        _, *grads = eager_value_and_grads(record, args)
        value = record.fold(*args)
        for i, grad in enumerate(grads):
            unit = [1.0 if j == i else 0.0 for j in range(record.arity)]
            try:
                slope = record.slope(list(args), unit, value)
            except ValueError:  # pow's slope in its exponent needs a base above 0
                assert name == "pow" and args[0] < 0 and i == 1, (args, i)
                continue
            assert math.isclose(grad, slope, rel_tol=1e-5, abs_tol=1e-6), (name, args, i)
            checked += 1
    assert checked >= 4


def test_slopes_follow_tensorflow_at_kinks() -> None:
    assert REGISTRY["abs"].slope([0.0], [1.0], 0.0) == 0.0
    assert REGISTRY["min"].slope([1.0, 1.0], [2.0, 3.0], 1.0) == 2.0
    assert REGISTRY["max"].slope([1.0, 1.0], [2.0, 3.0], 1.0) == 2.0


@pytest.mark.parametrize("name", list(REGISTRY))
def test_the_arity_is_the_tf_ops_and_the_folds(name: str) -> None:
    record = REGISTRY[name]
    signature = inspect.signature(record.tf_op(tf))
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    required = [
        p for p in signature.parameters.values() if p.kind in kinds and p.default is p.empty
    ]
    assert len(required) == record.arity, name
    assert math.isfinite(record.fold(*[0.5] * record.arity))


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_the_parser_takes_exactly_the_arity_and_names_the_function_otherwise(name: str) -> None:
    arity = REGISTRY[name].arity
    assert parse_loss(f"{name}({', '.join(['w'] * arity)})").ops == {name}
    for given in (arity - 1, arity + 1):
        with pytest.raises(LossError) as info:
            parse_loss(f"{name}({', '.join(['w'] * given)})")
        assert info.value.column == 1
        text = str(info.value)
        assert f"{name}() takes {arity} argument" in text and f"not {given}" in text, text


@pytest.mark.parametrize("name", [n for n, r in REGISTRY.items() if r.domain is not None])
def test_a_constant_outside_the_domain_is_refused_with_the_records_message(name: str) -> None:
    record = REGISTRY[name]
    with pytest.raises(ValueError):
        record.fold(-2.0)
    with pytest.raises(LossError) as info:
        parse_loss(f"{name}(-2) + w")
    assert str(record.domain_reason()) in str(info.value)


def test_every_message_key_of_the_registry_is_in_both_catalogues() -> None:
    keys = {r.domain for r in REGISTRY.values() if r.domain} | {f"fn.{n}" for n in FUNCTIONS}
    for language in ("en", "zh"):
        assert keys <= set(i18n.catalogue(language)), language


@pytest.mark.parametrize("name", sorted(XLA_EXACT_OPS))
def test_an_xla_exact_op_gives_the_eager_scalar_bits_under_xla(name: str) -> None:
    """XLA on a vector (as the engine runs many rates at once) gives the lesson's scalar bits.

    The eager kernels on a vector are no reference: Eigen's vectorized sin, cos and atan differ
    in the last bit from its scalar path on some of these points (TF 2.21, x86-64).
    """
    from tui.engine import descent

    if not descent.xla_in_use():
        pytest.skip("the engine does not use XLA on this machine")
    record = REGISTRY[name]
    # Dense enough that each of exp, tanh, sinh, cosh, log, log1p, sigmoid and softplus differs
    # from its eager bits on some of these points (15 to 160 of 241, as measured here).
    grid = np.linspace(-3.0, 3.0, 241 if record.arity == 1 else 25, dtype=np.float32)
    args = samples(record, [float(x) for x in grid])
    op = record.tf_op(tf)

    def value_and_grads(*xs: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            for x in xs:
                tape.watch(x)
            y = op(*xs)
        grads = tape.gradient(y, list(xs), unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return tf.stack([y, *grads], axis=1)

    columns = [tf.constant(np.array(col, np.float32)) for col in zip(*args, strict=True)]
    xla = tf.function(value_and_grads, jit_compile=True)(*columns).numpy()
    eager = np.array([eager_value_and_grads(record, a) for a in args], np.float32)
    np.testing.assert_array_equal(bits(xla), bits(eager), err_msg=name)


# --- The tables are derived from the registry, and there is no second one. -------------------


def test_the_public_tables_are_derived_from_the_registry() -> None:
    assert set(FUNCTIONS) == {n for n, r in REGISTRY.items() if not r.operator}
    assert {n for n, r in REGISTRY.items() if r.xla_exact} == XLA_EXACT_OPS
    assert BINARY_OPERATORS == {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow"}
    assert losses.FUNCTIONS is FUNCTIONS and losses.XLA_EXACT_OPS is XLA_EXACT_OPS
    for name, record in REGISTRY.items():
        assert record.name == name


def _string_tables(path: Path) -> list[tuple[int, set[str]]]:
    """The dict and set literals in ``path`` holding three or more operation names as keys."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Dict):
            keys: list[ast.expr | None] = list(node.keys)
        elif isinstance(node, ast.Set):
            keys = list(node.elts)
        else:
            continue
        names = {k.value for k in keys if isinstance(k, ast.Constant) and k.value in REGISTRY}
        if len(names) >= 3:
            found.append((node.lineno, names))
    return found


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(TUI.rglob("*.py")) if p.name != "loss_functions.py"],
    ids=lambda p: str(p.relative_to(TUI)),
)
def test_no_module_keeps_a_second_table_of_the_functions(path: Path) -> None:
    assert _string_tables(path) == [], path


# --- Public names only. -------------------------------------------------------------------------


def _private_uses(path: Path) -> list[str]:
    """Private names of the loss modules that ``path`` imports, and private LossExpr fields."""
    private_fields = {f.name for f in dataclasses.fields(LossExpr) if f.name.startswith("_")}
    uses = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tui.engine.loss"):
            uses += [f"import {a.name}" for a in node.names if a.name.startswith("_")]
        if isinstance(node, ast.Attribute) and node.attr in private_fields:
            uses.append(f".{node.attr}")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            value = node.value
            if isinstance(value, ast.Name) and value.id.startswith("loss"):
                uses.append(f"{value.id}.{node.attr}")
    return uses


def test_theory_uses_only_public_names_of_the_loss_modules() -> None:
    assert _private_uses(TUI / "engine" / "theory.py") == []


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(TUI.rglob("*.py")) if p not in LOSS_MODULES],
    ids=lambda p: str(p.relative_to(TUI)),
)
def test_no_module_outside_the_loss_modules_uses_their_private_names(path: Path) -> None:
    assert _private_uses(path) == [], path


# --- The IR: public, frozen, shared. ------------------------------------------------------------


def test_the_program_is_a_public_frozen_tree() -> None:
    expr = parse_loss("sin(3*w) + (w - 1)**3 / 2")
    assert isinstance(expr.program, loss_ir.Op)
    seen = []

    def walk(node: loss_ir.Node) -> None:
        seen.append(type(node))
        assert dataclasses.is_dataclass(node) and type(node).__dataclass_params__.frozen
        assert not type(node).__name__.startswith("_")
        field = dataclasses.fields(node)[0].name if dataclasses.fields(node) else None
        if field is not None:
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(node, field, getattr(node, field))
        if isinstance(node, loss_ir.Op):
            assert node.name in REGISTRY
            assert isinstance(node.args, tuple)
            for arg in node.args:
                walk(arg)
        elif isinstance(node, loss_ir.IntPow):
            walk(node.base)

    walk(expr.program)
    assert {loss_ir.Op, loss_ir.Num, loss_ir.W, loss_ir.IntPow} <= set(seen)
    assert set(loss_ir.__all__) >= {"Num", "W", "Op", "IntPow", "Node"}
    hash(expr.program)
    assert loss_ir.ops_of(expr.program) == expr.ops


def test_a_parsed_loss_is_immutable() -> None:
    expr = parse_loss("w**2")
    for name in ("source", "ops", "program"):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(expr, name, None)
    assert isinstance(expr.ops, frozenset)


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The texts the parser really parses from now on (the cache emptied first and after)."""
    calls: list[str] = []

    class Counting(losses._Parser):
        def parse(self) -> LossExpr:
            calls.append(self.text)
            return super().parse()

    clear = getattr(losses._parse, "cache_clear", lambda: None)
    clear()
    monkeypatch.setattr(losses, "_Parser", Counting)
    yield calls
    clear()


def test_each_distinct_text_is_parsed_once(parses: list[str]) -> None:
    first = parse_loss("w**2 + 1")
    assert parse_loss("w**2 + 1") is first
    assert parse_loss("w**2 + 1") is first
    assert parses == ["w**2 + 1"]
    parse_loss("sin(w)")
    parse_loss("w**2 + 1")
    assert parses == ["w**2 + 1", "sin(w)"]


def test_a_refused_text_raises_every_time(parses: list[str]) -> None:
    for _ in range(2):
        with pytest.raises(LossError) as info:
            parse_loss("x + 1")
        assert info.value.column == 1
    assert parses == ["x + 1", "x + 1"]
    with pytest.raises(LossError):
        parse_loss(cast(str, ["w"]))  # not text (unhashable): refused before the cache


@pytest.mark.parametrize(
    ("typed", "texts"),
    [
        ("sin(3*w) + 0.1*w**2", ["sin(3*w) + 0.1*w**2"]),
        # The results carry the canonical text, which the chart and theory parse once more.
        ("sin(3*w)+0.1*w^2", ["sin(3*w)+0.1*w^2", "sin(3*w) + 0.1*w**2"]),
    ],
)
def test_a_run_parses_each_text_of_its_loss_once(
    parses: list[str], typed: str, texts: list[str]
) -> None:
    from tui.engine import descent, server, theory
    from tui.engine.protocol import RunRequest
    from tui.engine.spec import RunSpec

    descent.xla_in_use()  # the engine's start-up probe runs the seed loss, once per process
    parses.clear()
    spec = RunSpec(w0=1.0, lr=0.05, epochs=5)
    parse_loss(typed)  # the form
    request = RunRequest(1, (spec,), typed, 1e-6)
    [result] = descent.run_batch(request.specs, request.loss, tol=request.tol)
    curvature = server._curvature(request)
    assert curvature is not None
    for _ in range(5):  # the theory line and the chart, at every playback frame
        expr = parse_loss(result.loss_expr)
        theory.theory_for(expr, spec.lr, spec.w0, lambda w: curvature)
        theory.loss_curve(expr, [0.0, 1.0])
    assert parses == texts
