"""The engine's messages: made once, in English or Chinese, shown in the language of the moment.

The engine makes its messages (refused parameters and losses, statuses, the theory's sentence)
as :class:`~tui.i18n.Msg`, possibly in another process; these tests make them in English, switch
to Chinese and check that what is shown then is the Chinese catalogue's text, also after a trip
through pickle, and that no engine path hands out a message fixed in words at construction.
"""

from __future__ import annotations

import ast
import math
import pickle
import re
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tui import i18n
from tui.engine import schedule_formulas, sweep
from tui.engine.analysis import classify
from tui.engine.loss_errors import python_syntax
from tui.engine.losses import FUNCTIONS, LossError, parse_loss
from tui.engine.outcome import Outcome, Status
from tui.engine.plane_quadratic import Landscape
from tui.engine.protocol import RunFailed
from tui.engine.schedule_formulas import FORMULAS, WARMUP_FORMULA, formula
from tui.engine.spec import (
    MAX_EPOCHS,
    OPTIMIZER_UPDATES,
    ParameterError,
    RunSpec,
    Schedule,
    check_piecewise,
    parse_epochs,
    parse_list,
    parse_number,
    parse_steps,
)
from tui.engine.theory import Regime, theory_for
from tui.i18n import Msg, catalogue, msg
from tui.i18n.en import engine as en_engine
from tui.i18n.zh import engine as zh_engine

ENGINE = Path(__file__).resolve().parents[1] / "tui" / "engine"
PLANE_PARTS = ("landscape", "kind", "model")
CJK = re.compile(r"[\u4e00-\u9fff]")


def zh(key: str, **args: object) -> str:
    """The Chinese catalogue's text of ``key`` (nested messages shown in the current language)."""
    return catalogue("zh")[key].format(**args)


def refused(action: Callable[[], object]) -> ParameterError:
    """The :class:`ParameterError` that ``action`` raises."""
    with pytest.raises(ParameterError) as info:
        action()
    return info.value


# --- Refused parameters --------------------------------------------------------------------


def test_a_refused_parameter_made_in_english_is_shown_in_chinese() -> None:
    err = refused(RunSpec(lr=-1.0).validate)
    assert isinstance(err.reason, Msg)
    assert str(err) == "lr: must be 0 or more (this is gradient descent)"
    i18n.set_language("zh")
    assert str(err.reason) == zh("spec.lr_negative")
    assert str(err) == zh("spec.error", name="lr", reason=zh("spec.lr_negative"))
    assert str(err).startswith("lr\uff1a")  # a full-width colon
    assert f"{err.reason}" == str(err.reason)
    i18n.set_language("en")
    assert str(err) == "lr: must be 0 or more (this is gradient descent)"


def test_a_refused_parameter_survives_pickle_and_keeps_its_name() -> None:
    err = refused(lambda: RunSpec(epochs=MAX_EPOCHS + 1).validate())
    clone = pickle.loads(pickle.dumps(err))
    assert isinstance(clone, ParameterError)
    assert (clone.name, clone.reason) == ("epochs", err.reason)
    i18n.set_language("zh")
    assert str(clone) == zh("spec.error", name="epochs", reason=zh("spec.at_most", max=MAX_EPOCHS))
    assert "10,000,000" in str(clone)
    message = pickle.loads(pickle.dumps(RunFailed(7, err.message))).message
    assert isinstance(message, Msg) and str(message) == str(clone)


#: Every ParameterError the engine raises (spec.py, sweep.py): how, and the field it names.
REFUSALS: list[tuple[str, Callable[[], object]]] = [
    ("schedule", lambda: Schedule("linear").validate()),
    ("steps", lambda: Schedule("cosine", steps=0.0).validate()),
    ("rate", lambda: Schedule("inverse-time", rate=-1.0).validate()),
    ("alpha", lambda: Schedule("cosine", alpha=2.0).validate()),
    ("power", lambda: Schedule("polynomial", power=0.0).validate()),
    ("t-mul", lambda: Schedule("cosine-restarts", t_mul=0.0).validate()),
    ("m-mul", lambda: Schedule("cosine-restarts", m_mul=-1.0).validate()),
    ("factors", lambda: check_piecewise((10,), (1.0,))),
    ("factors", lambda: check_piecewise((10,), (1.0, -0.1))),
    ("boundaries", lambda: check_piecewise((), (1.0,))),
    ("boundaries", lambda: check_piecewise((-1,), (1.0, 0.1))),
    ("boundaries", lambda: check_piecewise((20, 10), (1.0, 0.1, 0.01))),
    ("w0", lambda: RunSpec(w0=1e39).validate()),
    ("w0", lambda: RunSpec(w0=math.inf).validate()),
    ("lr", lambda: RunSpec(lr=-0.1).validate()),
    ("lr", lambda: RunSpec(lr=1e39).validate()),
    ("epochs", lambda: RunSpec(epochs=0).validate()),
    ("epochs", lambda: RunSpec(epochs=2.5).validate()),  # type: ignore[arg-type]
    ("decay", lambda: RunSpec(decay=0.0).validate()),
    ("decay-steps", lambda: RunSpec(decay_steps=-1.0).validate()),
    ("schedule", lambda: RunSpec(decay=0.9, schedule=Schedule("cosine")).validate()),
    ("warmup", lambda: RunSpec(warmup=1.5).validate()),  # type: ignore[arg-type]
    ("warmup", lambda: RunSpec(warmup=-1).validate()),
    ("optimizer", lambda: RunSpec(optimizer="lbfgs").validate()),
    ("beta", lambda: RunSpec(beta=1.0).validate()),
    ("lr", lambda: parse_number("lr", "fast")),
    ("epochs", lambda: parse_epochs("many")),
    ("epochs", lambda: parse_epochs("2.5")),
    ("epochs", lambda: parse_epochs("1e9")),
    ("warmup", lambda: parse_steps("warmup", "-3")),
    ("boundaries", lambda: parse_list("boundaries", " , ", whole=True)),
    ("range", lambda: sweep.log_rates(1.0, 0.1, 10)),
    ("count", lambda: sweep.log_rates(0.001, 1.0, 1)),
]


@pytest.mark.parametrize(("name", "action"), REFUSALS, ids=[name for name, _ in REFUSALS])
def test_every_refusal_names_its_field_in_both_languages(
    name: str, action: Callable[[], object]
) -> None:
    err = refused(action)
    assert err.name == name
    assert isinstance(err.reason, Msg) and err.reason.key in catalogue("en")
    english = str(err)
    assert english == f"{name}: {err.reason}"
    assert english.startswith(f"{name}: ")
    i18n.set_language("zh")
    chinese = str(err)
    assert chinese == zh("spec.error", name=name, reason=err.reason) != english
    assert CJK.search(chinese), chinese
    assert str(pickle.loads(pickle.dumps(err))) == chinese


def test_too_many_cells_are_refused_by_the_engine_in_the_language_of_the_moment() -> None:
    from tui.engine.descent import run_batch

    err = refused(lambda: run_batch([RunSpec(epochs=MAX_EPOCHS)] * 6, "(w + 1)**2"))
    assert err.name == "epochs"
    assert str(err) == "epochs: 6 runs x 10,000,000 steps exceed 50,000,000 cells"
    i18n.set_language("zh")
    cells = zh("spec.cells", runs=6, epochs=MAX_EPOCHS, cells=50_000_000)
    assert str(err) == zh("spec.error", name="epochs", reason=cells)


# --- Refused losses ------------------------------------------------------------------------


def loss_error(text: str) -> LossError:
    """The :class:`LossError` that parsing ``text`` raises."""
    with pytest.raises(LossError) as info:
        parse_loss(text)
    return info.value


def test_a_refused_loss_made_in_english_is_shown_in_chinese_with_its_column() -> None:
    err = loss_error("x + 1")
    assert err.column == 1 and isinstance(err.reason, Msg)
    english = str(err)
    assert english.startswith("loss: column 1: name 'x' is not allowed")
    assert english.endswith("; the parameter is called w")
    i18n.set_language("zh")
    chinese = str(err)
    assert chinese.startswith(zh("loss.error_at", column=1, reason=""))
    assert chinese.endswith(zh("loss.hint.parameter"))
    hint = zh("loss.hint.parameter")
    reason = zh("loss.name_hint", name="x", functions=", ".join(FUNCTIONS), hint=hint)
    assert chinese == zh("loss.error_at", column=1, reason=reason)
    clone = pickle.loads(pickle.dumps(err))
    assert (clone.expression, clone.column, str(clone)) == ("x + 1", 1, chinese)
    assert str(pickle.loads(pickle.dumps(err.message))) == chinese


#: Refused losses along every kind of path in the parser, with the message key of each.
LOSSES: list[tuple[str, str]] = [
    ("", "loss.empty"),
    ("w" * 600, "loss.too_long"),
    ("w\n+ 1", "loss.line_break"),
    ("w + \x00", "loss.character"),
    ("1 + 2", "loss.constant"),
    ("w +", "loss.syntax"),
    ("(w", "loss.syntax"),
    ("2w", "loss.syntax"),
    ("sin", "loss.uncalled"),
    ("ln(w)", "loss.name_hint"),
    ("y", "loss.name"),
    ("~w", "loss.unary_operator"),
    ("w // 2", "loss.binary_operator"),
    ("w.real", "loss.attribute"),
    ("w[0]", "loss.subscript"),
    ("w < 1", "loss.compare"),
    ("w if w else 1", "loss.conditional"),
    ("True * w", "loss.constant_value"),
    ("'a'", "loss.string"),
    ("1j * w", "loss.complex"),
    ("1e999 * w", "loss.too_large"),
    ("w(2)", "loss.not_function"),
    ("sin(x=w)", "loss.keyword"),
    ("sin(*w)", "loss.starred_argument"),
    ("sin(w, 2)", "loss.arity_one"),
    ("max(w)", "loss.arity_many"),
    ("1e39 * w", "loss.float32"),
    ("w + 1/0", "loss.divides_by_zero"),
    ("10**400 + w", "loss.overflows"),
    ("log(-1) + w", "loss.undefined"),
    ("(-8)**(1/3) + w", "loss.undefined"),
    ("-" * 150 + "w", "loss.too_deep"),
]


@pytest.mark.parametrize(("text", "key"), LOSSES, ids=[text[:20] for text, _ in LOSSES])
def test_every_refused_loss_is_a_message_shown_in_chinese(text: str, key: str) -> None:
    err = loss_error(text)
    assert isinstance(err.reason, Msg) and err.reason.key == key
    english = str(err)
    assert english.startswith("loss: ")
    i18n.set_language("zh")
    chinese = str(err)
    if err.column is None:
        assert chinese == zh("loss.error", reason=err.reason)
    else:
        assert chinese == zh("loss.error_at", column=err.column, reason=err.reason)
    assert chinese != english and CJK.search(chinese), chinese


def test_non_text_is_refused_in_the_language_of_the_moment() -> None:
    err = loss_error(3)  # type: ignore[arg-type]
    i18n.set_language("zh")
    assert str(err) == zh("loss.error", reason=zh("loss.not_text", type="int"))


#: Typed text for each of Python's syntax errors the catalogues word.
PYTHON_SYNTAX = [
    "w ^^ 2",
    "sin(w w)",
    "2w",
    "sin(w",
    "w + 1)",
    "(w + 1]",
    "05*w",
    "w + 'a",
    "w\u00a0+ 1",
    "w + ¢",
    "0x + w",
    "0o + w",
    "0b + w",
    "0o9 + w",
    "0b2 + w",
    "\\w",
]


@pytest.mark.parametrize("text", PYTHON_SYNTAX)
def test_pythons_syntax_errors_are_worded_as_python_words_them_and_in_chinese(text: str) -> None:
    with pytest.raises(SyntaxError) as python:
        ast.parse(text + "\n", mode="eval")
    expected = python.value.msg
    if expected == "invalid decimal literal":
        expected += " (write 2*w for a product)"
    err = loss_error(text)
    assert isinstance(err.reason, Msg) and err.reason.key == "loss.syntax"
    message = dict(err.reason.args)["message"]
    assert isinstance(message, Msg), f"Python's {expected!r} has no message in the catalogues"
    assert str(err.reason) == f"syntax error: {expected}"
    i18n.set_language("zh")
    assert str(err.reason) == zh("loss.syntax", message=zh(message.key, **dict(message.args)))
    assert CJK.search(str(message)), message


def test_a_syntax_error_the_catalogues_do_not_word_is_shown_as_python_words_it() -> None:
    assert python_syntax("a message from a newer Python") == "a message from a newer Python"


def test_function_descriptions_are_shown_in_the_current_language() -> None:
    assert list(FUNCTIONS)[:3] == ["sin", "cos", "tan"] and len(FUNCTIONS) == 16
    assert str(FUNCTIONS["sin"]) == "sine (radians)"
    i18n.set_language("zh")
    for name, text in FUNCTIONS.items():
        assert str(text) == zh(f"fn.{name}") and f"{text}" == str(text)
    assert str(FUNCTIONS["sin"]).startswith("正弦")


# --- Statuses, outcomes, the theory --------------------------------------------------------


def test_a_status_made_in_english_is_shown_in_chinese_and_survives_pickle() -> None:
    w = np.array([3.0, np.inf], np.float32)
    loss = np.array([36.0, 16.0], np.float32)
    status = classify(5.0, w, loss, np.ones(2), math.inf, math.nan)
    assert status.outcome is Outcome.DIVERGED and status.step == 2
    assert isinstance(status.reason, Msg)
    assert (str(status), str(status.reason)) == ("diverged at step 2", "w overflowed to inf")
    clone = pickle.loads(pickle.dumps(status))
    assert clone == status
    i18n.set_language("zh")
    assert str(clone) == zh("outcome.at_step", step=2, outcome=zh("outcome.diverged"))
    assert str(clone.reason) == zh("status.w_overflowed", value="inf")
    assert status.outcome.value == "diverged"  # the identifier stays


def test_a_status_without_a_step_is_its_outcome_label() -> None:
    status = Status(Outcome.DESCENDING, None, msg("status.falling"))
    assert str(status) == "still descending"
    i18n.set_language("zh")
    assert str(status) == zh("outcome.descending") and str(status.reason) == zh("status.falling")


def test_outcomes_and_regimes_keep_their_values_and_label_in_the_current_language() -> None:
    assert [o.label for o in Outcome] == [o.value for o in Outcome]
    assert [r.label for r in Regime] == [r.value for r in Regime]
    i18n.set_language("zh")
    assert [o.label for o in Outcome] == [zh(f"outcome.{o.name.lower()}") for o in Outcome]
    assert [r.label for r in Regime] == [zh(f"regime.{r.name.lower()}") for r in Regime]
    assert Outcome.CONVERGED.value == "converged" and Regime.TWO_CYCLE.value == "2-cycle"
    assert len({o.label for o in Outcome}) == len(Outcome)
    assert len({r.label for r in Regime}) == len(Regime)


@pytest.mark.parametrize(
    ("lr", "regime"),
    [
        (0.0, Regime.STILL),
        (0.01, Regime.MONOTONE),
        (0.5, Regime.ONE_STEP),
        (0.99, Regime.OSCILLATING),
        (1.0, Regime.TWO_CYCLE),
        (1.5, Regime.DIVERGING),
    ],
)
def test_the_theorys_sentence_is_one_whole_sentence_per_regime(lr: float, regime: Regime) -> None:
    theory = theory_for(parse_loss("(w + 1)**2"), lr, 5.0)
    assert theory is not None and theory.regime is regime
    assert isinstance(theory.why, Msg) and theory.why.key == f"why.{regime.name.lower()}"
    english = str(theory.why)
    i18n.set_language("zh")
    chinese = str(theory.why)
    assert chinese == zh(theory.why.key, **dict(theory.why.args))
    assert chinese != english and CJK.search(chinese)
    if regime in (Regime.MONOTONE, Regime.OSCILLATING, Regime.DIVERGING):
        q = dict(theory.why.args)["q"]
        assert f"q = {q}" in english and f"q = {q}" in chinese


def test_the_local_theory_says_where_its_curvature_was_taken_in_chinese() -> None:
    theory = theory_for(parse_loss("w**3 + w"), 0.1, 1.0, curvature_at=lambda w: 6.0 * w)
    assert theory is not None and not theory.exact
    assert theory.why.key == "why.monotone_local"
    assert "about q = 0.4 (curvature 6 at w = 1)" in str(theory.why)
    i18n.set_language("zh")
    assert "w = 1 处的曲率为 6" in str(theory.why)
    assert str(theory.why) == zh("why.monotone_local", q="0.4", curvature="6", w0="1")


# --- Help texts: optimizers and schedules --------------------------------------------------


def test_the_optimizer_and_schedule_help_is_read_in_the_current_language() -> None:
    english = dict(FORMULAS)
    assert english["exponential"] == "lr * decay^(s / T), floor(s / T) with staircase"
    assert f"{OPTIMIZER_UPDATES['gd']}".startswith("the lesson's w -= lr * grads")
    assert str(WARMUP_FORMULA).startswith("lr * s / W for s < W")
    i18n.set_language("zh")
    assert FORMULAS["exponential"] == zh("schedule.exponential")
    assert dict(FORMULAS)["constant"] == english["constant"] == "lr"
    assert list(FORMULAS) == list(english)
    assert f"{OPTIMIZER_UPDATES['gd']}" == zh("optimizer.gd")
    assert OPTIMIZER_UPDATES["adam"] == "tf.keras.optimizers.Adam(beta_1=beta)"
    assert f"{WARMUP_FORMULA}" == zh("schedule.warmup")


def test_a_formulas_words_are_in_the_current_language_and_its_math_is_not() -> None:
    spec = RunSpec(lr=0.1, warmup=5, schedule=Schedule("cosine-restarts", steps=50.0))
    english = formula(spec)
    assert english.startswith("0.1 * s / 5 for s < 5, then 0.1 * cosine to 0 over 50 steps")
    i18n.set_language("zh")
    chinese = formula(spec)
    inner = zh("schedule.restarts_formula", lr="0.1", alpha="0", steps="50", t_mul="2", m_mul="1")
    assert chinese == zh("schedule.with_warmup", lr="0.1", warmup=5, text=inner)
    seed = RunSpec(lr=0.2, decay=0.99)
    assert schedule_formulas.formula(seed) == "0.2 * 0.99^(s / 1)"  # only math: the same in Chinese


# --- The engine process sends a refusal as a message --------------------------------------


def test_the_engine_process_sends_a_refused_loss_as_a_message() -> None:
    from tui.app.engine_client import EngineClient

    client = EngineClient()
    client.start()
    try:
        request = client.submit([RunSpec()], "x + 1", 1e-6)
        deadline = time.monotonic() + 90.0
        failed = None
        while failed is None and time.monotonic() < deadline:
            reply = client.receive(0.1)
            if isinstance(reply, RunFailed):
                failed = reply
    finally:
        client.stop()
    assert isinstance(failed, RunFailed) and failed.request_id == request
    assert isinstance(failed.message, Msg)
    assert str(failed.message).startswith("loss: column 1: name 'x' is not allowed")
    i18n.set_language("zh")
    assert str(failed.message).startswith(zh("loss.error_at", column=1, reason=""))
    assert str(failed.message).endswith(zh("loss.hint.parameter"))


# --- The catalogues and the code -----------------------------------------------------------


def test_every_engine_message_is_translated_with_chinese_punctuation() -> None:
    english, chinese = en_engine.MESSAGES, zh_engine.MESSAGES
    assert list(chinese) == list(english)
    for key, text in chinese.items():
        assert text != english[key], key
        prose = re.sub(r"\{[^}]*\}|'[^']*'", "", text)
        # Full-width punctuation in Chinese prose: no ASCII comma, colon or semicolon
        # right after a Chinese character, nor an ASCII parenthesis around Chinese words.
        assert not re.search(r"[\u4e00-\u9fff][,:;]|[,:;] ?[\u4e00-\u9fff]", prose), (key, text)
        assert not re.search(r"\([^()]*[\u4e00-\u9fff][^()]*\)", prose), (key, text)


#: The only Latin words Chinese engine messages may hold: code, option and function names,
#: and math (a placeholder's value is not counted, nor anything in single quotes).
CODE_WORDS = {
    *"LSTUWabefioqswx",
    "beta",
    "e38",
    "epochs",
    "alpha",
    "atan",
    "decay",
    "else",
    "end",
    "exp",
    "float",
    "float32",
    "floor",
    "grads",
    "if",
    "lambda",
    "log",
    "log1p",
    "loss",
    "lr",
    "m_mul",
    "max",
    "min",
    "pi",
    "power",
    "rate",
    "sqrt",
    "staircase",
    "t_mul",
    "w0",
    "w1",
    "w2",
}


def test_no_english_word_leaks_into_the_chinese_messages() -> None:
    for key, text in zh_engine.MESSAGES.items():
        prose = re.sub(r"\{[^}]*\}|'[^']*'", "", text)
        words = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", prose)) - CODE_WORDS
        assert not words, (key, words)


def test_representative_messages_read_as_chinese_when_shown() -> None:
    stalled = classify(5.0, np.full(20, 5.0, np.float32), np.full(20, 36.0), np.zeros(20), 36, 12)
    assert stalled.outcome is Outcome.STALLED
    theory = theory_for(parse_loss("(w + 1)**2"), 0.99, 5.0)
    assert theory is not None
    errors = [refused(RunSpec(beta=2.0).validate), loss_error("x"), loss_error("log(-1) + w")]
    i18n.set_language("zh")
    shown = [*map(str, errors), str(stalled), str(stalled.reason), str(theory.why)]
    shown.append(str(refused(lambda: parse_epochs("many"))))
    for text in shown:
        prose = re.sub(r"'[^']*'", "", text)
        words = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", prose)) - CODE_WORDS - set(FUNCTIONS)
        assert not words, (text, words)
        assert CJK.search(text), text


def _reason_argument(call: ast.Call) -> ast.expr | None:
    """The reason argument of a ParameterError, LossError or ``self.error`` call."""
    func = call.func
    name = (
        func.id
        if isinstance(func, ast.Name)
        else func.attr
        if isinstance(func, ast.Attribute)
        else ""
    )
    index = {"ParameterError": 1, "LossError": 1, "error": 0}.get(name)
    if index is None or len(call.args) <= index:
        return None
    return call.args[index]


def test_no_engine_refusal_is_worded_in_code() -> None:
    found = 0
    for path in sorted(ENGINE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and (reason := _reason_argument(node)) is not None:
                found += 1
                worded = isinstance(reason, (ast.JoinedStr, ast.BinOp)) or (
                    isinstance(reason, ast.Constant) and isinstance(reason.value, str)
                )
                assert not worded, f"{path.name}:{node.lineno} words a refusal in code"
    assert found > 60


#: A string in the engine's code that looks like a key of its catalogue.
KEY = re.compile(
    r'"((?:spec|loss|fn|outcome|status|regime|why|optimizer|schedule|sweep|plane)\.[\w.-]+)"'
)


def test_the_engine_names_every_key_of_its_catalogue_and_no_other() -> None:
    named = set()
    for path in sorted(ENGINE.glob("*.py")):
        named |= set(KEY.findall(path.read_text(encoding="utf-8")))
    # Keys made from names: fn.<function>, outcome.<outcome>, regime.<regime>, why.<regime>.
    named |= {f"fn.{name}" for name in FUNCTIONS}
    named |= {f"outcome.{o.name.lower()}" for o in Outcome}
    named |= {f"regime.{r.name.lower()}" for r in Regime}
    named |= {f"why.{r.name.lower()}" for r in Regime}
    named |= {f"why.{r.name.lower()}_local" for r in Regime if r is not Regime.STILL}
    # ... and plane.landscape.<landscape>, plane.kind.<landscape>, plane.model.<landscape>.
    named |= {f"plane.{part}.{x.name.lower()}" for part in PLANE_PARTS for x in Landscape}
    assert named - set(en_engine.MESSAGES) == set(), "keys missing from the catalogue"
    assert set(en_engine.MESSAGES) - named == {"i18n.unknown"}, "keys nothing uses"
