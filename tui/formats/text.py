"""The per-step sentences: the lesson's Chinese one (``seed``) and the English one (``en``)."""

from __future__ import annotations

import dataclasses

import numpy as np

from tui.formats.assemble import _assemble, _columns, _Part
from tui.formats.fields import _int_field
from tui.formats.fixed6 import _fixed6_field


@dataclasses.dataclass(frozen=True)
class Sentence:
    """The constant text of a per-step sentence, around its numbers (UTF-8 bytes): ``step``
    before the step number, ``w`` before w, ``loss`` before the loss, ``lr`` before the rate."""

    step: bytes
    w: bytes
    loss: bytes
    lr: bytes


#: The lesson's sentence: ``第 1 次迭代后的w是 4.880000,对应的loss值是 36.000000,学习率是0.010000``.
SEED_SENTENCE = Sentence(
    "第 ".encode(), " 次迭代后的w是 ".encode(), ",对应的loss值是 ".encode(), ",学习率是".encode()
)

#: The same in English: ``step 1: w = 4.880000, loss = 36.000000, lr = 0.010000``.
EN_SENTENCE = Sentence(b"step ", b": w = ", b", loss = ", b", lr = ")


def sentence_lines(
    sentence: Sentence,
    step: np.ndarray,
    w: np.ndarray,
    loss: np.ndarray,
    lr: np.ndarray | None = None,
) -> bytes:
    """One ``\\n``-terminated ``sentence`` per step, its numbers exactly as ``%d`` and ``%f``
    print them, the rate only when ``lr`` is given."""
    s, wa, la, ra = _columns(step, w, loss, lr, float32_only=False)
    parts: list[_Part] = [
        sentence.step,
        (_int_field, s),
        sentence.w,
        (_fixed6_field, wa),
        sentence.loss,
        (_fixed6_field, la),
    ]
    if ra is not None:
        parts += [sentence.lr, (_fixed6_field, ra)]
    parts.append(b"\n")
    return _assemble(parts, s.shape[0])


def seed_lines(
    step: np.ndarray, w: np.ndarray, loss: np.ndarray, lr: np.ndarray | None = None
) -> bytes:
    """The lesson's per-step sentences as UTF-8, one ``\\n``-terminated line per step.

    Byte-identical to ``"第 %s 次迭代后的w是 %f,对应的loss值是 %f" % (step, w, loss)`` and, when
    ``lr`` (the schedule's float64 lr) is given, to the same with ``",学习率是%f" % lr`` appended.
    """
    return sentence_lines(SEED_SENTENCE, step, w, loss, lr)


def en_lines(
    step: np.ndarray, w: np.ndarray, loss: np.ndarray, lr: np.ndarray | None = None
) -> bytes:
    """English per-step lines: ``step 1: w = 4.880000, loss = 36.000000`` (+ ``, lr = %f``).

    UTF-8 (pure ASCII) bytes, one ``\\n``-terminated line per step, numbers exactly as ``%f``.
    """
    return sentence_lines(EN_SENTENCE, step, w, loss, lr)
