"""The command line's options: the run parameters (and the :class:`RunSpec` they describe),
and the language option, which is read before the parser is built.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

from tui import i18n, settings
from tui.cli.argparse_i18n import ArgumentParser
from tui.engine.losses import LossError, parse_loss
from tui.engine.spec import KERAS_SCHEDULES, ParameterError, RunSpec, parse_number
from tui.i18n import LANGUAGES, msg, t
from tui.model.parameters import PARAMETERS, Parameter, by_name, spec_from_values

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
    """An argparse type: ``parse(text)``, its :class:`ParameterError` (or the loss's
    :class:`LossError`) as argparse's error."""

    def convert(text: str) -> object:
        try:
            return parse(text)
        except ParameterError as err:
            raise argparse.ArgumentTypeError(str(err.reason)) from None
        except LossError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    convert.__name__ = name  # argparse names the type in "invalid <name> value" messages
    return convert


def number(name: str) -> Callable[[str], object]:
    """The argparse type of a number option ``--name`` (``inf``/``nan`` refused)."""
    return _argument(name, lambda text: parse_number(name, text))


def _parse_port(text: str) -> int:
    value = parse_number("port", text)
    if value != int(value) or not 1 <= value <= 65535:
        raise ParameterError("port", msg("cli.error.port"))
    return int(value)


#: The argparse type of ``serve --port``: a whole number from 1 to 65535.
port = _argument("port", _parse_port)


def _text(value: object) -> str:
    """A default as the help shows it: ``5``, ``0.9``, ``10, 20``."""
    if isinstance(value, tuple):
        return ", ".join(_text(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _sharing(record: Parameter, table: tuple[Parameter, ...]) -> list[Parameter]:
    """The records whose option is ``record``'s (``--decay-steps``: exponential's T, and the
    keras schedules' T)."""
    return [p for p in table if p.flag == record.flag]


def aliases(record: Parameter) -> list[str]:
    """The other options of ``record``: its titles for a loss of one or two parameters that
    are names (``--w1`` for ``--w0``, w1's start for a loss of w1 and w2)."""
    named = (f"--{title}" for title in record.titles if title.isidentifier())
    return [flag for flag in dict.fromkeys(named) if flag != record.flag]


def add_parameter_options(
    parser: argparse.ArgumentParser,
    table: tuple[Parameter, ...] = PARAMETERS,
    *,
    given_only: bool = False,
) -> None:
    """Add the run parameters of ``table`` that have an option: start, rate, steps, schedule,
    optimizer, loss and tolerance, each with its parser, default and help from the table.

    With ``given_only`` (a command's copy of the options), an option not given leaves the
    namespace alone, so that the same option given before the command holds.
    """
    group = parser.add_argument_group(t("cli.group.parameters"))
    added: set[str] = set()
    for record in table:
        if record.flag is None or record.flag in added:
            continue
        added.add(record.flag)
        assert record.help is not None  # every option has its help
        # The help tells the defaults from the table: {default}, or each sharing parameter's.
        shown = {p.name.replace("-", "_"): _text(p.default) for p in _sharing(record, table)}
        help_args = {"default": _text(record.default), **shown, **dict(record.help_args)}
        options: dict[str, Any] = {"help": t(record.help, **help_args)}
        if record.kind == "flag":
            options["action"] = "store_true"
        elif record.kind == "choice":
            # The schedule left out is told by --decay (see spec_from_args): no default here.
            options["choices"] = record.choices
            options["default"] = None if record.name == "schedule" else record.default
        else:
            assert record.read is not None  # every option but a flag or a choice is typed
            options["type"] = _argument(record.name, record.read)
            # An option shared by two parameters, or decay (whose absence means no decay), is
            # None when not given: spec_from_args then gives the parameter in use its default.
            alone = len(_sharing(record, table)) == 1 and not record.nullable
            options["default"] = record.default if alone else None
        if given_only:
            options["default"] = argparse.SUPPRESS
        group.add_argument(record.flag, **options)
        for alias in aliases(record):
            # Its own argument, hidden (the help of record.flag names it), so that argparse's
            # errors name the option as given, not "--w0/--w1".
            hidden = {**options, "help": argparse.SUPPRESS, "default": argparse.SUPPRESS}
            group.add_argument(alias, dest=record.dest, **hidden)


def add_language_option(parser: argparse.ArgumentParser, default: object = None) -> None:
    """Add ``--lang``. The language is already chosen when it is parsed (:func:`main` looks
    for it first); it is an option so that ``--help`` shows it and a bad value is refused."""
    parser.add_argument(LANG_OPTION, choices=LANGUAGES, default=default, help=t("cli.help.lang"))


def refuse(
    parser: ArgumentParser, err: ParameterError, table: tuple[Parameter, ...] = PARAMETERS
) -> NoReturn:
    """Refuse a parameter as argparse refuses an argument, the reason in the current language,
    named by its option (a keras schedule's T, ``steps``, is given as ``--decay-steps``)."""
    record = by_name(table).get(err.name)
    option = record.flag if record is not None and record.flag else f"--{err.name}"
    parser.error(t("cli.error.argument", option=option, reason=f"{err.reason}"))


def check_starts(spec: RunSpec, loss: str) -> RunSpec:
    """``spec`` if it has a start for each parameter of ``loss`` and no other (``--w2`` given
    for a loss of w is refused), else :class:`ParameterError` naming w2. Needs no TensorFlow:
    ``run`` refuses before it loads it."""
    return spec.check_starts(parse_loss(loss).params)


def spec_from_args(args: argparse.Namespace, table: tuple[Parameter, ...] = PARAMETERS) -> RunSpec:
    """The :class:`RunSpec` that parsed arguments describe (validated): every option given is
    checked, whether the schedule uses it or not. For a loss of w1 and w2, ``--w2`` not given
    is the table's default (:data:`~tui.model.parameters.START2_DEFAULT`), as in the explorer's
    field and in sessions."""
    kind = args.schedule or ("exponential" if args.decay is not None else "constant")
    if args.decay is not None and kind != "exponential":
        raise ParameterError("decay", msg("cli.error.decay", kind=kind))
    keras = kind in KERAS_SCHEDULES
    values: dict[str, Any] = {"schedule": kind}
    for record in table:
        if record.flag is None or record.name == "schedule":
            continue
        sharing = _sharing(record, table)
        # A shared option goes to a keras schedule's parameter, else to the run's.
        if len(sharing) > 1 and (record.home == "schedule") != keras:
            continue
        values[record.name] = getattr(args, str(record.dest))
    return spec_from_values(values, table, every=True, count=len(parse_loss(args.loss).params))
