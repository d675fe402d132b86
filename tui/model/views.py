"""The chart's views."""

from __future__ import annotations

#: The chart views, in the order the view key cycles through them.
VIEWS = ("loss+w", "all", "loss", "w", "lr", "path", "landscape")

#: The views of a loss of one parameter and of two, in the order the view key cycles through
#: them: the path (the loss against w) is for one; the landscape (level lines over w1, w2) for
#: two, where it comes first.
VIEWS_FOR: dict[int, tuple[str, ...]] = {
    1: ("loss+w", "all", "loss", "w", "lr", "path"),
    2: ("landscape", "loss+w", "all", "loss", "w", "lr"),
}


def views_for(count: int) -> tuple[str, ...]:
    """The views of a loss of ``count`` parameters (1 or 2)."""
    return VIEWS_FOR[2 if count == 2 else 1]


def default_view(count: int) -> str:
    """The view a loss of ``count`` parameters opens on."""
    return views_for(count)[0]


def next_view(view: str, count: int) -> str:
    """The view after ``view`` for a loss of ``count`` parameters (the first if it has none)."""
    views = views_for(count)
    return views[(views.index(view) + 1) % len(views)] if view in views else views[0]
