"""The theory's rates on the lr range test: which lines to draw, and the readout's words.

For a loss of ``w`` the explorer's :class:`~tui.engine.theory.Theory` gives the critical rate
2/L and the optimal 1/L. For a loss of ``w1`` and ``w2`` the range test makes its own
:class:`~tui.engine.theory_plane.PlaneTheory` from the parameters (exact for a quadratic) and,
for any other loss, from the engine's Hessian at the starts (its reply to the sweep brings it):
the critical rate 2/λ2 and the best constant rate 2/(λ1 + λ2), said to be local when the
loss is not a quadratic. The lines are drawn only where they are true of every run swept: the
runs are plain descent at one constant rate (the rates are those of that iteration), and the
landscape has a lowest loss (a saddle or any loss without a minimum has no such rates: the
readout says so instead). The explorer's lr plots mark the same rates by the same rule
(:func:`chart_rates`; :func:`why_no_lines` is the rule).

Like the rest of the UI, this module never imports TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.engine.losses import parse_loss
from tui.engine.plane_quadratic import Landscape, LocalHessian
from tui.engine.spec import RunSpec
from tui.engine.theory import Theory, no_minimum
from tui.engine.theory_plane import PlaneTheory, plane_theory_for
from tui.i18n import t
from tui.model.params import Params

#: The colours of the critical rate's line and the best (or optimal) rate's.
CRITICAL_COLOR = "red"
BEST_COLOR = "green"


@dataclass(frozen=True)
class TheoryMarks:
    """What the range test shows of the theory: ``lines``, each a rate, its plot colour and its
    legend's words, and ``words``, the readout's sentence (empty where there is no theory)."""

    lines: tuple[tuple[float, str, str], ...] = ()
    words: str = ""


def plane_theory_of_sweep(params: Params, hessian: LocalHessian | None) -> PlaneTheory | None:
    """The two-parameter theory of ``params`` (``hessian``: the engine's at the starts, for a
    loss that is not quadratic); ``None`` for a loss of ``w``, or where there is none. Never
    raises (a theory that cannot be made is no theory)."""
    spec = params.spec
    if spec.start2 is None:
        return None
    try:
        expr = parse_loss(params.loss)
        return plane_theory_for(expr, spec, (spec.w0, spec.start2), hessian)
    except (ValueError, ArithmeticError):
        return None


def _unmodelled(spec: RunSpec) -> str | None:
    """Why the theory's rates are not those of ``spec``'s runs (another optimizer, a rate that
    changes), or ``None`` if they are."""
    if not spec.plain:
        return t("sweep.theory_not_plain", optimizer=spec.optimizer)
    if spec.decays:
        return t("sweep.theory_not_constant")
    return None


def _scope(plane: PlaneTheory) -> str:
    """Whose theory ``plane`` is: exact, or local at the starts."""
    local = "" if plane.exact else "_local"
    return t(f"sweep.theory_scope{local}", w1=plane.start[0], w2=plane.start[1])


def why_no_lines(
    spec: RunSpec, loss: str, theory: Theory | None, plane: PlaneTheory | None
) -> str | None:
    """Why the theory's critical and best (or optimal) rates are not drawn beside runs of
    ``spec`` on ``loss``, in the range test's words (empty where it says nothing), or ``None``
    where they are true of those runs: plain descent at one constant rate, on a loss with a
    lowest point (none for a polynomial in ``w`` without a minimum, a saddle, a landscape
    without a minimum or a flat one). ``theory`` is a loss of ``w``'s, ``plane`` a loss of
    ``w1`` and ``w2``'s. The range test's lines and the explorer's lr plots both follow it."""
    if spec.start2 is None:
        if theory is None:
            return ""
        why = _unmodelled(spec)
        if why is not None:
            return why
        try:
            whole = no_minimum(parse_loss(loss))
        except ValueError:
            return ""
        return None if whole is None else t("sweep.theory_none", why=str(whole))
    if plane is None:
        return t("sweep.theory_plane_none")
    why = _unmodelled(spec)
    if why is not None:
        return why
    if plane.landscape is Landscape.SADDLE:
        return t("sweep.theory_saddle", scope=_scope(plane))
    if plane.minimum_loss is None:
        return t("sweep.theory_no_minimum", scope=_scope(plane), landscape=plane.landscape.label)
    if plane.critical_lr is None:  # flat: the Hessian is 0 (a constant, or so at the start)
        return t("sweep.theory_flat", scope=_scope(plane), landscape=plane.landscape.label)
    return None


def chart_rates(
    spec: RunSpec, loss: str, theory: Theory | None, plane: PlaneTheory | None
) -> dict[str, float]:
    """The rates the explorer's lr plots mark for a run of ``spec`` on ``loss``, by their
    labels, critical first: 2/L and 1/L for a loss of ``w`` (``theory``), 2/λ2 and 2/(λ1 + λ2)
    for a loss of ``w1`` and ``w2`` (``plane``); none where :func:`why_no_lines` says why."""
    if why_no_lines(spec, loss, theory, plane) is not None:
        return {}
    if theory is not None and spec.start2 is None:
        local = _local(theory.exact)
        return {
            t(f"plot.critical{local}"): theory.critical_lr,
            t(f"plot.optimal{local}"): theory.optimal_lr,
        }
    assert plane is not None and plane.critical_lr is not None  # why_no_lines says so
    local = _local(plane.exact)
    rates = {t(f"plot.critical_plane{local}"): plane.critical_lr}
    if plane.best_lr is not None:
        rates[t(f"plot.best_plane{local}")] = plane.best_lr
    return rates


def _local(exact: bool) -> str:
    """The suffix of a catalogue key whose words say a rate is the local model's estimate (a
    loss that is not quadratic), not the loss's own."""
    return "" if exact else "_local"


def theory_marks(
    params: Params, theory: Theory | None, plane: PlaneTheory | None, colored: bool = True
) -> TheoryMarks:
    """The theory's lines and words for the range test of ``params``: ``theory`` is a loss of
    ``w``'s, ``plane`` a loss of ``w1`` and ``w2``'s (see :func:`plane_theory_of_sweep`). The
    words name each line's colour only if the lines are ``colored`` (not under ``NO_COLOR``)."""
    colors = {
        "green": t("sweep.color.green") if colored else "",
        "red": t("sweep.color.red") if colored else "",
    }
    spec = params.spec
    why = why_no_lines(spec, params.loss, theory, plane)
    if why is not None:
        return TheoryMarks(words=why)
    if spec.start2 is None:
        assert theory is not None  # why_no_lines says so
        local = _local(theory.exact)
        critical, optimal = theory.critical_lr, theory.optimal_lr
        return TheoryMarks(
            (
                (critical, CRITICAL_COLOR, t(f"sweep.legend.critical{local}", lr=critical)),
                (optimal, BEST_COLOR, t(f"sweep.legend.optimal{local}", lr=optimal)),
            ),
            t(f"sweep.theory{local}", optimal=optimal, critical=critical, w0=theory.w0, **colors),
        )
    assert plane is not None and plane.critical_lr is not None  # why_no_lines says so
    local = _local(plane.exact)
    lines = []
    said = []
    if plane.best_lr is not None:
        lines.append(
            (plane.best_lr, BEST_COLOR, t(f"sweep.legend.best_plane{local}", lr=plane.best_lr))
        )
        said.append(t("sweep.theory.best_plane", lr=plane.best_lr, **colors))
    lines.append(
        (
            plane.critical_lr,
            CRITICAL_COLOR,
            t(f"sweep.legend.critical_plane{local}", lr=plane.critical_lr),
        )
    )
    said.append(t("sweep.theory.critical_plane", lr=plane.critical_lr, **colors))
    return TheoryMarks(
        tuple(lines),
        t("sweep.theory_plane", scope=_scope(plane), rates=t("sweep.comma").join(said)),
    )
