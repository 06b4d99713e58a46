"""Run the checks for a set of exercises against one folder: the verdict process's main step.

``run(job)`` configures Hypothesis, drives pytest over the chapters' check modules with the
grader plugin, and returns one ``ExerciseResult`` per exercise. The learner's code runs only in
the worker (``grader.client``); this process imports checks, computes references and decides.
"""

from __future__ import annotations

import importlib.util
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import catalog as catalog_mod
from grader.client import Learner, Worker
from grader.plugin import ExerciseResult, GraderPlugin


@dataclass
class Job:
    folder: Path
    exercises: list  # catalog.Exercise, in course order
    device: str = "cpu"
    seed: int | None = None
    database: Path | None = None  # Hypothesis example database; None keeps nothing
    memory_limit_mb: int | None = None  # None: the client's default
    forbidden_dir: Path | None = None  # the reference solutions, when grading anything else
    sources: dict | None = None  # module -> (source, filename): e.g. a notebook's cells


@dataclass
class RunResult:
    results: list[ExerciseResult]
    seconds: float
    device: str
    internal_errors: list[str] = field(default_factory=list)


def configure_hypothesis(database: Path | None) -> Any:
    from hypothesis import HealthCheck, Phase, Verbosity, settings
    from hypothesis.database import DirectoryBasedExampleDatabase, InMemoryExampleDatabase

    db = DirectoryBasedExampleDatabase(str(database)) if database else InMemoryExampleDatabase()
    settings.register_profile(
        "grader", database=db, deadline=None, derandomize=False,
        suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
        print_blob=False, verbosity=Verbosity.quiet,
        phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink))
    settings.load_profile("grader")
    return db


def run(job: Job, worker: Worker | None = None) -> RunResult:
    import pytest
    import torch

    started = time.perf_counter()
    # Checks run thousands of operations on tiny tensors: a thread pool only adds hand-offs
    # (on a busy 2-core machine, 10 ms for a 6x6 convolution instead of 3 µs).
    torch.set_num_threads(1)
    catalog = catalog_mod.load()
    db = configure_hypothesis(job.database)
    own_worker = worker is None
    if worker is None:
        worker = Worker(job.folder, forbidden_dir=job.forbidden_dir, sources=job.sources,
                        **({} if job.memory_limit_mb is None
                           else {"memory_limit_mb": job.memory_limit_mb}))
    worker.preload = catalog.preload(job.exercises)
    learner = Learner(worker, catalog, device=job.device)
    plugin = GraderPlugin(learner, job.exercises, seed=job.seed, database=db)
    chapters = list(dict.fromkeys(ex.chapter for ex in job.exercises))
    files = [_module_file(catalog.chapter(ch).check) for ch in chapters]
    checks_dir = str(Path(files[0]).parent) if files else "."
    args = [*files, "-s", "--rootdir", checks_dir, "-c",
            os.path.join(checks_dir, "pytest.ini"), "-p", "no:cacheprovider",
            "-p", "no:terminal", "-p", "no:stepwise", "--import-mode=importlib",
            # Plugins a grading run does not use; unraisableexception alone spends half a
            # second in gc.collect() at the end of every session.
            "-p", "no:unraisableexception", "-p", "no:threadexception", "-p", "no:logging",
            "-p", "no:junitxml", "-p", "no:doctest", "-p", "no:pastebin", "-p", "no:legacypath",
            "-W", "ignore",
            # Checks raise verdicts, never bare asserts: rewriting their asserts only costs a
            # parse and compile of every check module on each run where __pycache__ is not
            # writable (site-packages, PYTHONDONTWRITEBYTECODE).
            "--assert=plain"]
    previous = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # a learner's installed plugins stay out
    try:
        pytest.main(args, plugins=[plugin])
    finally:
        if previous is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = previous
        if own_worker:
            worker.close()
    results = list(plugin.results.values())
    for result in results:
        if result.checks == 0 and result.outcome == "passed":
            # Nothing graded it: never a pass. (A catalog entry without checks, or a check
            # module that failed to import.)
            result.outcome = "error"
            result.detail = "no check ran for this exercise" + (
                f": {plugin.collect_errors[0]}" if plugin.collect_errors else "")
    return RunResult(results, time.perf_counter() - started, job.device, plugin.collect_errors)


def _module_file(module: str) -> str:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(module)
    return spec.origin
