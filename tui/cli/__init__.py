"""The command line: ``lr-explorer run`` prints a descent log without the terminal UI.

Every text it shows is in the current language (:mod:`tui.i18n`), chosen before the parser is
built so that ``--help`` and the errors are in it too: ``--lang``, else the kept setting, else
the locale's (:func:`choose_language`).

The package: :mod:`~tui.cli.argparse_i18n` (argparse in the current language),
:mod:`~tui.cli.options` (the parameter and language options), :mod:`~tui.cli.parser` (the
whole command line) and :mod:`~tui.cli.commands` (``run``, ``serve``, the explorer).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tui import i18n, settings
from tui.cli.argparse_i18n import ArgumentParser, HelpFormatter, wrap
from tui.cli.commands import app_arguments, explore_command, fail, run_command, serve_command
from tui.cli.options import (
    LANG_OPTION,
    PROG,
    add_language_option,
    add_parameter_options,
    choose_language,
    requested_language,
    spec_from_args,
)
from tui.cli.parser import SERVE_OPTIONS, build_parser, schedule_help
from tui.i18n import t

if TYPE_CHECKING:
    from tui.engine.launch import EngineProcess

__all__ = [
    "LANG_OPTION",
    "PROG",
    "SERVE_OPTIONS",
    "ArgumentParser",
    "HelpFormatter",
    "add_language_option",
    "add_parameter_options",
    "app_arguments",
    "build_parser",
    "choose_language",
    "fail",
    "main",
    "requested_language",
    "schedule_help",
    "spec_from_args",
    "wrap",
]


def main(
    argv: Sequence[str] | None = None,
    quiet_native_logs: bool = False,
    engine: EngineProcess | None = None,
) -> int:
    """Parse ``argv`` and run the chosen command; return the exit status.

    The language is chosen first (:func:`choose_language`), so that the help and the errors
    are in it. ``engine`` is an engine process started before (:mod:`tui.engine.launch`), for
    the explorer to adopt; the caller kills it if nothing did.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    language = choose_language(argv)
    i18n.set_language(language)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.lang is not None and args.lang != language:  # pragma: no cover - the scan saw it
        language = args.lang
        i18n.set_language(language)
    if args.command in ("run", "serve"):
        # The explorer shows this itself; a command says it here, and works on regardless.
        problem = settings.load()[1]
        if problem is not None:
            print(t("cli.warning", prog=PROG, message=problem), file=sys.stderr)
    if args.command == "run":
        return run_command(args, parser, quiet_native_logs)
    if args.command == "serve":
        return serve_command(args, parser, argv, language)
    return explore_command(args, parser, language, engine)
