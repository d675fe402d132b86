"""A valid set of parameters, the tolerance's rule, and the presets: the lesson's three, and
five losses of two parameters."""

from __future__ import annotations

from dataclasses import dataclass

from tui.engine.losses import SEED_LOSS
from tui.engine.spec import DEFAULT_TOL, ParameterError, RunSpec, check_finite, parse_number
from tui.i18n import msg


@dataclass(frozen=True)
class Params:
    """A valid set of parameters: the run, the loss, and the tolerance runs are measured by."""

    spec: RunSpec
    loss: str
    tol: float = DEFAULT_TOL


def check_tolerance(value: float) -> float:
    """The convergence tolerance if it is a finite number above 0 (the command line's rule)."""
    check_finite("tol", value)
    if value <= 0:
        raise ParameterError("tol", msg("field.above_0"))
    return float(value)


def parse_tolerance(text: str) -> float:
    """Parse the convergence tolerance: a finite number above 0."""
    return check_tolerance(parse_number("tol", text))


#: The lesson's bowl stretched: the Hessian is diag(2, 20), so 2/λ2 = 0.1 is the critical rate.
STRETCHED_BOWL = "(w1 + 1)**2 + 10*(w2 - 1)**2"

#: The same condition (λ = 4 and 40, κ = 10) turned by 45 degrees: the steep direction is
#: w1 - w2, the flat one w1 + w2, both coordinates in each; the minimum at (1, 1).
ROTATED_BOWL = "(w1 + w2 - 2)**2 + 10*(w1 - w2)**2"

#: Rosenbrock's valley: the minimum at (1, 1) at the end of a long curved floor.
ROSENBROCK = "(1 - w1)**2 + 100*(w2 - w1**2)**2"

#: A saddle at (0, 0): λ = 2 along w1, -2 along w2.
SADDLE = "w1**2 - w2**2"

#: A surface with several minima: the lowest near (-1.3, 0), others near (1.27, ±2.57).
MINIMA = "sin(w1)*cos(w2) + 0.1*(w1**2 + w2**2)"

#: The lesson's three experiments, on keys 1, 2 and 3; then the losses of two parameters on
#: 4 to 8, each on a rate that shows its point (see the help):
#:
#: 4. the stretched bowl at lr 0.095, near 2/λ2 = 0.1: w2's factor 1 - 0.095·20 = -0.9 makes it
#:    zig-zag across the steep direction for all 60 steps (the run oscillates), while w1
#:    shrinks by 0.81 a step; the best constant rate 2/(λ1 + λ2) = 1/11 converges in 44;
#: 5. the rotated bowl at lr 0.045 (2/λ2 = 0.05): the factor -0.8 along w1 - w2 swings w1 and
#:    w2 both, the zig-zag across the diagonal valley, converged at step 44;
#: 6. Rosenbrock from (-1.2, 1) at lr 0.002, above the start's critical rate 2/λ2 ≈ 0.0013
#:    (λ2 ≈ 1506 there): it zig-zags across the walls at first, then crawls along the floor,
#:    2,000 steps still short of (1, 1);
#: 7. the saddle from (1.5, 0.001) at lr 0.1: w1 shrinks by 0.8 a step, w2 grows by 1.2 (the
#:    negative eigenvalue), so the run lingers near (0, 0) and then leaves it, the loss falling
#:    without end;
#: 8. the several minima from (2, 2) at lr 0.1: descent settles in the nearest valley,
#:    (1.27, 2.57), loss 0.018, not the lowest one near (-1.3, 0).
PRESETS: dict[int, Params] = {
    1: Params(RunSpec(w0=5.0, lr=0.01, epochs=20), SEED_LOSS),
    2: Params(RunSpec(w0=5.0, lr=0.99, epochs=20), SEED_LOSS),
    3: Params(RunSpec(w0=5.0, lr=0.2, epochs=20, decay=0.99, decay_steps=1.0), SEED_LOSS),
    4: Params(RunSpec(w0=5.0, start2=2.0, lr=0.095, epochs=60), STRETCHED_BOWL),
    5: Params(RunSpec(w0=-2.0, start2=3.0, lr=0.045, epochs=60), ROTATED_BOWL),
    6: Params(RunSpec(w0=-1.2, start2=1.0, lr=0.002, epochs=2000), ROSENBROCK),
    7: Params(RunSpec(w0=1.5, start2=0.001, lr=0.1, epochs=40), SADDLE),
    8: Params(RunSpec(w0=2.0, start2=2.0, lr=0.1, epochs=200), MINIMA),
}
