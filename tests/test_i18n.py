"""The catalogues: the same keys and placeholders in every language, and the locale default."""

from __future__ import annotations

import pickle
import re
import string

import pytest

from tui import i18n
from tui.i18n import LANGUAGES, Msg, catalogue, locale_language, msg, t


def placeholders(template: str) -> set[str]:
    """The names of ``template``'s ``{placeholders}``."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_every_language_has_the_same_keys() -> None:
    keys = {code: set(catalogue(code)) for code in LANGUAGES}
    for code in LANGUAGES:
        assert keys[code] == keys["en"], (code, keys[code] ^ keys["en"])


def test_every_message_has_the_same_placeholders_in_every_language() -> None:
    for key, template in catalogue("en").items():
        for code in LANGUAGES:
            assert placeholders(catalogue(code)[key]) == placeholders(template), (code, key)


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_parts_of_a_catalogue_share_no_key(code: str) -> None:
    import importlib

    parts = importlib.import_module(f"tui.i18n.{code}").PARTS
    assert sum(len(part) for part in parts) == len(catalogue(code))


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_TW.UTF-8"}, "zh"),
        ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, "en"),
        ({"LANGUAGE": "zh_CN:en", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LANGUAGE": "", "LC_ALL": "", "LANG": "zh_CN.UTF-8"}, "zh"),
    ],
)
def test_the_default_language_comes_from_the_locale(environ: dict, expected: str) -> None:
    assert locale_language(environ) == expected


def test_a_message_is_shown_in_the_language_of_the_moment() -> None:
    message = msg("i18n.unknown", code="fr", known="en, zh")
    assert pickle.loads(pickle.dumps(message)) == message
    i18n.set_language("en")
    english = str(message)
    i18n.set_language("zh")
    chinese = f"{message}"
    assert english == "unknown language 'fr' (one of en, zh)"
    assert chinese != english and "fr" in chinese
    assert isinstance(message, Msg)


def test_an_unknown_language_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'fr'"):
        i18n.set_language("fr")
    assert i18n.language() == "en"
    assert t("i18n.unknown", code="x", known="y").startswith("unknown language")


def test_words_drawn_by_plotext_take_one_cell_a_character() -> None:
    """plotext places text by characters, so a wide (Chinese) character would push the rest of
    its line, and the chart's frame, out of place: words on a plot stay narrow in every
    language, and the Chinese UI writes its words in Textual's widgets instead."""
    from rich.cells import cell_len

    for code in LANGUAGES:
        for key, text in catalogue(code).items():
            if key.startswith("plot."):
                assert cell_len(text) == len(text), (code, key, text)


def test_chinese_prose_has_full_width_punctuation() -> None:
    """No ASCII comma, colon or semicolon against a Chinese character, and no ASCII parentheses
    around Chinese words, in any Chinese message or the Chinese help (code spans aside)."""
    import re

    from tui.i18n import _page

    texts = dict(catalogue("zh"))
    texts["help.md"] = re.sub(r"`[^`]*`", "", _page("zh", "help.md"))
    for key, text in texts.items():
        prose = re.sub(r"\{[^}]*\}|'[^']*'", "", text)
        assert not re.search(r"[\u4e00-\u9fff][,:;]|[,:;] ?[\u4e00-\u9fff]", prose), (key, text)
        assert not re.search(r"\([^()]*[\u4e00-\u9fff][^()]*\)", prose), (key, text)


#: Chinese entries that are the English ones, letter for letter: symbols and numbers only.
SAME_IN_BOTH = {
    "key.preset-1",  # lr 0.01
    "key.preset-2",  # lr 0.99
    "key.lr-up",  # lr+
    "key.lr-down",  # lr-
    "key.sweep-left-10",  # -10
    "key.sweep-right-10",  # +10
    "readout.w",  # w
    "readout.w1",  # w1
    "readout.w2",  # w2
    "readout.loss",  # loss
    "export.csv",  # CSV
    "export.json",  # JSON
}

#: Chinese entries with no Chinese character nor full-width punctuation: the above, the
#: switch's "English", a separator, the name XLA, and the words plotext draws (``plot.*``,
#: one cell a character: see the test above)...
NO_CHINESE = SAME_IN_BOTH | {"key.language", "sweep.comma", "result.backend.xla"}
# ... and three optimizers' own names, which Chinese texts write as they are.
NO_CHINESE |= {"choice.adagrad", "choice.rmsprop", "choice.adam"}


def test_every_chinese_entry_is_translated_but_a_named_few() -> None:
    """An entry copied from the English catalogue, or left in English, is caught here, by key
    (the screen test would see it only where it is shown)."""
    english, chinese = catalogue("en"), catalogue("zh")
    same = {key for key in english if chinese[key] == english[key]}
    assert same == SAME_IN_BOTH, sorted(same ^ SAME_IN_BOTH)
    for key, text in chinese.items():
        prose = "".join(part for part, *_ in string.Formatter().parse(text))  # no {names}
        if key in NO_CHINESE or key.startswith("plot."):
            continue
        # a Chinese character, or full-width punctuation (``{name}：{reason}``)
        assert re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", prose), (key, text)
