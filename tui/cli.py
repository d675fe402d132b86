"""The command line: ``lr-explorer run`` prints a descent log without the terminal UI.

Every text it shows is in the current language (:mod:`tui.i18n`), chosen before the parser is
built so that ``--help`` and the errors are in it too: ``--lang``, else the kept setting, else
the locale's (:func:`choose_language`).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NoReturn

from rich.cells import cell_len

from tui import i18n, settings
from tui.engine.losses import FUNCTIONS, SEED_LOSS, LossError, parse_loss
from tui.engine.schedules import FORMULAS, KERAS_CLASSES, WARMUP_FORMULA
from tui.engine.spec import (
    KERAS_SCHEDULES,
    MAX_EPOCHS,
    OPTIMIZER_UPDATES,
    OPTIMIZERS,
    SCHEDULE_KINDS,
    ParameterError,
    RunSpec,
    Schedule,
    parse_epochs,
    parse_list,
    parse_number,
    parse_steps,
)
from tui.formats import FORMATS
from tui.i18n import LANGUAGES, msg, t

PROG = "lr-explorer"

#: The option that chooses the language.
LANG_OPTION = "--lang"

#: ``serve``'s own options, which the visitors' apps do not take.
SERVE_OPTIONS = ("--host", "--port", "--session")


def schedule_help() -> str:
    """The epilog of ``lr-explorer run --help``: every schedule's formula, and the optimizers."""
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


# ------------------------------------------------------------------------------------------
# The language
# ------------------------------------------------------------------------------------------


def _is_option(name: str, option: str) -> bool:
    """Whether ``name`` (a token's part before ``=``) names ``option``, as argparse reads it:
    the option itself or an abbreviation of it (argparse refuses ambiguous ones itself)."""
    return len(name) > 2 and name.startswith("--") and option.startswith(name)


def requested_language(argv: Sequence[str]) -> str | None:
    """The value of the last ``--lang X`` or ``--lang=X`` in ``argv`` (before any ``--``), as
    given, valid or not; ``None`` if there is none."""
    found = None
    tokens = list(argv)
    for index, token in enumerate(tokens):
        if token == "--":
            break
        name, equals, value = token.partition("=")
        if not _is_option(name, LANG_OPTION):
            continue
        if equals:
            found = value
        elif index + 1 < len(tokens):
            found = tokens[index + 1]
    return found


def choose_language(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> str:
    """The language of this command line: ``--lang`` if it names one, else the kept setting
    (a settings file that cannot be read is passed over in silence), else the locale's.

    An unknown ``--lang`` value is passed over here; the parser then refuses it in one line.
    """
    asked = requested_language(argv)
    if asked in LANGUAGES:
        return str(asked)
    kept = settings.load()[0].language
    if kept in LANGUAGES:
        return str(kept)
    return i18n.locale_language(environ)


# ------------------------------------------------------------------------------------------
# The parser, in the current language
# ------------------------------------------------------------------------------------------

#: Characters a line does not start with (they close what comes before) or end with, ASCII
#: and full-width (written as escapes: ， 。 、 ： ； ！ ？ ） 》 」 』 ” ’ and （ 《 「 『 “ ‘).
_NO_LINE_START = frozenset(
    ",:;!?)\uff0c\u3002\u3001\uff1a\uff1b\uff01\uff1f\uff09\u300b\u300d\u300f\u201d\u2019"
)
_NO_LINE_END = frozenset("(\uff08\u300a\u300c\u300e\u201c\u2018")


def _is_wide(char: str) -> bool:
    return cell_len(char) == 2


def wrap(text: str, width: int) -> list[str]:
    """``text``'s words in lines at most ``width`` columns wide (a longer word alone).

    Chinese text may break between any two characters, but not before closing punctuation
    nor after opening punctuation; Latin words and numbers stay whole.
    """
    atoms: list[tuple[str, bool]] = []  # (text, a space before it)
    for word in text.split():
        pieces: list[str] = []
        for part in re.findall(r"[^\s]", word):
            if pieces and (
                part in _NO_LINE_START
                or pieces[-1][-1] in _NO_LINE_END
                or not (_is_wide(part) or _is_wide(pieces[-1][-1]))
            ):
                pieces[-1] += part
            else:
                pieces.append(part)
        atoms += [(piece, index == 0) for index, piece in enumerate(pieces)]
    lines: list[str] = []
    line, used = "", 0
    for atom, spaced in atoms:
        gap = 1 if spaced and line else 0
        size = cell_len(atom)
        if line and used + gap + size > width:
            lines.append(line)
            line, used = atom, size
        else:
            line, used = line + " " * gap + atom, used + gap + size
    if line:
        lines.append(line)
    return lines


def _has_wide(text: str) -> bool:
    return any(map(_is_wide, text))


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help layout with the usage prefix from the catalogue, and Chinese text
    wrapped by the columns it takes (argparse counts characters, and a Chinese one takes two).
    """

    def __init__(self, prog: str, **kwargs: Any) -> None:
        super().__init__(prog, **kwargs)
        self._headings: list[str] = []

    def start_section(self, heading: str | None) -> None:
        """argparse's, noting the heading: :meth:`format_help` puts the catalogue's colon."""
        super().start_section(heading)
        if heading:
            self._headings.append(heading)

    def format_help(self) -> str:
        """argparse's help, each section heading followed by the catalogue's colon (argparse
        writes ``heading:``; Chinese takes a full-width one)."""
        text = super().format_help()
        for heading in self._headings:
            text = text.replace(f"\n{heading}:\n", "\n" + t("cli.heading", title=heading) + "\n")
        return text

    def _format_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[Any],
        prefix: str | None,
    ) -> str:
        if prefix is None:
            prefix = t("cli.usage")
        # argparse lines the usage's next lines up under the prefix by its length: lay it out
        # with spaces as wide as the prefix, then put the prefix in their place.
        width = cell_len(prefix)
        text = super()._format_usage(usage, actions, groups, " " * width)
        return prefix + text[width:]

    def _split_lines(self, text: str, width: int) -> list[str]:
        if not _has_wide(text):
            return super()._split_lines(text, width)
        return wrap(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if not _has_wide(text):
            return super()._fill_text(text, width, indent)
        return "\n".join(indent + line for line in wrap(text, width - len(indent)))


class RawDescriptionHelpFormatter(argparse.RawDescriptionHelpFormatter, HelpFormatter):
    """:class:`HelpFormatter` that prints the description and epilog as they are written."""


#: argparse's own error phrasings that the catalogue has, by their English text.
_ARGPARSE_MESSAGES = {"expected one argument": "cli.error.expected_one"}


class ArgumentParser(argparse.ArgumentParser):
    """An argparse parser in the current language whose errors are one line on stderr and exit
    status 2.

    Its ``-h/--help``, its group titles, its usage prefix and the errors it can put in words
    (an invalid choice, a missing value, unknown arguments, the reasons our converters give)
    come from the catalogue; argparse's rarer phrasings stay in English.
    """

    def __init__(self, **kwargs: Any) -> None:
        add_help = kwargs.pop("add_help", True)
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(add_help=False, exit_on_error=False, **kwargs)
        self._positionals.title = t("cli.group.positionals")
        self._optionals.title = t("cli.group.options")
        if add_help:
            self.add_argument(
                "-h", "--help", action="help", default=argparse.SUPPRESS, help=t("cli.help.help")
            )

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """argparse's, with its errors in the current language (see :meth:`error`)."""
        try:
            return super().parse_known_args(args, namespace)
        except argparse.ArgumentError as err:
            key = _ARGPARSE_MESSAGES.get(err.message)
            reason = t(key) if key else err.message
            if err.argument_name is None:
                self.error(reason)
            self.error(t("cli.error.argument", option=err.argument_name, reason=reason))

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        """argparse's, with unknown arguments refused in the current language."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            self.error(t("cli.error.unrecognized", args=" ".join(extras)))
        return parsed

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        # argparse's check of choices, with its message from the catalogue
        if action.choices is not None and value not in action.choices:
            choices = ", ".join(map(repr, action.choices))
            raise argparse.ArgumentError(
                action, t("cli.error.choice", value=value, choices=choices)
            )

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: message (see --help)`` as one line and exit with status 2."""
        self.exit(2, t("cli.error", prog=self.prog, message=message) + "\n")


def fail(message: str) -> NoReturn:
    """Print ``lr-explorer: error: message`` as one line and exit with status 2."""
    sys.stderr.write(t("cli.error.plain", prog=PROG, message=message) + "\n")
    sys.exit(2)


def _argument(name: str, parse: Callable[[str], object]) -> Callable[[str], object]:
    """An argparse type: ``parse(text)``, its :class:`ParameterError` as argparse's error."""

    def convert(text: str) -> object:
        try:
            return parse(text)
        except ParameterError as err:
            raise argparse.ArgumentTypeError(str(err.reason)) from None

    convert.__name__ = name  # argparse names the type in "invalid <name> value" messages
    return convert


def _number(name: str) -> Callable[[str], object]:
    return _argument(name, lambda text: parse_number(name, text))


def _whole(name: str) -> Callable[[str], object]:
    return _argument(name, lambda text: parse_steps(name, text))


def _list(name: str, whole: bool) -> Callable[[str], object]:
    return _argument(name, lambda text: parse_list(name, text, whole))


_epochs = _argument("epochs", parse_epochs)


def _parse_port(text: str) -> int:
    value = parse_number("port", text)
    if value != int(value) or not 1 <= value <= 65535:
        raise ParameterError("port", msg("cli.error.port"))
    return int(value)


_port = _argument("port", _parse_port)


def _loss(text: str) -> str:
    try:
        return str(parse_loss(text).source)
    except LossError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_parameter_options(parser: argparse.ArgumentParser) -> None:
    """Add the run parameters: start, rate, steps, schedule, optimizer and loss."""
    group = parser.add_argument_group(t("cli.group.parameters"))
    group.add_argument("--w0", type=_number("w0"), default=5.0, help=t("cli.help.w0"))
    group.add_argument("--lr", type=_number("lr"), default=0.01, help=t("cli.help.lr"))
    group.add_argument(
        "--epochs", type=_epochs, default=20, help=t("cli.help.epochs", most=MAX_EPOCHS)
    )
    group.add_argument(
        "--schedule", choices=SCHEDULE_KINDS, default=None, help=t("cli.help.schedule")
    )
    group.add_argument("--decay", type=_number("decay"), default=None, help=t("cli.help.decay"))
    group.add_argument(
        "--decay-steps",
        type=_number("decay-steps"),
        default=None,
        help=t("cli.help.decay_steps"),
    )
    group.add_argument("--staircase", action="store_true", help=t("cli.help.staircase"))
    group.add_argument("--rate", type=_number("rate"), default=1.0, help=t("cli.help.rate"))
    group.add_argument("--alpha", type=_number("alpha"), default=0.0, help=t("cli.help.alpha"))
    group.add_argument("--power", type=_number("power"), default=1.0, help=t("cli.help.power"))
    group.add_argument("--cycle", action="store_true", help=t("cli.help.cycle"))
    group.add_argument("--t-mul", type=_number("t-mul"), default=2.0, help=t("cli.help.t_mul"))
    group.add_argument("--m-mul", type=_number("m-mul"), default=1.0, help=t("cli.help.m_mul"))
    group.add_argument(
        "--boundaries",
        type=_list("boundaries", whole=True),
        default=(10,),
        help=t("cli.help.boundaries"),
    )
    group.add_argument(
        "--factors",
        type=_list("factors", whole=False),
        default=(1.0, 0.1),
        help=t("cli.help.factors"),
    )
    group.add_argument("--warmup", type=_whole("warmup"), default=0, help=t("cli.help.warmup"))
    group.add_argument(
        "--optimizer", choices=OPTIMIZERS, default="gd", help=t("cli.help.optimizer")
    )
    group.add_argument("--beta", type=_number("beta"), default=0.9, help=t("cli.help.beta"))
    group.add_argument(
        "--loss",
        type=_loss,
        default=SEED_LOSS,
        help=t("cli.help.loss", default=SEED_LOSS, functions=", ".join(FUNCTIONS)),
    )


def add_language_option(parser: argparse.ArgumentParser, default: object = None) -> None:
    """Add ``--lang``. The language is already chosen when it is parsed (:func:`main` looks
    for it first); it is an option so that ``--help`` shows it and a bad value is refused."""
    parser.add_argument(LANG_OPTION, choices=LANGUAGES, default=default, help=t("cli.help.lang"))


def build_parser() -> ArgumentParser:
    """The whole ``lr-explorer`` command line, in the current language."""
    parser = ArgumentParser(prog=PROG, description=t("cli.description"))
    add_parameter_options(parser)
    parser.add_argument("--session", metavar="FILE", default=None, help=t("cli.help.session"))
    add_language_option(parser)
    sub = parser.add_subparsers(dest="command", parser_class=ArgumentParser)
    run = sub.add_parser(
        "run",
        help=t("cli.run.help"),
        description=t("cli.run.description"),
        epilog=schedule_help(),
        formatter_class=RawDescriptionHelpFormatter,
    )
    serve = sub.add_parser(
        "serve", help=t("cli.serve.help"), description=t("cli.serve.description")
    )
    add_parameter_options(serve)
    serve.add_argument("--host", default="127.0.0.1", help=t("cli.help.host"))
    serve.add_argument("--port", type=_port, default=8000, help=t("cli.help.port"))
    serve.add_argument("--session", metavar="FILE", default=None, help=t("cli.help.serve_session"))
    # A subcommand's --lang leaves the namespace alone unless given (`--lang zh serve` holds).
    add_language_option(serve, default=argparse.SUPPRESS)
    add_parameter_options(run)
    run.add_argument("--format", choices=FORMATS, default="seed", help=t("cli.help.format"))
    run.add_argument("--tol", type=_number("tol"), default=None, help=t("cli.help.tol"))
    run.add_argument("--out", metavar="FILE", default=None, help=t("cli.help.out"))
    run.add_argument("--force", action="store_true", help=t("cli.help.force"))
    add_language_option(run, default=argparse.SUPPRESS)
    return parser


def _refuse(parser: ArgumentParser, err: ParameterError) -> NoReturn:
    """Refuse a parameter as argparse refuses an argument, the reason in the current language."""
    parser.error(t("cli.error.argument", option=f"--{err.name}", reason=f"{err.reason}"))


def spec_from_args(args: argparse.Namespace) -> RunSpec:
    """The :class:`RunSpec` that parsed arguments describe (validated)."""
    kind = args.schedule or ("exponential" if args.decay is not None else "constant")
    if args.decay is not None and kind != "exponential":
        raise ParameterError("decay", msg("cli.error.decay", kind=kind))
    schedule = None
    if kind in KERAS_SCHEDULES:
        schedule = Schedule(
            kind,
            steps=100.0 if args.decay_steps is None else args.decay_steps,
            rate=args.rate,
            alpha=args.alpha,
            power=args.power,
            cycle=args.cycle,
            staircase=args.staircase,
            t_mul=args.t_mul,
            m_mul=args.m_mul,
            boundaries=args.boundaries,
            factors=args.factors,
        )
    return RunSpec(
        w0=args.w0,
        lr=args.lr,
        epochs=args.epochs,
        decay=(0.99 if args.decay is None else args.decay) if kind == "exponential" else None,
        decay_steps=1.0 if args.decay_steps is None or schedule else args.decay_steps,
        staircase=args.staircase,
        schedule=schedule,
        warmup=args.warmup,
        optimizer=args.optimizer,
        beta=args.beta,
    ).validate()


def run_command(
    args: argparse.Namespace, parser: ArgumentParser, quiet_native_logs: bool = False
) -> int:
    """Carry out ``lr-explorer run``: compute the log and write it to standard output.

    With ``quiet_native_logs``, what TensorFlow's C++ prints goes to ``LR_EXPLORER_ENGINE_LOG``
    or nowhere (the console script sets it; tests running in-process do not).
    """
    try:
        spec = spec_from_args(args)
    except ParameterError as err:
        _refuse(parser, err)
    if args.tol is not None and args.tol <= 0:
        parser.error(t("cli.error.argument", option="--tol", reason=t("cli.error.tol")))

    from tui.engine import tfenv
    from tui.export import run_bytes, run_chunks
    from tui.formats import write_atomic

    if quiet_native_logs:
        tfenv.quiet_native_logs(os.environ.get("LR_EXPLORER_ENGINE_LOG"))
    from tui.engine import descent  # TensorFlow loads here, after the arguments are known good
    from tui.engine.analysis import DEFAULT_TOL

    result = descent.run(spec, args.loss, tol=args.tol or DEFAULT_TOL)
    if args.out is not None:
        try:
            write_atomic(args.out, run_bytes(result, args.format), overwrite=args.force)
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


def main(argv: Sequence[str] | None = None, quiet_native_logs: bool = False) -> int:
    """Parse ``argv`` and run the chosen command; return the exit status.

    The language is chosen first (:func:`choose_language`), so that the help and the errors
    are in it.
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
    return explore_command(args, parser, language)


def serve_command(
    args: argparse.Namespace, parser: ArgumentParser, argv: list[str], language: str
) -> int:
    """Serve the explorer to browsers with textual-serve: each visitor gets an app of their own,
    started with the parameters given here (checked first, so a mistake is one line now) and in
    ``language``."""
    try:
        spec_from_args(args)
    except ParameterError as err:
        _refuse(parser, err)
    if args.session is not None:
        from tui.app.session import SessionError, load

        try:
            load(args.session)
        except SessionError as err:
            parser.error(t("cli.error.argument", option="--session", reason=f"{err}"))
        args.session = os.path.abspath(args.session)
    from textual_serve.server import Server

    command = [sys.executable, "-m", "tui", *app_arguments(argv, args.session, language)]
    server = Server(shlex.join(command), host=args.host, port=args.port, title=PROG)
    print(t("cli.serving", prog=PROG, host=args.host, port=args.port), file=sys.stderr)
    server.serve()
    return 0


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
        if any(_is_option(name, option) for option in options):
            skip = "=" not in token
            continue
        kept.append(token)
    return kept


def app_arguments(argv: list[str], session: str | None, language: str | None = None) -> list[str]:
    """The explorer's own options out of a ``serve`` command line (``--host``/``--port`` out,
    the session's path made absolute), and ``--lang language`` if a language is given (in
    place of any ``--lang`` there)."""
    at = argv.index("serve")
    kept = list(argv[:at]) + _without(argv[at + 1 :], SERVE_OPTIONS)
    if language is not None:
        kept = [*_without(kept, [LANG_OPTION]), LANG_OPTION, language]
    return kept + (["--session", session] if session else [])


def explore_command(args: argparse.Namespace, parser: ArgumentParser, language: str) -> int:
    """Open the terminal UI on the parameters given, in ``language`` (TensorFlow loads in the
    engine process)."""
    try:
        spec = spec_from_args(args)
    except ParameterError as err:
        _refuse(parser, err)
    from tui.app import ExplorerApp
    from tui.app.session import SessionError, load
    from tui.app.widgets.params import Params

    session = None
    if args.session is not None:
        try:
            session = load(args.session)
        except SessionError as err:
            parser.error(t("cli.error.argument", option="--session", reason=f"{err}"))
    app = ExplorerApp(Params(spec, args.loss), session=session, language=language)
    app.run()
    return app.return_code or 0
