"""app messages of the en catalogue: the explorer's labels, messages and statuses."""

MESSAGES: dict[str, str] = {
    # settings
    "settings.ignored": "settings ignored: {path}: {why}",
    "settings.foreign": "not lr-explorer's settings",
    "settings.theme": "theme must be a name",
    "settings.language": "language must be one of {known}",
    "settings.keys": "keys must map binding ids to keys",
}
