"""The chart's ticks and series styles: plain functions of numbers, testable without a screen.

plotext 5.3.2 labels its own ticks with every digit of the value (a divergent run showed
``13096726681010081139540361216``, which squeezed the plot), puts fractional ticks on the step
axis, and can print ``-0.0``; the chart sets every tick and label itself with these.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tui.model.pins import STYLES, Pin

#: Values at least this large (in magnitude) are labelled in scientific notation ...
SCI_LARGE = 1e5
#: ... and so are nonzero values below this one.
SCI_SMALL = 1e-3


def _exponent(value: float) -> int:
    """The power of ten of ``value``'s leading digit (``value`` nonzero and finite)."""
    return math.floor(math.log10(abs(value)))


def _compact(text: str) -> str:
    """``1.2e+31`` as ``1.2e31``, ``2e-05`` as ``2e-5``, ``1.0e28`` as ``1e28``."""
    mantissa, exponent = text.split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def tick_label(value: float, step: float, scientific: bool) -> str:
    """``value``, a multiple of ``step``, with just the digits the step needs; never ``-0``."""
    if value == 0:
        return "0"
    if scientific:
        digits = max(0, _exponent(value) - _exponent(step))
        return _compact(f"{value:.{digits}e}")
    decimals = max(0, -_exponent(step))
    return f"{value:.{decimals}f}"


def nice_step(span: float, most: int) -> float:
    """The smallest of 1, 2, 5 times a power of ten that cuts ``span`` into at most
    ``most - 1`` steps (``span`` > 0)."""
    raw = span / max(1, most - 1)
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 5.0, 10.0):
        if factor * power >= raw * (1 - 1e-9):
            return factor * power
    return 10.0 * power  # pragma: no cover - the loop always returns


def _smaller(step: float) -> float:
    """The round step below ``step`` (5 below 10, 2 below 5, 1 below 2)."""
    power = 10.0 ** _exponent(step)
    mantissa = round(step / power)
    return {1: 0.5, 2: 1.0, 5: 2.0}.get(mantissa, 1.0) * power


def padded(low: float, high: float, share: float = 0.04) -> tuple[float, float]:
    """``low``..``high`` widened by ``share`` of the span on each side (a single value by a
    tenth of its size, or by 1 at 0), so that no curve runs along the frame."""
    if high > low:
        pad = (high - low) * share
        if math.isfinite(pad) and pad > 0:
            return low - pad, high + pad
        return low, high
    pad = abs(low) * 0.1 or 1.0
    return low - pad, high + pad


def linear_ticks(
    low: float, high: float, most: int, *, whole: bool = False
) -> tuple[list[float], list[str]]:
    """At most ``most`` ticks over ``low``..``high`` at a round step, and their labels:
    scientific notation for large or small values, whole numbers only if ``whole``."""
    if not math.isfinite(high - low) or high < low:
        return [], []
    if high == low:
        return [low], [tick_label(low, abs(low) or 1.0, _scientific(low, low))]
    step = nice_step(high - low, max(2, most))
    if whole:
        step = float(max(1, round(step)))
    first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
    while last - first < 1 and not (whole and step == 1):  # at least two ticks: a scale
        step = _smaller(step)
        first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
    scientific = _scientific(low, high)
    ticks = [k * step if k else 0.0 for k in range(first, last + 1)]
    return ticks, [tick_label(tick, step, scientific) for tick in ticks]


def _scientific(low: float, high: float) -> bool:
    """Whether an axis over ``low``..``high`` is labelled in scientific notation."""
    largest = max(abs(low), abs(high))
    return largest >= SCI_LARGE or 0 < largest < SCI_SMALL


@dataclass(frozen=True)
class Style:
    """How one series is drawn: a plotext colour and marker, and the glyph the legend shows."""

    color: str | int
    marker: str
    glyph: str


#: The current run's series: a colour each, and a marker each (braille dots for the loss,
#: bullets for w), so that they differ with colour and without it (``NO_COLOR``).
RUN_STYLES: dict[str, Style] = {
    "loss": Style("cyan", "braille", "⢕"),
    "w": Style("orange", "dot", "•"),
    "lr": Style("green", "braille", "⢕"),
    "path": Style("orange", "dot", "•"),
}

#: The pins' colours as xterm-256 indices, in the order of :data:`tui.model.pins.STYLES`:
#: the colour of a pin's loss (and lr), and a lighter one of the same hue for its w. plotext
#: 5.3.2 knows no ``yellow`` nor ``bright-red``: it drew such a pin in the next colour of its
#: theme's sequence (``red+`` beside a ``red`` pin), so two pins could look alike.
PIN_COLORS: tuple[tuple[int, int], ...] = (
    (196, 217),  # red
    (34, 120),  # green
    (163, 213),  # magenta
    (178, 228),  # yellow
    (33, 117),  # blue
    (246, 254),  # grey, for the model's white
    (202, 216),  # orange-red, for bright red
    (106, 157),  # olive, for bright green
)

#: The markers of the pins' w, per slot; their loss (and lr) has the pin's own marker, the
#: one the comparison table shows.
PIN_W_MARKERS = ("=", "~", "^", "$", "?", "!", "<", ">")


def pin_style(pin: Pin, series: str) -> Style:
    """The style of ``pin``'s ``series`` (``loss``, ``w``, ``lr`` or ``path``): its loss has the
    pin's own marker (the one the comparison table shows), in the colour that stands for the
    pin's own; its w a marker of its own in a lighter colour of the same hue."""
    style = (pin.color, pin.marker)
    slot = STYLES.index(style) if style in STYLES else (pin.number - 1) % len(STYLES)
    loss_color, w_color = PIN_COLORS[slot]
    if series == "w":
        w_marker = PIN_W_MARKERS[slot]
        return Style(w_color, w_marker, w_marker)
    return Style(loss_color, pin.marker, pin.marker)
