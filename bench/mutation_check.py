"""A small mutation check: hand-made wrong programs, each run against the tests meant to catch it.

    python bench/mutation_check.py [--only ID ...] [--list]

Each mutant is one text replacement in one file of ``tui/`` (or of a catalogue). It is applied to
a temporary copy of ``tui/``, ``tests/`` and ``pyproject.toml`` as committed (``HEAD``; or the
files as they are, with ``--working-tree``), never to this checkout, and the
named tests run there, one mutant after another, with ``PYTHONPATH`` pointing at the copy. A
mutant is *killed* if a test fails, *survived* if all pass. The unmutated copy runs first on the
same tests (a baseline that fails makes the score meaningless, so it is reported and stops).

A mutant whose text is not found (the file changed since it was written) is reported as
``stale`` and not counted. The score is killed / (killed + survived); survivors are listed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutant:
    """One wrong program: ``old`` replaced by ``new`` (exactly once) in ``path``, and ``more``."""

    id: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    why: str
    more: tuple[tuple[str, str], ...] = ()
    """Further (old, new) replacements in the same file, each also exactly once."""

    def edits(self) -> tuple[tuple[str, str], ...]:
        """Every (old, new) replacement of this mutant."""
        return ((self.old, self.new), *self.more)


CLI_E2E = ("tests/test_cli_end_to_end.py",)
PIN_UNIT = ("tests/test_pins.py::test_pin_labels_and_schedule_texts",)
PIN_UI = ("tests/test_pins.py::test_pin_compare_rerun_and_unpin",)
STATUS = (
    "tests/test_engine.py::test_status_of_the_lessons_runs",
    "tests/test_engine.py::test_stalled_needs_w_unmoved_over_the_last_ten_steps",
    "tests/test_engine.py::test_a_run_that_rose_lately_but_ends_below_its_start_has_not_diverged",
)

#: The line of ``spec_from_args`` that takes each option's value from the parsed arguments.
CLI_VALUE = "        values[record.name] = getattr(args, str(record.dest))\n"


def cli_ignores(mutant_id: str, name: str, why: str) -> Mutant:
    """A mutant of the command line that drops option ``name``: its parameter's default instead."""
    new = f'        values[record.name] = None if record.name == "{name}" else '
    return Mutant(mutant_id, "tui/cli/options.py", CLI_VALUE, new + CLI_VALUE[30:], CLI_E2E, why)


MUTANTS: tuple[Mutant, ...] = (
    # --- the CLI's option handling (tui/cli/options.py, tui/model/parameters.py, commands.py)
    Mutant(
        "cli-loss",
        "tui/cli/commands.py",
        "result = descent.run(spec, args.loss, tol=",
        'result = descent.run(spec, "(w + 1)**2", tol=',
        CLI_E2E,
        "the seed loss, whatever --loss says",
    ),
    cli_ignores("cli-w0", "w0", "w0 = 5 always"),
    Mutant(
        "cli-staircase",
        "tui/model/parameters.py",
        '            run[p.attribute] = value(p, "run")\n',
        '            run[p.attribute] = False if p.name == "staircase" else value(p, "run")\n',
        CLI_E2E,
        "no staircase for the seed's decay",
    ),
    Mutant(
        "cli-keras-staircase",
        "tui/model/parameters.py",
        '            schedule[p.attribute] = value(p, "schedule")\n',
        '            schedule[p.attribute] = False if p.name == "staircase" '
        'else value(p, "schedule")\n',
        CLI_E2E,
        "no staircase for inverse-time decay",
    ),
    cli_ignores("cli-rate", "rate", "--rate ignored"),
    Mutant(
        "cli-tol",
        "tui/cli/commands.py",
        "tol=args.tol or DEFAULT_TOL",
        "tol=DEFAULT_TOL",
        CLI_E2E,
        "the default tolerance always",
    ),
    cli_ignores("cli-decay", "decay", "--decay ignored (0.99)"),
    cli_ignores("cli-decay-steps", "decay-steps", "--decay-steps ignored by the seed's decay"),
    cli_ignores("cli-schedule-steps", "steps", "--decay-steps ignored by keras schedules"),
    cli_ignores("cli-power", "power", "--power ignored"),
    cli_ignores("cli-warmup", "warmup", "--warmup ignored"),
    cli_ignores("cli-optimizer", "optimizer", "--optimizer ignored"),
    cli_ignores("cli-beta", "beta", "--beta ignored"),
    cli_ignores("cli-lr", "lr", "--lr ignored"),
    # --- the status classifier and steps to tolerance (tui/engine/analysis.py) -------------
    # Matched by small snippets: the classifier changes often.
    Mutant(
        "analysis-converged-late",
        "tui/engine/analysis.py",
        "step = int(failing[-1]) + 1 if failing.size else 0",
        "step = int(failing[-1]) + 2 if failing.size else 0",
        (*CLI_E2E, "tests/test_sweep.py::test_the_seed_loss_sweep_finds_the_theory"),
        "converged (loss within tol) one step late",
    ),
    Mutant(
        "analysis-tol-ignored",
        "tui/engine/analysis.py",
        "    if floor is not None and seen[-1] - floor <= tol:",
        "    if floor is not None and seen[-1] - floor <= DEFAULT_TOL:",
        CLI_E2E,
        "the loss criterion at the default tolerance, whatever tol is given",
    ),
    Mutant(
        "analysis-floor-for-negative-losses",
        "tui/engine/analysis.py",
        "if floor is None and seen.min() >= 0:",
        "if floor is None:",
        ("tests/test_engine.py::test_a_negative_loss_still_falling_has_not_converged",),
        "a loss that went below 0 judged against a minimum of 0",
    ),
    Mutant(
        "analysis-gradient-step",
        "tui/engine/analysis.py",
        "step = int(failing[-1]) + 2 if failing.size else 1",
        "step = int(failing[-1]) + 1 if failing.size else 1",
        ("tests/test_engine.py::test_stationary_point_of_a_loss_with_negative_values_converges",),
        "converged at a stationary point one step early",
    ),
    Mutant(
        "analysis-first-bad",
        "tui/engine/analysis.py",
        "step = int(np.argmax(bad)) + 1",
        "step = int(np.argmax(bad))",
        ("tests/test_engine.py::test_overflow_does_not_raise_and_is_reported",),
        "diverged one step early",
    ),
    Mutant(
        "analysis-window",
        "tui/engine/analysis.py",
        "WINDOW = 10\n",
        "WINDOW = 3\n",
        STATUS,
        "a shorter window for stalls and oscillation",
    ),
    Mutant(
        "analysis-alternates",
        "tui/engine/analysis.py",
        "flips.mean() >= 0.8",
        "flips.mean() >= 1.1",
        STATUS,
        "oscillation never seen",
    ),
    Mutant(
        "analysis-rose-anywhere",
        "tui/engine/analysis.py",
        "    if seen[-1] > start and recent[-1] > recent[0]:",
        "    if seen[-1] > start or recent[-1] > recent[0]:",
        STATUS,
        "diverged whenever the loss rose over the last steps",
    ),
    Mutant(
        "analysis-steps-to-tol-always",
        "tui/engine/analysis.py",
        "return self.step if self.outcome is Outcome.CONVERGED else None",
        "return self.step",
        ("tests/test_sweep.py::test_the_seed_loss_sweep_finds_the_theory",),
        "steps to tol for runs that never reached it (diverged at step k)",
    ),
    # --- pins (tui/model/pins.py) -----------------------------------------------------------
    Mutant(
        "pins-shared-epochs",
        "tui/model/pins.py",
        "return replace(pin_spec, w0=current.w0, epochs=current.epochs)",
        "return replace(pin_spec, w0=current.w0)",
        PIN_UNIT,
        "a pin keeps its own epochs",
    ),
    Mutant(
        "pins-shared-w0",
        "tui/model/pins.py",
        "return replace(pin_spec, w0=current.w0, epochs=current.epochs)",
        "return replace(pin_spec, epochs=current.epochs)",
        PIN_UNIT,
        "a pin keeps its own w0",
    ),
    Mutant(
        "pins-colour",
        "tui/model/pins.py",
        "return STYLES[(self.number - 1) % len(STYLES)][0]",
        "return STYLES[self.number % len(STYLES)][0]",
        PIN_UNIT,
        "pin colours shifted by one",
    ),
    Mutant(
        "pins-marker",
        "tui/model/pins.py",
        "return STYLES[(self.number - 1) % len(STYLES)][1]",
        'return "x"',
        PIN_UNIT,
        "every pin the same marker",
    ),
    Mutant(
        "pins-label-warmup",
        "tui/model/pins.py",
        'text += f" +w{spec.warmup}"',
        "pass",
        PIN_UNIT,
        "the legend leaves out the warm-up",
    ),
    Mutant(
        "pins-stair",
        "tui/model/pins.py",
        'stair = t("pins.stair") if spec.staircase else ""',
        'stair = ""',
        PIN_UNIT,
        "the table leaves out the staircase",
    ),
    Mutant(
        "pins-beta",
        "tui/model/pins.py",
        'beta = f" b{spec.beta:g}" if spec.optimizer in BETA_OPTIMIZERS else ""',
        'beta = f" b{spec.beta:g}"',
        PIN_UNIT,
        "a beta shown for an optimizer without one (adagrad)",
    ),
)

#: Mutants that prove single tests of issue 16 (items 2, 3, 4, 5, 6), outside the three files.
PROOFS: tuple[Mutant, ...] = (
    Mutant(
        "zh-three-english-catalogue",
        "tui/i18n/zh/app.py",
        '"field.lr": "学习率 lr",',
        '"field.lr": "learning rate",',
        ("tests/test_i18n.py::test_every_chinese_entry_is_translated_but_a_named_few",),
        "item 3: three English entries copied into the Chinese catalogue",
        more=(
            ('"field.tol": "容差",', '"field.tol": "tolerance",'),
            ('"field.optimizer": "优化器",', '"field.optimizer": "optimizer",'),
        ),
    ),
    Mutant(
        "zh-three-english-screen",
        "tui/i18n/zh/app.py",
        '"field.lr": "学习率 lr",',
        '"field.lr": "learning rate",',
        ("tests/test_languages.py::test_the_chinese_screen_shows_no_english",),
        "item 3: the same, seen on the Chinese screen",
        more=(
            ('"field.tol": "容差",', '"field.tol": "tolerance",'),
            ('"field.optimizer": "优化器",', '"field.optimizer": "optimizer",'),
        ),
    ),
    Mutant(
        "app-stale",
        "tui/app/screens/explorer.py",
        "            if reply.request_id == latest:\n                self.run_done(reply)",
        "            if True:\n                self.run_done(reply)",
        ("tests/test_app.py::test_stale_runs_are_never_shown_after_newer_ones",),
        "item 2: the staleness check removed",
    ),
    Mutant(
        "sweep-no-cut",
        "tui/engine/sweep.py",
        "usable[best_index + 1 :] = False",
        "pass",
        ("tests/test_sweep.py",),
        "item 4: the steepest slope looked for past the best rate",
    ),
    Mutant(
        "sweep-no-ties",
        "tui/engine/sweep.py",
        "best_index = int(tied[int(np.argmin(steps))])",
        "best_index = int(tied[0])",
        ("tests/test_sweep.py",),
        "item 4: the first of tied lowest losses, not the fastest",
    ),
    Mutant(
        "losses-sqrt",
        "tui/engine/loss_ir.py",
        '    square, multiply = ops["square"], ops["mul"]',
        '    ops["sqrt"] = lambda x: tf.math.pow(x, tf.constant(0.5, x.dtype))\n'
        '    square, multiply = ops["square"], ops["mul"]',
        (
            "tests/test_engine.py::test_typed_losses_match_the_hand_written_eager_loop_single_and_batched",
        ),
        "item 5: sqrt as pow(x, 0.5)",
    ),
    # An odd power as x * (x**(n-1)) * 1.0, or with its factors swapped, is an *equivalent*
    # mutant (multiplying by 1.0 or swapping factors changes no bit, nor does the gradient);
    # the first mutation check had it and it survived for that reason. This one changes bits:
    Mutant(
        "losses-odd-power-as-pow",
        "tui/engine/loss_ir.py",
        "return multiply(x, power(x, n - 1))",
        "return tf.math.pow(x, tf.constant(float(n), x.dtype))",
        (
            "tests/test_engine.py::"
            "test_typed_losses_match_the_hand_written_eager_loop_single_and_batched",
        ),
        "item 5: an odd power built with tf.pow instead of mul and square",
    ),
    Mutant(
        "descent-poll-once",
        "tui/engine/descent.py",
        "        if should_stop is not None and should_stop():\n            raise Cancelled\n",
        "        if start == 0 and should_stop is not None and should_stop():\n"
        "            raise Cancelled\n",
        ("tests/test_engine.py::test_cancelled_after_some_chunks",),
        "item 6: should_stop polled before the first chunk only",
    ),
    Mutant(
        "descent-ignore-probe",
        "tui/engine/descent.py",
        'backend = "xla" if expr.xla_exact and _xla_trusted() else "graph"',
        'backend = "xla" if expr.xla_exact else "graph"',
        ("tests/test_engine.py::test_the_path_reported_is_the_probes_decision_and_both_are_exact",),
        "item 9: XLA used whatever the probe found",
    ),
    Mutant(
        "formula-text",
        "tui/i18n/en/engine.py",
        '"schedule.exponential": "lr * decay^(s / T), floor(s / T) with staircase",',
        '"schedule.exponential": "lr * decay^(T / s), floor(s / T) with staircase",',
        ("tests/test_cli.py::test_help_states_every_schedules_formula_and_every_optimizer",),
        "item 7: a wrong formula in the help (the test no longer reads the code's table)",
    ),
    Mutant(
        "formula-text-help-screen",
        "tui/i18n/en/engine.py",
        '"schedule.exponential": "lr * decay^(s / T), floor(s / T) with staircase",',
        '"schedule.exponential": "lr * decay^(T / s), floor(s / T) with staircase",',
        ("tests/test_app.py::test_help_screen_opens_and_closes",),
        "item 7: the same wrong formula, on the help screen",
    ),
    Mutant(
        "xla-exact-abs",
        "tui/engine/loss_functions.py",
        '_function("abs", abs, _sign),',
        '_function("abs", abs, _sign, xla_exact=True),',
        ("tests/test_losses.py::test_xla_exact_property",),
        "item 7: abs let onto the XLA path",
    ),
    Mutant(
        "palette-arguments",
        "tui/app/commands.py",
        'partial(getattr(target, f"action_{name}"), *arguments)',
        'partial(getattr(target, f"action_{name}"), *arguments[:0] or [1] * len(arguments))',
        ("tests/test_app.py::test_every_palette_command_does_what_it_says",),
        "item 7: the palette runs each action with argument 1 (preset 1, lr up, step on...)",
    ),
    Mutant(
        "pins-red-green-swapped",
        "tui/model/pins.py",
        '    ("red", "x"),\n    ("green", "+"),',
        '    ("green", "x"),\n    ("red", "+"),',
        ("tests/test_pins.py::test_with_colour_the_pins_are_drawn_in_their_colours",),
        "item 7: pin #1 drawn green and #2 red",
    ),
    Mutant(
        "log-ticks-shifted",
        "tui/app/widgets/chart.py",
        'return [float(t) for t in ticks], [f"1e{t}" for t in ticks]',
        'return [float(t) for t in ticks], [f"1e{t + 1}" for t in ticks]',
        ("tests/test_snapshots.py::test_the_log_scale_axis_is_labelled_by_the_runs_decades",),
        "item 8: the loss axis labelled one decade off",
    ),
    Mutant(
        "sweep-readout-steepest",
        "tui/app/screens/sweep.py",
        't("sweep.steepest", lr=picks.steepest)',
        't("sweep.steepest", lr=picks.best)',
        ("tests/test_snapshots.py::test_the_sweep_views_numbers",),
        "item 8: the sweep screen shows the best rate as the steepest",
    ),
    # --- code split out of long modules (chart_legend, chart_points, room_engine)
    Mutant(
        "legend-long-names-only",
        "tui/app/widgets/chart_legend.py",
        'line.append(" " + (curve.short if short else curve.who))',
        'line.append(" " + curve.who)',
        ("tests/test_chart.py::test_a_narrow_chart_names_the_pins_by_number_as_their_table_does",),
        "a narrow legend cuts the pins' full names instead of naming them by number",
    ),
    Mutant(
        "playback-thin-drops-highs",
        "tui/app/widgets/chart_points.py",
        "            picks.append(starts + np.where(finite, grid, -np.inf).argmax(axis=1))\n",
        "",
        ("tests/test_playback.py::test_a_long_runs_prefix_is_thinned_keeping_its_extremes",),
        "a playback frame of a long run loses each block's highest point",
    ),
    Mutant(
        "room-unreachable-as-stopped",
        "tui/app/room_engine.py",
        'return self.failure or msg("engine.hub_stopped")',
        'return msg("engine.hub_stopped")',
        ("tests/test_room_engine.py",),
        "a hub never reached is said to have stopped",
    ),
    Mutant(
        "room-wrong-key-as-stopped",
        "tui/app/room_engine.py",
        "                break  # a wrong key: trying again will not help",
        "                return None",
        ("tests/test_room_engine.py::test_a_wrong_key_is_a_hub_out_of_reach",),
        "a hub refusing the key is said to have stopped",
    ),
)


def copy_tree(into: Path, working: bool, working_tests: bool = False) -> None:
    """Put what the tests need (``tui/``, ``tests/``, ``pyproject.toml``) into ``into``: as
    committed (``HEAD``, a consistent state while others edit the checkout), or as the files
    are now with ``working``; ``working_tests`` takes ``tests/`` as it is now, the rest from
    ``HEAD`` (tests being written against the committed program)."""
    names = ("tui", "tests", "pyproject.toml")
    if working_tests and not working:
        copy_tree(into, working=False)
        shutil.rmtree(into / "tests")
        shutil.copytree(
            ROOT / "tests", into / "tests", ignore=shutil.ignore_patterns("__pycache__")
        )
        return
    if not working:
        into.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "archive", "--format=tar", "HEAD", *names],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
        return
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in names[:2]:
        shutil.copytree(ROOT / name, into / name, ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", into / "pyproject.toml")


def run_tests(where: Path, tests: tuple[str, ...]) -> tuple[bool, str]:
    """Run ``tests`` in the copy at ``where``; return (all passed, the last lines of output)."""
    env = dict(os.environ, PYTHONPATH=str(where), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-3:])
    return proc.returncode == 0, tail


def check_copy_is_used(where: Path) -> None:
    """Fail loudly if ``import tui`` in the copy would load this checkout instead."""
    env = dict(os.environ, PYTHONPATH=str(where))
    out = subprocess.run(
        [sys.executable, "-c", "import tui; print(tui.__file__)"],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not out.startswith(str(where)):
        raise SystemExit(f"the copy is not what Python imports: {out}")


def main() -> int:
    """Run the mutants; print one line each, then the score and the survivors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, help="mutant ids to run")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unmutated run")
    parser.add_argument(
        "--working-tree", action="store_true", help="mutate the files as they are, not HEAD"
    )
    parser.add_argument(
        "--working-tests", action="store_true", help="tests/ as it is now, tui/ from HEAD"
    )
    parser.add_argument("--verbose", action="store_true", help="show how each mutant died")
    args = parser.parse_args()
    mutants = [m for m in MUTANTS + PROOFS if args.only is None or m.id in args.only]
    if args.list:
        for m in mutants:
            print(f"{m.id:24} {m.path:26} {m.why}")
        return 0
    killed, survived, stale = [], [], []
    with tempfile.TemporaryDirectory(prefix="lr-mutants-") as tmp:
        base = Path(tmp) / "base"
        copy_tree(base, args.working_tree, args.working_tests)
        check_copy_is_used(base)
        if not args.no_baseline:
            tests = tuple(dict.fromkeys(t for m in mutants for t in m.tests))
            ok, tail = run_tests(base, tests)
            print(f"baseline (unmutated): {'pass' if ok else 'FAIL'}", flush=True)
            if not ok:
                print(tail)
                return 1
        for mutant in mutants:
            where = Path(tmp) / mutant.id
            shutil.copytree(base, where)
            target = where / mutant.path
            text = target.read_text(encoding="utf-8")
            counts = [text.count(old) for old, _ in mutant.edits()]
            if counts != [1] * len(counts):
                stale.append(mutant)
                print(f"{mutant.id:24} stale (matches: {counts})", flush=True)
                shutil.rmtree(where)
                continue
            for old, new in mutant.edits():
                text = text.replace(old, new)
            target.write_text(text, encoding="utf-8")
            started = time.perf_counter()
            ok, tail = run_tests(where, mutant.tests)
            seconds = time.perf_counter() - started
            (survived if ok else killed).append(mutant)
            word = "SURVIVED" if ok else "killed"
            print(f"{mutant.id:24} {word:8} {seconds:5.1f} s  {mutant.why}", flush=True)
            if args.verbose and not ok:
                print("    " + tail.replace("\n", "\n    "), flush=True)
            shutil.rmtree(where)
    counted = len(killed) + len(survived)
    print(f"\nscore: {len(killed)}/{counted} killed ({len(stale)} stale)")
    for mutant in survived:
        print(f"  survived: {mutant.id} ({mutant.path}): {mutant.why}")
    for mutant in stale:
        print(f"  stale: {mutant.id} ({mutant.path})")
    return 0 if not survived and not stale else 1


if __name__ == "__main__":
    sys.exit(main())
