"""Quitting while the explorer is still being put on screen (a browser visitor who leaves in
the first second; ctrl+q pressed at once) ends the app cleanly: no traceback, exit status 0."""

from __future__ import annotations

import pytest

from tui.app import ExplorerApp
from tui.app.screens.explorer import ExplorerScreen


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_quitting_before_the_explorer_is_mounted_is_clean(
    size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    compose = ExplorerScreen.compose

    def compose_then_quit(self: ExplorerScreen):  # the quit lands between compose and mount
        yield from compose(self)
        self.app.exit()

    monkeypatch.setattr(ExplorerScreen, "compose", compose_then_quit)
    app = ExplorerApp()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
    assert app.return_code == 0
