"""Benchmark the grader against the import floor (issue: speed).

    python benchmarks/bench_grader.py [--repeats 5] [--batch [--batch-repeats N]] [--against DIR]

Measures, in one run, the median wall time of several repeats after a warm-up:
- the floor: ``python -c "import torch, pytest, hypothesis"``;
- ``grader check chapterNN --solutions`` for every chapter whose solution file exists;
- ``grader check all --solutions``; ``grader --help``; ``grader list``;
- ``grader check chapter19 --solutions --sandbox`` (its ratio to the same without the sandbox);
- on Linux, ``grader check chapter19 --solutions`` on the portable worker path (the one Windows
  and macOS take), in an interpreter that simulates Windows (``tests/simplat.py``, SIMPLAT=win);
- with ``--batch``: ``grader grade`` on 20 copies of the solutions with ``--jobs 2``, with
  ``--no-sandbox`` and in the sandbox (``--sandbox``, the default).
Prints seconds and the ratio to the floor (the batches also as a ratio to ``check all``, and the
sandboxed one to the one without).
With ``--against DIR`` (another checkout of the project, e.g. a ``git worktree`` of the commit
before a change), every grader command also runs from DIR, in the same rounds, and a column
compares the two: before and after, measured under the same load.

The commands run round-robin (every repeat runs each once, in turn), so a machine that gets
busier or quieter during the run moves all of them alike and the ratios stay fair. Run it on an
otherwise idle machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRADER = [sys.executable, "-m", "grader"]


def once(cmd: list[str], ok=(0,), cwd: Path = ROOT) -> float:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GRADER_SOLUTIONS", None)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}\n"
                         f"{proc.stderr}")
    return elapsed


def round_robin(commands: list[tuple], repeats: int) -> dict[str, float]:
    """Median seconds per command (``(name, argv)`` or ``(name, argv, cwd)``); the first round
    is a warm-up."""
    samples: dict[str, list[float]] = {command[0]: [] for command in commands}
    for round_ in range(repeats + 1):
        for name, cmd, *where in commands:
            elapsed = once(cmd, cwd=where[0] if where else ROOT)
            if round_:
                samples[name].append(elapsed)
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", action="store_true", help="also time grader grade")
    parser.add_argument("--batch-repeats", type=int, metavar="N",
                        help="rounds of the batches (default: a third of --repeats, at least 1)")
    parser.add_argument("--against", metavar="DIR", type=Path,
                        help="another checkout: run every grader command from it too")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from grader import catalog

    chapters = [ch for ch in catalog.load().chapters if (ROOT / "solutions" / ch.filename).exists()]
    floor_name = "floor: import torch, pytest, hypothesis"
    all_name = "grader check all --solutions"
    commands = [(floor_name, [sys.executable, "-c", "import torch, pytest, hypothesis"])]
    commands += [(f"grader check {ch.id} --solutions", GRADER + ["check", ch.id, "--solutions"])
                 for ch in chapters]
    sandboxed_name = "grader check chapter19 --solutions --sandbox"
    if any(ch.id == "chapter19" for ch in chapters):
        commands.append((sandboxed_name, GRADER + ["check", "chapter19", "--solutions",
                                                   "--sandbox"]))
    commands += [(all_name, GRADER + ["check", "all", "--solutions"]),
                 ("grader --help", GRADER + ["--help"]), ("grader list", GRADER + ["list"])]
    against = args.against.resolve() if args.against else None
    if against is not None:
        # what both checkouts can run (an older grader has no --sandbox)
        commands += [(f"{name}  [against]", cmd, against) for name, cmd in commands[1:]
                     if "--sandbox" not in cmd]
    if sys.platform.startswith("linux"):
        from tests import simplat

        sim = simplat.make_interpreter(Path(tempfile.mkdtemp(prefix="bench-simplat-")))
        commands.append(("grader check chapter19 --solutions (portable)",
                         ["env", "SIMPLAT=win", str(sim), "-m", "grader", "check", "chapter19",
                          "--solutions"]))
    # Byte-compile the grader as a learner's first run would (here PYTHONDONTWRITEBYTECODE may
    # be set, and then every run would compile the grader's modules from source).
    for checkout in (ROOT, against):
        if checkout is not None:
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(checkout / "grader")],
                           check=True, capture_output=True)
    rows = round_robin(commands, args.repeats)
    batch = batch_against = None
    if args.batch:
        tmp = Path(tempfile.mkdtemp(prefix="bench-class-"))
        for i in range(20):
            shutil.copytree(ROOT / "solutions", tmp / "class" / f"student{i:02d}")
        grade = GRADER + ["grade", str(tmp / "class"), "--jobs", "2"]
        # `check all` again right before and after each batch: the ratio compares like with like
        check_all = next(cmd for name, cmd, *_ in commands if name == all_name)
        # --regrade: every round grades the class again (a re-run would reuse the results)
        plain = grade + ["--out", str(tmp / "out"), "--no-sandbox", "--regrade"]
        batch_commands = [(all_name, check_all), ("batch", plain),
                          ("sandboxed batch",
                           grade + ["--out", str(tmp / "out-sandbox"), "--sandbox", "--regrade"])]
        if against is not None:  # an older grader: a fresh OUT each round, its own options
            batch_commands += [(f"{all_name}  [against]", check_all, against),
                               ("batch  [against]", grade + ["--out", str(tmp / "out-before")],
                                against)]
        batch_rows = round_robin(batch_commands, args.batch_repeats or max(1, args.repeats // 3))
        batch = (batch_rows["batch"], batch_rows[all_name], batch_rows["sandboxed batch"])
        if against is not None:
            batch_against = (batch_rows["batch  [against]"], batch_rows[f"{all_name}  [against]"])
        shutil.rmtree(tmp, ignore_errors=True)
    floor = rows[floor_name]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {platform.platform()}")
    print(f"{'command':45s} {'seconds':>8s} {'× floor':>8s}"
          + (f" {'against':>8s} {'change':>8s}" if against else ""))
    for name, seconds in rows.items():
        if name.endswith("  [against]"):
            continue
        line = f"{name:45s} {seconds:8.2f} {seconds / floor:8.2f}"
        before = rows.get(f"{name}  [against]")
        if before is not None:
            line += f" {before:8.2f} {seconds - before:+8.2f}"
        print(line)
    if sandboxed_name in rows:
        plain_seconds = rows["grader check chapter19 --solutions"]
        print(f"check --sandbox chapter19 / check chapter19: "
              f"{rows[sandboxed_name] / plain_seconds:.2f}")
    if batch:
        seconds, all_seconds, boxed = batch
        print(f"{'grader grade (20 copies, --jobs 2, no sandbox)':45s} {seconds:8.2f} "
              f"{seconds / floor:8.2f}   = {seconds / all_seconds:.1f} × check all "
              f"({all_seconds:.2f} s alongside)")
        print(f"{'grader grade (20 copies, --jobs 2, sandbox)':45s} {boxed:8.2f} "
              f"{boxed / floor:8.2f}   = {boxed / seconds:.2f} × the batch without")
        if against is not None:
            before, before_all = batch_against
            print(f"{'  against':45s} {before:8.2f} {before / floor:8.2f}"
                  f"   = {before / before_all:.1f} × check all ({before_all:.2f} s alongside)")


if __name__ == "__main__":
    main()
