"""How many of the test suite's mutants the checks catch, over several seeds and example budgets.

    python benchmarks/mutation_score.py [--seeds 5] [--factor 1.0] [--chapters 19 20 ...]

The test suite grades every mutant (a plausible wrong learner answer) and every alternative (a
right answer in another style) with one seed, 0. A check whose example budget is too small can
still catch a mutant at seed 0 by luck; this script grades them all again with seeds 0..N-1 and
the budgets multiplied by ``--factor``, and lists:
- escaped mutants: graded ``passed`` at some seed (the worst bug a grader can have);
- mutants with another outcome than the suite expects (caught, but for another reason);
- alternatives that failed at some seed (a right answer marked wrong).
Use it before lowering a budget. Exit status 1 when a mutant escaped or an alternative failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def variants(chapters: list[int], tmp: Path) -> list[tuple]:
    """(kind, chapter, exercise, label, expected outcome, folder) for every variant of the
    chapters (``tests/variants/<chapter>/<exercise>.py``)."""
    from grader import catalog
    from tests.support import SOLUTIONS, make_folder
    from tests.variants import source_of, variants_of

    out = []
    for number in chapters:
        chapter = catalog.load().chapter(f"chapter{number}")
        reference = (SOLUTIONS / chapter.filename).read_text("utf-8")
        for exercise, v in variants_of(chapter.id):
            folder = make_folder(tmp / f"v{len(out)}", chapter.module,
                                 {exercise: source_of(v, reference, exercise), **v.also})
            out.append((v.kind, chapter.id, exercise, v.name, v.outcome, folder))
    return out


def grade(cases: list[tuple], seed: int, factor: float) -> list[str]:
    spec = json.dumps([[str(c[5]), [f"{c[1]}.{c[2]}"]] for c in cases])
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "batch_grade.py"), str(seed),
                           str(factor)],
                          input=spec, capture_output=True, text=True, env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"seed {seed}: batch grading failed:\n{proc.stdout}\n{proc.stderr}")
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    return [res[f"{c[1]}.{c[2]}"][0] for c, res in zip(cases, results, strict=True)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 (default 5)")
    parser.add_argument("--factor", type=float, default=1.0,
                        help="multiply every example budget (default 1: what learners get)")
    parser.add_argument("--chapters", type=int, nargs="*", default=[19, 20, 21, 22, 23])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mutation-score-") as tmp:
        cases = variants(args.chapters, Path(tmp))
        with ThreadPoolExecutor(args.jobs) as pool:
            outcomes = list(pool.map(lambda s: grade(cases, s, args.factor), range(args.seeds)))
    escaped, other, failed = set(), set(), set()
    for seed, got in enumerate(outcomes):
        for case, outcome in zip(cases, got, strict=True):
            kind, chapter, exercise, label, expected, _ = case
            name = f"{chapter}.{exercise}: {label}"
            if kind == "alt" and outcome != "passed":
                failed.add(f"{name} ({outcome} at seed {seed})")
            elif kind == "mutant" and outcome == "passed":
                escaped.add(f"{name} (seed {seed})")
            elif kind == "mutant" and outcome != expected:
                other.add(f"{name} ({outcome}, expected {expected}, seed {seed})")
    mutants = sum(c[0] == "mutant" for c in cases)
    print(f"budget factor {args.factor}, seeds 0..{args.seeds - 1}: {mutants} mutants, "
          f"{len(cases) - mutants} alternatives, {time.perf_counter() - started:.0f} s")
    for title, items in (("escaped mutants", escaped), ("mutants with another outcome", other),
                         ("failed alternatives", failed)):
        print(f"{title}: {len(items)}")
        for item in sorted(items):
            print(f"  {item}")
    return 1 if escaped or failed else 0


if __name__ == "__main__":
    sys.exit(main())
