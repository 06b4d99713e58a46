"""Grade many (folder, targets) jobs in one verdict process, each through the verdict service
with a worker of its own (forked from the shared fork server). Reads JSON jobs on stdin, prints
one JSON list of {qualname: [outcome, output]} on the last line of stdout (and under
``"_zh"`` {qualname: output in Chinese}). Test-suite plumbing
only.

``python tests/batch_grade.py [SEED [FACTOR]]``: the Hypothesis seed (default 0, as the test suite
uses) and a factor for every example budget (default 1; ``benchmarks/mutation_score.py``).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from grader import catalog, project, report, service


def main() -> None:
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    factor = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    jobs = json.loads(sys.stdin.read())
    cat = catalog.load()
    out = []
    for folder, targets in jobs:
        plan = project.plan(cat.resolve(targets), Path(folder), root=None, seed=seed,
                            memory_limit_mb=project.DEFAULT_MEMORY_MB)
        if factor != 1.0:
            plan = dataclasses.replace(plan, budget_factor=factor)
        result = service.run(plan)
        texts = {r.name: [r.outcome, report.text_of(r, "en")] for r in result.results}
        texts["_zh"] = {r.name: report.text_of(r, "zh") for r in result.results}  # same verdicts
        out.append(texts)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
