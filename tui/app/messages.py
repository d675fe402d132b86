"""Messages the engine reader posts to the app (dataclasses, as toolong and posting write them)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tui.engine.result import RunResult
from tui.i18n import Msg


@dataclass
class EngineLoaded(Message):
    """TensorFlow has loaded in the engine process."""

    seconds: float
    """How long the import took."""
    xla: bool
    """Whether the exact XLA path is in use (else graph mode)."""
    tf_version: str
    """TensorFlow's version."""


@dataclass
class RunFinished(Message):
    """A run's results arrived; ``request_id`` says which request they answer."""

    request_id: int
    """The request answered."""
    results: tuple[RunResult, ...]
    """One result per spec of the request."""
    curvature: float | None = None
    """The local curvature at w0, for losses that are not quadratic."""


@dataclass
class RunProgressed(Message):
    """A long run is under way: ``done`` of ``total`` steps."""

    request_id: int
    """The request under way."""
    done: int
    """Steps done."""
    total: int
    """Steps in all."""

    def can_replace(self, message: Message) -> bool:
        """A newer progress report makes an older one pointless."""
        return isinstance(message, RunProgressed)


@dataclass
class RunError(Message):
    """A request was refused or failed."""

    request_id: int
    """The request that failed."""
    message: str
    """Why, in one line."""


@dataclass
class EngineLost(Message):
    """The engine process stopped (killed, out of memory, or restarted on request)."""

    reason: Msg
    """How it stopped, in the user's words (shown in the language of the moment)."""
