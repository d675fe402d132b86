"""``lr-explorer serve``: the explorer in the browsers of a room, on top of textual-serve.

:mod:`~tui.serve.server` (who gets in, the page's addresses, the visitors),
:mod:`~tui.serve.visitor` (one visitor's app, which ends with its visitor),
:mod:`~tui.serve.fork_server` and :mod:`~tui.serve.zygote` (the fork server that forks each
visitor's app with its imports done), :mod:`~tui.serve.ready` (apps started ahead, drawn with
the lesson's first results, for the next visitors),
:mod:`~tui.serve.address` (binding, the room's address), :mod:`~tui.serve.pages` (the no-entry
and room-full pages) and :mod:`~tui.serve.limits` (the defaults and waits).
"""

#: Set to ``1`` in every visitor's app: the explorer's visitor mode (no host files or settings).
VISITOR_ENV = "LR_EXPLORER_VISITOR"
