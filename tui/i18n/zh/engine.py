"""engine messages of the zh catalogue."""

MESSAGES: dict[str, str] = {
    "i18n.unknown": "未知的语言 {code!r}(可选:{known})",
}
