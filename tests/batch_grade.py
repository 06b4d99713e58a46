"""Grade many (folder, targets) jobs in one verdict process; every job gets a fresh worker
forked from the shared zygote. Reads JSON jobs on stdin, prints one JSON list of
{qualname: [outcome, output]} on the last line of stdout. Test-suite plumbing only."""

from __future__ import annotations

import json
import sys

from grader import catalog
from grader.client import Worker
from grader.runner import Job, run


def main() -> None:
    jobs = json.loads(sys.stdin.read())
    cat = catalog.load()
    out = []
    for folder, targets in jobs:
        worker = Worker(folder)
        try:
            result = run(Job(folder=folder, exercises=cat.resolve(targets), seed=0), worker)
        finally:
            worker.close()
        out.append({r.qualname: [r.outcome, r.text("en")] for r in result.results})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
