"""Key bindings named from the catalogue, and their names put right when the language changes.

Textual reads a binding's description (the footer) and tooltip (the footer's tooltip, the
command palette) from the :class:`~textual.binding.Binding` itself, and each class keeps its
bindings from when it was defined. So a binding here is made with :func:`key`, its texts the
catalogue's ``key.<id>`` and ``key.<id>.tip``, and :func:`retranslate` swaps every binding of
the explorer's classes and of the nodes alive for one in the current language: keys the user
rebound stay rebound, since Textual's keymap is applied by id afterwards.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from dataclasses import replace
from typing import TypedDict

from textual.actions import parse
from textual.app import App
from textual.binding import Binding, BindingsMap, BindingType
from textual.dom import DOMNode
from textual.keys import _character_to_key, key_to_character

from tui.i18n import catalogue, t


def key(keys: str, action: str, id: str, *, show: bool = True, priority: bool = False) -> Binding:
    """A binding whose description and tooltip are the catalogue's ``key.<id>`` (and ``.tip``)."""
    return Binding(keys, action, show=show, id=id, priority=priority, **_texts(id))


#: Punctuation by its key name: Textual 8.2.8's ``key_to_character`` knows no character for
#: ``plus`` or ``minus`` (the names its own ``_character_to_key`` gives "+" and "-").
_PUNCTUATION = {_character_to_key(c): c for c in string.punctuation}


def _printable(binding: Binding) -> bool:
    """Whether every key of ``binding`` types a character (a text field would take it)."""
    characters = [key_to_character(k) or _PUNCTUATION.get(k) for k in binding.key.split(",")]
    return all(c is not None and c.isprintable() for c in characters)


def typing_actions(bindings: Iterable[BindingType]) -> frozenset[str]:
    """The actions (names, without arguments) of ``bindings`` whose keys all type a character."""
    return frozenset(
        parse(b.action)[1] for b in bindings if isinstance(b, Binding) and _printable(b)
    )


class _Texts(TypedDict):
    """A binding's words: the keyword arguments :class:`~textual.binding.Binding` takes them as."""

    description: str
    tooltip: str


def _texts(id: str) -> _Texts:
    """The description and tooltip of binding ``id`` in the current language."""
    tip = f"key.{id}.tip"
    return {"description": t(f"key.{id}"), "tooltip": t(tip) if tip in catalogue("en") else ""}


def _translated(bindings: BindingsMap) -> None:
    """Put ``bindings``' catalogue bindings in the current language, in place."""
    for name, found in bindings.key_to_bindings.items():
        bindings.key_to_bindings[name] = [
            replace(b, **_texts(b.id)) if b.id and f"key.{b.id}" in catalogue("en") else b
            for b in found
        ]


def _subclasses(cls: type[object]) -> list[type[object]]:
    """Every subclass of ``cls``, its subclasses' too."""
    found: list[type[object]] = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found += _subclasses(sub)
    return found


def retranslate(app: App | None = None) -> None:
    """The explorer's bindings in the current language: those of its classes (for nodes made
    from now on) and, given ``app``, those of every node alive in it."""
    for cls in _subclasses(DOMNode):
        merged = cls.__dict__.get("_merged_bindings")
        if merged is not None and cls.__module__.startswith("tui."):
            _translated(merged)
    if app is None:
        return
    _translated(app._bindings)
    for screen in app.screen_stack:
        _translated(screen._bindings)
        for node in screen.query("*"):
            _translated(node._bindings)
    app.refresh_bindings()
