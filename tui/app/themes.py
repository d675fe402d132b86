"""The explorer's own theme: high contrast, for projectors and for eyes that need it."""

from __future__ import annotations

from textual.app import App
from textual.theme import Theme

#: Black and white, with pure yellow and cyan for focus and accents; no mid-grey text.
HIGH_CONTRAST = Theme(
    name="lr-high-contrast",
    primary="#ffff00",
    secondary="#00ffff",
    accent="#ffff00",
    warning="#ffaa00",
    error="#ff5555",
    success="#00ff00",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#000000",
    boost="#ffffff",
    dark=True,
    luminosity_spread=0.0,
    text_alpha=1.0,
    variables={
        "text-muted": "#ffffff",
        "border-blurred": "#ffffff",
        "border": "#ffff00",
        "footer-key-foreground": "#ffff00",
        "input-selection-background": "#ffff00 40%",
    },
)


class ThemeLookup(App[None]):
    """An app that looks its theme up once per name.

    Textual 8.2.8 looks the current theme up by name at every use (``current_theme``, asked
    for twice for every line a widget draws, through ``ansi_theme`` and ``native_ansi_color``):
    each lookup splits the name and copies the registry of themes (``available_themes``). The
    theme found is kept until the registry or the name changes."""

    _found: tuple[str, Theme | None] | None = None

    def register_theme(self, theme: Theme) -> None:
        self._found = None
        super().register_theme(theme)

    def unregister_theme(self, theme_name: str) -> None:
        self._found = None
        super().unregister_theme(theme_name)

    def get_theme(self, theme_name: str) -> Theme | None:
        found = self._found
        if found is not None and found[0] == theme_name:
            return found[1]
        theme = super().get_theme(theme_name)
        self._found = (theme_name, theme)
        return theme
