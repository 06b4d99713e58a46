"""Benchmark the grader against the import floor (issue: speed).

    python benchmarks/bench_grader.py [--repeats 5] [--batch]

Measures, in one run, the median wall time of several repeats after a warm-up:
- the floor: ``python -c "import torch, pytest, hypothesis"``;
- ``grader check chapterNN --solutions`` for every chapter whose solution file exists;
- ``grader check all --solutions``; ``grader --help``; ``grader list``;
- on Linux, ``grader check chapter19 --solutions`` on the portable worker path (the one Windows
  and macOS take), in an interpreter that simulates Windows (``tests/simplat.py``, SIMPLAT=win);
- with ``--batch``: ``grader grade`` on 20 copies of the solutions with ``--jobs 2``.
Prints seconds and the ratio to the floor (the batch also as a ratio to ``check all``).

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


def once(cmd: list[str], ok=(0,)) -> float:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GRADER_SOLUTIONS", None)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}\n"
                         f"{proc.stderr}")
    return elapsed


def round_robin(commands: list[tuple[str, list[str]]], repeats: int) -> dict[str, float]:
    """Median seconds per command; the first round is a warm-up."""
    samples: dict[str, list[float]] = {name: [] for name, _ in commands}
    for round_ in range(repeats + 1):
        for name, cmd in commands:
            elapsed = once(cmd)
            if round_:
                samples[name].append(elapsed)
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", action="store_true", help="also time grader grade")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from grader import catalog

    chapters = [ch for ch in catalog.load().chapters if (ROOT / "solutions" / ch.filename).exists()]
    floor_name = "floor: import torch, pytest, hypothesis"
    all_name = "grader check all --solutions"
    commands = [(floor_name, [sys.executable, "-c", "import torch, pytest, hypothesis"])]
    commands += [(f"grader check {ch.id} --solutions", GRADER + ["check", ch.id, "--solutions"])
                 for ch in chapters]
    commands += [(all_name, GRADER + ["check", "all", "--solutions"]),
                 ("grader --help", GRADER + ["--help"]), ("grader list", GRADER + ["list"])]
    if sys.platform.startswith("linux"):
        from tests import simplat

        sim = simplat.make_interpreter(Path(tempfile.mkdtemp(prefix="bench-simplat-")))
        commands.append(("grader check chapter19 --solutions (portable)",
                         ["env", "SIMPLAT=win", str(sim), "-m", "grader", "check", "chapter19",
                          "--solutions"]))
    # Byte-compile the grader as a learner's first run would (here PYTHONDONTWRITEBYTECODE may
    # be set, and then every run would compile the grader's modules from source).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "grader")], check=True,
                   capture_output=True)
    rows = round_robin(commands, args.repeats)
    batch = None
    if args.batch:
        tmp = Path(tempfile.mkdtemp(prefix="bench-class-"))
        for i in range(20):
            shutil.copytree(ROOT / "solutions", tmp / "class" / f"student{i:02d}")
        grade = GRADER + ["grade", str(tmp / "class"), "--out", str(tmp / "out"), "--jobs", "2"]
        # `check all` again right before and after each batch: the ratio compares like with like
        all_cmd = dict(commands)[all_name]
        batch_rows = round_robin([(all_name, all_cmd), ("batch", grade)],
                                 max(1, args.repeats // 3))
        batch = (batch_rows["batch"], batch_rows[all_name])
        shutil.rmtree(tmp, ignore_errors=True)
    floor = rows[floor_name]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {platform.platform()}")
    print(f"{'command':45s} {'seconds':>8s} {'× floor':>8s}")
    for name, seconds in rows.items():
        print(f"{name:45s} {seconds:8.2f} {seconds / floor:8.2f}")
    if batch:
        seconds, all_seconds = batch
        print(f"{'grader grade (20 copies, --jobs 2)':45s} {seconds:8.2f} {seconds / floor:8.2f}"
              f"   = {seconds / all_seconds:.1f} × check all ({all_seconds:.2f} s alongside)")


if __name__ == "__main__":
    main()
