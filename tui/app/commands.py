"""The command palette's explorer commands: one per binding, named by its tooltip.

Each of the explorer's bindings becomes a command, so the palette and the footer never
disagree and no action is described twice: the title is the binding's tooltip, the help its
key (as rebound by the user's keymap, if they did).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.actions import parse
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.i18n import t


class ExplorerCommands(Provider):
    """Every explorer action, found by words of what it does."""

    def _commands(self) -> Iterator[tuple[str, str, Callable[[], object]]]:
        app = self.app
        keymap = getattr(app, "_keymap", {})
        for binding in app.BINDINGS:
            if not isinstance(binding, Binding) or not binding.id or not binding.tooltip:
                continue
            if binding.action == "command_palette":
                continue  # the palette is open already
            title = t(f"key.{binding.id}.tip")  # the class's binding may be in another language
            key = keymap.get(binding.id, binding.key).split(",")[0]
            shown = app.get_key_display(Binding(key, ""))
            _, name, arguments = parse(binding.action)
            # Called directly: the guard that keeps printable keys for a focused text field
            # (check_action) is about keys, and the palette is no key.
            yield (
                title,
                t("palette.key", key=shown),
                partial(getattr(app, f"action_{name}"), *arguments),
            )

    async def discover(self) -> Hits:
        """All of them, when nothing is typed yet."""
        for title, help_text, command in self._commands():
            yield DiscoveryHit(title, command, help=help_text)

    async def search(self, query: str) -> Hits:
        """Those whose title matches what is typed, best first."""
        matcher = self.matcher(query)
        for title, help_text, command in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), command, help=help_text)
