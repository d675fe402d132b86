"""Sessions of a loss of two parameters (issue 15): w2's start (``start2``) round-trips exactly,
through a file and one line, for the run and its pins; a run or pin without one (no key, or
``null``) starts w2 at the parameter table's default, as the explorer's field and the command
line do; a start that does not fit the loss is refused with a message naming w2; a run of one
parameter says it has no w2 (``null``)."""

from __future__ import annotations

import json

import pytest
from app_helpers import wait_for_run, wait_until

from tui.app import ExplorerApp
from tui.engine.spec import RunSpec, Schedule
from tui.model import session as sessions
from tui.model.parameters import START2_DEFAULT, by_name
from tui.model.params import Params
from tui.model.session import Session, SessionError

ROSENBROCK = "(1 - w1)**2 + 100*(w2 - w1**2)**2"

#: Starts that a decimal text rounds in the last bit (0.1 + 0.2, 1/3), and one of w2 alone.
TWO = Session(
    Params(RunSpec(w0=-1.5, start2=0.1 + 0.2, lr=0.001, epochs=300), ROSENBROCK, 1e-5),
    pins=(
        RunSpec(w0=-1.5, start2=1 / 3, lr=0.002, epochs=300, optimizer="momentum", beta=0.9),
        RunSpec(w0=0.0, start2=-2.0, lr=0.01, epochs=300, optimizer="adam"),
        RunSpec(w0=0.0, start2=2.0, lr=0.3, schedule=Schedule("cosine", steps=50.0)),
    ),
    baseline=1,
    view="w",
    step=120,
)


def test_a_two_parameter_session_round_trips_exactly() -> None:
    assert sessions.loads(sessions.dumps(TWO)) == TWO
    assert sessions.from_line(sessions.to_line(TWO)) == TWO
    data = json.loads(sessions.dumps(TWO))
    assert data["run"]["w0"] == -1.5 and data["run"]["start2"] == 0.1 + 0.2
    assert [pin["start2"] for pin in data["pins"]] == [1 / 3, -2.0, 2.0]


def test_a_one_parameter_session_has_no_w2() -> None:
    one = Session(Params(RunSpec(w0=2.0), "(w + 1)**2", 1e-6), pins=(RunSpec(lr=0.5),))
    data = json.loads(sessions.dumps(one))
    assert data["run"]["start2"] is None and data["pins"][0]["start2"] is None
    assert sessions.loads(sessions.dumps(one)) == one
    # A session written before w2 existed (no start2 key) is one parameter's too.
    del data["run"]["start2"], data["pins"][0]["start2"]
    assert sessions.loads(json.dumps(data)) == one


def changed(change) -> str:
    data = sessions.to_dict(TWO)
    change(data)
    return json.dumps(data)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            changed(lambda d: d.update(loss="(w - 1)**2")),
            ["w2", "a loss of w alone has no w2"],
        ),
        (
            changed(lambda d: d["pins"][1].update(start2=3.0) or d.update(loss="(w - 1)**2")),
            ["w2", "a loss of w alone has no w2"],
        ),
        (changed(lambda d: d["run"].update(start2="1")), ["run.start2", "must be a number"]),
        (changed(lambda d: d["run"].update(start2=1e39)), ["w2"]),
    ],
    ids=["w2-for-a-loss-of-w", "a-pin-with-w2-for-a-loss-of-w", "text", "beyond-float32"],
)
def test_a_start_that_does_not_fit_the_loss_is_refused(text: str, words: list[str]) -> None:
    with pytest.raises(SessionError) as caught:
        sessions.loads(text)
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message, (word, message)


def test_a_run_or_pin_without_w2s_start_starts_it_at_the_tables_default() -> None:
    assert START2_DEFAULT == by_name()["w2"].default == 5.0
    for change in (
        lambda d: d["run"].pop("start2"),
        lambda d: d["run"].update(start2=None),
    ):
        read = sessions.loads(changed(change))
        assert read.params.spec.starts == (-1.5, START2_DEFAULT)
        assert read.pins == TWO.pins  # the pins' own starts stay
    data = sessions.to_dict(TWO)
    del data["pins"][0]["start2"]
    data["pins"][2]["start2"] = None
    read = sessions.loads(json.dumps(data))
    assert [pin.start2 for pin in read.pins] == [START2_DEFAULT, -2.0, START2_DEFAULT]
    assert read.params == TWO.params


async def test_the_explorer_reopens_a_two_parameter_session_as_it_was() -> None:
    app = ExplorerApp(session=TWO)
    async with app.run_test(size=(120, 44)) as pilot:
        await wait_for_run(pilot)
        await wait_until(pilot, lambda: all(p.result is not None for p in app.pins), 60, "pins")
        assert app.current_session() == TWO
        # Each pin keeps its own start in the session, and runs from the run's (a race).
        assert [p.spec.start2 for p in app.pins] == [1 / 3, -2.0, 2.0]
        assert [p.result.spec.starts for p in app.pins] == [TWO.params.spec.starts] * 3
