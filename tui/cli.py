"""The command line: ``lr-explorer run`` prints a descent log without the terminal UI."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from tui.engine.losses import FUNCTIONS, SEED_LOSS, LossError, parse_loss
from tui.engine.schedules import FORMULAS, KERAS_CLASSES, WARMUP_FORMULA
from tui.engine.spec import (
    KERAS_SCHEDULES,
    MAX_EPOCHS,
    OPTIMIZER_UPDATES,
    OPTIMIZERS,
    SCHEDULE_KINDS,
    ParameterError,
    RunSpec,
    Schedule,
    parse_epochs,
    parse_list,
    parse_number,
    parse_steps,
)
from tui.formats import FORMATS

PROG = "lr-explorer"


def schedule_help() -> str:
    """The epilog of ``lr-explorer run --help``: every schedule's formula, and the optimizers."""
    width = max(map(len, SCHEDULE_KINDS))
    lines = ["schedules: the rate at step s (0-based); T is --decay-steps"]
    indent = " " * (width + 4)
    for kind in SCHEDULE_KINDS:
        lines.append(f"  {kind:<{width}}  {FORMULAS[kind]}")
        if kind in KERAS_CLASSES:
            lines.append(f"{indent}tf.keras.optimizers.schedules.{KERAS_CLASSES[kind]}")
        elif kind == "exponential":
            lines.append(f"{indent}in Python float64, as the seed computes it")
    lines.append(f"  {'--warmup W':<{width}}  {WARMUP_FORMULA}")
    lines.append(f"{indent}(keras CosineDecay's warm-up, before any schedule)")
    lines.append("")
    lines.append("optimizers: each step hands the tape's gradient to")
    width = max(map(len, OPTIMIZERS))
    lines += [f"  {name:<{width}}  {text}" for name, text in OPTIMIZER_UPDATES.items()]
    lines.append("")
    lines.append(
        "Rates are computed per step as the loop would: the seed's schedules in Python float64,"
    )
    lines.append("keras schedules as float32 scalars; the update rounds the rate to float32.")
    return "\n".join(lines)


class ArgumentParser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: message`` as one line and exit with status 2."""
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _argument(name: str, parse: Callable[[str], object]) -> Callable[[str], object]:
    """An argparse type: ``parse(text)``, its :class:`ParameterError` as argparse's error."""

    def convert(text: str) -> object:
        try:
            return parse(text)
        except ParameterError as err:
            raise argparse.ArgumentTypeError(err.reason) from None

    convert.__name__ = name  # argparse names the type in "invalid <name> value" messages
    return convert


def _number(name: str) -> Callable[[str], object]:
    return _argument(name, lambda text: parse_number(name, text))


def _whole(name: str) -> Callable[[str], object]:
    return _argument(name, lambda text: parse_steps(name, text))


def _list(name: str, whole: bool) -> Callable[[str], object]:
    return _argument(name, lambda text: parse_list(name, text, whole))


_epochs = _argument("epochs", parse_epochs)


def _parse_port(text: str) -> int:
    value = parse_number("port", text)
    if value != int(value) or not 1 <= value <= 65535:
        raise ParameterError("port", "must be a whole number from 1 to 65535")
    return int(value)


_port = _argument("port", _parse_port)


def _loss(text: str) -> str:
    try:
        return str(parse_loss(text).source)
    except LossError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_parameter_options(parser: argparse.ArgumentParser) -> None:
    """Add the run parameters: start, rate, steps, schedule, optimizer and loss."""
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
        "--schedule",
        choices=SCHEDULE_KINDS,
        default=None,
        help="how lr changes from step to step (default constant, or exponential with --decay); "
        "formulas below",
    )
    group.add_argument(
        "--decay", type=_number("decay"), default=None, help="exponential decay factor, > 0"
    )
    group.add_argument(
        "--decay-steps",
        type=_number("decay-steps"),
        default=None,
        help="T: steps per decay period, > 0 (default 1 for exponential, 100 for the others)",
    )
    group.add_argument(
        "--staircase",
        action="store_true",
        help="exponential, inverse-time: decay in whole periods (floor(s / T))",
    )
    group.add_argument("--rate", type=_number("rate"), default=1.0, help="inverse-time's rate")
    group.add_argument(
        "--alpha",
        type=_number("alpha"),
        default=0.0,
        help="polynomial, cosine, restarts: the final rate as a fraction of lr (default 0)",
    )
    group.add_argument("--power", type=_number("power"), default=1.0, help="polynomial's power")
    group.add_argument(
        "--cycle", action="store_true", help="polynomial: start again after T steps, T growing"
    )
    group.add_argument(
        "--t-mul", type=_number("t-mul"), default=2.0, help="restarts: each period's growth"
    )
    group.add_argument(
        "--m-mul", type=_number("m-mul"), default=1.0, help="restarts: each peak's factor"
    )
    group.add_argument(
        "--boundaries",
        type=_list("boundaries", whole=True),
        default=(10,),
        help="piecewise: the steps after which the rate changes, e.g. 100,500",
    )
    group.add_argument(
        "--factors",
        type=_list("factors", whole=False),
        default=(1.0, 0.1),
        help="piecewise: the multiples of lr between boundaries, one more, e.g. 1,0.1,0.01",
    )
    group.add_argument(
        "--warmup",
        type=_whole("warmup"),
        default=0,
        help="steps of linear warm-up from 0 to lr before the schedule (default 0)",
    )
    group.add_argument(
        "--optimizer",
        choices=OPTIMIZERS,
        default="gd",
        help="gd, the seed's update (default), or a tf.keras optimizer; see below",
    )
    group.add_argument(
        "--beta",
        type=_number("beta"),
        default=0.9,
        help="momentum of momentum and nesterov, rho of rmsprop, beta_1 of adam (default 0.9)",
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
    parser.add_argument(
        "--session",
        metavar="FILE",
        default=None,
        help="reopen a session saved from the UI (ctrl+s): parameters, pins and view",
    )
    sub = parser.add_subparsers(dest="command", parser_class=ArgumentParser)
    run = sub.add_parser(
        "run",
        help="print a descent log without the UI",
        description="Run the descent and print every step.",
        epilog=schedule_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve = sub.add_parser(
        "serve",
        help="serve the explorer to a browser (textual-serve)",
        description="Serve the explorer on a local web page, for rooms where a browser is "
        "easier than a terminal. Each visitor gets an explorer of their own, started with "
        "the parameters given.",
    )
    add_parameter_options(serve)
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=_port, default=8000, help="port to serve on (default 8000)")
    serve.add_argument("--session", metavar="FILE", default=None, help="open this session")
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
    run.add_argument(
        "--out",
        metavar="FILE",
        default=None,
        help="write to FILE (atomically: complete or not at all) instead of standard output",
    )
    run.add_argument("--force", action="store_true", help="with --out: replace an existing FILE")
    return parser


def spec_from_args(args: argparse.Namespace) -> RunSpec:
    """The :class:`RunSpec` that parsed arguments describe (validated)."""
    kind = args.schedule or ("exponential" if args.decay is not None else "constant")
    if args.decay is not None and kind != "exponential":
        raise ParameterError("decay", f"is exponential decay's factor, not {kind}'s")
    schedule = None
    if kind in KERAS_SCHEDULES:
        schedule = Schedule(
            kind,
            steps=100.0 if args.decay_steps is None else args.decay_steps,
            rate=args.rate,
            alpha=args.alpha,
            power=args.power,
            cycle=args.cycle,
            staircase=args.staircase,
            t_mul=args.t_mul,
            m_mul=args.m_mul,
            boundaries=args.boundaries,
            factors=args.factors,
        )
    return RunSpec(
        w0=args.w0,
        lr=args.lr,
        epochs=args.epochs,
        decay=(0.99 if args.decay is None else args.decay) if kind == "exponential" else None,
        decay_steps=1.0 if args.decay_steps is None or schedule else args.decay_steps,
        staircase=args.staircase,
        schedule=schedule,
        warmup=args.warmup,
        optimizer=args.optimizer,
        beta=args.beta,
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

    from tui.engine import tfenv
    from tui.export import run_bytes, run_chunks
    from tui.formats import write_atomic

    if quiet_native_logs:
        tfenv.quiet_native_logs(os.environ.get("LR_EXPLORER_ENGINE_LOG"))
    from tui.engine import descent  # TensorFlow loads here, after the arguments are known good
    from tui.engine.analysis import DEFAULT_TOL

    result = descent.run(spec, args.loss, tol=args.tol or DEFAULT_TOL)
    if args.out is not None:
        try:
            write_atomic(args.out, run_bytes(result, args.format), overwrite=args.force)
        except FileExistsError:
            parser.exit(2, f"{PROG}: error: {args.out} exists; add --force to replace it\n")
        except OSError as err:
            parser.exit(2, f"{PROG}: error: cannot write {args.out}: {err.strerror}\n")
        print(f"wrote {os.path.abspath(args.out)}", file=sys.stderr)
        return 0
    out = sys.stdout.buffer
    for chunk in run_chunks(result, args.format):
        out.write(chunk)
    sys.stdout.flush()
    return 0


def main(argv: Sequence[str] | None = None, quiet_native_logs: bool = False) -> int:
    """Parse ``argv`` and run the chosen command; return the exit status."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if args.command == "run":
        return run_command(args, parser, quiet_native_logs)
    if args.command == "serve":
        return serve_command(args, parser, argv)
    return explore_command(args, parser)


def serve_command(args: argparse.Namespace, parser: ArgumentParser, argv: list[str]) -> int:
    """Serve the explorer to browsers with textual-serve: each visitor gets an app of their own,
    started with the parameters given here (checked first, so a mistake is one line now)."""
    try:
        spec_from_args(args)
    except ParameterError as err:
        parser.error(f"argument --{err.name}: {err.reason}")
    if args.session is not None:
        from tui.app.session import SessionError, load

        try:
            load(args.session)
        except SessionError as err:
            parser.error(f"argument --session: {err}")
        args.session = os.path.abspath(args.session)
    from textual_serve.server import Server

    command = [sys.executable, "-m", "tui", *app_arguments(argv, args.session)]
    server = Server(shlex.join(command), host=args.host, port=args.port, title=PROG)
    print(f"serving {PROG} at http://{args.host}:{args.port} (ctrl+c stops)", file=sys.stderr)
    server.serve()
    return 0


def app_arguments(argv: list[str], session: str | None) -> list[str]:
    """The explorer's own options out of a ``serve`` command line (``--host``/``--port`` out,
    the session's path made absolute)."""
    rest = argv[argv.index("serve") + 1 :]
    kept = list(argv[: argv.index("serve")])
    skip = False
    for token in rest:
        if skip:
            skip = False
            continue
        name = token.split("=", 1)[0]
        if name in ("--host", "--port", "--session"):
            skip = "=" not in token
            continue
        kept.append(token)
    return kept + (["--session", session] if session else [])


def explore_command(args: argparse.Namespace, parser: ArgumentParser) -> int:
    """Open the terminal UI on the parameters given (TensorFlow loads in the engine process)."""
    try:
        spec = spec_from_args(args)
    except ParameterError as err:
        parser.error(f"argument --{err.name}: {err.reason}")
    from tui.app import ExplorerApp
    from tui.app.session import SessionError, load
    from tui.app.widgets.params import Params

    session = None
    if args.session is not None:
        try:
            session = load(args.session)
        except SessionError as err:
            parser.error(f"argument --session: {err}")
    app = ExplorerApp(Params(spec, args.loss), session=session)
    app.run()
    return app.return_code or 0
