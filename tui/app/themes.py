"""The explorer's own theme: high contrast, for projectors and for eyes that need it."""

from __future__ import annotations

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
