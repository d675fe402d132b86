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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TypedDict

from textual.actions import parse
from textual.app import App
from textual.binding import Binding, BindingsMap, BindingType
from textual.dom import DOMNode
from textual.keys import _character_to_key, key_to_character

from tui.i18n import catalogue, t


@dataclass(frozen=True)
class NamedGroup(Binding.Group):
    """A group of keys in the footer (Textual's ``Binding.Group``: the keys side by side, then
    the group's words), its words the catalogue's ``key.group.<name>``."""

    name: str = ""


def _group(group: Binding.Group | None) -> Binding.Group | None:
    """``group`` in the current language (if it is a :class:`NamedGroup`)."""
    if not isinstance(group, NamedGroup):
        return group
    return replace(group, description=t(f"key.group.{group.name}"))


def key(
    keys: str,
    action: str,
    id: str,
    *,
    show: bool = True,
    priority: bool = False,
    group: str | None = None,
) -> Binding:
    """A binding whose description and tooltip are the catalogue's ``key.<id>`` (and ``.tip``),
    shown in the footer in group ``group`` (its words ``key.group.<group>``), if given."""
    grouped = None if group is None else _group(NamedGroup(compact=False, name=group))
    return Binding(keys, action, show=show, id=id, priority=priority, group=grouped, **_texts(id))


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
            replace(b, group=_group(b.group), **_texts(b.id))
            if b.id and f"key.{b.id}" in catalogue("en")
            else b
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


# -- the keys as the user has them ------------------------------------------------------------


_DEFAULT_KEYS: dict[str, str] = {}  # binding id -> its keys, once found


def default_keys(binding_id: str) -> str:
    """The keys (comma-separated, Textual's names) the explorer binds ``binding_id`` to before any
    keymap: those of the first binding with that id in the classes of ``tui`` (``""`` if none)."""
    if binding_id in _DEFAULT_KEYS:
        return _DEFAULT_KEYS[binding_id]
    for cls in _subclasses(DOMNode):
        if not cls.__module__.startswith("tui."):
            continue
        for binding in cls.__dict__.get("BINDINGS", ()):
            if isinstance(binding, Binding) and binding.id == binding_id:
                _DEFAULT_KEYS[binding_id] = binding.key
                return binding.key
    return ""  # not cached: the class that binds it may not be loaded yet


def bound_keys(app: App, binding_id: str) -> list[str]:
    """Every key bound to ``binding_id`` as the user sees it: their keymap applied, each key
    shown as the footer shows it (``space``, ``?``, ``^s``)."""
    keys = app._keymap.get(binding_id) or default_keys(binding_id)
    return [app.get_key_display(Binding(k.strip(), "")) for k in keys.split(",") if k.strip()]


def bound_key(app: App, binding_id: str) -> str:
    """The first key bound to ``binding_id`` as the user sees it (``?`` if none is)."""
    return next(iter(bound_keys(app, binding_id)), "?")


class KeysShown(Mapping[str, str]):
    """The keys bound to each binding id as Markdown, for a page's ``{key[ID]}`` (the first
    key, as code) and ``{keys[ID]}`` (every key, ``a`` / ``b``) fields."""

    def __init__(self, app: App, every: bool = False) -> None:
        self._app = app
        self._every = every

    def __getitem__(self, binding_id: str) -> str:
        shown = bound_keys(self._app, binding_id) or ["?"]
        return " / ".join(f"`{k}`" for k in (shown if self._every else shown[:1]))

    def __iter__(self) -> Iterator[str]:
        return iter(())  # looked up by id only

    def __len__(self) -> int:
        return 0


def page_keys(app: App) -> dict[str, KeysShown]:
    """The fields a help page formats its keys with: ``key`` and ``keys`` (:class:`KeysShown`)."""
    return {"key": KeysShown(app), "keys": KeysShown(app, every=True)}


#: Keys a keymap may not take, with the catalogue key of what each does. Each is the only way
#: to do that from the keyboard, and Textual 8.2.8 either runs its own binding first (ctrl+q
#: quits with priority: a binding moved there never runs) or lets the keymap replace it
#: (the palette's binding moved onto ctrl+q removed quitting).
RESERVED = {
    "ctrl+q": "keymap.reserved.quit",  # Textual's quit, with priority
    "ctrl+c": "keymap.reserved.copy",  # copies in a field (Screen), else says how to quit (App)
    "ctrl+p": "keymap.reserved.palette",  # the command palette (the palette's own id may move it)
    "tab": "keymap.reserved.focus",  # the next widget: the fields, the chart and the tables
    "shift+tab": "keymap.reserved.focus",
}


def refused_keys(keymap: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """The entries of ``keymap`` that take a reserved key: binding id -> (the key, what it is
    kept for, in the current language). The palette may move off ``ctrl+p``."""
    refused: dict[str, tuple[str, str]] = {}
    for binding_id, keys in App._normalize_keymap(dict(keymap)).items():
        for k in keys.split(","):
            reason = RESERVED.get(k)
            if reason is not None and not (binding_id == "palette" and k == "ctrl+p"):
                refused[binding_id] = (k, t(reason))
                break
    return refused


def set_keymap(app: App, keymap: Mapping[str, str], *, merge: bool = False) -> None:
    """Apply the user's ``keymap`` to ``app`` (added to the keymap it has if ``merge``), less
    any entry that takes a reserved key: that binding keeps its own key, with a message naming
    the binding and the key."""
    refused = refused_keys(keymap)
    for binding_id, (taken, why) in refused.items():
        app.notify(
            t("note.key_reserved", binding=binding_id, key=taken, why=why),
            severity="warning",
            timeout=15,
        )
    kept = {k: v for k, v in keymap.items() if k not in refused}
    if merge:
        app.update_keymap(kept)
    else:
        app.set_keymap(kept)
