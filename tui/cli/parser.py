"""The whole ``lr-explorer`` command line: the explorer's options, ``run`` and ``serve``."""

from __future__ import annotations

import argparse

from tui import export
from tui.cli.argparse_i18n import ArgumentParser
from tui.cli.options import PROG, add_language_option, add_parameter_options, port
from tui.engine.schedule_formulas import FORMULAS, KERAS_CLASSES, WARMUP_FORMULA
from tui.engine.spec import OPTIMIZER_UPDATES, OPTIMIZERS, SCHEDULE_KINDS
from tui.i18n import t
from tui.serve.limits import MAX_VISITORS

#: ``serve``'s own options, which the visitors' apps do not take.
SERVE_OPTIONS = ("--host", "--port", "--session", "--public-url", "--max-visitors")

#: The most visitors ``--max-visitors`` accepts.
MOST_VISITORS = 10_000


def visitors(text: str) -> int:
    """The argparse type of ``serve --max-visitors``: a whole number from 1 to 10,000."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MOST_VISITORS:
        raise argparse.ArgumentTypeError(t("cli.error.max_visitors", most=MOST_VISITORS))
    return value


def public_url(text: str) -> str:
    """The argparse type of ``serve --public-url``: an http or https address with a host."""
    from tui.serve.address import is_public_url

    if not is_public_url(text):
        raise argparse.ArgumentTypeError(t("cli.error.public_url"))
    return text


def schedule_help() -> str:
    """The epilog of the help (the explorer's, ``run``'s and ``serve``'s): every schedule's
    formula, and the optimizers."""
    width = max(map(len, SCHEDULE_KINDS))
    lines = [t("cli.epilog.schedules")]
    indent = " " * (width + 4)
    for kind in SCHEDULE_KINDS:
        lines.append(f"  {kind:<{width}}  {FORMULAS[kind]}")
        if kind in KERAS_CLASSES:
            lines.append(f"{indent}tf.keras.optimizers.schedules.{KERAS_CLASSES[kind]}")
        elif kind == "exponential":
            lines.append(f"{indent}{t('cli.epilog.exponential')}")
    lines.append(f"  {'--warmup W':<{width}}  {WARMUP_FORMULA}")
    lines.append(f"{indent}{t('cli.epilog.warmup')}")
    lines.append("")
    lines.append(t("cli.epilog.optimizers"))
    width = max(map(len, OPTIMIZERS))
    lines += [f"  {name:<{width}}  {text}" for name, text in OPTIMIZER_UPDATES.items()]
    lines.append("")
    lines.append(t("cli.epilog.rates"))
    return "\n".join(lines)


def build_parser() -> ArgumentParser:
    """The whole ``lr-explorer`` command line, in the current language.

    The run parameters are options of the explorer, ``run`` and ``serve`` alike. Given before
    the command (``lr-explorer --lr 0.5 run``), they hold for it: the commands' own copies
    default to nothing (argparse would otherwise put their defaults over the values given).
    """
    parser = ArgumentParser(prog=PROG, description=t("cli.description"), epilog=schedule_help())
    add_parameter_options(parser)
    parser.add_argument("--session", metavar="FILE|LINE", default=None, help=t("cli.help.session"))
    parser.add_argument("--print-session", action="store_true", help=t("cli.help.print_session"))
    add_language_option(parser)
    sub = parser.add_subparsers(dest="command", parser_class=ArgumentParser)
    run = sub.add_parser(
        "run",
        help=t("cli.run.help"),
        description=t("cli.run.description"),
        epilog=schedule_help(),
    )
    serve = sub.add_parser(
        "serve",
        help=t("cli.serve.help"),
        description=t("cli.serve.description"),
        epilog=schedule_help(),
    )
    add_parameter_options(serve, given_only=True)
    serve.add_argument("--host", default="127.0.0.1", help=t("cli.help.host"))
    serve.add_argument("--port", type=port, default=8000, help=t("cli.help.port"))
    serve.add_argument(
        "--session",
        metavar="FILE|LINE",
        default=argparse.SUPPRESS,
        help=t("cli.help.serve_session"),
    )
    serve.add_argument(
        "--public-url",
        metavar="URL",
        type=public_url,
        default=None,
        help=t("cli.help.public_url"),
    )
    serve.add_argument(
        "--max-visitors",
        metavar="N",
        type=visitors,
        default=MAX_VISITORS,
        help=t("cli.help.max_visitors", default=MAX_VISITORS),
    )
    # A subcommand's --lang leaves the namespace alone unless given (`--lang zh serve` holds).
    add_language_option(serve, default=argparse.SUPPRESS)
    add_parameter_options(run, given_only=True)
    run.add_argument("--format", choices=export.FORMATS, default="seed", help=t("cli.help.format"))
    run.add_argument("--out", metavar="FILE", default=None, help=t("cli.help.out"))
    run.add_argument("--force", action="store_true", help=t("cli.help.force"))
    add_language_option(run, default=argparse.SUPPRESS)
    return parser
