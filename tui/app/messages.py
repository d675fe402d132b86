"""Messages the engine reader posts (dataclasses, as toolong and posting write them)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tui.engine.protocol import EngineReply, RunProgress
from tui.i18n import Msg


@dataclass
class Replied(Message, bubble=False):  # handed on by the app: never back to it
    """The engine's reply, as the engine sent it (:mod:`tui.engine.protocol`).

    The reader posts it to the app, which hands it on to whoever made the request (and the
    news that the engine loaded to every screen open)."""

    reply: EngineReply
    """The reply itself."""

    def can_replace(self, message: Message) -> bool:
        """A newer progress report makes an older one pointless."""
        return (
            isinstance(self.reply, RunProgress)
            and isinstance(message, Replied)
            and isinstance(message.reply, RunProgress)
        )


@dataclass
class EngineLost(Message):
    """The engine process stopped (killed, out of memory, or restarted on request)."""

    reason: Msg
    """How it stopped, in the user's words (shown in the language of the moment)."""
