"""The range test's fields read numbers with our parser, never Textual 8.2.8's number regex."""

from __future__ import annotations

import re

import pytest
from app_helpers import wait_until
from textual.validation import Number
from textual.widgets import Input, Static
from textual.widgets._input import _RESTRICT_TYPES

from tui.app import ExplorerApp
from tui.app.pilot_helpers import wait_for_run
from tui.app.screens.sweep import NUMBER_CHARACTERS, FiniteNumber, SweepScreen

#: Twenty-five digits and a letter: Textual 8.2.8's number regex takes hours over this.
RUNAWAY = "1" * 25 + "a"


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("1e-4", True),
        ("2", True),
        (" 200 ", True),
        ("1_000", True),
        ("-3.5E+2", True),
        (RUNAWAY, False),
        ("1" * 25, True),
        ("inf", False),
        ("-inf", False),
        ("nan", False),
        ("1e999", False),
        ("", False),
        ("1.2.3", False),
    ],
)
def test_a_range_field_takes_finite_numbers_as_float_reads_them(text: str, valid: bool):
    assert FiniteNumber("sweep.sweep-low").validate(text).is_valid is valid


def test_a_refused_number_is_named_in_words():
    result = FiniteNumber("sweep.sweep-low").validate("nan")
    assert result.failure_descriptions and "lowest lr" in result.failure_descriptions[0]


def test_the_characters_a_field_takes_are_one_class_without_nested_repeats():
    """What each key is checked against: a single character class, linear in the text."""
    assert re.fullmatch(r"\[[^\[\]]*\]\*", NUMBER_CHARACTERS)
    assert re.fullmatch(NUMBER_CHARACTERS, RUNAWAY) is None
    assert re.fullmatch(NUMBER_CHARACTERS, "-1.5e-3") is not None


async def test_typing_a_long_number_and_a_letter_into_a_range_field_never_freezes():
    """The field refuses the letter at once and the range reads as typed (the app does not
    spend hours in Textual's regex; without the fix this test does not return)."""
    app = ExplorerApp(language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "s")
        await wait_until(pilot, lambda: isinstance(app.screen, SweepScreen) and app.screen.sweep)
        screen = app.screen
        for name in ("sweep-low", "sweep-high", "sweep-count"):
            field = screen.query_one(f"#{name}", Input)
            assert field.type != "number"  # Textual's type check is that regex
            assert field.restrict not in _RESTRICT_TYPES.values()
            assert not any(isinstance(v, Number) for v in field.validators)
        field = screen.query_one("#sweep-low", Input)
        field.focus()
        field.value = ""
        await pilot.press(*RUNAWAY)
        assert field.value == "1" * 25  # the letter refused; 1.1e24 is a number
        info = str(screen.query_one("#sweep-info", Static).content)
        assert "0 < low < high" in info
