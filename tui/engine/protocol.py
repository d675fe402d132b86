"""What the UI and the engine process say to each other over their pipes (no TF, no Textual)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.engine.result import RunResult
from tui.engine.spec import RunSpec
from tui.i18n import Msg

if TYPE_CHECKING:
    from tui.engine.plane_quadratic import LocalHessian


@dataclass(frozen=True)
class RunRequest:
    """Run ``specs`` on ``loss`` in one batched call; ``request_id`` grows with every request."""

    request_id: int
    specs: tuple[RunSpec, ...]
    loss: str
    tol: float


@dataclass(frozen=True)
class EngineReady:
    """TensorFlow has loaded in the engine process; ``seconds`` the import took."""

    seconds: float
    xla: bool
    tf_version: str


@dataclass(frozen=True)
class RunProgress:
    """A long run of request ``request_id`` has done ``done`` of ``total`` steps."""

    request_id: int
    done: int
    total: int


@dataclass(frozen=True)
class RunDone:
    """The results of request ``request_id``, one per spec, in order.

    ``curvature`` is the loss's second derivative at the first spec's w0 (float32, by nested
    gradient tapes), for the theory of losses that are not quadratic; ``None`` for quadratics
    and for losses of two parameters. ``hessian`` is, for a loss of w1 and w2 that is not
    quadratic, its loss, gradient and Hessian at the first spec's starts
    (:func:`~tui.engine.plane_quadratic.start_hessian`), for the local theory; else ``None``.
    """

    request_id: int
    results: tuple[RunResult, ...]
    curvature: float | None = None
    hessian: LocalHessian | None = None


@dataclass(frozen=True)
class RunFailed:
    """Request ``request_id`` was refused or failed; ``message`` says why, in one line.

    A refused parameter or loss comes as a :class:`~tui.i18n.Msg`, so the UI shows it in its
    own language (``str(message)``); an unexpected error as the text Python gave it.
    """

    request_id: int
    message: str | Msg


@dataclass(frozen=True)
class GradientRequest:
    """The gradient of ``loss`` at each of ``ws`` (float32 values), as the run's tape computed it.

    It supersedes only an older :class:`GradientRequest` (the engine answers the newest one
    waiting), never a :class:`RunRequest`: a run under way goes on, and the gradients are
    answered between two of its chunks. At most
    :data:`tui.engine.gradients.MAX_POINTS` values; ``ask_id`` grows with every such request.
    """

    ask_id: int
    loss: str
    ws: tuple[float, ...]


@dataclass(frozen=True)
class Gradients:
    """The answer to :class:`GradientRequest` ``ask_id``: ``grads[i]`` (float32, as a float) is
    the gradient at ``ws[i]``; or, when it was refused or failed, no ``grads`` and a
    ``message`` saying why (a :class:`~tui.i18n.Msg`, or the text Python gave)."""

    ask_id: int
    loss: str
    ws: tuple[float, ...]
    grads: tuple[float, ...] = ()
    message: str | Msg | None = None


EngineRequest = RunRequest | GradientRequest

EngineReply = EngineReady | RunProgress | RunDone | RunFailed | Gradients
