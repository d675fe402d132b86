"""engine messages of the en catalogue."""

MESSAGES: dict[str, str] = {
    "i18n.unknown": "unknown language {code!r} (one of {known})",
}
