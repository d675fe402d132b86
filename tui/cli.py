"""The command line: ``lr-explorer run`` prints a descent log without the terminal UI."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from tui.engine.losses import FUNCTIONS, SEED_LOSS, LossError, parse_loss
from tui.engine.spec import MAX_EPOCHS, ParameterError, RunSpec, parse_epochs, parse_number
from tui.formats import FORMATS

PROG = "lr-explorer"

#: Rows formatted and written at a time by ``lr-explorer run``.
STREAM_ROWS = 1 << 18

SCHEDULE_HELP = (
    "Schedules: without --decay the rate is constant; with it, the rate of step s (0-based) is "
    "lr * decay ** (s / decay_steps), computed in float64 as the seed's Python does and rounded "
    "to float32 where it meets the gradient; --staircase floors the exponent: "
    "lr * decay ** floor(s / decay_steps)."
)


class ArgumentParser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: message`` as one line and exit with status 2."""
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _number(name: str):
    def convert(text: str) -> float:
        try:
            return parse_number(name, text)
        except ParameterError as err:
            raise argparse.ArgumentTypeError(err.reason) from None

    convert.__name__ = name
    return convert


def _epochs(text: str) -> int:
    try:
        return parse_epochs(text)
    except ParameterError as err:
        raise argparse.ArgumentTypeError(err.reason) from None


def _loss(text: str) -> str:
    try:
        return str(parse_loss(text).source)
    except LossError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_parameter_options(parser: argparse.ArgumentParser) -> None:
    """Add the run parameters (``--w0 --lr --epochs --decay --decay-steps --staircase --loss``)."""
    group = parser.add_argument_group("run parameters (the seed's first experiment by default)")
    group.add_argument("--w0", type=_number("w0"), default=5.0, help="starting w (default 5)")
    group.add_argument("--lr", type=_number("lr"), default=0.01, help="learning rate, >= 0")
    group.add_argument(
        "--epochs",
        type=_epochs,
        default=20,
        help=f"number of steps, 1 to {MAX_EPOCHS:,} (default 20; 1e6 is accepted)",
    )
    group.add_argument(
        "--decay", type=_number("decay"), default=None, help="exponential decay factor, > 0"
    )
    group.add_argument(
        "--decay-steps",
        type=_number("decay-steps"),
        default=1.0,
        help="steps per decay period, > 0 (default 1)",
    )
    group.add_argument(
        "--staircase", action="store_true", help="decay in whole periods (floor of the exponent)"
    )
    group.add_argument(
        "--loss",
        type=_loss,
        default=SEED_LOSS,
        help=f"loss as an expression of w (default {SEED_LOSS}); functions: "
        + ", ".join(FUNCTIONS)
        + "; constants pi, e; ** or ^ for powers",
    )


def build_parser() -> ArgumentParser:
    """The whole ``lr-explorer`` command line."""
    parser = ArgumentParser(
        prog=PROG,
        description="Explore learning rates in gradient descent, bit-exact with TensorFlow's "
        "eager GradientTape loop. Without a subcommand, opens the terminal UI on the "
        "parameters given.",
    )
    add_parameter_options(parser)
    sub = parser.add_subparsers(dest="command", parser_class=ArgumentParser)
    run = sub.add_parser(
        "run",
        help="print a descent log without the UI",
        description="Run the descent and print every step.",
        epilog=SCHEDULE_HELP,
    )
    add_parameter_options(run)
    run.add_argument(
        "--format",
        choices=FORMATS,
        default="seed",
        help="seed: the lesson's Chinese sentences (default); en: the same in English; csv, json: "
        "step, w, loss, lr at full float32 precision; summary: one line with the outcome",
    )
    run.add_argument(
        "--tol", type=_number("tol"), default=None, help="convergence tolerance (default 1e-6)"
    )
    return parser


def spec_from_args(args: argparse.Namespace) -> RunSpec:
    """The :class:`RunSpec` that parsed arguments describe (validated)."""
    return RunSpec(
        w0=args.w0,
        lr=args.lr,
        epochs=args.epochs,
        decay=args.decay,
        decay_steps=args.decay_steps,
        staircase=args.staircase,
    ).validate()


def run_command(
    args: argparse.Namespace, parser: ArgumentParser, quiet_native_logs: bool = False
) -> int:
    """Carry out ``lr-explorer run``: compute the log and write it to standard output.

    With ``quiet_native_logs``, what TensorFlow's C++ prints goes to ``LR_EXPLORER_ENGINE_LOG``
    or nowhere (the console script sets it; tests running in-process do not).
    """
    try:
        spec = spec_from_args(args)
    except ParameterError as err:
        parser.error(f"argument --{err.name}: {err.reason}")
    if args.tol is not None and args.tol <= 0:
        parser.error("argument --tol: must be above 0")

    from tui import formats
    from tui.engine import tfenv

    if quiet_native_logs:
        tfenv.quiet_native_logs(os.environ.get("LR_EXPLORER_ENGINE_LOG"))
    from tui.engine import descent  # TensorFlow loads here, after the arguments are known good
    from tui.engine.analysis import DEFAULT_TOL

    result = descent.run(spec, args.loss, tol=args.tol or DEFAULT_TOL)
    out = sys.stdout.buffer
    if args.format == "json":
        meta = {
            "w0": spec.w0,
            "lr": spec.lr,
            "epochs": spec.epochs,
            "decay": spec.decay,
            "decay_steps": spec.decay_steps,
            "staircase": spec.staircase,
            "loss": result.loss_expr,
            "status": str(result.status),
        }
        out.write(formats.json_bytes(result.step, result.w, result.loss, result.lr, meta))
    elif args.format == "summary":
        line = formats.summary_line(
            int(result.step[-1]),
            float(result.final_w),
            float(result.final_loss),
            str(result.status),
        )
        out.write((line + "\n").encode())
    else:
        # Written in chunks: memory stays bounded and the first lines go out early.
        lr = _lr_column(spec, result)
        for start in range(0, len(result.step), STREAM_ROWS):
            part = slice(start, start + STREAM_ROWS)
            rows = (result.step[part], result.w[part], result.loss[part])
            if args.format == "seed":
                data = formats.seed_lines(*rows, None if lr is None else lr[part])
            elif args.format == "en":
                data = formats.en_lines(*rows, None if lr is None else lr[part])
            else:
                data = formats.csv_bytes(*rows, result.lr[part], header=start == 0)
            out.write(data)
    sys.stdout.flush()
    return 0


def _lr_column(spec: RunSpec, result):
    """The seed prints the rate only when it decays."""
    return result.lr64 if spec.decays else None


def main(argv: Sequence[str] | None = None, quiet_native_logs: bool = False) -> int:
    """Parse ``argv`` and run the chosen command; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "run":
        return run_command(args, parser, quiet_native_logs)
    return explore_command(args, parser)


def explore_command(args: argparse.Namespace, parser: ArgumentParser) -> int:
    """Open the terminal UI on the parameters given (TensorFlow loads in the engine process)."""
    try:
        spec = spec_from_args(args)
    except ParameterError as err:
        parser.error(f"argument --{err.name}: {err.reason}")
    from tui.app import ExplorerApp
    from tui.app.widgets.params import Params

    app = ExplorerApp(Params(spec, args.loss))
    app.run()
    return app.return_code or 0
