"""Entry point: ``lr-explorer`` and ``python -m tui``.

Kept to the standard library at import: the engine process, spawned by ``multiprocessing``,
imports this module again (as its ``__mp_main__``) before it loads TensorFlow.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.engine.launch import EngineProcess

#: The commands that need no engine process of the UI's own.
NO_ENGINE_COMMANDS = ("run", "serve")

#: Set in a classroom visitor's app: its engine is the room's (``tui.engine.server.HUB_ENV``).
HUB_ENV = "LR_EXPLORER_ENGINE_HUB"


def is_explorer(argv: Sequence[str]) -> bool:
    """Whether ``argv`` is, by its look, the explorer: no ``run`` or ``serve`` among its words."""
    return not any(word in NO_ENGINE_COMMANDS for word in argv)


def wants_engine(argv: Sequence[str]) -> bool:
    """Whether ``argv`` is, by its look, the explorer with an engine of its own: no ``run`` or
    ``serve`` among its words and no classroom's engine in the environment. A wrong guess only
    costs time: an engine started for nothing is killed, and an explorer without one starts
    its own."""
    return is_explorer(argv) and HUB_ENV not in os.environ


def start_engine(argv: Sequence[str]) -> EngineProcess | None:
    """The explorer's engine process, started before anything else loads (so that TensorFlow
    loads while Textual does), or ``None`` (another command, or no process could be made: the
    app then starts one itself and says why it cannot)."""
    if not wants_engine(argv):
        return None
    from tui.engine import launch

    try:
        return launch.start()
    except (OSError, ValueError):
        return None


def keep_flow_keys(argv: Sequence[str]) -> Callable[[], None] | None:
    """Let ``ctrl+q`` and ``ctrl+s`` typed while the explorer loads reach it; returns what puts
    the terminal back as it was (``None``: nothing was changed).

    Until Textual puts the terminal in raw mode, about half a second after launch, the
    terminal is as the shell left it: its line discipline takes ``ctrl+q`` as XON and
    ``ctrl+s`` as XOFF (``IXON``), so those keys never reached the app, and a quit at once was
    lost. With ``IXON`` off they wait in the terminal's input, as every other key does, and
    Textual reads them once it starts. Textual restores the modes it found when it ends (these);
    the caller then restores the shell's own. Only the explorer, in a terminal, and where
    ``termios`` exists."""
    if not is_explorer(argv):
        return None
    try:
        import termios
    except ImportError:  # not a POSIX system
        return None
    try:
        fd = sys.stdin.fileno()
        if not os.isatty(fd):
            return None
        found = termios.tcgetattr(fd)
        if not found[0] & termios.IXON:
            return None
        changed = [found[0] & ~termios.IXON, *found[1:]]
        termios.tcsetattr(fd, termios.TCSANOW, changed)
    except (OSError, ValueError, termios.error):
        return None

    def restore() -> None:
        with contextlib.suppress(OSError, ValueError, termios.error):  # the terminal may be gone
            termios.tcsetattr(fd, termios.TCSANOW, found)

    return restore


def main() -> None:
    """Run the command line, turning a broken pipe or Ctrl+C into a quiet exit.

    Once ``run`` or the explorer has finished, the process ends at once (:func:`end_now`).
    """
    from tui import collector  # (standard library only, as the rest before the engine starts)

    argv = sys.argv[1:]
    restore_terminal = keep_flow_keys(argv)
    if "serve" not in argv:  # (the classroom server runs for hours, with no first results)
        collector.start()  # the start's garbage is collected less often
    engine = start_engine(argv)
    if engine is not None:  # forked with its own threads; the UI's libraries get one
        from tui.ui_threads import limit_ui_threads

        limit_ui_threads()
    try:
        from tui.cli import main as cli_main

        status = cli_main(argv, quiet_native_logs=True, engine=engine)
    except KeyboardInterrupt:
        status = 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, as shell tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        status = 0
    finally:
        if engine is not None:  # the app has ended (or never began): so does its engine
            engine.kill()
        if restore_terminal is not None:
            restore_terminal()
    if "serve" not in argv:
        end_now(status)
    sys.exit(status)


def end_now(status: int) -> None:
    """End the process with ``status`` without the interpreter's teardown.

    Tearing down what TensorFlow loaded takes longer than the lesson's whole run (seconds on a
    loaded machine), and tearing down Textual's modules about as long as its own quit. Nothing
    is left to do by then: ``run`` has written its output (a file atomically, and closed), the
    explorer has given the terminal back, its worker threads have ended and its engine has been
    killed; the standard streams are flushed here. (``serve`` ends as usual: its visitors'
    processes and the room's engine are stopped on its way out.)
    """
    for stream in (sys.stdout, sys.stderr):
        # A reader gone (`| head`), or a stream already closed: nothing more can reach it.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)


if __name__ == "__main__":
    main()
