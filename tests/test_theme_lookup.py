"""The explorer looks its theme up once per name (tui.app.themes.ThemeLookup): the theme found
is Textual's own for that name, and follows a change of name and every theme registered or
taken away; the registry is not copied again for the same name."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.theme import Theme

from tui.app.themes import HIGH_CONTRAST, ThemeLookup


class Plain(App[None]):
    pass


class Looking(ThemeLookup):
    pass


def both() -> tuple[App[None], App[None]]:
    apps: tuple[App[None], App[None]] = (Plain(), Looking())
    for app in apps:
        app.register_theme(HIGH_CONTRAST)
    return apps


def found(app: App[None], name: str) -> Theme | None:
    return app.get_theme(name)


@pytest.mark.parametrize("name", ["textual-dark", "nord", "no-such, nord", "no-such", ""])
def test_the_theme_found_is_textuals(name: str) -> None:
    plain, looking = both()
    assert found(looking, name) is found(plain, name)
    assert found(looking, name) is found(plain, name)  # kept, and still the same


async def test_it_follows_the_name_and_the_registry() -> None:
    plain, looking = both()
    async with looking.run_test() as pilot:
        for name in ("nord", "lr-high-contrast", "textual-light"):
            looking.theme = name
            await pilot.pause()
            assert looking.current_theme.name == name
        again = Theme(name="textual-light", primary="#123456", dark=False)
        looking.register_theme(again)  # the same name, another theme
        assert looking.current_theme is again
        looking.theme = "nord"
        looking.unregister_theme("textual-light")
        assert looking.get_theme("textual-light") is None is plain.get_theme("no-such-theme")


def test_the_registry_is_not_copied_again_for_the_same_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, looking = both()
    copies: list[int] = []
    registry = type(looking).available_themes
    monkeypatch.setattr(
        type(looking),
        "available_themes",
        property(lambda app: (copies.append(1), registry.fget(app))[1]),  # type: ignore[attr-defined]
    )
    assert looking.current_theme.name == "textual-dark"
    first = len(copies)  # Textual's own lookup (it copies the registry twice)
    for _ in range(5):
        assert looking.current_theme.name == "textual-dark"
    assert first > 0 and len(copies) == first
