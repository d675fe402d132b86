"""Styling an app for its first frame once, not several times over.

:class:`SharedStylesheet` is Textual's stylesheet with its parsed rules kept for the whole
process rather than for one app; :func:`prefill` parses ahead what an app parses as it starts
(the classroom's fork server does it once for every visitor's app it forks);
:func:`breakpoint_classes` gives a screen its breakpoints' classes before Textual would (at its
first resize, which styles the whole screen again).

Textual 8.2.8 parses the app's CSS file and every widget class's ``DEFAULT_CSS`` again for each
app it starts (``Stylesheet._parse_cache`` belongs to the app's own stylesheet): about 40
sources for the explorer, parsed again by every test's app. The rules
parsed from a source depend only on the source and the CSS variables (the theme's colours, which
the parser substitutes), so :class:`SharedStylesheet` keeps them by variables for every app of
the process. Textual reuses parsed rules the same way within one app (its parse cache, across
the re-parses each newly mounted widget class causes); the rules are only read once parsed.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from types import SimpleNamespace
from typing import Any, cast

from textual._path import _css_path_type_as_list, _make_path_object_relative
from textual.app import App
from textual.cache import LRUCache
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode
from textual.screen import Screen

#: Sources kept per set of variables: the explorer's, its screens' and the tests' own apps.
SOURCES = 256

#: Sets of variables kept (a theme each, in the order last used).
THEMES = 8

_RuleCache = LRUCache[tuple[object, ...], list[RuleSet]]

_caches: LRUCache[tuple[tuple[str, str], ...], _RuleCache] = LRUCache(THEMES)


def rules_for(variables: Mapping[str, str]) -> _RuleCache:
    """The process's parsed rules under ``variables``, by Textual's own parse-cache key."""
    key = tuple(sorted(variables.items()))
    cache = _caches.get(key)
    if cache is None:
        cache = LRUCache(SOURCES)
        _caches[key] = cache
    return cache


class SharedStylesheet(Stylesheet):
    """A :class:`~textual.css.stylesheet.Stylesheet` whose parse cache is the process's for its
    variables (see the module's docstring)."""

    def __init__(self, *, variables: dict[str, str] | None = None) -> None:
        super().__init__(variables=variables)
        self._parse_cache = rules_for(self._variables)

    def set_variables(self, variables: dict[str, str]) -> None:
        """Textual's, then the process's cache for the new variables (Textual's clears the
        cache it holds: a throwaway, not the one other apps share)."""
        self._parse_cache = LRUCache(1)
        super().set_variables(variables)
        self._parse_cache = rules_for(variables)


#: A source as Textual 8.2.8's ``Stylesheet._parse_rules`` takes it (and keys its parse cache):
#: the CSS, where it was read from, whether it is a widget's default CSS, its tie breaker and
#: its scope.
Source = tuple[str, tuple[str, str], bool, int, str]


def _node_classes() -> list[type[DOMNode]]:
    """Every class of node (app, screen, widget) loaded in this process, by name."""
    found: set[type[DOMNode]] = set()
    todo: list[type[DOMNode]] = [DOMNode]
    while todo:
        for subclass in todo.pop().__subclasses__():
            if subclass not in found:
                found.add(subclass)
                todo.append(subclass)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def start_sources(app_class: type[App[Any]]) -> Iterator[Source]:
    """What an app of ``app_class`` can parse as it starts, as Textual 8.2.8 gives it to its
    stylesheet: the app's CSS files and ``CSS`` (``App._process_messages``), and the
    ``DEFAULT_CSS`` of every class of node loaded, each base class's with the tie breaker of
    each class below it (``DOMNode._get_default_css``: a node registers its class's bases, with
    tie breakers by their place among them). More than one app parses; never less."""
    holder = SimpleNamespace(_BASE_PATH=app_class._BASE_PATH or _getfile(app_class))
    paths = _css_path_type_as_list(app_class.CSS_PATH) if app_class.CSS_PATH else []
    for path in paths:
        filename = os.path.expanduser(_make_path_object_relative(path, holder))
        try:
            with open(filename, encoding="utf-8") as css_file:
                css = css_file.read()
        except (OSError, UnicodeError):  # the app says so as it starts
            continue
        yield css, (os.path.abspath(filename), ""), False, 0, ""
    for cls in _node_classes():
        node = cast(DOMNode, SimpleNamespace(_node_bases=DOMNode._css_bases(cls)))
        for read_from, css, tie_breaker, scope in DOMNode._get_default_css(node):
            yield css, read_from, True, tie_breaker, scope
    if app_class.CSS:
        yield app_class.CSS, (_getfile(app_class), f"{app_class.__name__}.CSS"), False, 0, ""


def _getfile(cls: type) -> str:
    import inspect

    try:
        return inspect.getfile(cls)
    except (TypeError, OSError):
        return ""


def prefill(app_class: type[App[Any]]) -> int:
    """Parse every source of :func:`start_sources` into the process's shared rules, under the
    variables an app has as it starts (the default theme's); how many were parsed anew.

    The rules are what the app itself would parse from the same source under the same
    variables (Textual's parse-cache key is the whole source), so an app started later in this
    process, or forked from it, parses none of them again. A theme chosen later is not parsed
    ahead: Textual 8.2.8 re-parses for a new theme in a stylesheet of its own
    (``Stylesheet.reparse``), which this cache does not reach."""
    variables = App().get_css_variables()
    stylesheet = SharedStylesheet(variables=variables)
    cache = rules_for(variables)
    parsed = 0
    for css, read_from, is_default, tie_breaker, scope in start_sources(app_class):
        key = (css, read_from, is_default, tie_breaker, scope)
        if key in cache:
            continue
        if len(cache) >= SOURCES:  # no room: what is parsed ahead must not push out the rest
            break
        with contextlib.suppress(Exception):  # a bad source is the app's to report
            stylesheet._parse_rules(css, read_from, is_default, tie_breaker, scope)
            parsed += 1
    return parsed


def prefill_explorer() -> None:
    """:func:`prefill` for the explorer (the classroom's fork server calls it by name)."""
    from tui.app.app import ExplorerApp

    prefill(ExplorerApp)


def breakpoint_classes(app: App[Any], screen: Screen[Any]) -> dict[str, bool]:
    """The breakpoint classes ``screen`` has at ``app``'s size, as Textual 8.2.8 gives them at
    a resize (``Screen._on_resize``): each class on or off, the widest (tallest) breakpoint
    the size reaches on."""
    horizontal, vertical = screen.HORIZONTAL_BREAKPOINTS, screen.VERTICAL_BREAKPOINTS
    classes: dict[str, bool] = {}
    for breakpoints, cells in (
        (app.HORIZONTAL_BREAKPOINTS if horizontal is None else horizontal, app.size.width),
        (app.VERTICAL_BREAKPOINTS if vertical is None else vertical, app.size.height),
    ):
        breakpoints = breakpoints or []
        classes.update((name, False) for _, name in breakpoints)
        reached = [(edge, name) for edge, name in breakpoints if cells >= edge]
        if reached:
            classes[max(reached)[1]] = True
    return classes
