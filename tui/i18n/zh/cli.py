"""cli messages of the zh catalogue."""

MESSAGES: dict[str, str] = {}
