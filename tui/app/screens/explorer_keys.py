"""The explorer's keys, most used first: the footer shows as many whole keys as fit, in this
order; all of them are in the help and the command palette (their words are the catalogue's
``key.<id>``, see :func:`tui.app.keys.key`)."""

from __future__ import annotations

from textual.binding import BindingType

from tui.app.keys import key

#: A class's first minute comes first: the presets (the lesson's 1 2 3, then the losses of two
#: parameters and the race), play, pin, the range test, demo, help. The presets are one group
#: in the footer, ``123456789 presets``: their nine names would fill a row of 80 columns (each
#: one's words are its tooltip there, and in the help and the palette).
EXPLORER_BINDINGS: list[BindingType] = [
    key("1", "preset(1)", "preset-1", group="presets"),
    key("2", "preset(2)", "preset-2", group="presets"),
    key("3", "preset(3)", "preset-3", group="presets"),
    # The losses of two parameters (tui.model.params.PRESETS) and the race.
    key("4", "preset(4)", "preset-4", group="presets"),
    key("5", "preset(5)", "preset-5", group="presets"),
    key("6", "preset(6)", "preset-6", group="presets"),
    key("7", "preset(7)", "preset-7", group="presets"),
    key("8", "preset(8)", "preset-8", group="presets"),
    key("9", "race", "race", group="presets"),
    key("space", "play", "play"),
    key("p", "pin", "pin"),
    key("s", "sweep", "sweep"),
    key("d", "demo", "demo"),
    # help, session and restart-engine are the app's too (for the other screens); here
    # they keep their place in the footer, among the explorer's own keys.
    key("question_mark,f1", "app.help", "help"),
    key("f", "focus_fields", "focus-fields"),
    key("e", "export", "export"),
    key("ctrl+s", "app.session", "session"),
    key("ctrl+l", "language", "language"),
    key("v", "cycle_view", "view"),
    key("l", "toggle_log", "log-scale"),
    key("plus,equals_sign", "nudge_lr(1)", "lr-up"),
    key("minus", "nudge_lr(-1)", "lr-down"),
    key("m", "mirror", "mirror"),
    key("t", "focus_table", "focus-table"),
    key("x", "unpin", "unpin"),
    key("X", "clear_pins", "clear-pins"),
    key("c", "focus_chart", "focus-chart", show=False),
    key("comma", "step(-1)", "step-back", show=False),
    key("full_stop", "step(1)", "step-on", show=False),
    key("left_square_bracket", "play_start", "play-start", show=False),
    key("right_square_bracket", "play_end", "play-end", show=False),
    key("less_than_sign", "speed(-1)", "slower", show=False),
    key("greater_than_sign", "speed(1)", "faster", show=False),
    key("ctrl+r", "app.restart_engine", "restart-engine", show=False),
]
