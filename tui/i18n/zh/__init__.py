"""The Chinese catalogue: every message, by key (see :mod:`tui.i18n`)."""

from __future__ import annotations

from tui.i18n.zh import app, cli, engine

#: Every Chinese message, by key; the parts do not share keys (a test checks).
MESSAGES: dict[str, str] = {**engine.MESSAGES, **cli.MESSAGES, **app.MESSAGES}

#: The parts, for that test.
PARTS = (engine.MESSAGES, cli.MESSAGES, app.MESSAGES)
