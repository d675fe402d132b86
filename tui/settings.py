"""What the user changed and keeps between sessions (theme, language, keys), in the config folder.

The folder is ``platformdirs.user_config_dir("lr-explorer")`` (``~/.config/lr-explorer`` on
Linux), or ``$LR_EXPLORER_CONFIG_DIR`` if set. The file is small JSON, written atomically, and
read by the strict reader (:mod:`tui.strict_json`): one that cannot be read (too big, nested too
deep, a huge number, not a regular file: a FIFO is never waited on) is left alone and the
defaults are used, with a message saying why.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

from tui import strict_json
from tui.files import write_atomic
from tui.i18n import LANGUAGES, t

#: The application name the config folder is named after.
APP_NAME = "lr-explorer"

#: The settings file's name in that folder.
FILE_NAME = "settings.json"

#: A settings file is a few lines; anything bigger is not ours.
MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class Settings:
    """The kept settings; ``None`` means the default.

    ``language`` is ``en`` or ``zh`` (``None``: the locale's). ``keys`` maps binding ids (as
    the help and the README list them, e.g. ``play``) to keys (``k``, ``ctrl+k``, or several
    separated by commas), Textual's keymap.
    """

    theme: str | None = None
    language: str | None = None
    keys: dict[str, str] | None = None


def config_dir() -> Path:
    """The folder the settings live in."""
    return Path(os.environ.get("LR_EXPLORER_CONFIG_DIR") or platformdirs.user_config_dir(APP_NAME))


def settings_path() -> Path:
    """The settings file."""
    return config_dir() / FILE_NAME


def load() -> tuple[Settings, str | None]:
    """The kept settings, and why they could not be read (``None`` if all is well)."""
    path = settings_path()
    try:
        data = strict_json.load(path, max_bytes=MAX_BYTES)
    except FileNotFoundError:
        return Settings(), None
    except OSError as err:
        return Settings(), t("settings.ignored", path=path, why=err.strerror)
    except strict_json.StrictJSONError as err:
        return Settings(), t("settings.ignored", path=path, why=err)
    if not isinstance(data, dict) or not set(data) <= {f.name for f in fields(Settings)}:
        return Settings(), t("settings.ignored", path=path, why=t("settings.foreign"))
    theme, language, keys = data.get("theme"), data.get("language"), data.get("keys")
    if theme is not None and not isinstance(theme, str):
        return Settings(), t("settings.ignored", path=path, why=t("settings.theme"))
    if language is not None and language not in LANGUAGES:
        why = t("settings.language", known=", ".join(LANGUAGES))
        return Settings(), t("settings.ignored", path=path, why=why)
    if keys is not None and not (
        isinstance(keys, dict) and all(isinstance(v, str) for v in keys.values())
    ):
        return Settings(), t("settings.ignored", path=path, why=t("settings.keys"))
    return Settings(theme, language, keys), None


class NotKept(Exception):
    """The settings file is there but could not be read, so it is not replaced: what the user
    wrote in it would be lost. The text says which file."""


def update(**changes: Any) -> None:
    """Keep ``changes`` (fields of :class:`Settings`) on top of the settings kept so far.

    Raises :class:`NotKept` if the file cannot be read (it is left as it is), ``OSError`` if it
    cannot be written.
    """
    kept, problem = load()
    if problem is not None:
        raise NotKept(t("settings.not_replaced", path=settings_path()))
    save(replace(kept, **changes))


def save(settings: Settings) -> None:
    """Keep ``settings`` (atomically; the folder is made if need be)."""
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, (json.dumps(asdict(settings), indent=2) + "\n").encode())
