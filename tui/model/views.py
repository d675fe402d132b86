"""The chart's views."""

from __future__ import annotations

#: The chart views, in the order the view key cycles through them.
VIEWS = ("loss+w", "all", "loss", "w", "lr", "path")
