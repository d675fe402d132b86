"""Pinned runs: a rate (and schedule) kept for comparison while the shared parameters change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from tui.engine.result import RunResult
from tui.engine.spec import BETA_OPTIMIZERS, RunSpec
from tui.i18n import t

#: At most this many pins; each has its own colour and marker.
MAX_PINS = 8

#: Per pin: a plotext colour and a marker character, so that colour is never the only cue.
STYLES: tuple[tuple[str, str], ...] = (
    ("red", "x"),
    ("green", "+"),
    ("magenta", "o"),
    ("yellow", "*"),
    ("blue", "#"),
    ("white", "@"),
    ("bright-red", "%"),
    ("bright-green", "&"),
)


@dataclass(frozen=True)
class Pin:
    """A pinned run: its own rate, schedule and optimizer; the start (w0, and w2's), epochs
    and the loss are shared."""

    number: int
    spec: RunSpec
    result: RunResult | None = None
    slot: int | None = None
    """Its place in :data:`STYLES` (``None``: by its number). A board gives each pin a slot no
    other pin on it has: numbers are never reused, so #1 and #9 would share a style."""

    @property
    def style(self) -> tuple[str, str]:
        """Its plotext colour and marker."""
        slot = self.number - 1 if self.slot is None else self.slot
        return STYLES[slot % len(STYLES)]

    @property
    def color(self) -> str:
        """Its plotext colour."""
        return self.style[0]

    @property
    def marker(self) -> str:
        """Its plotext marker."""
        return self.style[1]

    @property
    def label(self) -> str:
        """A short name for legends: ``#2 lr 0.99``, then its schedule and optimizer if any."""
        spec = self.spec
        text = f"#{self.number} lr {spec.lr:g}"
        if spec.decay is not None:
            text += f" x{spec.decay:g}"
        elif spec.schedule is not None:
            text += f" {spec.schedule.kind}"
        if spec.warmup:
            text += f" +w{spec.warmup}"
        if not spec.plain:
            text += f" {spec.optimizer}"
        return text

    def schedule_text(self) -> str:
        """Its schedule, rate and optimizer, for the comparison table."""
        spec = self.spec
        if spec.decay is not None:
            stair = t("pins.stair") if spec.staircase else ""
            text = f"{spec.lr:g}*{spec.decay:g}^(s/{spec.decay_steps:g}){stair}"
        elif spec.schedule is not None:
            text = f"{spec.schedule.kind} {spec.lr:g} T{spec.schedule.steps:g}"
        else:
            text = f"constant {spec.lr:g}"
        if spec.warmup:
            text += t("pins.warm", steps=spec.warmup)
        if not spec.plain:
            beta = f" b{spec.beta:g}" if spec.optimizer in BETA_OPTIMIZERS else ""
            text += f", {spec.optimizer}{beta}"
        return text


def shared(pin_spec: RunSpec, current: RunSpec) -> RunSpec:
    """The pin's rate and schedule with the current run's start (w0, and w2's for a loss of two
    parameters) and epochs: pins race from the same point."""
    return replace(pin_spec, w0=current.w0, start2=current.start2, epochs=current.epochs)


def race(pins: Sequence[Pin]) -> dict[int, str]:
    """Who reached the tolerance first among ``pins`` (an optimizer race): the numbers of the
    pins with the fewest steps to the tolerance, each ``"first"``, or ``"tied"`` if more than
    one has that count. Nothing until there are two pins and each has its result, or when
    none reached the tolerance (the table says ``never`` of each)."""
    if len(pins) < 2 or any(pin.result is None for pin in pins):
        return {}
    steps = {pin.number: pin.result.status.steps_to_tol for pin in pins if pin.result is not None}
    reached = {number: k for number, k in steps.items() if k is not None}
    if not reached:
        return {}
    fewest = min(reached.values())
    winners = [number for number, k in reached.items() if k == fewest]
    mark = "first" if len(winners) == 1 else "tied"
    return dict.fromkeys(winners, mark)


@dataclass
class PinBoard:
    """The pins (oldest first), the baseline (the number of the pin the others are compared
    with) and the number the next pin gets: numbers are never reused while the board lives."""

    pins: list[Pin] = field(default_factory=list)
    baseline: int | None = None
    next_number: int = 1

    @property
    def full(self) -> bool:
        """Whether :data:`MAX_PINS` are pinned."""
        return len(self.pins) >= MAX_PINS

    def numbers(self) -> tuple[int, ...]:
        """The pins' numbers, oldest first."""
        return tuple(pin.number for pin in self.pins)

    def find(self, number: int) -> Pin | None:
        """Pin ``number``, if it is on the board."""
        return next((pin for pin in self.pins if pin.number == number), None)

    def add(self, spec: RunSpec, result: RunResult | None) -> Pin:
        """Pin ``spec`` (and its ``result``) in the first style no pin on the board has; the
        first pin becomes the baseline. The caller checks :attr:`full` first."""
        if self.full:
            raise ValueError(f"at most {MAX_PINS} pins")
        taken = {p.style for p in self.pins}
        slot = next(i for i in range(len(STYLES)) if STYLES[i] not in taken)
        pin = Pin(self.next_number, spec, result, slot)
        self.next_number += 1
        self.pins = [*self.pins, pin]
        if self.baseline is None:
            self.baseline = pin.number
        return pin

    def remove(self, number: int) -> None:
        """Unpin ``number``; if it was the baseline, the oldest pin left becomes it."""
        self.pins = [pin for pin in self.pins if pin.number != number]
        if self.baseline == number:
            self.baseline = self.pins[0].number if self.pins else None

    def clear(self) -> None:
        """Unpin all (the numbers go on from where they were)."""
        self.pins = []
        self.baseline = None

    def set_baseline(self, number: int) -> None:
        """Compare the other pins with pin ``number``."""
        self.baseline = number

    def baseline_index(self) -> int | None:
        """The baseline's place among the pins (what a session keeps), or ``None``."""
        numbers = self.numbers()
        return numbers.index(self.baseline) if self.baseline in numbers else None

    @classmethod
    def restored(cls, specs: tuple[RunSpec, ...], baseline: int | None) -> PinBoard:
        """The board a session describes: its pins numbered from 1 (no results yet), the
        baseline given by its place among them."""
        pins = [Pin(number, spec) for number, spec in enumerate(specs, start=1)]
        return cls(pins, None if baseline is None else baseline + 1, len(pins) + 1)
