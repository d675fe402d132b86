"""The presets of two parameters (issue 15 item 5), on keys 4 to 8, in the help and the palette:
each opens on a rate that shows its point, checked here against the engine's run and the
Hessians worked out by hand."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from app_helpers import wait_for_run, wait_until
from textual.command import CommandList, CommandPalette
from textual.widgets import Markdown

from tui.app import ExplorerApp
from tui.app.screens.help import HelpScreen
from tui.engine import descent
from tui.engine.losses import parse_loss
from tui.model.params import MINIMA, PRESETS, ROSENBROCK, STRETCHED_BOWL

TWO = (4, 5, 6, 7, 8)


def run(number: int, **change):
    """The engine's run of preset ``number`` (its spec changed by ``change``)."""
    preset = PRESETS[number]
    return descent.run(replace(preset.spec, **change), preset.loss, tol=preset.tol)


def test_each_preset_is_a_loss_of_w1_and_w2_with_both_starts() -> None:
    for number in TWO:
        preset = PRESETS[number]
        assert parse_loss(preset.loss).params == ("w1", "w2"), number
        assert preset.spec.start2 is not None
        preset.spec.validate().check_starts(("w1", "w2"))


def test_the_stretched_bowl_near_2_over_lambda2_zig_zags_in_w2() -> None:
    # (w1 + 1)**2 + 10*(w2 - 1)**2: the Hessian is diag(2, 20).
    lr = PRESETS[4].spec.lr
    assert 0.9 * 2 / 20 < lr < 2 / 20  # near the critical rate, below it
    result = run(4)
    across = np.sign(result.w2 - 1.0)
    assert (across[1:] == -across[:-1]).all(), "w2 crosses its minimum at every step"
    assert (np.sign(result.w + 1.0) == 1).all(), "w1 never crosses: it only shrinks"
    assert str(result.status).startswith("oscillating")
    # The best constant rate, 2/(λ1 + λ2), converges in the same steps.
    assert str(run(4, lr=2 / 22).status).startswith("converged")


def test_the_rotated_bowl_swings_both_coordinates() -> None:
    # (w1 + w2 - 2)**2 + 10*(w1 - w2)**2: λ = 4 along w1 + w2, 40 along w1 - w2.
    lr = PRESETS[5].spec.lr
    assert 0.8 * 2 / 40 < lr < 2 / 40
    result = run(5)
    steep = np.sign(result.w - result.w2)
    assert (steep[1:] == -steep[:-1]).all()
    assert (np.diff(result.w[:6]) * np.diff(result.w[1:7]) < 0).all(), "w1 swings"
    assert (np.diff(result.w2[:6]) * np.diff(result.w2[1:7]) < 0).all(), "w2 swings"
    assert str(result.status).startswith("converged")


def test_rosenbrock_zig_zags_at_first_then_crawls() -> None:
    spec = PRESETS[6].spec
    w1, w2 = spec.w0, spec.start2
    # The Hessian at the start, by hand: its larger eigenvalue sets the critical rate.
    hessian = np.array([[2 - 400 * (w2 - 3 * w1**2), -400 * w1], [-400 * w1, 200.0]])
    assert spec.lr > 2 / np.linalg.eigvalsh(hessian)[-1]
    result = run(6)
    moves = np.diff(np.concatenate([[w1], result.w[:8]]))
    assert (moves[1:] * moves[:-1] < 0).all(), "w1 turns back at each of the first steps"
    assert result.final_loss < result.loss[0] / 100
    assert abs(result.final_ws[0] - 1) > 0.05, "2,000 steps and still short of (1, 1)"


def test_the_saddle_lingers_then_leaves_along_w2() -> None:
    spec = PRESETS[7].spec
    result = run(7)
    assert np.allclose(result.w[1:] / result.w[:-1], 1 - 2 * spec.lr, rtol=1e-5)
    assert np.allclose(result.w2[1:] / result.w2[:-1], 1 + 2 * spec.lr, rtol=1e-5)
    assert abs(result.w2[9]) < 0.01 < 1 < abs(result.final_ws[1])
    assert result.final_loss < 0


def test_several_minima_settle_in_the_nearest_not_the_lowest() -> None:
    result = run(8)
    grid = np.linspace(-4, 4, 801)
    g1, g2 = np.meshgrid(grid, grid)
    surface = np.sin(g1) * np.cos(g2) + 0.1 * (g1**2 + g2**2)
    lowest = np.unravel_index(np.argmin(surface), surface.shape)
    assert surface.min() < float(result.final_loss) - 0.5
    assert np.hypot(g1[lowest] - result.final_ws[0], g2[lowest] - result.final_ws[1]) > 2
    assert str(result.status).startswith(("converged", "stalled"))


@pytest.mark.parametrize("number", TWO)
async def test_each_preset_is_on_its_key(number: int) -> None:
    app = ExplorerApp(language="en", show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press(str(number))
        await wait_for_run(pilot)
        assert app.params == replace(PRESETS[number], tol=app.params.tol)
        assert app.explorer.current is not None and app.explorer.current.w2 is not None


async def test_the_palette_finds_a_preset_by_its_words() -> None:
    app = ExplorerApp(language="en", show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: CommandPalette.is_open(app), what="the palette")
        await pilot.press(*"Rosenbrock's valley")
        found = lambda: app.screen.query_one(CommandList).option_count >= 1  # noqa: E731
        await wait_until(pilot, found, what="matches")
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: len(app.screen_stack) == 1, what="the palette to close")
        await wait_for_run(pilot)
        assert app.params.loss == ROSENBROCK


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_the_help_lists_the_presets_keys(language: str) -> None:
    app = ExplorerApp(language=language, show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
        text = app.screen.query_one(Markdown).source
        row = next(line for line in text.splitlines() if "`4`" in line)
        assert all(f"`{n}`" in row for n in TWO), row
        assert ("Rosenbrock" in row) and ("2/λ2" in row)
        race = next(line for line in text.splitlines() if line.startswith("| `9`"))
        assert "GD" in race and "Adam" in race


def test_the_presets_losses_are_the_ones_named() -> None:
    assert PRESETS[4].loss == STRETCHED_BOWL and PRESETS[8].loss == MINIMA
