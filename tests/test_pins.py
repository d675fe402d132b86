"""Pinned runs: pin, unpin, clear, baseline, make current, and their re-run on shared changes."""

from __future__ import annotations

from app_helpers import wait_for_run
from textual.widgets import Input

from tui.app import ExplorerApp
from tui.app.widgets.chart import DescentChart
from tui.app.widgets.pins_table import PinsTable
from tui.engine import descent
from tui.engine.spec import RunSpec
from tui.model.params import PRESETS


def pin_cells(app: ExplorerApp) -> list[list[str]]:
    """The comparison table's rows, as text."""
    table = app.query_one(PinsTable)
    return [list(table.row_cells(i)) for i in range(table.row_count)]  # shown or left out


async def test_pin_compare_rerun_and_unpin() -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "p")  # pin lr 0.01
        await pilot.press("2")  # lr 0.99
        await wait_for_run(pilot)
        await pilot.press("p")
        await pilot.press("3")  # decay
        await wait_for_run(pilot)
        assert [pin.number for pin in app.pins] == [1, 2]
        assert app.baseline == 1
        rows = pin_cells(app)
        assert rows[0][0].endswith("#1 base") and rows[1][0].endswith("#2")
        assert rows[0][5] == "still descending" and rows[1][5] == "oscillating"
        assert rows[1][6] == "", "neither reaches the tolerance in 20 steps"
        chart = app.query_one(DescentChart)
        assert len(chart._pin_points) == 2

        # A shared change (epochs) re-runs every pin, in the same engine call as the current run.
        requests = app.engine.latest_id
        app.query_one("#epochs", Input).value = "1000"
        await pilot.pause()
        await wait_for_run(pilot)
        assert app.engine.latest_id == requests + 1
        for pin, lr in zip(app.pins, (0.01, 0.99), strict=True):
            expected = descent.run(RunSpec(w0=5.0, lr=lr, epochs=1000))
            assert pin.result is not None and pin.result.spec.epochs == 1000
            assert pin.result.w.tobytes() == expected.w.tobytes()
        rows = pin_cells(app)
        assert rows[0][5].startswith("converged") and rows[1][5].startswith("converged")
        # Same |1 - 2 lr|: lr 0.01 and 0.99 need the same number of steps.
        assert rows[0][4] == rows[1][4]
        assert rows[1][6] == "x1.00 steps"

        # Baseline, make current, unpin, clear.
        table = app.query_one(PinsTable)
        table.focus()
        table.move_cursor(row=1)
        await pilot.press("b")
        assert app.baseline == 2
        await pilot.press("enter")
        await wait_for_run(pilot)
        assert app.query_one("#lr", Input).value == "0.99"
        assert app.params is not None and app.params.spec.decay is None
        await pilot.press("x")
        assert [pin.number for pin in app.pins] == [1]
        assert app.baseline == 1
        app.action_focus_chart()
        await pilot.press("p", "p", "X")
        assert app.pins == [] and app.baseline is None
        assert not app.query_one(PinsTable).has_class("-shown")


async def test_presets_keep_the_tolerance_and_it_sets_the_steps_column() -> None:
    app = ExplorerApp(PRESETS[3])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "p")
        rows = pin_cells(app)
        assert rows[0][4] == "20"  # 1e-6 is reached at the last step
        app.query_one("#tol", Input).value = "0.01"
        await pilot.pause()
        await wait_for_run(pilot)
        assert pin_cells(app)[0][4] == "9"  # loss 0.005795 after step 9... as the table shows
        await pilot.press("escape", "1")
        await wait_for_run(pilot)
        assert app.query_one("#tol", Input).value == "0.01"


async def test_theory_panel_at_the_lessons_rates() -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        expected = {
            "0.01": ("q = 1 - lr*L = 0.98", "monotone convergence", "predicted 431"),
            "0.5": ("q = 1 - lr*L = 0:", "one-step convergence", "predicted 1, measured 1"),
            "0.99": ("q = 1 - lr*L = -0.98", "oscillating convergence", "predicted 431"),
            "1.01": ("q = 1 - lr*L = -1.02", "oscillating divergence", "predicted never"),
        }
        for lr, parts in expected.items():
            app.query_one("#lr", Input).value = lr
            await pilot.pause()
            await wait_for_run(pilot)
            text = str(app.query_one("#theory").content)
            assert (
                "L = 2" in text and "critical lr 2/L = 1," in text and "optimal 1/L = 0.5" in text
            )
            for part in parts:
                assert part in text, (lr, part, text)
        chart = app.query_one(DescentChart)
        assert chart.marked_rates == {"critical 2/L": 1.0, "optimal 1/L": 0.5}


async def test_theory_of_a_loss_that_is_not_quadratic_is_local() -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        app.query_one("#loss", Input).value = "w**4 - 3*w**2 + w"
        app.query_one("#w0", Input).value = "1"
        await pilot.pause()
        await wait_for_run(pilot)
        text = str(app.query_one("#theory").content)
        assert "local L at w0 = 6" in text and "an estimate" in text


async def test_path_view_draws_the_iterates_on_the_loss_curve() -> None:
    app = ExplorerApp(PRESETS[2])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "p")
        chart = app.query_one(DescentChart)
        while chart.view != "path":
            await pilot.press("v")
        await pilot.pause()
        # lr 0.99 bounces between the walls of the parabola: w before each step alternates sides.
        sides = [w > -1 for w in chart._path[:, 0]]
        assert sides[:6] == [True, False, True, False, True, False]
        assert chart._path[0].tolist() == [5.0, 36.0]
        assert len(chart._pin_paths) == 1
        app.query_one("#lr", Input).value = "1e30"
        await pilot.pause()
        await wait_for_run(pilot)
        await pilot.pause()
        assert "path: inf/nan not drawn" in chart.note


def test_pin_labels_and_schedule_texts() -> None:
    """A pin's legend label, its table text, its style and what it shares with the current
    run, written out by hand for each kind of schedule and optimizer."""
    from tui.engine.spec import Schedule
    from tui.model.pins import MAX_PINS, STYLES, Pin, shared

    seed = Pin(1, RunSpec(lr=0.99))
    decayed = Pin(2, RunSpec(lr=0.2, decay=0.99, decay_steps=3.0, staircase=True, warmup=4))
    cosine = Pin(3, RunSpec(lr=0.1, schedule=Schedule("cosine", steps=50.0), optimizer="adam"))
    adagrad = Pin(4, RunSpec(lr=0.5, optimizer="adagrad", beta=0.7))
    assert [p.label for p in (seed, decayed, cosine, adagrad)] == [
        "#1 lr 0.99",
        "#2 lr 0.2 x0.99 +w4",
        "#3 lr 0.1 cosine adam",
        "#4 lr 0.5 adagrad",
    ]
    assert [p.schedule_text() for p in (seed, decayed, cosine, adagrad)] == [
        "constant 0.99",
        "0.2*0.99^(s/3) stair warm 4",
        "cosine 0.1 T50, adam b0.9",
        "constant 0.5, adagrad",
    ]
    # Each of the first MAX_PINS pins has a colour and a marker of its own, in STYLES' order.
    pins = [Pin(n, RunSpec()) for n in range(1, MAX_PINS + 1)]
    assert [(p.color, p.marker) for p in pins] == list(STYLES)
    assert (Pin(1, RunSpec()).color, Pin(1, RunSpec()).marker) == ("red", "x")
    assert (Pin(2, RunSpec()).color, Pin(2, RunSpec()).marker) == ("green", "+")
    assert len(set(STYLES)) == MAX_PINS
    # A pin shares w0 and epochs with the current run; its rate, schedule and optimizer stay.
    current = RunSpec(w0=-3.0, lr=0.5, epochs=77, decay=0.9)
    assert shared(cosine.spec, current) == RunSpec(
        w0=-3.0, lr=0.1, epochs=77, schedule=Schedule("cosine", steps=50.0), optimizer="adam"
    )


async def test_with_colour_the_pins_are_drawn_in_their_colours() -> None:
    """Two pins on the chart: pin #1's loss (x) and w (=) in reds, pin #2's (+, ~) in greens,
    as the theme shows them (reddish: red the largest component; greenish: green). Their
    losses coincide (lr 0.01 and 0.99 are mirror images), so pin #2's covers pin #1's."""
    from textual.geometry import Region

    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "p", "2")  # pin #1: lr 0.01
        await wait_for_run(pilot)
        await pilot.press("p", "3")  # pin #2: lr 0.99
        await wait_for_run(pilot)
        await pilot.pause()
        assert [(p.number, p.color, p.marker) for p in app.pins] == [
            (1, "red", "x"),
            (2, "green", "+"),
        ]
        chart = app.query_one(DescentChart)
        colours: dict[str, set[tuple[int, int, int]]] = {c: set() for c in "x=+~"}
        counts = dict.fromkeys("x=+~", 0)
        for strip in chart.render_lines(Region(0, 0, *chart.outer_size)):
            for segment in strip:
                color = segment.style.color if segment.style else None
                for char in segment.text:
                    if char in colours and color is not None and color.triplet is not None:
                        colours[char].add(tuple(color.triplet))
                        counts[char] += 1
    assert counts["x"] and counts["="] > 5 and counts["+"] > 5 and counts["~"] > 5, counts
    red = {rgb for rgb in colours["x"] | colours["="] if rgb[0] > max(rgb[1], rgb[2])}
    green = {rgb for rgb in colours["+"] | colours["~"] if rgb[1] > max(rgb[0], rgb[2])}
    assert red and green, colours
    assert not red & green
