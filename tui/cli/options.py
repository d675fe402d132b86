"""The command line's options: the run parameters (and the :class:`RunSpec` they describe),
and the language option, which is read before the parser is built.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from typing import NoReturn

from tui import i18n, settings
from tui.cli.argparse_i18n import ArgumentParser
from tui.engine.losses import FUNCTIONS, SEED_LOSS, LossError, parse_loss
from tui.engine.spec import (
    KERAS_SCHEDULES,
    MAX_EPOCHS,
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
from tui.i18n import LANGUAGES, msg, t

PROG = "lr-explorer"

#: The option that chooses the language.
LANG_OPTION = "--lang"


# ------------------------------------------------------------------------------------------
# The language
# ------------------------------------------------------------------------------------------


def is_option(name: str, option: str) -> bool:
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
        if not is_option(name, LANG_OPTION):
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


def _argument(name: str, parse: Callable[[str], object]) -> Callable[[str], object]:
    """An argparse type: ``parse(text)``, its :class:`ParameterError` as argparse's error."""

    def convert(text: str) -> object:
        try:
            return parse(text)
        except ParameterError as err:
            raise argparse.ArgumentTypeError(str(err.reason)) from None

    convert.__name__ = name  # argparse names the type in "invalid <name> value" messages
    return convert


def number(name: str) -> Callable[[str], object]:
    """The argparse type of a number option ``--name`` (``inf``/``nan`` refused)."""
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


#: The argparse type of ``serve --port``: a whole number from 1 to 65535.
port = _argument("port", _parse_port)


def _loss(text: str) -> str:
    try:
        return str(parse_loss(text).source)
    except LossError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_parameter_options(parser: argparse.ArgumentParser) -> None:
    """Add the run parameters: start, rate, steps, schedule, optimizer and loss."""
    group = parser.add_argument_group(t("cli.group.parameters"))
    group.add_argument("--w0", type=number("w0"), default=5.0, help=t("cli.help.w0"))
    group.add_argument("--lr", type=number("lr"), default=0.01, help=t("cli.help.lr"))
    group.add_argument(
        "--epochs", type=_epochs, default=20, help=t("cli.help.epochs", most=MAX_EPOCHS)
    )
    group.add_argument(
        "--schedule", choices=SCHEDULE_KINDS, default=None, help=t("cli.help.schedule")
    )
    group.add_argument("--decay", type=number("decay"), default=None, help=t("cli.help.decay"))
    group.add_argument(
        "--decay-steps",
        type=number("decay-steps"),
        default=None,
        help=t("cli.help.decay_steps"),
    )
    group.add_argument("--staircase", action="store_true", help=t("cli.help.staircase"))
    group.add_argument("--rate", type=number("rate"), default=1.0, help=t("cli.help.rate"))
    group.add_argument("--alpha", type=number("alpha"), default=0.0, help=t("cli.help.alpha"))
    group.add_argument("--power", type=number("power"), default=1.0, help=t("cli.help.power"))
    group.add_argument("--cycle", action="store_true", help=t("cli.help.cycle"))
    group.add_argument("--t-mul", type=number("t-mul"), default=2.0, help=t("cli.help.t_mul"))
    group.add_argument("--m-mul", type=number("m-mul"), default=1.0, help=t("cli.help.m_mul"))
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
    group.add_argument("--beta", type=number("beta"), default=0.9, help=t("cli.help.beta"))
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


def refuse(parser: ArgumentParser, err: ParameterError) -> NoReturn:
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
