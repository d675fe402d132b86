"""Texts put into Textual markup show exactly as they are (tui.app.markup.escape)."""

from __future__ import annotations

import rich.markup
import textual.markup
from app_helpers import type_into, wait_for_run
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import Input, Static

from tui.app import ExplorerApp
from tui.app.markup import escape
from tui.app.screens.session import SessionScreen
from tui.app.widgets.message_line import MessageLine
from tui.engine.spec import RunSpec
from tui.model.params import Params
from tui.model.session import Session

#: Texts that markup would change: a Textual escape already in the text, a style variable,
#: tags, a closing tag, a trailing backslash, nested brackets, a link action.
AWKWARD = [
    r"C:\[dir]\name",
    r"a \[b] c",
    "[$x]",
    "[$primary]coloured?[/]",
    "[b]bold[/b]",
    "[/]",
    "ends with a backslash\\",
    "\\",
    "[[b]]",
    "a\\\\[b]",
    "[@click=app.quit]quit[/]",
    "lr [0.1, 1] at step [3]",
]


def shown(markup: str) -> str:
    """What Textual shows for ``markup``."""
    return Content.from_markup(markup).plain


def test_awkward_texts_come_through_textual_markup_whole() -> None:
    for text in AWKWARD:
        assert shown(escape(text)) == text, text


@settings(deadline=None)  # no timing in tests: a slow machine is not a failure
@given(st.text(alphabet=st.sampled_from("[]\\/$@=#ab b:"), max_size=30))
def test_any_text_of_markup_characters_comes_through_whole(text: str) -> None:
    assert shown(escape(text)) == text


def test_rich_and_textual_escape_do_not_fit_textual_markup() -> None:
    """Why tui.app.markup.escape exists (Textual 8.2.8, Rich's escape): if this starts failing,
    the libraries' escape may fit Textual's parser now, and could replace ours."""
    for library_escape in (rich.markup.escape, textual.markup.escape):
        assert shown(library_escape(r"a \[b] c")) != r"a \[b] c"
        assert shown(library_escape("[$x]")) != "[$x]"
        assert shown(library_escape("trail\\")) != "trail\\"


class _One(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("", id="line")
        yield MessageLine("", id="message")


async def test_a_static_shows_the_escaped_text_whole() -> None:
    app = _One()
    async with app.run_test(size=(80, 24)) as pilot:
        line = app.query_one("#line", Static)
        for text in AWKWARD:
            line.update(escape(text))
            await pilot.pause()
            assert line.render().plain == text, text


async def test_a_dialogs_message_line_shows_its_text_whole_and_marks_an_error() -> None:
    app = _One()
    async with app.run_test(size=(80, 24)) as pilot:
        line = app.query_one("#message", MessageLine)
        for text in AWKWARD:
            line.say(text, error=True)
            await pilot.pause()
            assert line.render().plain == text, text
            assert line.has_class("-error")
        line.say("saved")
        await pilot.pause()
        assert line.render().plain == "saved" and not line.has_class("-error")


async def test_the_session_screen_names_a_file_whose_name_holds_markup(tmp_path) -> None:
    app = _One()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = SessionScreen(Session(Params(RunSpec(), "(w + 1)**2")))
        await app.push_screen(screen)
        path = tmp_path / r"[$x] [b]\[c] x\\"
        screen.query_one("#session-path", Input).value = str(path)
        await pilot.click("#save-session")
        await pilot.pause()
        shown_line = screen.query_one("#session-message", MessageLine).render().plain
        assert str(path) in shown_line and path.exists()


async def test_the_forms_error_line_quotes_a_typed_number_whole() -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        typed = r"[$x]\[b]"
        await type_into(pilot, "lr", typed)
        assert app.query_one("#lr", Input).has_class("-invalid")
        # The message quotes the text as Python writes it: 'lr: not a number: '[$x]\\[b]''.
        assert f"not a number: {typed!r}" in app.query_one("#field-error", Static).render().plain


async def test_an_engine_refusal_is_shown_as_the_engine_worded_it() -> None:
    """The status line quotes the engine's reason whole: with Rich's escape, ``[$x]`` (a style
    variable to Textual) vanished from it."""
    from tui.app.messages import Replied
    from tui.app.widgets.status import StatusLine
    from tui.engine.protocol import RunFailed

    app = ExplorerApp(show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        reason = r"w0 [$x] is \[not] a number"
        app.explorer.post_message(Replied(RunFailed(app.engine.latest_id, reason)))
        await pilot.pause()
        shown = app.explorer.query_one(StatusLine).render()
        assert reason in str(shown)
