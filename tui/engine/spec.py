"""What one run is: its parameters, their limits and their validation (pure Python, no TF)."""

from __future__ import annotations

import math
from dataclasses import dataclass

#: The most steps one run may take. 10 million steps keep a run's arrays (w, loss, lr as
#: float32, lr as float64, padded to a power of two) under about 400 MB.
MAX_EPOCHS = 10_000_000

#: The most (steps x runs) cells one batched call may hold, for the same memory reason.
MAX_CELLS = 50_000_000

#: The largest finite float32; w0 and lr must fit in float32 to mean what they say.
FLOAT32_MAX = 3.4028234663852886e38


class ParameterError(ValueError):
    """A refused parameter: ``name`` is the option (``w0``, ``lr``, ...), ``reason`` the rule."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


@dataclass(frozen=True)
class RunSpec:
    """The parameters of one descent run, as the seed's loop takes them.

    ``decay`` of ``None`` means a constant rate ``lr``; otherwise the rate at step s (0-based) is
    ``lr * decay ** (s / decay_steps)``, with the exponent floored when ``staircase`` is set.
    """

    w0: float = 5.0
    lr: float = 0.01
    epochs: int = 20
    decay: float | None = None
    decay_steps: float = 1.0
    staircase: bool = False

    def validate(self) -> RunSpec:
        """Return ``self`` if every field is within its rule, else raise :class:`ParameterError`."""
        check_finite("w0", self.w0)
        if abs(self.w0) > FLOAT32_MAX:
            raise ParameterError("w0", f"must fit in float32 (|w0| <= {FLOAT32_MAX:.4g})")
        check_finite("lr", self.lr)
        if self.lr < 0:
            raise ParameterError("lr", "must be 0 or more (this is gradient descent)")
        if self.lr > FLOAT32_MAX:
            raise ParameterError("lr", f"must fit in float32 (lr <= {FLOAT32_MAX:.4g})")
        check_epochs(self.epochs)
        if self.decay is not None:
            check_finite("decay", self.decay)
            if self.decay <= 0:
                raise ParameterError("decay", "must be above 0")
        check_finite("decay-steps", self.decay_steps)
        if self.decay_steps <= 0:
            raise ParameterError("decay-steps", "must be above 0")
        return self

    @property
    def decays(self) -> bool:
        """Whether the rate follows the exponential schedule (the seed's third experiment)."""
        return self.decay is not None


def check_finite(name: str, value: float) -> float:
    """Return ``value`` if it is a finite number, else raise :class:`ParameterError`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(name, f"not a number: {value!r}")
    if not math.isfinite(value):
        raise ParameterError(name, f"must be finite, not {value}")
    return float(value)


def check_epochs(epochs: int) -> int:
    """Return ``epochs`` if it is a whole number from 1 to :data:`MAX_EPOCHS`."""
    if isinstance(epochs, bool) or not isinstance(epochs, int):
        raise ParameterError("epochs", f"must be a whole number, not {epochs!r}")
    if epochs < 1:
        raise ParameterError("epochs", "must be at least 1")
    if epochs > MAX_EPOCHS:
        raise ParameterError("epochs", f"must be at most {MAX_EPOCHS:,}")
    return epochs


def parse_number(name: str, text: str) -> float:
    """Parse a typed number for option ``name``; refuse words, nan and inf with a clear reason."""
    stripped = text.strip()
    try:
        value = float(stripped)
    except ValueError:
        raise ParameterError(name, f"not a number: {text!r}") from None
    return check_finite(name, value)


def parse_epochs(text: str) -> int:
    """Parse a typed step count: a whole number from 1 to :data:`MAX_EPOCHS` (``1e3`` allowed)."""
    stripped = text.strip().replace("_", "")
    try:
        value = int(stripped)
    except ValueError:
        try:
            number = float(stripped)
        except ValueError:
            raise ParameterError("epochs", f"not a number: {text!r}") from None
        if not math.isfinite(number) or number != int(number):
            raise ParameterError("epochs", f"must be a whole number, not {text!r}") from None
        value = int(number)
    return check_epochs(value)
