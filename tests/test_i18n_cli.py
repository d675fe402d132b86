"""``lr-explorer`` in Chinese and English: ``--lang``, the kept setting and the locale choose the
language before the parser is built, so the help and the errors are in it; the seed's bytes are
the same in both."""

from __future__ import annotations

import errno
import json
import os
import re
from pathlib import Path

import pytest
from rich.cells import cell_len

from tui import cli, export, i18n, summary
from tui.cli import argparse_i18n
from tui.engine.losses import FUNCTIONS, SEED_LOSS
from tui.engine.spec import MAX_EPOCHS, ParameterError, parse_number
from tui.files import whole
from tui.i18n import catalogue

#: The arguments of the help texts that have placeholders.
HELP_ARGS: dict[str, dict[str, object]] = {
    "cli.help.epochs": {"most": MAX_EPOCHS, "default": 20},
    "cli.help.loss": {"default": SEED_LOSS, "functions": ", ".join(FUNCTIONS)},
    # The defaults the parameter table gives (tests/test_model.py checks that they are its).
    "cli.help.w0": {"default": 5},
    "cli.help.decay_steps": {"decay_steps": 1, "steps": 100},
    "cli.help.alpha": {"default": 0},
    "cli.help.warmup": {"default": 0},
    "cli.help.beta": {"default": 0.9},
}

#: The catalogue's help texts: descriptions, option helps, group titles and the epilog.
HELP_KEYS = [
    key
    for key in catalogue("en")
    if key.startswith(("cli.help.", "cli.group.", "cli.run.", "cli.serve.", "cli.epilog."))
    or key == "cli.description"
]


def text(code: str, key: str, **args: object) -> str:
    """A catalogue text (the tests never write the translations out themselves)."""
    template = catalogue(code)[key]
    return template.format(**args) if args else template


def words(value: str) -> str:
    """``value`` without its whitespace: help text is wrapped, Chinese between characters."""
    return "".join(value.split())


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """Run ``lr-explorer`` in this process; return (status, stdout, stderr)."""
    try:
        status = cli.main(argv)
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def help_text(argv: list[str], capsys) -> str:
    """What ``argv`` (with ``--help``) prints."""
    status, out, err = run_cli([*argv, "--help"], capsys)
    assert (status, err) == (0, ""), err
    return out


@pytest.fixture
def no_locale(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A machine whose locale names no language."""
    for name in i18n.LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def chinese_locale(no_locale: pytest.MonkeyPatch) -> None:
    """A machine whose locale is Chinese (``LANG`` only, as most are set up)."""
    no_locale.setenv("LANG", "zh_CN.UTF-8")


def keep_language(folder: Path, code: str) -> None:
    """A kept settings file with ``language`` = ``code``, as the explorer writes it."""
    settings = {"theme": None, "language": code, "keys": None}
    (folder / "settings.json").write_text(json.dumps(settings), encoding="utf-8")


# ------------------------------------------------------------------------------------------
# The help
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["run"], ["serve"]])
def test_help_in_chinese_has_no_english_help_sentence(command: list[str], capsys) -> None:
    out = help_text([*command, "--lang", "zh"], capsys)
    assert out.startswith(text("zh", "cli.usage") + " ".join(["lr-explorer", *command]))
    for key in ("cli.help.help", "cli.help.lang", "cli.group.options", "cli.group.parameters"):
        assert words(text("zh", key)) in words(out), key
    flat = words(out)
    for key in HELP_KEYS:
        english = words(text("en", key, **HELP_ARGS.get(key, {})))
        assert english not in flat, key
    for english in ("usage:", "options:", "show this help", "positional arguments", "default"):
        assert english not in out
    heading = text("zh", "cli.heading", title=text("zh", "cli.group.options"))
    assert f"\n{heading}\n" in out, "the heading's colon is the catalogue's"


def test_run_help_in_chinese_has_the_chinese_description_formats_and_epilog(capsys) -> None:
    out = words(help_text(["run", "--lang", "zh"], capsys))
    for key in ("cli.run.description", "cli.help.format", "cli.epilog.schedules"):
        assert words(text("zh", key)) in out, key
    assert words(text("zh", "cli.epilog.rates")) in out
    assert "tf.keras.optimizers.schedules.CosineDecay" in out, "code names stay as they are"
    assert words(text("zh", "cli.help.epochs", **HELP_ARGS["cli.help.epochs"])) in out


def test_top_level_help_in_chinese_names_the_commands(capsys) -> None:
    out = words(help_text(["--lang", "zh"], capsys))
    for key in ("cli.description", "cli.run.help", "cli.serve.help", "cli.group.positionals"):
        assert words(text("zh", key)) in out, key


def test_chinese_help_is_wrapped_by_the_columns_it_takes(
    capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = help_text(["run", "--lang", "zh"], capsys)
    body, epilog = out.split(text("zh", "cli.epilog.schedules"))
    for line in body.splitlines():
        if not line.lstrip().startswith(("[", "--schedule {", text("zh", "cli.usage"))):
            assert cell_len(line) <= 78, line
    ours = {
        line.strip()
        for key in HELP_KEYS
        if key.startswith("cli.epilog.")
        for line in text("zh", key).splitlines()
    }
    checked = [line for line in epilog.splitlines() if line.strip() in ours]
    assert len(checked) >= 4
    assert all(cell_len(line) <= 88 for line in checked), checked
    # The formulas' lines too (their words come from the engine's catalogue), as in English.
    formulas = [line for line in epilog.splitlines() if line.startswith("  ") and "  " in line[2:]]
    assert len(formulas) >= 8
    assert all(cell_len(line) <= 88 for line in formulas), formulas


@pytest.mark.parametrize("columns", ["60", "80", "1000"])
def test_the_chinese_usage_lines_up_under_the_wide_prefix(
    capsys, monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    """At any terminal width (argparse reads ``COLUMNS``), every line the usage wraps onto
    starts under the first option, past the prefix's full width in columns; a width that fits
    it all keeps it on one line."""
    monkeypatch.setenv("COLUMNS", columns)
    lines = help_text(["run", "--lang", "zh"], capsys).splitlines()
    usage = lines[: lines.index("")]
    first = text("zh", "cli.usage") + "lr-explorer run "
    assert usage[0].startswith(first + "[-h]")
    assert (len(usage) == 1) == (columns == "1000"), usage
    for line in usage[1:]:
        assert len(line) - len(line.lstrip()) == cell_len(first), line
        assert line.lstrip().startswith("["), line


def test_english_help_keeps_argparse_words(capsys) -> None:
    out = help_text(["run", "--lang", "en"], capsys)
    assert out.startswith("usage: lr-explorer run")
    assert "options:" in out and "show this help message and exit" in out
    assert not re.search(r"[\u4e00-\u9fff]", out.split("--format")[0]), "no Chinese in English"


def test_chinese_prose_has_full_width_punctuation() -> None:
    for key, value in catalogue("zh").items():
        if not key.startswith("cli."):
            continue
        assert value != catalogue("en")[key], key
        prose = re.sub(r"\{[^}]*\}|'[^']*'", "", value)
        # no ASCII comma, colon or semicolon next to a Chinese character, nor ASCII
        # parentheses around Chinese words (code such as floor(s / T) or 100,500 keeps them)
        assert not re.search(r"[\u4e00-\u9fff][,:;]|[,:;] ?[\u4e00-\u9fff]", prose), key
        assert not re.search(r"\([^()]*[\u4e00-\u9fff][^()]*\)", prose), key


def test_wrap_breaks_chinese_between_characters_never_before_closing_punctuation() -> None:
    sentence = text("zh", "cli.serve.description")
    for width in (20, 31, 50):
        lines = cli.wrap(sentence, width)
        assert all(cell_len(line) <= width for line in lines), lines
        assert "".join(lines).replace(" ", "") == sentence.replace(" ", "")
        assert not any(line[0] in argparse_i18n._NO_LINE_START for line in lines), lines
    assert cli.wrap("a few plain words", 9) == ["a few", "plain", "words"]
    assert cli.wrap("学习率 lr,>= 0", 6) == ["学习率", "lr,>=", "0"]


# ------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------


def chinese_error(prog: str, option: str, reason: str) -> str:
    """The one line a refused argument gives in Chinese."""
    reason_line = text("zh", "cli.error.argument", option=option, reason=reason)
    return text("zh", "cli.error", prog=prog, message=reason_line) + "\n"


def chinese_reason(name: str, value: str) -> str:
    """The engine's reason for refusing ``value`` for ``name``, shown in Chinese."""
    i18n.set_language("zh")
    try:
        with pytest.raises(ParameterError) as caught:
            parse_number(name, value)
        return f"{caught.value.reason}"
    finally:
        i18n.set_language("en")


def test_a_bad_value_with_lang_zh_is_one_chinese_line_and_status_2(capsys) -> None:
    status, out, err = run_cli(["run", "--lang", "zh", "--lr", "abc"], capsys)
    assert (status, out) == (2, "")
    assert err == chinese_error("lr-explorer run", "--lr", chinese_reason("lr", "abc"))
    assert re.search(r"[\u4e00-\u9fff]", chinese_reason("lr", "abc")), "the reason is Chinese"
    assert "error" not in err and "argument" not in err


@pytest.mark.parametrize(
    ("argv", "prog", "option", "reason"),
    [
        (["run", "--tol", "0"], "lr-explorer run", "--tol", ("field.above_0", {})),
        (["serve", "--port", "0"], "lr-explorer serve", "--port", ("cli.error.port", {})),
        (
            ["run", "--schedule", "cosine", "--decay", "0.9"],
            "lr-explorer",
            "--decay",
            ("cli.error.decay", {"kind": "cosine"}),
        ),
        (
            ["run", "--format", "xml"],
            "lr-explorer run",
            "--format",
            (
                "cli.error.choice",
                {"value": "xml", "choices": "'seed', 'en', 'csv', 'json', 'summary'"},
            ),
        ),
        (["run", "--lr"], "lr-explorer run", "--lr", ("cli.error.expected_one", {})),
    ],
)
def test_our_own_reasons_are_in_chinese(
    argv: list[str], prog: str, option: str, reason: tuple[str, dict], capsys
) -> None:
    status, out, err = run_cli([*argv, "--lang", "zh"], capsys)
    key, args = reason
    assert (status, out) == (2, "")
    assert err == chinese_error(prog, option, text("zh", key, **args))


def test_unknown_arguments_are_refused_in_chinese(capsys) -> None:
    status, _, err = run_cli(["--lang=zh", "run", "--bogus", "3"], capsys)
    message = text("zh", "cli.error.unrecognized", args="--bogus 3")
    assert (status, err) == (2, text("zh", "cli.error", prog="lr-explorer", message=message) + "\n")


def test_an_unknown_language_is_one_line_and_status_2(capsys) -> None:
    status, out, err = run_cli(["run", "--lang", "fr"], capsys)
    assert (status, out) == (2, "")
    assert err.count("\n") == 1 and "--lang" in err and "'fr'" in err and "'zh'" in err


def test_file_errors_and_notes_are_in_chinese(tmp_path: Path, capsys) -> None:
    target = tmp_path / "run.txt"
    argv = ["run", "--lang", "zh", "--epochs", "2", "--out", str(target)]
    status, _, err = run_cli(argv, capsys)
    assert (status, err) == (0, text("zh", "cli.wrote", path=target) + "\n")
    status, _, err = run_cli(argv, capsys)
    message = text("zh", "cli.error.exists", path=target)
    assert (status, err) == (
        2,
        text("zh", "cli.error.plain", prog="lr-explorer", message=message) + "\n",
    )
    missing = tmp_path / "no" / "x.txt"
    status, _, err = run_cli([*argv[:-1], str(missing)], capsys)
    message = text("zh", "cli.error.write", path=missing, why=os.strerror(errno.ENOENT))
    assert (status, err) == (
        2,
        text("zh", "cli.error.plain", prog="lr-explorer", message=message) + "\n",
    )


# ------------------------------------------------------------------------------------------
# How the language is chosen
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], None),
        (["--lang", "zh"], "zh"),
        (["run", "--lang=zh", "--lr", "0.1"], "zh"),
        (["--lang", "zh", "run", "--lang", "en"], "en"),
        (["serve", "--lan", "zh"], "zh"),
        (["run", "--lang"], None),
        (["run", "--", "--lang", "zh"], None),
        (["run", "--lang", "fr"], "fr"),
        (["run", "--loss", "w**2"], None),
    ],
)
def test_the_last_lang_option_is_found_before_parsing(
    argv: list[str], expected: str | None
) -> None:
    assert cli.requested_language(argv) == expected


def test_the_kept_setting_is_used_without_lang(own_config_dir: Path, no_locale, capsys) -> None:
    keep_language(own_config_dir, "zh")
    assert cli.choose_language(["run"]) == "zh"
    out = help_text(["run"], capsys)
    assert words(text("zh", "cli.run.description")) in words(out)


def test_lang_overrides_the_kept_setting(own_config_dir: Path, chinese_locale, capsys) -> None:
    keep_language(own_config_dir, "zh")
    assert cli.choose_language(["run", "--lang", "en"]) == "en"
    assert help_text(["run", "--lang", "en"], capsys).startswith("usage: lr-explorer run")
    keep_language(own_config_dir, "en")
    assert cli.choose_language(["--lang=zh"]) == "zh"
    assert words(text("zh", "cli.description")) in words(help_text(["--lang=zh"], capsys))


def test_the_kept_setting_overrides_the_locale(own_config_dir: Path, chinese_locale) -> None:
    keep_language(own_config_dir, "en")
    assert cli.choose_language([]) == "en"


def test_the_locale_is_the_fallback(chinese_locale, capsys) -> None:
    assert cli.choose_language(["run"]) == "zh"
    status, out, _ = run_cli(["run", "--format", "summary", "--epochs", "3"], capsys)
    summary = text("zh", "cli.summary", step=3, w="\0", loss="", status="").split("\0")[0]
    assert status == 0 and out.startswith(summary)
    assert cli.choose_language(["run"], environ={"LANG": "en_US.UTF-8"}) == "en"


def test_an_unreadable_setting_is_passed_over_in_silence(
    own_config_dir: Path, chinese_locale, capsys
) -> None:
    (own_config_dir / "settings.json").write_text("{not json", encoding="utf-8")
    assert cli.choose_language([]) == "zh"
    assert capsys.readouterr() == ("", "")


def test_an_unknown_lang_falls_back_for_its_own_error(chinese_locale, capsys) -> None:
    assert cli.choose_language(["--lang", "fr"]) == "zh"
    status, _, err = run_cli(["--lang", "fr"], capsys)
    assert status == 2 and err.count("\n") == 1 and "'fr'" in err
    assert err.startswith(text("zh", "cli.error", prog="lr-explorer", message="\0").split("\0")[0])


def test_the_parser_takes_lang_everywhere() -> None:
    i18n.set_language("zh")  # as main() does before building it
    parser = cli.build_parser()
    assert parser.parse_args(["--lang", "zh"]).lang == "zh"
    assert parser.parse_args(["run", "--lang", "zh"]).lang == "zh"
    assert parser.parse_args(["serve", "--lang=en"]).lang == "en"
    assert parser.parse_args(["--lang", "zh", "run"]).lang == "zh", "the subcommand keeps it"
    assert parser.parse_args([]).lang is None


# ------------------------------------------------------------------------------------------
# Outputs
# ------------------------------------------------------------------------------------------


def test_the_summary_is_in_chinese_with_lang_zh(capsys) -> None:
    from tui.engine import descent
    from tui.engine.spec import RunSpec

    status, out, _ = run_cli(["run", "--lr", "0.99", "--format", "summary", "--lang", "zh"], capsys)
    result = descent.run(RunSpec(lr=0.99))
    i18n.set_language("zh")
    outcome = str(result.status)
    expected = text(
        "zh",
        "cli.summary",
        step=20,
        w="3.005651",
        loss=format(float(result.final_loss), "f"),
        status=outcome,
    )
    assert status == 0 and out == expected + "\n"
    assert summary.summary_line(20, 3.005651, float(result.final_loss), outcome) == expected
    i18n.set_language("en")
    assert not out.startswith("step")


@pytest.mark.parametrize("fmt", ["seed", "en", "csv"])
def test_the_log_formats_are_byte_identical_in_both_languages(fmt: str, capsysbinary) -> None:
    argv = ["run", "--lr", "0.2", "--decay", "0.99", "--format", fmt]
    outputs = []
    for code in ("en", "zh"):
        assert cli.main([*argv, "--lang", code]) == 0
        outputs.append(capsysbinary.readouterr().out)
    assert outputs[0] == outputs[1]


def test_the_seed_format_is_the_default_in_chinese_too(seed_lines_expected, capsysbinary) -> None:
    assert cli.main(["run", "--lang", "zh", "--lr", "0.99"]) == 0
    assert capsysbinary.readouterr().out.decode("utf-8").splitlines() == seed_lines_expected[1]


# ------------------------------------------------------------------------------------------
# serve: the visitors' apps get the language
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "language", "expected"),
    [
        (["serve", "--lang", "zh", "--port", "9000"], "zh", ["--lang", "zh"]),
        (["--lang=zh", "serve", "--lr", "0.5"], "zh", ["--lr", "0.5", "--lang", "zh"]),
        (["serve", "--lr", "0.5", "--host", "0.0.0.0"], "zh", ["--lr", "0.5", "--lang", "zh"]),
        (["serve", "--lan", "en", "--por=9000"], "en", ["--lang", "en"]),
        (["serve", "--lang", "zh", "--lr", "0.5"], None, ["--lang", "zh", "--lr", "0.5"]),
    ],
)
def test_app_arguments_keep_the_language(
    argv: list[str], language: str | None, expected: list[str]
) -> None:
    kept = cli.app_arguments(argv, None, language)
    assert kept == expected
    i18n.set_language(language or "en")
    assert cli.build_parser().parse_args(kept).lang == (language or "zh")


def test_serve_starts_each_visitor_in_the_chosen_language(
    own_config_dir: Path, no_locale, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    import socket

    from tui.serve import address
    from tui.serve.server import ClassroomServer

    started: list[ClassroomServer] = []
    # The server, not started, on a port of its own.
    monkeypatch.setattr(ClassroomServer, "serve_on", lambda self, sock: started.append(self))
    monkeypatch.setattr(address, "bind", lambda host, port: socket.create_server((host, 0)))
    keep_language(own_config_dir, "zh")  # no --lang: the kept setting's
    status, _, err = run_cli(["serve", "--port", "9001", "--lr", "0.5"], capsys)
    assert status == 0
    url = re.search(r"http://127\.0\.0\.1:\d+/\?token=" + re.escape(started[0].token), err)
    assert url and err == text("zh", "cli.serving", prog="lr-explorer", url=url.group(0)) + "\n"
    assert started[0].argv[3:] == ["--lr", "0.5", "--lang", "zh"]
    status, _, _ = run_cli(["serve", "--lang", "en", "--port", "9001"], capsys)
    assert started[1].argv[3:] == ["--lang", "en"]


# ------------------------------------------------------------------------------------------
# export
# ------------------------------------------------------------------------------------------


def test_export_names_refusals_in_the_current_language_and_text_logs_follow_it(
    tmp_path: Path,
) -> None:
    from tui.engine import descent
    from tui.engine.spec import RunSpec

    result = descent.run(RunSpec(lr=0.2, decay=0.99))
    i18n.set_language("zh")
    with pytest.raises(
        ValueError, match="^" + re.escape(text("zh", "cli.export.not_a_name", name="a/b"))
    ):
        export.plan(tmp_path, "a/b", result)
    files = export.plan(tmp_path, "r", result, kinds=["txt"])
    i18n.set_language("en")  # the language of the moment the export was planned holds
    assert [path.name for path in files] == ["r.txt"]
    assert whole(files[tmp_path / "r.txt"]()) == export.run_bytes(result, "seed")
    files = export.plan(tmp_path, "r", result, kinds=["txt"])
    assert whole(files[tmp_path / "r.txt"]()) == export.run_bytes(result, "en")
