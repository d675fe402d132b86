"""Styling an app for its first frame once, not several times over.

:class:`SharedStylesheet` is Textual's stylesheet with its parsed rules kept for the whole
process rather than for one app; :func:`breakpoint_classes` gives a screen its breakpoints'
classes before Textual would (at its first resize, which styles the whole screen again).

Textual 8.2.8 parses the app's CSS file and every widget class's ``DEFAULT_CSS`` again for each
app it starts (``Stylesheet._parse_cache`` belongs to the app's own stylesheet): about 40
sources for the explorer, parsed again by every test's app. The rules
parsed from a source depend only on the source and the CSS variables (the theme's colours, which
the parser substitutes), so :class:`SharedStylesheet` keeps them by variables for every app of
the process. Textual reuses parsed rules the same way within one app (its parse cache, across
the re-parses each newly mounted widget class causes); the rules are only read once parsed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.app import App
from textual.cache import LRUCache
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet
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
