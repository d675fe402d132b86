"""The theory panel: the contraction factor, the regime, the critical and optimal rates.

Every sentence is checked against the run it sits beside: the theory predicts only for the runs
it models (plain descent at a constant rate), a local estimate the run contradicts says so and
calls the regime unknown, and the measured steps are the status line's (one definition, in
:func:`tui.engine.analysis.steps_to_tolerance`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from textual.content import Content
from textual.geometry import Size
from textual.widgets import Static

from tui.app.widgets.status import update_text
from tui.engine.losses import parse_loss
from tui.engine.result import RunResult
from tui.engine.spec import RunSpec
from tui.i18n import t

if TYPE_CHECKING:
    from tui.engine.theory import Theory

#: The parsed statements a panel keeps: those of its last few theories.
STATEMENTS_KEPT = 32

#: A number in the theory's words (``0.998738``, ``6,890``, ``1e-06``, ``-3``).
_NUMBER = re.compile(r"[-+]?\d[\d,.]*(?:e[-+]?\d+)?")


def describe(
    theory: Theory | None, result: RunResult, tol: float, curvature: float | None = None
) -> str:
    """Two lines of theory for ``result`` (Textual markup), or why there is none.

    ``curvature`` is the loss's curvature at w0 as the engine measured it (``None`` if not),
    which says why a loss that is not quadratic has no theory.
    """
    # (The theory's module loads with the first result, not on the way to the first frame.)
    from tui.engine.theory import contradiction, models, no_minimum, why_no_theory

    expr = parse_loss(result.loss_expr)
    if theory is None or no_minimum(expr) is not None:
        return t("theory.none", why=why_no_theory(expr, result.spec.w0, curvature))
    measured = result.status.steps_to_tol
    common = {
        "scope": t("theory.exact") if theory.exact else t("theory.estimate"),
        "where": "L" if theory.exact else t("theory.local_L"),
        "curvature": f"{theory.curvature:g}",
        "critical": f"{theory.critical_lr:g}",
        "optimal": f"{theory.optimal_lr:g}",
        "tol": f"{tol:g}",
        "measured": (
            t("theory.not_in", steps=len(result.w)) if measured is None else f"{measured:,}"
        ),
    }
    if not models(result.spec):
        return t("theory.unmodeled", what=_unmodeled(result.spec), **common)
    q = f"{theory.contraction:.6g}"
    seen = contradiction(theory, result, tol)
    if seen is not None:
        key = "theory.contradicted_exact" if theory.exact else "theory.contradicted_local"
        return t(
            key, q=q, unknown=t("theory.unknown"), regime=theory.regime.label, seen=seen, **common
        )
    predicted = theory.predicted_steps(tol, result.spec.w0)
    return t(
        "theory.text",
        q=q,
        regime=theory.regime.label,
        predicted=t("theory.never") if predicted is None else f"{predicted:,}",
        why=theory.why,
        **common,
    )


def _unmodeled(spec: RunSpec) -> str:
    """What the run uses that the theory does not model: its optimizer, schedule, warm-up."""
    parts = []
    if not spec.plain:
        parts.append(t("theory.what_optimizer", optimizer=t(f"choice.{spec.optimizer}")))
    if spec.decay is not None or spec.schedule is not None:
        parts.append(t("theory.what_schedule", schedule=t(f"choice.{spec.schedule_kind}")))
    if spec.warmup:
        parts.append(t("theory.what_warmup"))
    return t("theory.joiner").join(parts)


class TheoryPanel(Static):
    """What theory says of the current rate, beside what the run did.

    The theory is a few statements, one a line of its markup. The panel shows the first and
    then as many more, whole, as fit in its ``max-height`` (the stylesheet lowers it on a short
    screen), so a sentence is never cut off at the bottom: a statement that does not fit gives
    way entirely. ``content`` stays the whole theory.

    The panel does not shrink while only its numbers change: it keeps the most rows it took
    for the same words at its width and height limit. A nudged rate's numbers wrap its
    statements to one row more or less (at 120x40 the lesson's theory took 3 rows at lr 0.01
    and 4 at 0.0125893): the chart over it jumped a row at such keys, and each of them laid out
    the whole screen again, the fields and the log with it. Other words (another regime, a
    schedule the theory does not model, a new loss), a resize or a new limit measure afresh.
    """

    DEFAULT_CSS = """
    TheoryPanel {
        height: auto;
        max-height: 5;
        padding: 0 1;
        color: $text-muted;
    }
    """

    _made: tuple[tuple[object, ...], Content, int] | None = None

    #: Each statement's markup -> its content (:meth:`_parsed`); made at the first.
    _statements: dict[str, Content] | None = None

    #: (words, width, height limit) -> the most rows the panel has taken for them.
    _tallest: tuple[tuple[object, ...], int] | None = None

    def show(
        self, theory: Theory | None, result: RunResult, tol: float, curvature: float | None = None
    ) -> None:
        """Show the theory of ``result``'s rate (``curvature``: the engine's, at w0)."""
        # The same words are not drawn again; new ones of the same height are only redrawn.
        update_text(self, describe(theory, result, tol, curvature))

    def _height(self, width: int) -> int:
        """The rows the statements shown at ``width`` take (a layout asks, and each new text
        asks twice: wrapped once per text and width)."""
        if not width:
            return 0
        self._shown(width)
        assert self._made is not None
        rows = self._made[2]
        if not rows:
            return 0
        key = (_NUMBER.sub("#", str(self.content)), width, self.styles.max_height)
        if self._tallest is not None and self._tallest[0] == key:
            rows = max(rows, self._tallest[1])
        self._tallest = (key, rows)
        return rows

    def statements(self) -> list[str]:
        """The theory's statements (markup), one a line, all of them."""
        return str(self.content).split("\n")

    def shown_statements(self, width: int | None = None) -> list[str]:
        """The statements the panel shows at ``width`` cells of text (default: its own): the
        first, then each next one while the lines wrapped at words fit in ``max-height``."""
        width = self.size.width if width is None else width
        statements = self.statements()
        if width <= 0:
            return statements[:1]
        limit = self.styles.max_height
        budget = int(limit.value) if limit is not None and limit.is_cells else None
        shown = statements[:1]
        rows = self._rows(shown[0], width)
        for statement in statements[1:]:
            rows += self._rows(statement, width)
            if budget is not None and rows > budget:
                break
            shown.append(statement)
        return shown

    def _rows(self, statement: str, width: int) -> int:
        """How many lines ``statement`` (markup) takes, wrapped at words at ``width`` cells
        (the panel's default wrapping, as it renders)."""
        return len(self._parsed(statement).wrap(width))

    def _parsed(self, statement: str) -> Content:
        """``statement``'s markup as content, parsed once while its words are shown (a new
        theory's statements were parsed to count their rows, then again all together)."""
        if self._statements is None:
            self._statements = {}
        parsed = self._statements.get(statement)
        if parsed is None:
            if len(self._statements) >= STATEMENTS_KEPT:
                self._statements.clear()
            parsed = self._statements[statement] = Content.from_markup(statement)
        return parsed

    def _shown(self, width: int) -> Content:
        """The statements shown at ``width``, wrapped; made once per text, width and height
        limit (a layout asks for the height, then the drawing for the lines)."""
        key = (str(self.content), width, self.styles.max_height)
        if self._made is not None and self._made[0] == key:
            return self._made[1]
        shown = Content("\n").join(self._parsed(line) for line in self.shown_statements(width))
        self._made = (key, shown, len(shown.wrap(width)) if width else 0)
        return shown

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """The height of the statements shown at ``width``."""
        return self._height(width)

    def render(self) -> Content:
        """The statements that fit, wrapped at words."""
        return self._shown(self.size.width)
