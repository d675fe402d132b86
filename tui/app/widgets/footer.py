"""A footer that shows as many whole keys as fit, in the order the bindings list them.

Textual 8.2.8's ``Footer`` lays every key of the focused chain in one row and cuts the row at
the screen's edge: the explorer's 21 keys took 199 cells, so at 120 columns ``s``, ``space``,
``d``, ``e`` and ``?`` were never seen, and the key at the edge showed half its name. Here the
bindings come most important first (see ``ExplorerScreen.BINDINGS``), the palette key keeps its
place on the right, and a key that does not fit whole is not shown (the help and the palette
list them all). A group of keys (``Binding.group``: Textual's keys side by side, then the
group's words) is fitted as one, whole or not at all.
"""

from __future__ import annotations

from typing import cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.compose import compose
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey, FooterLabel, KeyGroup


class FittedFooter(Footer):
    """A compact :class:`~textual.widgets.Footer` that leaves out the keys past its width."""

    # A group's words end with a space, as a key's do (Textual 8.2.8's compact footer gives
    # them none, so the next key's name touched them).
    DEFAULT_CSS = """
    FittedFooter.-compact FooterLabel {
        margin: 0 1 0 0;
    }
    """

    def __init__(self) -> None:
        super().__init__(compact=True)
        self._edges: list[int] = []  # each key's right edge (with its margin), all keys shown
        self._tries = 0  # how often the keys were found not laid out yet
        self._composed: tuple[object, ...] | None = None  # what the keys on show were made of

    def compose(self) -> ComposeResult:
        """Textual's keys, in the order the focused chain's classes declare their bindings.

        Textual 8.2.8 lists a binding the user's keymap moved to another key after all the
        others (``BindingsMap.apply_keymap`` deletes it and adds it at the end), so a rebound
        ``play`` fell off the end of the row."""
        # Composed here (Textual's compose), so that a group's keys are inside its KeyGroup;
        # a group's words (a FooterLabel after it) go with it.
        units: list[list[Widget]] = []
        for widget in compose(self, super().compose()):
            if isinstance(widget, FooterLabel) and units and isinstance(units[-1][0], KeyGroup):
                units[-1].append(widget)
            else:
                units.append([widget])
        rank: dict[str, int] = {}
        for namespace, _ in self.screen._modal_binding_chain:
            for _, binding in namespace._bindings:
                rank.setdefault(binding.action, len(rank))

        def first(unit: list[Widget]) -> int:
            head = unit[0]
            if isinstance(head, KeyGroup):  # its keys, not mounted yet
                head = head._pending_children[0]
            return rank.get(cast(FooterKey, head).action, len(rank))

        for unit in sorted(units, key=first):
            self._compact_from_start(unit)
            yield from unit

    def _compact_from_start(self, unit: list[Widget]) -> None:
        """Give the keys of ``unit`` (a key, or a group and its words) the footer's compact
        class before they mount: Textual 8.2.8 gives it as each key mounts
        (``FooterKey._watch_compact``), which styled each of the 21 keys again at every start."""
        for widget in unit:
            keys = widget._pending_children if isinstance(widget, KeyGroup) else [widget]
            for footer_key in keys:
                if isinstance(footer_key, FooterKey):
                    footer_key.set_class(self.compact, "-compact", update=False)

    def _signature(self) -> tuple[object, ...]:
        """Everything :meth:`compose` makes the keys of: each binding shown (and the palette's)
        with its key's name and whether it is enabled, in the order :meth:`compose` gives
        them, and the footer's options."""
        if not self._bindings_ready:
            return ()
        screen = self.screen
        active = screen.active_bindings
        rank: dict[str, int] = {}
        for namespace, _ in screen._modal_binding_chain:
            for _, binding in namespace._bindings:
                rank.setdefault(binding.action, len(rank))
        rows: list[tuple[Binding, str, bool, str]] = sorted(
            (
                (binding, self.app.get_key_display(binding), enabled, tooltip)
                for (_, binding, enabled, tooltip) in active.values()
                if binding.show
            ),
            key=lambda row: rank.get(row[0].action, len(rank)),
        )
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        return (tuple(rows), palette and palette[1:], self.compact, self.show_command_palette)

    async def recompose(self) -> None:
        """Make the keys anew, then fit them; unless they would be the same keys.

        Textual 8.2.8 recomposes the footer on every change of focus: 20 keys removed, made,
        mounted and laid out again (over 70 ms of CPU a key here), although moving between
        the chart and the log changes none of them."""
        if not self.is_attached or self._pruning:
            return  # as Widget.recompose (Textual 8.2.8): a footer being removed has no screen
        signature = self._signature()
        if signature == self._composed and self.children:
            return
        self._composed = signature
        self._edges, self._tries = [], 0
        await super().recompose()
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        """Fit the keys to the new width."""
        self._fit()

    def _keys(self) -> list[list[Widget]]:
        """The keys but the palette's, in order: a key alone, or a group and its words."""
        units: list[list[Widget]] = []
        for widget in self.children:
            if isinstance(widget, FooterLabel) and units and isinstance(units[-1][0], KeyGroup):
                units[-1].append(widget)
            elif isinstance(widget, KeyGroup) or (
                isinstance(widget, FooterKey) and not widget.has_class("-command-palette")
            ):
                units.append([widget])
        return units

    def _fit(self) -> None:
        keys = self._keys()
        if not keys:
            return
        if len(self._edges) != len(keys):  # measured once per composition, all keys shown
            if not all(k.display for unit in keys for k in unit):
                return
            if any(k.virtual_region.width == 0 for unit in keys for k in unit):  # not laid out
                self._tries += 1
                if self._tries < 10:
                    self.call_after_refresh(self._fit)
                return
            self._edges = [unit[-1].virtual_region_with_margin.right for unit in keys]
        palette = [k for k in self.query_children(FooterKey) if k.has_class("-command-palette")]
        room = self.size.width - sum(k.outer_size.width for k in palette)
        for unit, edge in zip(keys, self._edges, strict=True):
            for widget in unit:
                widget.display = edge <= room

    def shown(self) -> list[FooterKey]:
        """The keys on show, in order, a group's one by one (the palette's last, if it is
        there)."""
        palette = [k for k in self.query_children(FooterKey) if k.has_class("-command-palette")]
        keys: list[FooterKey] = []
        for head, *_ in self._keys():
            if head.display:
                keys += [head] if isinstance(head, FooterKey) else head.query_children(FooterKey)
        return keys + palette
