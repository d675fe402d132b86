"""argparse in the current language: help headings, usage prefix and errors from the
catalogue (:mod:`tui.i18n`), and help text wrapped by the columns it takes on screen.

argparse has no public hook for its usage prefix, its line splitting or its choice check:
:class:`HelpFormatter` and :class:`ArgumentParser` override its private methods for them.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

from rich.cells import cell_len

from tui.i18n import t

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
        if "\n" in text:  # laid out by hand (an epilog's table of formulas): kept as written
            return "\n".join(indent + line for line in text.splitlines())
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

    # typeshed overloads parse_known_args and parse_args on the namespace's type; these two
    # take and give an argparse.Namespace only, which is all the CLI uses.
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

    # See parse_known_args for the override.
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
