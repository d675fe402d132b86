"""The theory pane for a loss of two parameters: the exact theory of a quadratic, the local
theory of any other loss from the engine's Hessian at the start, and the engine's hook for it."""

from __future__ import annotations

import re

from app_helpers import type_into, wait_for_run

from tui.app.app import ExplorerApp
from tui.app.widgets.chart import DescentChart
from tui.app.widgets.theory import TheoryPanel
from tui.engine.protocol import RunRequest
from tui.engine.server import _curvature, _hessian
from tui.engine.spec import RunSpec
from tui.model.params import PRESETS

BOWL = "(w1 + 1)**2 + 10*(w2 - 1)**2"
ROSENBROCK = "(1 - w1)**2 + 100*(w2 - w1**2)**2"


def request(loss: str, spec: RunSpec) -> RunRequest:
    return RunRequest(1, (spec,), loss, 1e-6)


def test_the_engine_sends_the_hessian_at_the_starts_only_where_the_theory_is_local() -> None:
    start = RunSpec(w0=-1.0, start2=2.0)
    hessian = _hessian(request(ROSENBROCK, start))
    assert hessian is not None and hessian.point == (-1.0, 2.0)
    # d2/dw1^2 = 2 - 400*(w2 - 3*w1**2) = 2 + 400 at (-1, 2); d2/dw2^2 = 200; mixed -400*w1.
    assert hessian.hessian == (402.0, 400.0, 200.0)
    assert _hessian(request(BOWL, start)) is None  # exact: no Hessian needed
    assert _hessian(request("sin(w) + w**2", RunSpec())) is None
    # The one-parameter curvature is for a loss of w alone.
    assert _curvature(request("sin(w1) + w2**2", start)) is None
    assert _curvature(request("sin(w) + w**2", RunSpec())) is not None


async def test_the_pane_tells_the_exact_theory_of_a_bowl_and_the_local_one_of_a_valley() -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await type_into(pilot, "loss", BOWL)
        await type_into(pilot, "w2", "2")
        await type_into(pilot, "lr", "0.05")
        await type_into(pilot, "epochs", "400")
        await wait_for_run(pilot)
        panel = app.query_one(TheoryPanel)
        text = "\n".join(panel.statements())
        assert "quadratic, exact" in text and "bowl" in text, text
        assert "λ1 = 2" in text and "λ2 = 20" in text, text
        # The predicted steps beside the measured ones: the same, the theory being exact.
        found = re.search(r"after ([\d,]+) steps; measured: ([\d,]+)", text)
        assert found is not None, text
        assert found[1] == found[2] == f"{app.explorer.current.status.steps_to_tol:,}"
        # The lr plots mark the critical rate 2/λ2 and the best constant rate 2/(λ1 + λ2).
        chart = app.query_one(DescentChart)
        assert chart.marked_rates == {"critical 2/λ2": 0.1, "best 2/(λ1+λ2)": 2 / 22}
        await type_into(pilot, "loss", ROSENBROCK)
        await wait_for_run(pilot)
        text = "\n".join(panel.statements())
        assert "not quadratic: local, an estimate" in text, text
        assert "unknown: the curvature" not in text  # the one-parameter words are gone
