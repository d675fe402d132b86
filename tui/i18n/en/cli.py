"""cli messages of the en catalogue."""

MESSAGES: dict[str, str] = {}
