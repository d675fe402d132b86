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
from textual.dom import DOMNode

from tui.app.keys import bound_key
from tui.i18n import t


class ExplorerCommands(Provider):
    """Every explorer action, found by words of what it does."""

    def _bindings(self) -> Iterator[tuple[DOMNode, Binding]]:
        """The explorer's bindings (when the palette is open over it), then the app's, each
        with the node it runs on; an id bound in both is the explorer's."""
        from tui.app.screens.explorer import ExplorerScreen

        screen = self.screen
        nodes: list[DOMNode] = [screen] if isinstance(screen, ExplorerScreen) else []
        seen: set[str] = set()
        for node in [*nodes, self.app]:
            for binding in node.BINDINGS:
                if isinstance(binding, Binding) and binding.id and binding.id not in seen:
                    seen.add(binding.id)
                    yield node, binding

    def _commands(self) -> Iterator[tuple[str, str, Callable[[], object]]]:
        app = self.app
        for node, binding in self._bindings():
            if not binding.tooltip or not binding.id:
                continue
            if binding.action == "command_palette":
                continue  # the palette is open already
            title = t(f"key.{binding.id}.tip")  # the class's binding may be in another language
            shown = bound_key(app, binding.id)
            namespace, name, arguments = parse(binding.action)
            target = app if namespace == "app" else node
            # Called directly: the guard that keeps printable keys for a focused text field
            # (check_action) is about keys, and the palette is no key.
            yield (
                title,
                t("palette.key", key=shown),
                partial(getattr(target, f"action_{name}"), *arguments),
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
