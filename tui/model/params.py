"""A valid set of parameters, the tolerance's rule, and the lesson's presets."""

from __future__ import annotations

from dataclasses import dataclass

from tui.engine.analysis import DEFAULT_TOL
from tui.engine.losses import SEED_LOSS
from tui.engine.spec import ParameterError, RunSpec, check_finite, parse_number
from tui.i18n import msg


@dataclass(frozen=True)
class Params:
    """A valid set of parameters: the run, the loss, and the tolerance runs are measured by."""

    spec: RunSpec
    loss: str
    tol: float = DEFAULT_TOL


def check_tolerance(value: float) -> float:
    """The convergence tolerance if it is a finite number above 0 (the command line's rule)."""
    check_finite("tol", value)
    if value <= 0:
        raise ParameterError("tol", msg("field.above_0"))
    return float(value)


def parse_tolerance(text: str) -> float:
    """Parse the convergence tolerance: a finite number above 0."""
    return check_tolerance(parse_number("tol", text))


#: The lesson's three experiments, on keys 1, 2 and 3.
PRESETS: dict[int, Params] = {
    1: Params(RunSpec(w0=5.0, lr=0.01, epochs=20), SEED_LOSS),
    2: Params(RunSpec(w0=5.0, lr=0.99, epochs=20), SEED_LOSS),
    3: Params(RunSpec(w0=5.0, lr=0.2, epochs=20, decay=0.99, decay_steps=1.0), SEED_LOSS),
}
