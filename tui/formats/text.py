"""The per-step sentences: the lesson's Chinese one (``seed``) and the English one (``en``),
each for a run of one parameter (``w``) and of two (``w1`` and ``w2``)."""

from __future__ import annotations

import dataclasses

import numpy as np

from tui.formats.assemble import _assemble, _columns, _Part
from tui.formats.fields import _int_field
from tui.formats.fixed6 import _fixed6_field


@dataclasses.dataclass(frozen=True)
class Sentence:
    """The constant text of a per-step sentence, around its numbers (UTF-8 bytes): ``step``
    before the step number, ``w`` before w (w1 for a run of two parameters), ``loss`` before
    the loss, ``lr`` before the rate, and ``w2`` before w2 (after w1) for a run of two."""

    step: bytes
    w: bytes
    loss: bytes
    lr: bytes
    w2: bytes = b""


#: The lesson's sentence: ``第 1 次迭代后的w是 4.880000,对应的loss值是 36.000000,学习率是0.010000``.
SEED_SENTENCE = Sentence(
    "第 ".encode(), " 次迭代后的w是 ".encode(), ",对应的loss值是 ".encode(), ",学习率是".encode()
)

#: The same in English: ``step 1: w = 4.880000, loss = 36.000000, lr = 0.010000``.
EN_SENTENCE = Sentence(b"step ", b": w = ", b", loss = ", b", lr = ")

#: The lesson's sentence for two parameters, in its style (``(w1 + 1)**2 + 10*(w2 - 1)**2`` from
#: (3, 0) at 0.01): ``第 1 次迭代后的w1是 2.920000,w2是 0.200000,对应的loss值是 26.000000``.
SEED_SENTENCE_TWO = Sentence(
    "第 ".encode(),
    " 次迭代后的w1是 ".encode(),
    ",对应的loss值是 ".encode(),
    ",学习率是".encode(),
    ",w2是 ".encode(),
)

#: The same in English: ``step 1: w1 = 2.920000, w2 = 0.200000, loss = 26.000000``.
EN_SENTENCE_TWO = Sentence(b"step ", b": w1 = ", b", loss = ", b", lr = ", b", w2 = ")


def sentence_lines(
    sentence: Sentence,
    step: np.ndarray,
    w: np.ndarray,
    loss: np.ndarray,
    lr: np.ndarray | None = None,
    w2: np.ndarray | None = None,
) -> bytes:
    """One ``\\n``-terminated ``sentence`` per step, its numbers exactly as ``%d`` and ``%f``
    print them, the rate only when ``lr`` is given, w2 after w (w1) when ``w2`` is given."""
    s, wa, la, ra, w2a = _columns(step, w, loss, lr, float32_only=False, w2=w2)
    parts: list[_Part] = [sentence.step, (_int_field, s), sentence.w, (_fixed6_field, wa)]
    if w2a is not None:
        parts += [sentence.w2, (_fixed6_field, w2a)]
    parts += [sentence.loss, (_fixed6_field, la)]
    if ra is not None:
        parts += [sentence.lr, (_fixed6_field, ra)]
    parts.append(b"\n")
    return _assemble(parts, s.shape[0])


def seed_lines(
    step: np.ndarray,
    w: np.ndarray,
    loss: np.ndarray,
    lr: np.ndarray | None = None,
    w2: np.ndarray | None = None,
) -> bytes:
    """The lesson's per-step sentences as UTF-8, one ``\\n``-terminated line per step.

    Byte-identical to ``"第 %s 次迭代后的w是 %f,对应的loss值是 %f" % (step, w, loss)`` and, when
    ``lr`` (the schedule's float64 lr) is given, to the same with ``",学习率是%f" % lr`` appended.
    With ``w2`` (a run of two parameters, ``w`` being w1), ``"第 %s 次迭代后的w1是 %f,w2是 %f,
    对应的loss值是 %f"`` (one line), the rate appended the same way.
    """
    sentence = SEED_SENTENCE if w2 is None else SEED_SENTENCE_TWO
    return sentence_lines(sentence, step, w, loss, lr, w2)


def en_lines(
    step: np.ndarray,
    w: np.ndarray,
    loss: np.ndarray,
    lr: np.ndarray | None = None,
    w2: np.ndarray | None = None,
) -> bytes:
    """English per-step lines: ``step 1: w = 4.880000, loss = 36.000000`` (+ ``, lr = %f``);
    with ``w2`` (``w`` being w1), ``step 1: w1 = %f, w2 = %f, loss = %f`` (+ the rate).

    UTF-8 (pure ASCII) bytes, one ``\\n``-terminated line per step, numbers exactly as ``%f``.
    """
    sentence = EN_SENTENCE if w2 is None else EN_SENTENCE_TWO
    return sentence_lines(sentence, step, w, loss, lr, w2)
