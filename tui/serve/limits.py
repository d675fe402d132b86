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
