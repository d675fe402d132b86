"""What the UI and the engine process say to each other over their pipes (no TF, no Textual).

A run's reply between the UI and its own engine process goes with its arrays out of band
(:func:`send_out_of_band`, :class:`OutOfBandReplies`): pickled whole, a 10M-step run's 280 MB
of arrays would be held three times on the way, as the arrays, as the pickle the engine writes
and as the message the UI reads whole before unpickling it; out of band, each side holds the
arrays once, and one :data:`PIECE` of them besides.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

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


#: The most bytes of an out-of-band buffer in one message on the pipe: ``multiprocessing``
#: reads each message whole into a buffer of its own before copying it to its place.
PIECE = 1 << 22


@dataclass(frozen=True)
class Buffers:
    """A reply whose arrays follow it on the pipe (:func:`send_out_of_band`): ``header`` is the
    reply pickled with protocol 5, its buffers out of band; ``sizes`` their lengths in bytes,
    each sent after this message in pieces of at most :data:`PIECE` bytes."""

    header: bytes
    sizes: tuple[int, ...]


def send_out_of_band(connection: Connection, reply: object) -> None:
    """Send ``reply`` with its contiguous arrays out of band: a :class:`Buffers` message, then
    each array's bytes as they are in memory (no copy is made of them)."""
    buffers: list[pickle.PickleBuffer] = []
    header = pickle.dumps(reply, protocol=5, buffer_callback=buffers.append)
    views = [buffer.raw() for buffer in buffers]
    connection.send(Buffers(header, tuple(view.nbytes for view in views)))
    for view in views:
        for start in range(0, view.nbytes, PIECE):
            connection.send_bytes(view, start, min(PIECE, view.nbytes - start))


def receive(connection: Connection) -> Any:
    """The next reply on ``connection``, whether sent whole or by :func:`send_out_of_band`
    (then its arrays are filled in place, piece by piece, and are writable as unpickled ones
    are). ``EOFError`` once the engine has gone, even in the middle of a reply."""
    item = connection.recv()
    return read_buffers(connection, item) if isinstance(item, Buffers) else item


def read_buffers(connection: Connection, item: Buffers) -> Any:
    """The reply ``item`` announces, its buffers read from ``connection`` into arrays of
    their own, piece by piece (see :func:`receive`)."""
    import numpy as np  # (here: the explorer's first frame loads this module, not NumPy)

    buffers = []
    for size in item.sizes:
        buffer = np.empty(size, np.uint8)
        got = 0
        while got < size:
            got += connection.recv_bytes_into(buffer, got)
        buffers.append(buffer)
    return pickle.loads(item.header, buffers=buffers)


class OutOfBandReplies:
    """The UI's end of an engine process's reply pipe, read by :func:`receive`."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def poll(self, timeout: float) -> bool:
        """Whether a reply (or end-of-file) is there within ``timeout`` seconds."""
        return self.connection.poll(timeout)

    def recv(self) -> Any:
        """The next reply, its arrays read in place (:func:`receive`)."""
        return receive(self.connection)

    def close(self) -> None:
        """Close this end."""
        self.connection.close()
