"""The classroom server's numbers: how many visitors, how long an app is given to end.

Kept apart from the server (stdlib only), so that the command line reads the defaults without
loading aiohttp or textual-serve.
"""

from __future__ import annotations

#: Visitors at once, by default: a class of about thirty and some room to spare. Each visitor
#: runs an explorer process of their own on the room's one engine (about 30 MiB added when
#: forked by the fork server, 45 MiB started afresh), so forty fit a small machine;
#: ``--max-visitors`` sets another number.
MAX_VISITORS = 40

#: The terminal size a page asks for is its browser window's; beyond this it is nonsense.
MAX_CELLS = 1000

#: Seconds a visitor's app is given to quit when asked, before it is terminated.
QUIT_WAIT = 1.5

#: Seconds a terminated app is given before its process group is killed.
TERM_WAIT = 1.0

#: Seconds to wait for an app's output to end once its group is killed.
DRAIN_WAIT = 2.0

#: Seconds aiohttp gives the visitors' handlers at shutdown, before it cancels them: longer
#: than a visitor's app takes to stop (QUIT_WAIT + TERM_WAIT + DRAIN_WAIT).
SHUTDOWN_TIMEOUT = 10.0

#: Seconds a visitor's app waits for the fork server to be ready (its imports done) before it
#: is started without it.
ZYGOTE_READY_WAIT = 10.0

#: Seconds the fork server is given to answer a request (a fork takes milliseconds).
ZYGOTE_ANSWER_WAIT = 5.0

#: Seconds before a fork server that failed is replaced, doubling to the most.
ZYGOTE_RESTART_FIRST = 1.0
ZYGOTE_RESTART_MOST = 60.0

#: Explorer apps the room keeps started, each ready for the next visitor (see
#: :mod:`tui.serve.ready`): a class of about thirty arriving at once then find theirs drawn,
#: with the lesson's first results. Each holds about 30 MiB (PSS) while it waits, and almost
#: no CPU (~0.003 of a core). At most ``--max-visitors`` of them.
READY_APPS = 30

#: The terminal size ready apps start at before any visitor came (textual-serve's default);
#: then the last visitor's (a room's browsers tend to be alike). A visitor of another size gets
#: theirs redrawn at once, which costs about a third of a start.
READY_SIZE = (80, 24)

#: The most terminal output a ready app may write before its visitor comes (its first screen
#: and results take about 60 KB at 80x24); one that writes more is ended and replaced.
READY_OUTPUT_MOST = 4 << 20

#: Seconds of silence (no output) after which a ready app counts as drawn.
READY_SETTLE = 0.5

#: Ready apps started at once, not yet drawn (one a core: the first ones are ready soonest).
READY_AT_ONCE = 2

#: Seconds the room must have been quiet (no visitor arriving or typing, no visitor's app
#: drawing) before another ready app is started in place of one taken: making one costs about
#: 0.3 CPU-seconds, which a class busy on two cores should not pay.
READY_QUIET = 2.0

#: Seconds between two looks at the ready apps (ended ones replaced, new ones started).
READY_TICK = 0.25
