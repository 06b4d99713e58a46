"""Benchmark the grader against the import floor (issue: speed).

    python benchmarks/bench_grader.py [--repeats 5] [--batch]

Measures, in one run, the median wall time of several repeats after a warm-up:
- the floor: ``python -c "import torch, pytest, hypothesis"``;
- ``grader check chapterNN --solutions`` for every chapter whose solution file exists;
- ``grader check all --solutions``; ``grader --help``; ``grader list``;
- with ``--batch``: ``grader grade`` on 20 copies of the solutions with ``--jobs 2``.
Prints seconds and the ratio to the floor. Run it on an otherwise idle machine.
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


def timed(cmd: list[str], repeats: int, ok=(0,)) -> float:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GRADER_SOLUTIONS", None)
    samples = []
    for i in range(repeats + 1):  # the first run is a warm-up
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if proc.returncode not in ok:
            raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}\n"
                             f"{proc.stderr}")
        if i:
            samples.append(elapsed)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", action="store_true", help="also time grader grade")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from grader import catalog

    chapters = [ch for ch in catalog.load().chapters if (ROOT / "solutions" / ch.filename).exists()]
    rows = [("floor: import torch, pytest, hypothesis",
             timed([sys.executable, "-c", "import torch, pytest, hypothesis"], args.repeats))]
    for ch in chapters:
        rows.append((f"grader check {ch.id} --solutions",
                     timed(GRADER + ["check", ch.id, "--solutions"], args.repeats)))
    rows.append(("grader check all --solutions",
                 timed(GRADER + ["check", "all", "--solutions"], args.repeats)))
    rows.append(("grader --help", timed(GRADER + ["--help"], args.repeats)))
    rows.append(("grader list", timed(GRADER + ["list"], args.repeats)))
    if args.batch:
        tmp = Path(tempfile.mkdtemp(prefix="bench-class-"))
        for i in range(20):
            shutil.copytree(ROOT / "solutions", tmp / "class" / f"student{i:02d}")
        rows.append(("grader grade (20 copies, --jobs 2)",
                     timed(GRADER + ["grade", str(tmp / "class"), "--out", str(tmp / "out"),
                                     "--jobs", "2"], max(1, args.repeats // 3))))
        shutil.rmtree(tmp, ignore_errors=True)
    floor = rows[0][1]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {platform.platform()}")
    print(f"{'command':45s} {'seconds':>8s} {'× floor':>8s}")
    for name, seconds in rows:
        print(f"{name:45s} {seconds:8.2f} {seconds / floor:8.2f}")


if __name__ == "__main__":
    main()
