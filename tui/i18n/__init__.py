"""Languages: English and Chinese, one catalogue per language (pure Python: no Textual, no TF).

Every text the user reads (labels, messages, statuses, help) is looked up by key in the
catalogue of the current language, ``tui/i18n/<lang>/``: its ``MESSAGES`` (format strings for
:meth:`str.format`) and its text files (the help page). The two catalogues hold the same keys
with the same placeholders; a test keeps them so.

Code that makes a message before it is shown (the engine, which may run in another process)
makes a :class:`Msg`, a key with its arguments, and the text is made when the message is
shown, in the language of that moment: ``str(msg)``.

The current language is one for the whole process: :func:`set_language`. Without a choice it
comes from the locale (:func:`locale_language`), as gettext reads it.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "LANGUAGES",
    "Msg",
    "catalogue",
    "language",
    "locale_language",
    "msg",
    "page",
    "set_language",
    "t",
]

#: The languages, by code: English and Chinese (simplified, the lesson's own).
LANGUAGES: tuple[str, ...] = ("en", "zh")

#: The locale variables that name a language, in gettext's order of precedence.
LOCALE_VARIABLES: tuple[str, ...] = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_current = "en"


def locale_language(environ: Mapping[str, str] | None = None) -> str:
    """The language the locale asks for: ``zh`` for any ``zh*`` locale, else ``en``.

    The first of ``LANGUAGE`` (a ``:``-separated list; its first entry), ``LC_ALL``,
    ``LC_MESSAGES`` and ``LANG`` that is set and not empty decides, as in gettext.
    """
    env = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        value = env.get(name, "")
        if name == "LANGUAGE":
            value = value.split(":")[0]
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def check_language(code: str) -> str:
    """``code`` if it is one of :data:`LANGUAGES`, else :class:`ValueError` naming them."""
    if code not in LANGUAGES:
        raise ValueError(t("i18n.unknown", code=code, known=", ".join(LANGUAGES)))
    return code


def set_language(code: str) -> None:
    """Make ``code`` (``en`` or ``zh``) the language of every text from now on."""
    global _current
    _current = check_language(code)


def language() -> str:
    """The current language's code."""
    return _current


@cache
def catalogue(code: str) -> Mapping[str, str]:
    """The messages of language ``code``: key -> format string."""
    module = importlib.import_module(f"tui.i18n.{check_language(code)}")
    messages: Mapping[str, str] = module.MESSAGES
    return messages


def t(key: str, /, **args: Any) -> str:
    """The text of ``key`` in the current language, its ``{placeholders}`` filled from ``args``.

    A key missing from the current catalogue falls back to English (the catalogue test keeps
    that from happening); a key missing from both raises :class:`KeyError`.
    """
    template = catalogue(_current).get(key)
    if template is None:
        template = catalogue("en")[key]
    return template.format(**args) if args else template


def counted(key: str, count: int, /, **args: Any) -> str:
    """:func:`t` of ``key``, or of ``key.one`` for a count of one where the catalogue has it
    (English: ``1 pin``, ``2 pins``); ``count`` fills ``{count}``."""
    one = f"{key}.one"
    chosen = one if count == 1 and one in catalogue("en") else key
    return t(chosen, count=count, **args)


@cache
def _page(code: str, name: str) -> str:
    return resources.files(f"tui.i18n.{code}").joinpath(name).read_text(encoding="utf-8")


def page(name: str) -> str:
    """A text file of the current language's catalogue, e.g. ``help.md``."""
    return _page(_current, name)


@dataclass(frozen=True)
class Msg:
    """A message made now and shown later: ``str(msg)`` is its text in the language of then.

    ``args`` may hold other :class:`Msg` (a reason inside a sentence); they are shown in the
    same language. Messages pickle, so the engine's process can send them.
    """

    key: str
    args: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:
        return t(self.key, **dict(self.args))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def msg(key: str, /, **args: Any) -> Msg:
    """A :class:`Msg` for ``key`` with ``args``."""
    return Msg(key, tuple(args.items()))
