"""The room's engine as a visitor's app reaches it (tui.app.room_engine): a hub that cannot be
reached, for want of a socket or for a wrong key, is said to be out of reach, not stopped."""

from __future__ import annotations

import threading
from multiprocessing import AuthenticationError
from multiprocessing.connection import Listener
from pathlib import Path

import pytest

from tui.app.engine_client import EngineStopped
from tui.app.room_engine import RemoteEngine
from tui.i18n import Msg, msg

#: Seconds each engine here tries to connect: enough for one try, and a few more.
CONNECT_FOR = 0.3


def stopped_reason(engine: RemoteEngine) -> Msg:
    """Start ``engine`` and read it until it stops; why it did."""
    engine.start()
    try:
        for _ in range(600):  # at most a minute: it stops after CONNECT_FOR
            try:
                engine.receive(0.1)
            except EngineStopped as stopped:
                return stopped.reason
        pytest.fail("the engine never stopped")
    finally:
        assert engine.join(5.0)


def test_no_socket_is_a_hub_out_of_reach(tmp_path: Path) -> None:
    engine = RemoteEngine(str(tmp_path / "engine.sock"), b"k" * 32, connect_for=CONNECT_FOR)
    assert stopped_reason(engine) == msg("engine.hub_unreachable")


def test_a_wrong_key_is_a_hub_out_of_reach(tmp_path: Path) -> None:
    address = str(tmp_path / "engine.sock")
    refused: list[BaseException] = []
    with Listener(address, family="AF_UNIX", authkey=b"the hub's key") as listener:

        def accept() -> None:
            try:
                listener.accept().close()
            except (AuthenticationError, EOFError, OSError) as err:
                refused.append(err)

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        engine = RemoteEngine(address, b"another key", connect_for=CONNECT_FOR)
        assert stopped_reason(engine) == msg("engine.hub_unreachable")
        thread.join(5.0)
    assert refused and isinstance(refused[0], AuthenticationError)
