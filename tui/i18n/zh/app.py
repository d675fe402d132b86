"""app messages of the zh catalogue: the explorer's labels, messages and statuses."""

MESSAGES: dict[str, str] = {
    # settings
    "settings.ignored": "已忽略设置:{path}:{why}",
    "settings.foreign": "不是 lr-explorer 的设置文件",
    "settings.theme": "theme 必须是主题名称",
    "settings.language": "language 必须是 {known} 之一",
    "settings.keys": "keys 必须把绑定 id 映射到按键",
}
