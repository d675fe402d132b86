"""What the help pages and ``run --help`` must state, written out in the tests (not read from
the code that prints it). No TensorFlow here: the UI tests import it too."""

from __future__ import annotations

#: Each schedule's formula as the help pages and ``run --help`` must state it, written out here
#: (not read from the code that prints it); ``test_the_stated_formulas_are_what_keras_computes``
#: (``tests/test_cli.py``) checks the arithmetic of each against keras.
SCHEDULE_FORMULAS = {
    "constant": "lr",
    "exponential": "lr * decay^(s / T), floor(s / T) with staircase",
    "piecewise": "lr * f[i], i = how many boundaries b have s > b",
    "inverse-time": "lr / (1 + rate * s / T), floor(s / T) with staircase",
    "polynomial": "(lr - end) * (1 - min(s, T) / T)^power + end, end = alpha * lr",
    "cosine": "lr * ((1 - alpha) * (1 + cos(pi * min(s, T) / T)) / 2 + alpha)",
    "cosine-restarts": "cosine to alpha * lr over T, T * t_mul, ...; peaks x m_mul",
}

#: The warm-up's formula, as stated.
WARMUP_FORMULA_TEXT = "lr * s / W for s < W, then the schedule at step s - W"
