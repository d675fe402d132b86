"""The status line's words for the run's backend come from the catalogue, in either language."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tui import i18n
from tui.app.widgets.status import describe
from tui.engine import descent
from tui.engine.losses import SEED_LOSS
from tui.engine.spec import RunSpec


@pytest.mark.parametrize(
    ("language", "backend", "shown"),
    [
        ("en", "xla", "(xla)"),
        ("en", "graph", "(graph)"),
        ("zh", "xla", "（XLA）"),
        ("zh", "graph", "（图模式）"),
    ],
)
def test_the_backend_is_named_in_the_language_shown(
    language: str, backend: str, shown: str
) -> None:
    """Whichever path the engine took (graph mode where XLA is not trusted), the status line
    names it in the language of the screen: the Chinese line held the English word 'graph'."""
    result = replace(descent.run(RunSpec(w0=5.0, lr=0.01, epochs=20), SEED_LOSS), backend=backend)
    i18n.set_language(language)
    text = describe(result)
    assert text.endswith(shown)
    if language == "zh":
        assert "graph" not in text and "xla" not in text
