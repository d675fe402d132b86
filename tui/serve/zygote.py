"""The fork server (zygote): one process, started with the classroom server, that has already
imported what a visitor's app needs and forks a child for each visitor.

A visitor's app started afresh (``python -m tui ...``) spends about half a CPU-second importing
Textual, rich, the app and its model layer before it draws; thirty visitors arriving at once on
two cores waited more than ten seconds for it. The zygote imports all that once; each child
is a copy that starts where a fresh interpreter would have finished importing.

``python -m tui.serve.zygote FD [MODULE...]``: ``FD`` is the zygote's end of a
``SOCK_SEQPACKET`` socket pair (the server holds the other, :mod:`~tui.serve.fork_server`);
the modules are imported before the zygote says it is ready (``importlib``: the server's
package imports none of the UI, see ``pyproject.toml``'s import contracts); a name
``MODULE:FUNCTION`` also calls that function of the module, with no arguments, once it is
imported (work done once for every child, such as parsing the app's stylesheet). Then, for each
request (a JSON ``{"argv": [...], "env": {...}}`` with four descriptors: the app's standard
input, output and error, and a *lifeline*, the read end of a pipe whose write end only the
server holds), it answers ``{"pid": N}`` with a pidfd of the child (the server is not its
parent, so it waits on that), or ``{"refused": why}``: the server then starts the app as
before, a process of its own.

A request is refused, and nothing forked, unless a fresh interpreter would have done the same
work the zygote did: the command is ``python -m MODULE ...`` or ``python SCRIPT ...`` with this
interpreter and no options, the environment is the zygote's own but for the terminal size
(``COLUMNS``, ``ROWS``: read when the app starts, not when it is imported; Textual reads its
``TEXTUAL_*`` variables at import), and only one thread is alive in the zygote (a thread is not
copied by ``fork``; what it held would stay held in the child).

The child becomes what ``python ...`` would have been: a session (process group) of its own,
the three descriptors as its standard streams, the visitor's environment, ``sys.argv``, the
module or script run as ``__main__``, non-daemon threads joined and ``atexit`` run at its end,
secrets of its own (multiprocessing's key; ``random`` reseeds itself after a fork).
A thread of its own waits on the lifeline: when the server ends, however it ends, the kernel
closes the write end and the child kills its whole group (the server is not the child's
parent, so ``PR_SET_PDEATHSIG`` cannot say it). The zygote's own death leaves its children
running: they belong to their visitors, and the server starts the next ones another way.

What a child cannot have of its own is the hash seed of ``str`` and ``bytes`` (``PYTHONHASHSEED``):
it is fixed when the interpreter starts and already in every hash the imports cached, so every
forked app shares the zygote's. It is left so, on purpose: the seed only defends a process
against hash flooding (keys chosen to collide in one dict), and what an app hashes comes from
its one visitor, who would first have to learn the seed, and then could slow down only their
own app, as typing already can; the processes that take every visitor's input, the server
(each websocket's JSON) and the room's engine, are not forked and have seeds of their own.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import json
import os
import runpy
import select
import signal
import socket
import sys
import threading
import traceback
from collections.abc import Mapping, Sequence
from typing import Any

#: The largest request the zygote reads (an argv and an environment).
MAX_REQUEST = 1 << 20

#: Descriptors a request carries: standard input, output, error, and the lifeline.
REQUEST_FDS = 4

#: The variables a child may have of its own: read when the app runs, not when it is imported.
RUNTIME_VARIABLES = frozenset({"COLUMNS", "ROWS"})

#: What the zygote says once its modules are imported.
READY = b"ready"

#: Seconds between two looks for ended children (they are reaped between requests too).
REAP_EVERY = 1.0


def threads_alive() -> int:
    """How many threads this process has (the kernel's count: threads that Python did not
    start, a BLAS library's, count too)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def refusal(
    argv: Sequence[str], env: Mapping[str, str], own_env: Mapping[str, str], threads: int
) -> str | None:
    """Why a fork would not be what ``argv`` started afresh with ``env`` would be (``None``:
    it would be)."""
    if threads != 1:
        return f"{threads} threads alive"
    if len(argv) < 2 or argv[0] != sys.executable:
        return "not this interpreter"
    if argv[1] == "-m":
        if len(argv) < 3 or not argv[2] or argv[2].startswith("-"):
            return "no module"
    elif argv[1].startswith("-"):
        return f"interpreter option {argv[1]}"
    for name in sorted(set(env) | set(own_env)):
        if name not in RUNTIME_VARIABLES and env.get(name) != own_env.get(name):
            return f"environment differs: {name}"
    return None


def _exit_status(code: object) -> int:
    """The status ``sys.exit(code)`` gives (its message printed, as the interpreter does)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    with contextlib.suppress(Exception):
        print(code, file=sys.stderr)
    return 1


def _watch_lifeline(fd: int) -> None:
    """Block until the server's end of the lifeline closes, then kill this process group."""
    with contextlib.suppress(OSError):
        while os.read(fd, 4096):
            pass
    os.killpg(0, signal.SIGKILL)


def _run(argv: Sequence[str]) -> int:
    """Run ``argv`` (``python -m MODULE ...`` or ``python SCRIPT ...``) as ``__main__``; its
    exit status."""
    try:
        if argv[1] == "-m":
            sys.argv = [argv[2], *argv[3:]]  # runpy puts the module's file first
            runpy.run_module(argv[2], run_name="__main__", alter_sys=True)
        else:
            sys.argv = list(argv[1:])
            sys.path[0] = os.path.dirname(os.path.abspath(argv[1]))  # as python SCRIPT sets it
            runpy.run_path(argv[1], run_name="__main__")
    except SystemExit as end:
        return _exit_status(end.code)
    except BaseException:
        with contextlib.suppress(Exception):
            traceback.print_exc()
        return 1
    return 0


def _finish() -> None:
    """What the interpreter does at its end: wait for non-daemon threads, run ``atexit``,
    flush the standard streams."""
    main = threading.main_thread()
    for thread in threading.enumerate():
        if thread is not main and not thread.daemon:
            with contextlib.suppress(Exception):
                thread.join()
    with contextlib.suppress(Exception):
        atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            if stream is not None:
                stream.flush()


def _new_secrets() -> None:
    """Give the child the secrets a fresh interpreter makes for itself at import, which a
    fork would share with every other visitor's app: multiprocessing's authentication key
    (``random`` reseeds itself after a fork)."""
    process = sys.modules.get("multiprocessing.process")
    if process is not None:
        process.current_process().authkey = os.urandom(32)


def _become(control: socket.socket, request: dict[str, Any], fds: Sequence[int]) -> None:
    """In the forked child: become the visitor's app (see the module's docstring), then end."""
    status = 70
    try:
        control.close()
        os.setsid()
        stdin, stdout, stderr, lifeline = fds
        for fd, std in ((stdin, 0), (stdout, 1), (stderr, 2)):
            os.dup2(fd, std)  # inheritable, as a fresh process's standard streams are
        for fd in {stdin, stdout, stderr} - {0, 1, 2}:
            os.close(fd)
        os.set_inheritable(lifeline, False)
        os.environ.clear()
        os.environ.update(request["env"])
        _new_secrets()
        gc.enable()
        threading.Thread(
            target=_watch_lifeline, args=(lifeline,), name="lr-explorer-lifeline", daemon=True
        ).start()
        status = _run(request["argv"])
        _finish()
    finally:
        os._exit(status)


def serve(control: socket.socket) -> None:
    """Answer the server's requests until it closes its end."""
    own_env = dict(os.environ)
    while True:
        _reap()
        ready, _, _ = select.select([control], [], [], REAP_EVERY)
        if not ready:
            continue
        message, fds, _, _ = socket.recv_fds(control, MAX_REQUEST, REQUEST_FDS)
        if not message:
            for fd in fds:
                os.close(fd)
            return  # the server closed its end
        try:
            request = json.loads(message)
            argv, env = request["argv"], request["env"]
            why = (
                f"{len(fds)} descriptors"
                if len(fds) != REQUEST_FDS
                else refusal(argv, env, own_env, threads_alive())
            )
        except (ValueError, KeyError, TypeError) as error:
            why = f"bad request: {error}"
        if why is not None:
            for fd in fds:
                os.close(fd)
            control.send(json.dumps({"refused": why}).encode())
            continue
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        try:
            pid = os.fork()
        except OSError as error:  # no memory, no process left: the server starts it
            pid = -1
            why = f"fork failed: {error.strerror}"
        if pid == 0:
            _become(control, request, fds)  # never returns
        for fd in fds:
            os.close(fd)
        if why is not None:
            control.send(json.dumps({"refused": why}).encode())
            continue
        # The child cannot have been reaped yet (only _reap reaps), so the pidfd is its.
        pidfd = os.pidfd_open(pid)
        try:
            socket.send_fds(control, [json.dumps({"pid": pid}).encode()], [pidfd])
        finally:
            os.close(pidfd)


def _reap() -> None:
    """Reap the children that ended."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def preload(name: str) -> None:
    """Import ``MODULE``, or import ``MODULE:FUNCTION`` and call the function."""
    module, _, function = name.partition(":")
    imported = importlib.import_module(module)
    if function:
        getattr(imported, function)()


def main(argv: Sequence[str]) -> int:
    """``python -m tui.serve.zygote FD [MODULE...]`` (see the module's docstring)."""
    control = socket.socket(fileno=int(argv[0]))
    for name in argv[1:]:
        preload(name)
    # What the imports made is never freed: out of the collector's sight, its pages are not
    # written by a child's collections, so they stay shared between the children.
    gc.freeze()
    gc.disable()  # enabled again in each child
    control.send(READY)
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        serve(control)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
