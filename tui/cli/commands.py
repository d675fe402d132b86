"""The commands: ``run`` (a descent log without the terminal UI), ``serve`` (the explorer
in browsers) and the explorer itself."""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from tui.cli.argparse_i18n import ArgumentParser
from tui.cli.options import LANG_OPTION, PROG, check_starts, is_option, refuse, spec_from_args
from tui.cli.parser import SERVE_OPTIONS
from tui.engine.spec import ParameterError
from tui.files import write_atomic
from tui.i18n import t
from tui.serve import VISITOR_ENV

if TYPE_CHECKING:
    from tui.engine.launch import EngineProcess
    from tui.model.session import Session


def fail(message: str) -> NoReturn:
    """Print ``lr-explorer: error: message`` as one line and exit with status 2."""
    sys.stderr.write(t("cli.error.plain", prog=PROG, message=message) + "\n")
    sys.exit(2)


def run_command(
    args: argparse.Namespace, parser: ArgumentParser, quiet_native_logs: bool = False
) -> int:
    """Carry out ``lr-explorer run``: compute the log and write it to standard output.

    With ``quiet_native_logs``, what TensorFlow's C++ prints goes to ``LR_EXPLORER_ENGINE_LOG``
    or nowhere (the console script sets it; tests running in-process do not).
    """
    explorer_only(parser, args, "run", session=True)
    try:
        spec = check_starts(spec_from_args(args), args.loss)
    except ParameterError as err:
        refuse(parser, err)
    if spec.start2 is not None:  # the starts of w1 and w2 (the log on standard output has none)
        key = "cli.starts_default" if args.w2 is None else "cli.starts"
        print(t(key, prog=PROG, w1=_start(spec.w0), w2=_start(spec.start2)), file=sys.stderr)

    from tui.engine import tfenv
    from tui.export import run_chunks

    if quiet_native_logs:
        tfenv.quiet_native_logs(os.environ.get("LR_EXPLORER_ENGINE_LOG"))
    from tui.engine import descent  # TensorFlow loads here, after the arguments are known good

    # A short run takes graph mode: XLA's probe and compilation would take longer than it.
    short = tfenv.graph_only() if tfenv.graph_is_enough([spec]) else contextlib.nullcontext()
    with short:
        result = descent.run(spec, args.loss, tol=args.tol)
    if args.out is not None:
        try:
            write_atomic(args.out, run_chunks(result, args.format), overwrite=args.force)
        except FileExistsError:
            fail(t("cli.error.exists", path=args.out))
        except OSError as err:
            fail(t("cli.error.write", path=args.out, why=err.strerror))
        print(t("cli.wrote", path=os.path.abspath(args.out)), file=sys.stderr)
        return 0
    out = sys.stdout.buffer
    for chunk in run_chunks(result, args.format):
        out.write(chunk)
    sys.stdout.flush()
    return 0


def _start(value: float) -> str:
    """A start as given: ``5``, ``-0.5``, ``1e-08``; every digit where ``%g`` would drop some."""
    text = f"{value:g}"
    return text if float(text) == value else repr(value)


def serve_command(
    args: argparse.Namespace, parser: ArgumentParser, argv: list[str], language: str
) -> int:
    """Serve the explorer to the browsers of a room (:mod:`tui.serve`): each visitor gets an
    app of their own, started with the parameters given here (checked first, so a mistake is
    one line now) and in ``language``. The address printed carries the room's token; a port
    in use is one line and status 2, before anything else is printed."""
    explorer_only(parser, args, "serve")
    try:
        check_starts(spec_from_args(args), args.loss)
    except ParameterError as err:
        refuse(parser, err)
    if args.session is not None:
        open_session(parser, args.session)  # checked here: a mistake is one line now
        args.session = session_argument(args.session)
    from tui.engine.hub_supervisor import HubSupervisor
    from tui.serve import address
    from tui.serve.server import ClassroomServer

    command = [sys.executable, "-m", "tui", *app_arguments(argv, args.session, language)]
    try:
        sock = address.bind(args.host, args.port)
    except OSError as err:
        fail(t("cli.error.bind", host=args.host, port=args.port, why=bind_failure(err)))
    with sock:
        # One engine for the room: TensorFlow loads once, before the first visitor.
        hub = HubSupervisor(os.environ.get("LR_EXPLORER_ENGINE_LOG"))
        try:
            hub.start()
        except OSError as err:
            fail(t("cli.error.hub", why=err.strerror or str(err)))
        try:
            server = ClassroomServer(
                command,
                title=PROG,
                max_visitors=args.max_visitors,
                public_url=args.public_url,
                environment=hub.environment,
            )
            base = args.public_url or address.base_url(args.host, sock.getsockname()[1])
            url = server.room_url(base)
            print(t("cli.serving", prog=PROG, url=url), file=sys.stderr, flush=True)
            server.serve_on(sock)
        finally:
            hub.stop()
    return 0


def explorer_only(
    parser: ArgumentParser, args: argparse.Namespace, command: str, *, session: bool = False
) -> None:
    """Refuse the explorer's own options that ``command`` cannot honour (given before it):
    ``--print-session`` (``serve``'s visitors have no terminal to print on, ``run`` no
    session) and, with ``session``, ``--session``."""
    if args.print_session:
        why = t("cli.error.print_session", command=command)
        parser.error(t("cli.error.argument", option="--print-session", reason=why))
    if session and args.session is not None:
        why = t("cli.error.session_command", command=command)
        parser.error(t("cli.error.argument", option="--session", reason=why))


def open_session(parser: ArgumentParser, value: str) -> Session:
    """The session ``--session value`` names: a one-line session (``lrx1:...``, see
    :func:`~tui.model.session.is_line`) or a session file; refused in one line naming what is
    wrong."""
    from tui.model.session import LINE_PREFIX, SessionError, from_line, is_line, load

    try:
        if is_line(value):
            return from_line(value)
        if not os.path.lexists(value):
            raise SessionError(t("cli.error.no_session", path=value, prefix=LINE_PREFIX))
        return load(value)
    except SessionError as err:
        parser.error(t("cli.error.argument", option="--session", reason=f"{err}"))


def session_argument(value: str) -> str:
    """``--session value`` as the visitors' apps are given it: a line as it is (spaces around
    it dropped), a file's path made absolute."""
    from tui.model.session import is_line

    return value.strip() if is_line(value) else os.path.abspath(value)


#: Why a socket could not be bound, by errno (the rest in the system's words).
BIND_FAILURES = {
    errno.EADDRINUSE: "cli.error.bind.in_use",
    errno.EACCES: "cli.error.bind.denied",
    errno.EADDRNOTAVAIL: "cli.error.bind.not_here",
}


def bind_failure(err: OSError) -> str:
    """Why binding the server's socket failed, in words of the current language."""
    if isinstance(err, socket.gaierror):
        return t("cli.error.bind.unknown_host")
    if err.errno in BIND_FAILURES:
        return t(BIND_FAILURES[err.errno])
    # socket.create_server puts the address into strerror; the system's own words are enough.
    return os.strerror(err.errno) if err.errno else str(err)


def _without(tokens: Sequence[str], options: Sequence[str]) -> list[str]:
    """``tokens`` without ``options`` (or their abbreviations), each with its value
    (``--port 8000`` or ``--port=8000``)."""
    kept = []
    skip = False
    for token in tokens:
        if skip:
            skip = False
            continue
        name = token.split("=", 1)[0]
        if any(is_option(name, option) for option in options):
            skip = "=" not in token
            continue
        kept.append(token)
    return kept


def app_arguments(argv: list[str], session: str | None, language: str | None = None) -> list[str]:
    """The explorer's own options out of a ``serve`` command line (``--host``/``--port`` out,
    the session's path made absolute), and ``--lang language`` if a language is given (in
    place of any ``--lang`` there)."""
    at = argv.index("serve")
    # A --session before the command is serve's too: it is given once, at the end.
    kept = _without(argv[:at], ["--session"]) + _without(argv[at + 1 :], SERVE_OPTIONS)
    if language is not None:
        kept = [*_without(kept, [LANG_OPTION]), LANG_OPTION, language]
    return kept + (["--session", session] if session else [])


def explore_command(
    args: argparse.Namespace,
    parser: ArgumentParser,
    language: str,
    started: EngineProcess | None = None,
) -> int:
    """Open the terminal UI on the parameters given, in ``language`` (TensorFlow loads in the
    engine process: ``started``, if one was started before, else one the app starts). With
    ``--print-session``, once the terminal is restored, print the session it closed on
    (:func:`print_session`)."""
    try:
        spec = check_starts(spec_from_args(args), args.loss)
    except ParameterError as err:
        refuse(parser, err)
    from tui.app.room_engine import engine_from_environment
    from tui.model.params import Params

    session = None if args.session is None else open_session(parser, args.session)
    engine = engine_from_environment()  # the room's engine, or None: one of its own
    if engine is None and started is not None:
        from tui.app.quick_engine import QuickEngineClient

        engine = QuickEngineClient(started)
    from tui.app import ExplorerApp  # Textual loads here, while the engine loads TensorFlow

    app = ExplorerApp(
        Params(spec, args.loss, args.tol),
        session=session,
        language=language,
        visitor=os.environ.get(VISITOR_ENV) == "1",  # serve sets both for each visitor's app
        engine=engine,
    )
    app.run()  # returns once Textual has given the terminal back
    if args.print_session:
        print_session(app.last_session, app.wrote)
    return app.return_code or 0


def print_session(session: Session | None, wrote: Sequence[tuple[Path, tuple[str, ...]]]) -> None:
    """What ``--print-session`` prints when the explorer has closed: where the app wrote files
    (exports, session files), then a note and the one-line session, for sharing over SSH
    without a clipboard. Only the line goes to standard output, so that
    ``s=$(lr-explorer --print-session)`` keeps just it (the app draws on standard error)."""
    from tui.model.session import to_line

    for folder, names in wrote:
        note = t("export.wrote", count=len(names), folder=folder, names=", ".join(names))
        print(note, file=sys.stderr)
    if session is None:  # the app ended before it showed anything (it failed to start)
        print(t("cli.no_session", prog=PROG), file=sys.stderr, flush=True)
        return
    print(t("cli.session_line", prog=PROG), file=sys.stderr, flush=True)
    print(to_line(session), flush=True)
