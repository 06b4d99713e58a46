"""Benchmark grading a large class (issue: at scale).

    python benchmarks/bench_scale.py [--students 100] [--jobs 2] [--targets all]

Builds a class of varied submissions (the solutions, fresh stubs, and mutants: one wrong
exercise per chapter), then measures, in one run:
- an uninterrupted ``grade`` (the reference);
- the same batch killed (SIGKILL of its process group, as a power cut) at about half-way, then
  resumed: the two parts together, as a ratio to the uninterrupted run (goal: at most 1.1×);
- a re-run with nothing changed, as a fraction of the full run (goal: at most 5 %);
- ``--shard 1/2`` + ``--shard 2/2`` + ``merge``: whether its gradebook is byte-identical to the
  uninterrupted run's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import EXERCISES, make_folder  # noqa: E402

MUTANTS = [  # (module, {definition: source}): one plausible mistake per chapter
    ("chapter19_conv", {"corr2d": "def corr2d(X, K):\n    return torch.zeros(1)\n"}),
    ("chapter20_padding_stride", {"pad2d": "def pad2d(X, padding):\n    return X\n"}),
    ("chapter21_channels", {"corr2d_multi_in": "def corr2d_multi_in(X, K):\n"
                            "    return corr2d(X[0], K[0])\n"}),
    ("chapter22_pooling", {"pool2d": "def pool2d(X, pool_size, mode='max'):\n"
                           "    h, w = pool_size\n"
                           "    return X[:X.shape[0] - h + 1, :X.shape[1] - w + 1]\n"}),
]


def make_class(folder: Path, n: int) -> Path:
    subs = folder / "submissions"
    for i in range(n):
        name = f"student{i:03d}"
        kind = i % 3
        if kind == 0:
            make_folder(subs / name, "chapter19_conv")
        elif kind == 1:
            make_folder(subs / name, "chapter19_conv", base=EXERCISES)
        else:
            module, replacement = MUTANTS[i % len(MUTANTS)]
            make_folder(subs / name, module, replacement)
    return subs


def grade_cmd(subs: Path, out: Path, args: argparse.Namespace, *extra: str) -> list[str]:
    return [sys.executable, "-m", "grader", "--lang", "en", "grade", str(subs), *args.targets,
            "--out", str(out), "--jobs", str(args.jobs), *extra]


def timed(cmd: list[str]) -> float:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GRADER_SOLUTIONS", None)
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return time.perf_counter() - started


def interrupted(cmd: list[str], out: Path, after: int) -> float:
    """Run ``cmd`` until ``after`` students are done, then SIGKILL its process group; the
    seconds it ran."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GRADER_SOLUTIONS", None)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    while len(list(out.glob("*/status.json"))) < after and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--targets", nargs="*", default=["all"])
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        subs = make_class(tmp, args.students)
        full = timed(grade_cmd(subs, tmp / "full", args))
        first = interrupted(grade_cmd(subs, tmp / "resumed", args), tmp / "resumed",
                            args.students // 2)
        time.sleep(2)  # the killed batch's verdict processes finish their jobs and go
        second = timed(grade_cmd(subs, tmp / "resumed", args))
        nothing = timed(grade_cmd(subs, tmp / "full", args))
        shard_seconds = sum(timed(grade_cmd(subs, tmp / f"shard{k}", args, "--shard", f"{k}/2"))
                            for k in (1, 2))
        merge = timed([sys.executable, "-m", "grader", "merge", str(tmp / "shard1"),
                       str(tmp / "shard2"), "--out", str(tmp / "merged")])
        same = (tmp / "merged" / "gradebook.csv").read_bytes() == \
            (tmp / "full" / "gradebook.csv").read_bytes()
        resumed_same = (tmp / "resumed" / "gradebook.csv").read_bytes() == \
            (tmp / "full" / "gradebook.csv").read_bytes()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{args.students} students, targets {' '.join(args.targets)}, --jobs {args.jobs}, "
          f"{os.cpu_count()} cores")
    print(f"uninterrupted run            {full:8.1f} s")
    print(f"killed at half-way + resumed {first:8.1f} + {second:.1f} s = "
          f"{(first + second) / full:.2f} × (goal ≤ 1.1); same gradebook: {resumed_same}")
    print(f"re-run, nothing changed      {nothing:8.2f} s = {nothing / full:.1%} (goal ≤ 5 %)")
    print(f"--shard 1/2 + 2/2 + merge    {shard_seconds:8.1f} + {merge:.2f} s; "
          f"gradebook byte-identical: {same}")


if __name__ == "__main__":
    main()
