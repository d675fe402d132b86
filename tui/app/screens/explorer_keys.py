"""The explorer's keys, most used first: the footer shows as many whole keys as fit, in this
order; all of them are in the help and the command palette (their words are the catalogue's
``key.<id>``, see :func:`tui.app.keys.key`)."""

from __future__ import annotations

from textual.binding import BindingType

from tui.app.keys import key

#: A class's first minute comes first: 1 2 3, play, pin, the range test, demo, help.
EXPLORER_BINDINGS: list[BindingType] = [
    key("1", "preset(1)", "preset-1"),
    key("2", "preset(2)", "preset-2"),
    key("3", "preset(3)", "preset-3"),
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
    # The losses of two parameters (tui.model.params.PRESETS): in the help and the palette.
    key("4", "preset(4)", "preset-4", show=False),
    key("5", "preset(5)", "preset-5", show=False),
    key("6", "preset(6)", "preset-6", show=False),
    key("7", "preset(7)", "preset-7", show=False),
    key("8", "preset(8)", "preset-8", show=False),
    key("9", "race", "race", show=False),
]
