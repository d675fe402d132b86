"""A footer that shows as many whole keys as fit, in the order the bindings list them.

Textual 8.2.8's ``Footer`` lays every key of the focused chain in one row and cuts the row at
the screen's edge: the explorer's 21 keys took 199 cells, so at 120 columns ``s``, ``space``,
``d``, ``e`` and ``?`` were never seen, and the key at the edge showed half its name. Here the
bindings come most important first (see ``ExplorerScreen.BINDINGS``), the palette key keeps its
place on the right, and a key that does not fit whole is not shown (the help and the palette
list them all).
"""

from __future__ import annotations

from typing import cast

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class FittedFooter(Footer):
    """A compact :class:`~textual.widgets.Footer` that leaves out the keys past its width."""

    def __init__(self) -> None:
        super().__init__(compact=True)
        self._edges: list[int] = []  # each key's right edge (with its margin), all keys shown
        self._tries = 0  # how often the keys were found not laid out yet

    def compose(self) -> ComposeResult:
        """Textual's keys, in the order the focused chain's classes declare their bindings.

        Textual 8.2.8 lists a binding the user's keymap moved to another key after all the
        others (``BindingsMap.apply_keymap`` deletes it and adds it at the end), so a rebound
        ``play`` fell off the end of the row."""
        made = list(super().compose())
        if not all(isinstance(widget, FooterKey) for widget in made):
            yield from made  # groups of keys (none here): Textual's order
            return
        rank: dict[str, int] = {}
        for namespace, _ in self.screen._modal_binding_chain:
            for _, binding in namespace._bindings:
                rank.setdefault(binding.action, len(rank))
        yield from sorted(made, key=lambda k: rank.get(cast(FooterKey, k).action, len(rank)))

    async def recompose(self) -> None:
        """Make the keys anew (Textual does on every change of focus), then fit them."""
        self._edges, self._tries = [], 0
        await super().recompose()
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        """Fit the keys to the new width."""
        self._fit()

    def _keys(self) -> list[FooterKey]:
        return [k for k in self.query_children(FooterKey) if not k.has_class("-command-palette")]

    def _fit(self) -> None:
        keys = self._keys()
        if not keys:
            return
        if len(self._edges) != len(keys):  # measured once per composition, all keys shown
            if not all(k.display for k in keys):
                return
            if any(k.virtual_region.width == 0 for k in keys):  # not laid out yet
                self._tries += 1
                if self._tries < 10:
                    self.call_after_refresh(self._fit)
                return
            self._edges = [k.virtual_region_with_margin.right for k in keys]
        palette = [k for k in self.query_children(FooterKey) if k.has_class("-command-palette")]
        room = self.size.width - sum(k.outer_size.width for k in palette)
        for footer_key, edge in zip(keys, self._edges, strict=True):
            footer_key.display = edge <= room

    def shown(self) -> list[FooterKey]:
        """The keys on show, in order (the palette's last, if it is there)."""
        palette = [k for k in self.query_children(FooterKey) if k.has_class("-command-palette")]
        return [k for k in self._keys() if k.display] + palette
