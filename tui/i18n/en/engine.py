"""engine messages of the en catalogue: refused parameters and losses, outcomes, the theory."""

MESSAGES: dict[str, str] = {
    "i18n.unknown": "unknown language {code!r} (one of {known})",
    # spec.py (and descent.py): a refused parameter is "{name}: {reason}"
    "spec.error": "{name}: {reason}",
    "spec.unknown_schedule": "unknown schedule {kind} (one of {known})",
    "spec.unknown_optimizer": "unknown optimizer {name} (one of {known})",
    "spec.above_0": "must be above 0",
    "spec.at_least_0": "must be 0 or more",
    "spec.at_least_1": "must be at least 1",
    "spec.at_most": "must be at most {max:,}",
    "spec.fraction": "must be from 0 to 1 (a fraction of lr)",
    "spec.factors_count": "need one more than the boundaries: {wanted}, not {given}",
    "spec.boundaries_empty": "need at least one step where the rate changes",
    "spec.boundaries_whole": "must be whole steps from 0 to {max:,}",
    "spec.boundaries_rise": "must rise: each step after the one before",
    "spec.start_float32": "must fit in float32 (|{name}| <= {max:.4g})",
    "spec.start2_missing": "a loss of w1 and w2 needs a start for w2 as well as for w1",
    "spec.start2_unused": "a loss of w alone has no w2: give only w0",
    "spec.lr_negative": "must be 0 or more (this is gradient descent)",
    "spec.lr_float32": "must fit in float32 (lr <= {max:.4g})",
    "spec.decay_and_schedule": "exponential decay and a schedule exclude each other",
    "spec.whole": "must be a whole number, not {value}",
    "spec.warmup_range": "must be from 0 to {max:,} steps",
    "spec.beta_range": "must be from 0 up to, not including, 1",
    "spec.empty": "empty; type a number",
    "spec.not_number": "not a number: {value}",
    "spec.not_finite": "must be finite, not {value}",
    "spec.steps_range": "must be a whole number of steps from 0 to {max:,}",
    "spec.list": "give a list separated by commas, e.g. 100, 500",
    "spec.cells": "{runs} runs x {epochs:,} steps exceed {cells:,} cells",
    # memory.py
    "spec.memory": (
        "{runs} runs x {epochs:,} steps need about {need} of memory (engine {engine}, "
        "explorer {ui}), and this machine has {available} available: ask for fewer steps or runs"
    ),
    "spec.hub_steps": "the classroom server runs at most {most:,} steps per run; this one asks for {steps:,}",
    "spec.hub_runs": "the classroom server runs at most {most:,} runs (rates) at once; this asks for {count:,}",
    "spec.hub_cells": "the classroom server runs at most {most:,} steps x runs at once; this asks for {runs:,} x {steps:,} = {cells:,}",
    # spec.py: OPTIMIZER_UPDATES (the others are code)
    "optimizer.gd": "the lesson's w -= lr * grads (default; bit-exact)",
    # gradients.py, server.py: playback's written-out update
    "loss.update_one_parameter": "the update is written out for a loss of w alone",
    "spec.update_points": "at most {most} values of w at once, not {count:,}",
    # sweep.py
    "sweep.low_high": "needs 0 < low < high, not {low:g} .. {high:g}",
    "sweep.rates_count": "must be from 2 to {max}, not {count}",
    # schedules.py: FORMULAS, WARMUP_FORMULA and formula() (the math stays as it is)
    "schedule.exponential": "lr * decay^(s / T), floor(s / T) with staircase",
    "schedule.piecewise": "lr * f[i], i = how many boundaries b have s > b",
    "schedule.inverse-time": "lr / (1 + rate * s / T), floor(s / T) with staircase",
    "schedule.polynomial": "(lr - end) * (1 - min(s, T) / T)^power + end, end = alpha * lr",
    "schedule.cosine-restarts": "cosine to alpha * lr over T, T * t_mul, ...; peaks x m_mul",
    "schedule.warmup": "lr * s / W for s < W, then the schedule at step s - W",
    "schedule.with_warmup": "{lr} * s / {warmup} for s < {warmup}, then {text} at s - {warmup}",
    "schedule.piecewise_formula": "{lr} * [{pieces}] split after steps [{bounds}]",
    "schedule.polynomial_formula": (
        "({lr} - end) * (1 - min(s, {steps}) / {steps})^{power} + end, end = {alpha} * {lr}"
    ),
    "schedule.polynomial_formula_cycle": (
        "({lr} - end) * (1 - min(s, {steps}) / {steps})^{power} + end, end = {alpha} * {lr}"
        ", cycling"
    ),
    "schedule.restarts_formula": (
        "{lr} * cosine to {alpha} over {steps} steps, periods x{t_mul}, peaks x{m_mul}"
    ),
    # analysis.py: Outcome.label, str(Status) and Status.reason
    "outcome.converged": "converged",
    "outcome.descending": "still descending",
    "outcome.rising": "loss rising",
    "outcome.oscillating": "oscillating",
    "outcome.stalled": "stalled",
    "outcome.diverged": "diverged",
    "outcome.at_step": "{outcome} at step {step}",
    "outcome.at_start": "{outcome} from the start",
    "status.w_overflowed": "w overflowed to {value}",
    "status.loss_overflowed": "the loss overflowed to {value}",
    "status.rose": "the loss rose above its starting value",
    "status.loss_tol": "loss <= {tol:g}",
    "status.loss_min_tol": "the loss is within {tol:g} of its minimum, {floor:g}",
    "status.gradient_tol": "|gradient| <= {tol:g}",
    "status.lr_zero": "w stopped moving: lr is 0",
    "status.below_resolution": "w stopped moving: each step is below float32's resolution at w",
    "status.jumps": "w jumps back and forth across the minimum",
    "status.falling": "the loss is still falling",
    "status.param_overflowed": "{name} overflowed to {value}",
    "status.lr_zero_two": "w1 and w2 stopped moving: lr is 0",
    "status.below_resolution_two": (
        "w1 and w2 stopped moving: each step is below float32's resolution there"
    ),
    "status.param_jumps": "{name} jumps back and forth",
    "status.loss_flat_two": (
        "the loss stopped changing: w1, w2 move, but the loss is the same to float32's resolution"
    ),
    "status.fell": "the loss fell over the last {steps} steps and never rose",
    "status.rising": "the loss rose over the last {steps} steps and never fell",
    "status.up_and_down": "the loss rose and fell over the last {steps} steps",
    "status.loss_flat": (
        "the loss stopped changing: w moves, but the loss is the same to float32's resolution"
    ),
    # theory.py: why_no_theory, contradiction; w0 and curvature are numbers as text
    "why.none_constant": "the loss does not depend on w: the gradient is 0 and w does not move",
    "why.none_linear": (
        "no minimum: the loss is linear in w, unbounded below, and falls as long as w moves"
    ),
    "why.none_unbounded": "no minimum: the loss is a polynomial unbounded below",
    "why.none_flat_at": (
        "unknown: the curvature at w0 = {w0} is 0, so the local model is a line, with no minimum"
    ),
    "why.none_concave_at": (
        "unknown: the loss curves downward at w0 = {w0} (curvature {curvature}),"
        " so the local model has no minimum"
    ),
    "why.none_unknown": "unknown: the curvature or the slope at w0 is not a finite number",
    "why.seen_diverged": "the run diverged",
    "why.seen_converged": "the run converged",
    "why.seen_turned": "w turned back before reaching the tolerance",
    "why.seen_one_way": "w only ever moved one way",
    "why.seen_not_by": "the run had not reached the tolerance by step {steps:,}",
    # theory.py: Regime.label and Theory.why; q, curvature and w0 are numbers as text
    "regime.still": "does not move",
    "regime.monotone": "monotone convergence",
    "regime.one_step": "one-step convergence",
    "regime.oscillating": "oscillating convergence",
    "regime.two_cycle": "2-cycle",
    "regime.diverging": "oscillating divergence",
    "why.still": "lr is 0: w does not move",
    "why.monotone": (
        "each step multiplies the distance to the minimum by q = {q}: w approaches from one side"
    ),
    "why.monotone_local": (
        "each step multiplies the distance to the minimum by about q = {q}"
        " (curvature {curvature} at w = {w0}): w approaches from one side"
    ),
    "why.one_step": "lr is 1/L, so q = 0: the first step lands on the minimum",
    "why.one_step_local": (
        "lr is 1/L, so q = 0 (curvature {curvature} at w = {w0}):"
        " the first step lands on the minimum"
    ),
    "why.oscillating": (
        "each step multiplies the distance to the minimum by q = {q}:"
        " w jumps across the minimum, closer each time"
    ),
    "why.oscillating_local": (
        "each step multiplies the distance to the minimum by about q = {q}"
        " (curvature {curvature} at w = {w0}): w jumps across the minimum, closer each time"
    ),
    "why.two_cycle": "lr is 2/L, so q = -1: w jumps back and forth between two points forever",
    "why.two_cycle_local": (
        "lr is 2/L, so q = -1 (curvature {curvature} at w = {w0}):"
        " w jumps back and forth between two points forever"
    ),
    "why.diverging": (
        "each step multiplies the distance to the minimum by q = {q}:"
        " w jumps across the minimum, farther each time"
    ),
    "why.diverging_local": (
        "each step multiplies the distance to the minimum by about q = {q}"
        " (curvature {curvature} at w = {w0}): w jumps across the minimum, farther each time"
    ),
    # theory_plane.py and plane_quadratic.py: the theory of a loss of w1 and w2; the numbers
    # (and the directions, as "(x, y)") are text, name is λ1 or λ2
    "plane.landscape.bowl": "bowl",
    "plane.landscape.valley": "valley",
    "plane.landscape.slope": "sloping valley",
    "plane.landscape.saddle": "saddle",
    "plane.landscape.ridge": "ridge",
    "plane.landscape.cap": "cap",
    "plane.landscape.plane": "plane",
    "plane.landscape.flat": "flat",
    "plane.kind.bowl": (
        "a bowl: both eigenvalues of the Hessian are above 0, and the one minimum is at"
        " w1 = {w1}, w2 = {w2}, where the loss is {loss}"
    ),
    "plane.kind.valley": "a valley: λ1 = 0, so the minima lie along a line, where the loss is {loss}",
    "plane.kind.slope": "no minimum: λ1 = 0, and the floor of the valley falls forever",
    "plane.kind.saddle": (
        "a saddle: λ1 < 0 < λ2, so the loss falls away along λ1's direction and has no minimum"
    ),
    "plane.kind.ridge": "no minimum: λ1 < 0 and λ2 = 0",
    "plane.kind.cap": "no minimum: both eigenvalues of the Hessian are below 0 (a maximum)",
    "plane.kind.plane": "no minimum: the Hessian is 0 and the loss is linear in w1 and w2",
    "plane.kind.flat": "the loss does not depend on w1 and w2: the gradient is 0 and they do not move",
    "plane.model.bowl": (
        "its quadratic model at the start is a bowl: both eigenvalues are above 0, and the"
        " model's minimum is at w1 = {w1}, w2 = {w2}, where the model's loss is {loss}"
    ),
    "plane.model.valley": (
        "its quadratic model at the start is a valley: λ1 = 0, and the model's minima lie"
        " along a line, where the model's loss is {loss}"
    ),
    "plane.model.slope": (
        "its quadratic model at the start has no minimum: λ1 = 0, and the valley's floor falls"
        " forever"
    ),
    "plane.model.saddle": (
        "its quadratic model at the start is a saddle: λ1 < 0 < λ2, and the model has no minimum"
    ),
    "plane.model.ridge": "its quadratic model at the start has no minimum: λ1 < 0 and λ2 = 0",
    "plane.model.cap": (
        "its quadratic model at the start has no minimum: both eigenvalues are below 0"
    ),
    "plane.model.plane": "its quadratic model at the start has no minimum: the Hessian there is 0",
    "plane.model.flat": "at the start the gradient and the Hessian are both 0",
    "plane.local": (
        "not a quadratic: these figures are local, of the loss's quadratic model at the start"
        " ({w1}, {w2}), from TensorFlow's Hessian there, and hold only near it"
    ),
    "plane.eigen": "the Hessian's eigenvalues: λ1 = {l1} along {v1}, λ2 = {l2} along {v2}",
    "plane.condition": (
        "κ = λ2/λ1 = {kappa}: plain descent's best constant rate, 2/(λ1 + λ2) = {best},"
        " shrinks the distance to the minimum by (κ - 1)/(κ + 1) = {rate} a step"
    ),
    "plane.critical": (
        "plain descent's critical rate is 2/λ2 = {critical}: at it or above, descent no longer"
        " converges along λ2's direction"
    ),
    "plane.still": "lr is 0: w1 and w2 do not move",
    "plane.factors": (
        "at lr = {lr} each step multiplies the gradient along λ1's direction by"
        " 1 - lr*λ1 = {q1}, and along λ2's by 1 - lr*λ2 = {q2}"
    ),
    "plane.away": (
        "along {name}'s direction the loss curves down: each step multiplies the gradient there"
        " by {q}, more than 1, so any offset that way grows ever faster"
    ),
    "plane.flat_along": "along {name}'s direction the gradient is 0: w does not move that way",
    "plane.slides_along": (
        "along {name}'s direction the gradient stays the same: w slides that way at a constant"
        " speed, forever"
    ),
    "plane.diverges_along": (
        "|1 - lr*{name}| = {q} is above 1: descent diverges along {name}'s direction, jumping"
        " farther each step"
    ),
    "plane.cycle_along": (
        "1 - lr*{name} = -1: along {name}'s direction w jumps back and forth between two points"
        " forever"
    ),
    "plane.zigzag_along": (
        "1 - lr*{name} = {q} is below 0: along {name}'s direction w jumps from side to side,"
        " closer each time (a zig-zag)"
    ),
    "plane.converges": (
        "descent converges: each step multiplies the distance to the minimum by {rate} or less"
    ),
    "plane.converges_valley": (
        "descent converges: each step multiplies the distance to the line of minima by {rate}"
    ),
    "plane.momentum_converges": (
        "momentum converges: in the long run each step multiplies the distance to the minimum"
        " by about {rate}"
    ),
    "plane.momentum_converges_valley": (
        "momentum converges: in the long run each step multiplies the distance to the line of"
        " minima by about {rate}"
    ),
    "plane.momentum_run": (
        "momentum with β = {beta} at lr = {lr}: its rate of convergence is {r1} a step along"
        " λ1's direction and {r2} along λ2's"
    ),
    "plane.momentum_diverges": "a rate above 1: momentum diverges along {name}'s direction",
    "plane.momentum_best": (
        "momentum's best pair is lr = 4/(√λ1 + √λ2)^2 = {lr} with β = ((√κ - 1)/(√κ + 1))^2"
        " = {beta}, whose rate of convergence is (√κ - 1)/(√κ + 1) = {rate} a step"
    ),
    "plane.not_modelled_optimizer": (
        "the theory is of plain descent and momentum, not of {optimizer}: it predicts nothing"
        " of this run"
    ),
    "plane.not_modelled_rate": (
        "the rate changes from step to step (a schedule or a warm-up): the theory is of a"
        " constant lr = {lr} and predicts nothing of this run"
    ),
    "plane.predicted": "predicted: within {tol:g} of the lowest loss after {steps:,} steps",
    "plane.predicted_never": "predicted: never within {tol:g} of the lowest loss",
    "plane.predicted_not_in": "predicted: not within {tol:g} of the lowest loss in {steps:,} steps",
    "plane.predicted_local": (
        "estimated from the model at the start: within {tol:g} of the model's lowest loss"
        " after {steps:,} steps"
    ),
    "plane.predicted_local_never": (
        "estimated from the model at the start: never within {tol:g} of the model's lowest loss"
    ),
    "plane.predicted_local_not_in": (
        "estimated from the model at the start: not within {tol:g} of the model's lowest loss"
        " in {steps:,} steps"
    ),
    # losses.py: FUNCTIONS, the functions a loss may call
    "fn.sin": "sine (radians)",
    "fn.cos": "cosine (radians)",
    "fn.tan": "tangent (radians)",
    "fn.atan": "arc tangent, in (-pi/2, pi/2)",
    "fn.sinh": "hyperbolic sine",
    "fn.cosh": "hyperbolic cosine",
    "fn.tanh": "hyperbolic tangent, in (-1, 1)",
    "fn.exp": "exponential, e**x",
    "fn.log": "natural logarithm, for x > 0",
    "fn.log1p": "log(1 + x), accurate for small x, for x > -1",
    "fn.sqrt": "square root, for x >= 0",
    "fn.abs": "absolute value",
    "fn.sigmoid": "logistic function 1/(1 + exp(-x)), in (0, 1)",
    "fn.softplus": "log(1 + exp(x)), a smooth max(x, 0)",
    "fn.min": "min(a, b): the smaller of two values",
    "fn.max": "max(a, b): the larger of two values",
    # losses.py: a refused loss is "loss: column {column}: {reason}" (or without the column)
    "loss.error": "loss: {reason}",
    "loss.error_at": "loss: column {column}: {reason}",
    "loss.not_text": "expected text, not {type}",
    "loss.too_deep": "too deeply nested (more than {depth} levels)",
    "loss.bug": "cannot be read ({error})",
    "loss.unreadable": "cannot be read: {error}",
    "loss.empty": "the expression is empty (try {seed})",
    "loss.too_long": "the expression is {length:,} characters long; at most {max} are allowed",
    "loss.too_long_normalized": (
        "the expression is {length:,} characters long once normalized; at most {max} are allowed"
    ),
    "loss.line_break": "line breaks are not allowed; write the loss on one line",
    "loss.character": "the character U+{code} is not allowed",
    "loss.constant": "the loss must depend on w, but {expression} is the constant {value}",
    "loss.constant_two": (
        "the loss must depend on w1 or w2, but {expression} is the constant {value}"
    ),
    "loss.mixed_parameters": (
        "'{name}' cannot be used with '{other}': a loss has one parameter, w, or two, w1 and w2"
    ),
    "loss.syntax": "syntax error: {message}",
    "loss.incomplete": "the expression is incomplete",
    # Python's own syntax errors (Python 3.11's words); others are shown as Python says them
    "loss.python.invalid_syntax": "invalid syntax",
    "loss.python.forgot_comma": "invalid syntax. Perhaps you forgot a comma?",
    "loss.python.decimal": "invalid decimal literal (write 2*w for a product)",
    "loss.python.never_closed": "'{bracket}' was never closed",
    "loss.python.unmatched": "unmatched '{bracket}'",
    "loss.python.mismatch": (
        "closing parenthesis '{closing}' does not match opening parenthesis '{opening}'"
    ),
    "loss.python.leading_zeros": (
        "leading zeros in decimal integer literals are not permitted;"
        " use an 0o prefix for octal integers"
    ),
    "loss.python.unterminated": "unterminated string literal (detected at line {line})",
    "loss.python.non_printable": "invalid non-printable character U+{code}",
    "loss.python.character": "invalid character '{char}' (U+{code})",
    "loss.python.hexadecimal": "invalid hexadecimal literal",
    "loss.python.octal": "invalid octal literal",
    "loss.python.binary": "invalid binary literal",
    "loss.python.octal_digit": "invalid digit '{digit}' in octal literal",
    "loss.python.binary_digit": "invalid digit '{digit}' in binary literal",
    "loss.python.continuation": "unexpected character after line continuation character",
    "loss.uncalled": "function '{name}' must be called with an argument, as {name}(w)",
    "loss.name": (
        "name '{name}' is not allowed (use w, or w1 and w2, pi, e and the functions {functions})"
    ),
    "loss.name_hint": (
        "name '{name}' is not allowed (use w, or w1 and w2, pi, e and the functions"
        " {functions}); {hint}"
    ),
    "loss.hint.parameter": "the parameter is called w",
    "loss.hint.parameters": "the parameters are w alone, or w1 and w2",
    "loss.hint.lower_w": "the parameter is called w (lower case)",
    "loss.hint.ln": "use log for the natural logarithm",
    "loss.hint.pow": "write a**b or a^b",
    "loss.hint.square": "write (...)**2",
    "loss.hint.arctan": "use atan",
    "loss.hint.exp": "use exp",
    "loss.hint.pi": "use pi",
    "loss.hint.e": "use e",
    "loss.unary_operator": "the operator '{symbol}' is not allowed",
    "loss.binary_operator": "the operator '{symbol}' is not allowed (use + - * / and ** or ^)",
    "loss.attribute": "attribute access ('.{attr}') is not allowed",
    "loss.subscript": "subscripts ('[...]') are not allowed",
    "loss.compare": "comparisons are not allowed",
    "loss.boolean": "'and' and 'or' are not allowed",
    "loss.lambda": "lambda is not allowed",
    "loss.comprehension": "comprehensions are not allowed",
    "loss.walrus": "assignment with ':=' is not allowed",
    "loss.starred": "starred expressions are not allowed",
    "loss.conditional": "conditional expressions (if/else) are not allowed",
    "loss.tuple": "a comma outside a function call (a tuple) is not allowed",
    "loss.list": "lists are not allowed",
    "loss.set": "sets are not allowed",
    "loss.dict": "dictionaries are not allowed",
    "loss.string": "strings are not allowed",
    "loss.await": "'await' is not allowed",
    "loss.yield": "'yield' is not allowed",
    "loss.slice": "slices are not allowed",
    "loss.node": "'{kind}' expressions are not allowed",
    "loss.constant_value": "'{value}' is not allowed",
    "loss.complex": "complex numbers are not allowed",
    "loss.too_large": "the number is too large for a float",
    "loss.constant_kind": "the constant {value} is not allowed",
    "loss.not_function": "'{callee}' is not a function (write {callee}*(...) for a product)",
    "loss.keyword": "keyword arguments are not allowed in {name}(...)",
    "loss.starred_argument": "starred arguments are not allowed in {name}(...)",
    "loss.arity_one": "{name}() takes {wanted} argument, not {given}",
    "loss.arity_many": "{name}() takes {wanted} arguments, not {given}",
    "loss.float32": "{text} does not fit in float32 (largest about 3.4e38)",
    "loss.divides_by_zero": "{culprit} divides by zero",
    "loss.overflows": "{culprit} overflows (too large for a float)",
    "loss.undefined": "{culprit} is undefined ({why})",
    "loss.zero_negative_power": "zero to a negative power",
    "loss.negative_fractional_power": "a negative number to a fractional power",
    "loss.domain": "outside the domain of {name}",
    "loss.domain.log": "log needs a value above 0",
    "loss.domain.log1p": "log1p needs a value above -1",
    "loss.domain.sqrt": "sqrt needs a value of 0 or more",
}
