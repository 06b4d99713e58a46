"""How long a warm re-run in ``grader watch`` takes.

    python benchmarks/bench_watch.py [--chapter chapter21] [--runs 7]

``watch`` keeps one verdict process (``grader.service_process.Service``) and sends it a plan each
time a file is saved. This sends the same plan as ``watch`` would for the reference solutions
(an example database in a temporary folder, as a learner's ``.grader/`` holds one), ``--runs``
times in a row, and prints the first (cold) run and the median of the warm ones. The goal: a
warm re-run of chapter 21 in at most 0.3 s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapter", default="chapter21")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from grader import catalog
    from grader.plan import Plan
    from grader.service_process import Service

    targets = tuple(ex.qualname for ex in catalog.load().resolve([args.chapter]))
    database = tempfile.mkdtemp(prefix="bench-watch-db-")
    service = Service()
    service.start()
    seconds = []
    try:
        for _ in range(max(2, args.runs)):
            plan = Plan(targets=targets, folder=str(ROOT / "solutions"), database=database)
            start = time.perf_counter()
            run = service.submit(plan, timeout=300)
            seconds.append(time.perf_counter() - start)
            if run is None or not all(r.passed for r in run.results):
                raise SystemExit(f"the reference solutions did not pass: {run}")
    finally:
        service.close()
        shutil.rmtree(database, ignore_errors=True)
    warm = seconds[1:]
    print(f"{args.chapter}: first run {seconds[0]:.2f} s, warm re-runs "
          + " ".join(f"{s:.2f}" for s in warm) + f", median {statistics.median(warm):.2f} s")


if __name__ == "__main__":
    main()
