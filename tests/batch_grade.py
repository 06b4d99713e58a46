"""Grade many (folder, targets) jobs in one verdict process; every job gets a fresh worker
forked from the shared zygote. Reads JSON jobs on stdin, prints one JSON list of
{qualname: [outcome, output]} on the last line of stdout. Test-suite plumbing only.

``python tests/batch_grade.py [SEED]``: the Hypothesis seed (default 0, as the test suite uses).
"""

from __future__ import annotations

import json
import sys

from grader import catalog
from grader.client import Worker
from grader.runner import Job, run


def main() -> None:
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    jobs = json.loads(sys.stdin.read())
    cat = catalog.load()
    out = []
    for folder, targets in jobs:
        worker = Worker(folder)
        try:
            result = run(Job(folder=folder, exercises=cat.resolve(targets), seed=seed), worker)
        finally:
            worker.close()
        out.append({r.qualname: [r.outcome, r.text("en")] for r in result.results})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
