"""The theory panel names what it does not model (optimizer, schedule) as the form's selects do,
in the language shown: in Chinese 指数衰减, not the identifier ``exponential``."""

from __future__ import annotations

import pytest

from tui import i18n
from tui.app.widgets.theory import _unmodeled
from tui.engine.spec import OPTIMIZERS, RunSpec, Schedule


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_schedule_and_optimizer_are_named_by_their_labels(language: str) -> None:
    i18n.set_language(language)
    try:
        for optimizer in OPTIMIZERS[1:]:
            spec = RunSpec(lr=0.2, decay=0.99, optimizer=optimizer)
            text = _unmodeled(spec)
            assert i18n.t(f"choice.{optimizer}") in text
            assert i18n.t("choice.exponential") in text
        text = _unmodeled(RunSpec(lr=0.2, schedule=Schedule("cosine-restarts")))
        assert i18n.t("choice.cosine-restarts") in text
        if language == "zh":
            # No identifier of the code left in the Chinese sentence.
            assert "exponential" not in _unmodeled(RunSpec(lr=0.2, decay=0.99))
            assert "momentum" not in _unmodeled(RunSpec(lr=0.2, optimizer="momentum"))
            assert "cosine" not in text
    finally:
        i18n.set_language("en")
