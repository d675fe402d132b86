"""Start-up, quit and ``lr-explorer run``, each against a baseline measured in the same run.

Usage: ``python bench/bench_startup.py [--rounds 3] [--runs 5] [--before DIR] [--no-ui] [--no-cli]``

In a private tmux server at 120x40 (see ``bench_ui.py``, whose tmux driver this reuses), each
round launches, one after the other:

- a one-label Textual app: launch -> first frame, and ``ctrl+q`` -> process exit (the
  baselines for the app's first frame and quit);
- ``python -c "import tensorflow"`` followed by a print: launch -> that line, TensorFlow's own
  load as a whole process (a baseline for the app's first results);
- the explorer: launch -> first frame, -> the lesson's first results (the status line's
  ``w = 3.005648``), the TensorFlow load time the app reports, and ``ctrl+q`` -> exit once idle;
  with each first frame (the one-label app's too), the CPU time the UI's process had used by
  then and the time it had waited for a CPU (``/proc/PID/task/*/schedstat``; the engine is a
  process of its own), the first a figure of the UI's own cost that the machine's load
  disturbs less than the wall time;
- the explorer on a 1,000,000-step graph-mode run: ``ctrl+q`` -> exit while it runs, and
  whether any process of the app (the engine) outlives it.

``--before DIR`` measures a second checkout too (e.g. ``git archive HEAD~1 | tar -x -C DIR``),
interleaved with this one, so that before and after come from the same run.

Then the command line: for each of the lesson's three tables, ``python -m tui run --lang zh``
(which prints the lesson's own lines) against the lesson's own program (its code from
``tests/data/seed_lesson.txt``, one file per table), run in turn A B B A ..., as whole
processes: wall time, CPU time, and the ratio pair by pair. The outputs are compared byte for
byte first.

Each checkout's ``tui`` is byte-compiled first, as ``pip install`` compiles an installed copy
(``bench_ui.byte_compile``). Every figure is a median over the rounds, with the ratio to its
baseline from the same run. The exit status is 0 whatever the figures (a benchmark, not a
test).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_ui  # noqa: E402 - the tmux driver and the app's screens, from beside this file
from bench_ui import (  # noqa: E402
    ROOT,
    SLOW_LOSS,
    TEXTUAL_BASELINE,
    Bench,
    Expected,
    Figure,
    Screen,
    Tmux,
    cli_summaries,
    descendants,
    ms,
    print_table,
    status_row,
    wait_exit,
)

#: TensorFlow's own load as a whole process: the baseline for the app's first results.
TF_LOAD = "import tensorflow\nprint('tensorflow loaded', flush=True)\nimport time\ntime.sleep(60)\n"

#: The lesson's three programs (``tests/data/seed_lesson.txt``), as it prints them, one a line.
LESSON = {
    "lr 0.01": """\
import tensorflow as tf
w = tf.Variable(tf.constant(5.0, dtype=tf.float32))  # 我们给w随机初始化一个值5.0
lr = 0.01  # 给定比较小的学习率
epoch = 20  # 学习训练20次
for step in range(epoch):  # 迭代更新20次
    with tf.GradientTape() as tape:
        loss = tf.square(w + 1)  # 定义损失函数 loss=(w+1)²
    grads = tape.gradient(loss, w)  # gradient函数让loss对w求导
    w.assign_sub(lr * grads)  # 更新w,使得:w = w -lr(∂loss/∂w)
    print("第 %s 次迭代后的w是 %f,对应的loss值是 %f" % (step + 1, w.numpy(), loss))
""",
    "lr 0.99": """\
import tensorflow as tf
w = tf.Variable(tf.constant(5, dtype=tf.float32))  # 我们给w随机初始化一个值5.0
lr = 0.99  # 给定比较大的学习率
epoch = 20  # 学习训练20次
for step in range(epoch):  # 迭代更新20次
    with tf.GradientTape() as tape:
        loss = tf.square(w + 1)  # 定义损失函数 loss=(w+1)²
    grads = tape.gradient(loss, w)  # gradient函数让loss对w求导
    w.assign_sub(lr * grads)  # 更新w,使得:w = w -lr(∂loss/∂w)
    print("第 %s 次迭代后的w是 %f,对应的loss值是 %f" % (step + 1, w.numpy(), loss))
""",
    "exponential decay": """\
import tensorflow as tf
epoch = 20
LR_BASE = 0.2
LR_DECAY = 0.99
LR_STEP = 1
w = tf.Variable(tf.constant(5, dtype=tf.float32))  # 我们给w随机初始化一个值5.0
for step in range(epoch):
    lr = LR_BASE * LR_DECAY ** (step / LR_STEP)
    with tf.GradientTape() as tape:
        loss = tf.square(w + 1)
    grads = tape.gradient(loss, w)
    w.assign_sub(lr * grads)
    print("第 %s 次迭代后的w是 %f,对应的loss值是 %f,学习率是%f" % (step + 1, w.numpy(), loss, lr))
""",
}

#: ``lr-explorer run`` for each table, in the lesson's language (its own sentences).
RUN_ARGS = {
    "lr 0.01": ["run", "--lang", "zh"],
    "lr 0.99": ["run", "--lang", "zh", "--lr", "0.99"],
    "exponential decay": ["run", "--lang", "zh", "--lr", "0.2", "--decay", "0.99"],
}


def frame_shown(screen: Screen) -> bool:
    """The explorer's (and the one-label app's) first frame: "learning rate" on screen."""
    return any("learning rate" in line for line in screen)


def tf_loaded(screen: Screen) -> bool:
    """The TensorFlow load's own line (:data:`TF_LOAD`) on screen."""
    return any("tensorflow loaded" in line for line in screen)


class AppFigures:
    """The figures of one checkout's explorer."""

    def __init__(self, tag: str) -> None:
        self.first = Figure(f"{tag}launch -> first frame", baseline="tx_launch")
        self.results = Figure(f"{tag}launch -> first results (w = 3.005648)", baseline="tf_load")
        self.reported = Figure(f"{tag}TF load as the app reports it")
        self.quit_idle = Figure(f"{tag}ctrl+q -> exit, idle", baseline="tx_quit")
        self.quit_busy = Figure(f"{tag}ctrl+q -> exit, during a 1M-step run", baseline="tx_quit")

    def all(self) -> list[Figure]:
        """Every figure, in table order."""
        return [self.first, self.results, self.reported, self.quit_idle, self.quit_busy]


def app_argv(*options: str) -> list[str]:
    """The explorer in English (the screens waited for are the English ones)."""
    return [sys.executable, "-m", "tui", "--lang", "en", *options]


def measure_app(bench: Bench, cwd: Path, figs: AppFigures, seed: Expected) -> None:
    """One launch to results and an idle quit, then one quit during a long run."""
    with bench.session(app_argv(), cwd) as (name, pid, launched):
        seen, _ = bench.wait_for(name, frame_shown, 20)
        if seen is None:
            figs.first.failures += 1
            return
        figs.first.samples.append(seen - launched)
        bench.add_sched(figs.first, pid, 0, 0)  # the UI's own CPU to its first frame
        loaded: list[float] = []

        def check(screen: Screen) -> bool:
            line = status_row(screen)
            if " loaded in " in line and not loaded:
                with suppress(ValueError):
                    loaded.append(float(line.split(" loaded in ", 1)[1].split(" s", 1)[0]))
            return seed.shown(screen)

        seen, screen = bench.wait_for(name, check, 60)
        if seen is None:
            figs.results.failures += 1
            bench.note(f"{figs.results.label}: no results; status: {status_row(screen or [])}")
            return
        figs.results.samples.append(seen - launched)
        if loaded:
            figs.reported.samples.append(loaded[0])
        time.sleep(1.0)
        quit_and_check(bench, name, pid, figs.quit_idle)
    argv = app_argv("--loss", SLOW_LOSS, "--epochs", "1000000")
    with bench.session(argv, cwd) as (name, pid, _launched):
        seen, screen = bench.wait_for(name, lambda s: "running…" in status_row(s), 60)
        if seen is None:
            figs.quit_busy.failures += 1
            bench.note(f"{figs.quit_busy.label}: no run under way; {status_row(screen or [])}")
            return
        time.sleep(0.5)
        quit_and_check(bench, name, pid, figs.quit_busy)


def quit_and_check(bench: Bench, name: str, pid: int, fig: Figure) -> None:
    """``ctrl+q``; note any process of the app still there a second after it exited."""
    children = descendants(pid)
    if bench.quit(name, pid, fig) is None:
        return
    left = wait_exit(children, time.perf_counter(), 1.0)
    if children and left is None:
        bench.note(f"{fig.label}: a child of the app outlived it by a second")


def measure_ui(args: argparse.Namespace) -> None:
    """The start-up and quit rounds in tmux, and their tables."""
    seed = cli_summaries([[]])[0]
    tmux = Tmux(f"benchstartup-{os.getpid()}")
    textual_app = Path(tempfile.gettempdir()) / f"bench_startup_textual_{os.getpid()}.py"
    textual_app.write_text(TEXTUAL_BASELINE)
    tf_load = Path(tempfile.gettempdir()) / f"bench_startup_tf_{os.getpid()}.py"
    tf_load.write_text(TF_LOAD)
    bench = Bench(tmux, not args.silent, textual_app)
    base = {
        "tx_launch": Figure("tx_launch: one-label Textual app, launch -> frame"),
        "tx_quit": Figure("tx_quit: one-label Textual app, ctrl+q -> exit"),
        "tf_load": Figure("tf_load: python -c 'import tensorflow', launch -> its print"),
    }
    checkouts = [("", ROOT)]
    if args.before is not None:
        checkouts = [("before: ", args.before.resolve()), ("after:  ", ROOT)]
    figures = {tag: AppFigures(tag) for tag, _ in checkouts}
    started = time.perf_counter()
    load_before = os.getloadavg()
    try:
        tmux.start()
        for round_ in range(args.rounds):
            print(f"round {round_ + 1} of {args.rounds}…", file=sys.stderr)
            with bench.session([sys.executable, str(textual_app)]) as (name, pid, launched):
                seen, _ = bench.wait_for(name, frame_shown, 20)
                if seen is None:
                    base["tx_launch"].failures += 1
                else:
                    base["tx_launch"].samples.append(seen - launched)
                    bench.add_sched(base["tx_launch"], pid, 0, 0)
                    time.sleep(0.3)
                    bench.quit(name, pid, base["tx_quit"])
            with bench.session([sys.executable, str(tf_load)]) as (name, _pid, launched):
                seen, _ = bench.wait_for(name, tf_loaded, 60)
                if seen is None:
                    base["tf_load"].failures += 1
                else:
                    base["tf_load"].samples.append(seen - launched)
            order = checkouts if round_ % 2 == 0 else checkouts[::-1]
            for tag, cwd in order:
                measure_app(bench, cwd, figures[tag], seed)
    finally:
        tmux.close()
        textual_app.unlink(missing_ok=True)
        tf_load.unlink(missing_ok=True)
    baselines = {key: fig.median for key, fig in base.items() if fig.median is not None}
    reported = [figs.reported.median for figs in figures.values() if figs.reported.median]
    load_after = os.getloadavg()
    print(
        f"\nbench_startup: tmux 120x40, {os.cpu_count()} CPUs, load {load_before[0]:.2f} -> "
        f"{load_after[0]:.2f}, {args.rounds} rounds, {time.perf_counter() - started:.0f} s"
    )
    print_table("Baselines (same run)", list(base.values()), baselines)
    rows = [fig for figs in figures.values() for fig in figs.all()]
    print_table("The explorer", rows, baselines)
    label_cpu = base["tx_launch"].extras.get("app CPU")
    for tag, figs in figures.items():
        cpu = figs.first.extras.get("app CPU")
        if cpu and label_cpu:
            ratio = statistics.median(cpu) / statistics.median(label_cpu)
            print(f"{tag}the UI's CPU to its first frame / the one-label app's: {ratio:.2f}x")
    for tag, figs in figures.items():
        if figs.results.median and figs.reported.median:
            ratio = figs.results.median / figs.reported.median
            print(f"{tag}first results / TF load as the app reports it: {ratio:.2f}x")
    if reported:
        print("(goal: first results at most 1.15x the TF load; first frame 1.5x tx_launch;")
        print(" quit 1.1x tx_quit)")
    if bench.notes:
        print("\nNotes:")
        for text in bench.notes:
            print(f"- {text}")


def timed(argv: Sequence[str], cwd: Path) -> tuple[float, float]:
    """Run ``argv`` to its end, output thrown away: (wall seconds, CPU seconds of it)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure_cli(args: argparse.Namespace) -> None:
    """``lr-explorer run`` against the lesson's program, table by table."""
    folder = Path(tempfile.mkdtemp(prefix="bench_startup_"))
    checkouts = [("run", ROOT)]
    if args.before is not None:
        checkouts = [("run (before)", args.before.resolve()), ("run", ROOT)]
    print(
        f"\n`lr-explorer run` against the lesson's own program, {args.runs} runs each, in turn "
        f"(load {os.getloadavg()[0]:.2f})"
    )
    head = f"{'table':18} {'program':14} {'wall ms':>9} {'cpu ms':>9} {'vs lesson (pairs)':>18}"
    print(head)
    print("-" * len(head))
    try:
        for table, code in LESSON.items():
            script = folder / f"lesson_{table.replace(' ', '_')}.py"
            script.write_text(code, encoding="utf-8")
            lesson_argv = [sys.executable, str(script)]
            reference = subprocess.run(lesson_argv, capture_output=True, check=True).stdout
            for tag, cwd in checkouts:
                argv = [sys.executable, "-m", "tui", *RUN_ARGS[table]]
                out = subprocess.run(argv, cwd=cwd, capture_output=True, check=True).stdout
                if out != reference:
                    print(f"  NOTE: {tag} prints other bytes than the lesson for {table}")
            programs = [("lesson", lesson_argv, ROOT)] + [
                (tag, [sys.executable, "-m", "tui", *RUN_ARGS[table]], cwd)
                for tag, cwd in checkouts
            ]
            walls: dict[str, list[float]] = {tag: [] for tag, _, _ in programs}
            cpus: dict[str, list[float]] = {tag: [] for tag, _, _ in programs}
            timed(lesson_argv, ROOT)  # warm-up: the files in the page cache
            for run in range(args.runs):
                for tag, argv, cwd in programs if run % 2 == 0 else programs[::-1]:
                    wall, cpu = timed(argv, cwd)
                    walls[tag].append(wall)
                    cpus[tag].append(cpu)
            for tag, _, _ in programs:
                pairs = [a / b for a, b in zip(walls[tag], walls["lesson"], strict=True)]
                ratio = "" if tag == "lesson" else f"{statistics.median(pairs):.2f}x"
                print(
                    f"{table:18} {tag:14} {ms(statistics.median(walls[tag])):>9} "
                    f"{ms(statistics.median(cpus[tag])):>9} {ratio:>18}"
                )
    finally:
        for file in folder.iterdir():
            file.unlink()
        folder.rmdir()
    print("vs lesson: the median of wall(run) / wall(lesson) over runs made side by side.")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options and run the benchmark; always 0 (figures are not a verdict)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="app launches (default 3)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each program (default 5)")
    parser.add_argument("--before", type=Path, default=None, help="a checkout to compare with")
    parser.add_argument("--no-ui", action="store_true", help="skip the tmux rounds")
    parser.add_argument("--no-cli", action="store_true", help="skip `run` against the lesson")
    parser.add_argument("--silent", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.runs < 1:
        parser.error("--rounds and --runs must be at least 1")
    for signum in (bench_ui.signal.SIGTERM, bench_ui.signal.SIGHUP):
        bench_ui.signal.signal(signum, bench_ui._stop)
    for tree in (ROOT, *([] if args.before is None else [args.before.resolve()])):
        bench_ui.byte_compile(tree)
    if not args.no_ui:
        measure_ui(args)
    if not args.no_cli:
        measure_cli(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
