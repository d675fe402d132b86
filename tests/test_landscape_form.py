"""The form's start fields follow the loss: ``w0`` for a loss of ``w``; ``w1`` and ``w2`` for a
loss of ``w1`` and ``w2``, the values kept; the run gets w2's start as ``start2``."""

from __future__ import annotations

import pytest
from app_helpers import type_into, wait_for_run, wait_until
from textual.geometry import Region
from textual.widgets import Input, Static

from tui.app.app import ExplorerApp
from tui.i18n import t
from tui.model.parameters import PARAMETERS, by_name, spec_from_values
from tui.model.params import PRESETS
from tui.model.session import LINE_PREFIX

SIZE = (120, 40)
BOWL = "(w1 + 1)**2 + 10*(w2 - 1)**2"


def test_the_table_has_w2_start_only_for_a_loss_of_two() -> None:
    record = by_name()["w2"]
    assert record.attribute == "start2" and record.flag == "--w2"
    assert record.for_loss(2) and not record.for_loss(1)
    assert by_name()["w0"].title_for(2) == "w1" and by_name()["w0"].title_for(1) == "w0"
    # Not given (a loss of w), the run has no w2; given, it is the run's start2.
    assert spec_from_values({}).start2 is None
    assert spec_from_values({"w0": 1.0, "w2": -2.0}).starts == (1.0, -2.0)
    assert [p.name for p in PARAMETERS].count("w2") == 1


async def test_typing_a_loss_of_two_shows_the_w1_and_w2_starts_and_runs_from_them() -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_run(pilot)
        w0 = app.query_one("#w0", Input)
        assert w0.display and w0.border_title == "w0" and not app.query("#w2")  # not made yet
        await type_into(pilot, "loss", BOWL)
        await pilot.pause()
        w2 = app.query_one("#w2", Input)
        assert w2.display and not w2.disabled
        assert w0.border_title == "w1" and w2.border_title == "w2"
        assert w0.value == "5"  # the value typed for w0 is w1's start now
        await type_into(pilot, "w2", "-3")
        await wait_for_run(pilot)
        assert app.params is not None
        assert app.params.loss == BOWL and app.params.spec.starts == (5.0, -3.0)
        # A bad w1 is refused by its name on screen.
        await type_into(pilot, "w0", "1e99")
        await pilot.pause()
        error = str(app.query_one("#field-error", Static).render())
        assert "w1" in error and "w0" not in error
        await type_into(pilot, "w0", "2")
        # Back to a loss of w: one start, w0, the run has no w2.
        await type_into(pilot, "loss", "(w + 1)**2")
        await wait_for_run(pilot)
        assert not w2.display and w0.border_title == "w0"
        assert app.params.spec.start2 is None and app.params.spec.w0 == 2.0
        # And again a loss of two: w2's start is as it was typed.
        await type_into(pilot, "loss", "w1**2 + w2**2")
        await wait_for_run(pilot)
        assert w2.value == "-3" and app.params.spec.starts == (2.0, -3.0)


async def test_a_name_that_is_no_parameter_is_refused_by_its_name() -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_run(pilot)
        for text, name in (("w1**2 + w3**2", "w3"), ("w + w2", "w2")):
            await type_into(pilot, "loss", text)
            await pilot.pause()
            error = str(app.query_one("#field-error", Static).render())
            assert name in error, error
            # The last good loss stays (typed a key at a time, the text's valid beginnings ran).
            assert app.params is not None and name not in app.params.loss


def _drawn(field: Input, row: int) -> str:
    """Row ``row`` of the field as drawn, its border included."""
    return field.render_lines(Region(0, 0, *field.outer_size))[row].text


def _top(field: Input) -> str:
    """The field's top border as drawn: its title in it."""
    return _drawn(field, 0)


def _text(field: Input) -> str:
    """The field's text as drawn."""
    return _drawn(field, 1)


async def test_a_field_without_the_focus_shows_its_text_from_the_start() -> None:
    """Textual's Input keeps its view on the cursor: a start typed into w1's five cells, once
    the focus left, showed "1.25" for -1.25, and a value set by a preset or a session showed
    its tail. A field without the focus shows its text from the start; focused again, typing
    goes on at the cursor, which is in view."""
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_run(pilot)
        await type_into(pilot, "loss", BOWL)
        await type_into(pilot, "w0", "-1.25")
        w1 = app.query_one("#w0", Input)
        assert "1.25" in _text(w1) and "-1.25" not in _text(w1)  # focused: the cursor's view
        await pilot.press("escape")
        await pilot.pause()
        assert "-1.25" in _text(w1)
        w1.focus()
        await pilot.pause()
        assert "-1.25" not in _text(w1)  # the cursor, at the end, is in view again
        await pilot.press("5")
        await wait_until(pilot, lambda: w1.value == "-1.255", what="typing at the cursor")
        await pilot.press("escape")
        app.query_one("#w2", Input).focus()  # a value set from outside, the field not focused
        await pilot.pause()
        w1.value = "-123.456"
        w1.cursor_position = len(w1.value)
        await pilot.pause()
        assert "-123." in _text(w1), _text(w1)


@pytest.mark.parametrize(
    ("language", "full", "beside"), [("en", "epochs", "epochs"), ("zh", "迭代次数", "迭代")]
)
async def test_the_epochs_title_shows_whole_beside_the_two_starts_at_80x24(
    language: str, full: str, beside: str
) -> None:
    """At 80x24 the starts of w1 and w2 and the epochs share 30 columns, and the epochs' title
    read "epo…" ("迭 …"): beside the two starts the field is as wide as its title, which is a
    short one in Chinese; its tooltip keeps the whole name. Back to a loss of w, the row and the
    title are as before."""
    app = ExplorerApp(PRESETS[1], show_timings=False, language=language)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_run(pilot)
        epochs = app.query_one("#epochs", Input)
        alone = epochs.size.width
        assert f" {full} " in _top(epochs)
        await type_into(pilot, "loss", BOWL)
        await pilot.pause()
        tops = [_top(app.query_one(f"#{name}", Input)) for name in ("w0", "w2", "epochs")]
        assert " w1 " in tops[0] and " w2 " in tops[1] and f" {beside} " in tops[2], tops
        assert not any("…" in top for top in tops), tops
        assert epochs.tooltip == t("field.tip", title=full)
        await type_into(pilot, "w0", "-1.25")  # a start's five characters show whole
        await pilot.press("escape")
        await pilot.pause()
        w1 = app.query_one("#w0", Input)
        assert "-1.25" in _text(w1)
        await type_into(pilot, "loss", "(w + 1)**2")
        await pilot.pause()
        assert f" {full} " in _top(epochs) and epochs.size.width == alone


async def test_every_text_field_of_ours_shows_its_start_once_left() -> None:
    """The session's line is longer than its field: focused (all of it selected), the view is
    at its end; once the focus leaves, the field shows the line's start, its ``lrx1:``."""
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "ctrl+s")
        await wait_until(pilot, lambda: bool(app.screen.query("#session-line")), what="dialog")
        line = app.screen.query_one("#session-line", Input)
        line.focus()
        await pilot.pause()
        assert len(line.value) > line.content_size.width  # (the case: a line longer than shown)
        assert LINE_PREFIX not in _text(line)
        app.screen.query_one("#session-path", Input).focus()
        await pilot.pause()
        assert _text(line).split()[1].startswith(LINE_PREFIX), _text(line)
