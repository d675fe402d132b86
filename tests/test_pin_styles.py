"""No two pins on the board share a colour and marker, though pin numbers are never reused."""

from __future__ import annotations

import random

from tui.engine.spec import RunSpec
from tui.model.pins import MAX_PINS, STYLES, PinBoard


def test_pin_9_beside_pin_1_gets_a_style_of_its_own() -> None:
    board = PinBoard()
    for _ in range(MAX_PINS):
        board.add(RunSpec(), None)
    board.remove(2)  # #2's style is free again; #1 keeps its own
    ninth = board.add(RunSpec(lr=0.5), None)
    assert ninth.number == 9
    assert ninth.style == STYLES[1] and ninth.style != board.find(1).style  # type: ignore[union-attr]


def test_random_pinning_never_repeats_a_style_on_the_board() -> None:
    rng = random.Random(7)
    board = PinBoard()
    for _ in range(500):
        if board.pins and (board.full or rng.random() < 0.45):
            board.remove(rng.choice(board.numbers()))
        else:
            board.add(RunSpec(), None)
        styles = [pin.style for pin in board.pins]
        assert len(set(styles)) == len(styles), board.numbers()
        assert {pin.color for pin in board.pins} == {c for c, _ in styles}


def test_a_restored_board_styles_its_pins_by_number() -> None:
    board = PinBoard.restored((RunSpec(), RunSpec(lr=0.5)), 0)
    assert [pin.style for pin in board.pins] == [STYLES[0], STYLES[1]]
