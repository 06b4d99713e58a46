"""The verdict service: grade a ``Plan`` and return a ``RunResult`` (plain data).

Every entry point grades through here: ``grader check`` and ``grader solution`` in their own
process (``run``), ``watch``, ``grade``, the Gradescope autograder and the notebook kernel through
a warm verdict process (``grader.service_process``), the tests and the benchmarks. ``run``
configures Hypothesis from the plan, drives pytest over the chapters' check modules with the
grader plugin, and talks to the learner's code only through the worker (``grader.worker_client``):
this process imports checks, computes references and decides; it never imports learner code.
"""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path
from typing import Any

from grader import catalog as catalog_mod
from grader import heavy_imports, outcomes
from grader.plan import Plan
from grader.results import INTERNAL, RunResult
from grader.worker_client import Worker

# pytest plugins a grading run does not use; unraisableexception alone spends half a second in
# gc.collect() at the end of every session.
_UNUSED_PLUGINS = ("cacheprovider", "terminal", "stepwise", "unraisableexception",
                   "threadexception", "logging", "junitxml", "doctest", "pastebin",
                   "legacypath")


def worker_for(plan: Plan, server: Any = "shared") -> Worker:
    """The learner's worker for ``plan`` (not started yet: ``start_soon`` forks it early)."""
    catalog = catalog_mod.load()
    worker = Worker(plan.folder, sources=plan.sources, memory_limit_mb=plan.memory_limit_mb,
                    forbidden_dirs=plan.forbidden_dirs, isolation=plan.isolation,
                    server=server)
    worker.preload = catalog.preload(catalog.resolve(list(plan.targets)))
    worker.exercises = {ch.module: {ex.name: ex.qualname for ex in ch.exercises}
                        for ch in catalog.chapters}
    return worker


def resolve_device(device: str) -> str:
    """``auto`` as the checks use it: cuda when this process has it, else cpu."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def configure_hypothesis(database: str | None) -> Any:
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


def run(plan: Plan, worker: Worker | None = None) -> RunResult:
    """Grade ``plan``. ``worker``: one made by ``worker_for(plan)`` (and maybe started early);
    closed at the end either way."""
    heavy_imports.load("torch", "hypothesis", "pytest", "grader.learner", "grader.plugin")
    import torch

    from grader.learner import Learner

    started = time.perf_counter()
    # Checks run thousands of operations on tiny tensors: a thread pool only adds hand-offs
    # (on a busy 2-core machine, 10 ms for a 6x6 convolution instead of 3 µs).
    torch.set_num_threads(1)
    catalog = catalog_mod.load()
    exercises = catalog.resolve(list(plan.targets))
    device = resolve_device(plan.device)
    db = configure_hypothesis(plan.database)
    worker = worker or worker_for(plan)
    learner = Learner(worker, catalog, device=device)
    if plan.show_output:
        learner.output_limit = None
    plugin = _pytest_pass(learner, exercises, plan, db, catalog)
    try:
        results = list(plugin.results.values())
        _name_culprits(results, learner, plan, db, catalog)
    finally:
        worker.close()
    for result in results:
        if result.checks == 0 and result.passed:
            # Nothing graded it: never a pass. (A catalog entry without checks, or a check
            # module that failed to import.)
            result.outcome, result.key = outcomes.ERROR, INTERNAL
            result.data = {"detail": "no check ran for this exercise" + (
                f": {plugin.collect_errors[0]}" if plugin.collect_errors else "")}
    return RunResult(plan.job_id, results, time.perf_counter() - started, device,
                     plan.isolation, plugin.collect_errors)


def _pytest_pass(learner: Any, exercises: list, plan: Plan, db: Any, catalog: Any) -> Any:
    """One pytest session over the check modules of ``exercises``: the plugin, with a result
    per exercise."""
    import pytest

    from grader.plugin import GraderPlugin

    plugin = GraderPlugin(learner, exercises, seed=plan.seed, database=db,
                          budget_factor=plan.budget_factor)
    files = list(dict.fromkeys(f for ex in exercises
                               for f in check_files(catalog.chapter(ex.chapter).check, ex.name)))
    checks_dir = str(Path(_module_file("grader.checks")).parent)
    args = [*files, "-s", "--rootdir", checks_dir, "-c", os.path.join(checks_dir, "pytest.ini"),
            "--import-mode=importlib", "-W", "ignore",
            # Checks raise verdicts, never bare asserts: rewriting their asserts only costs a
            # parse and compile of every check module on each run where __pycache__ is not
            # writable (site-packages, PYTHONDONTWRITEBYTECODE).
            "--assert=plain"]
    for name in _UNUSED_PLUGINS:
        args += ["-p", f"no:{name}"]
    previous = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # a learner's installed plugins stay out
    try:
        pytest.main(args, plugins=[plugin])
    finally:
        if previous is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = previous
    return plugin


# Outcomes after which naming another exercise helps: the exercise ran and went wrong.
_BLAMABLE = (outcomes.FAILED, outcomes.ERROR, outcomes.TIMEOUT, outcomes.CRASHED)


def _name_culprits(results: list, learner: Any, plan: Plan, db: Any, catalog: Any) -> None:
    """An exercise that went wrong after its calls reached another exercise of the learner's
    (chapter 21's ``corr2d_multi_in`` calls chapter 19's ``corr2d``) gets ``culprit`` in its
    data when that one fails its own checks: graded here when the run did not include it (a
    second pass, only then). Points still follow each exercise's own result."""
    by_name = {r.name: r for r in results}
    suspects = {r.name: sorted(learner.reached.get(r.name, ())) for r in results
                if r.outcome in _BLAMABLE and learner.reached.get(r.name)}
    unknown = sorted({dep for deps in suspects.values() for dep in deps} - set(by_name))
    verdicts = {name: r.outcome for name, r in by_name.items()}
    if unknown:
        extra = _pytest_pass(learner, catalog.resolve(unknown), plan, db, catalog)
        verdicts.update({name: r.outcome for name, r in extra.results.items()})
    for name, deps in suspects.items():
        failing = [dep for dep in deps if verdicts.get(dep) not in (None, outcomes.PASSED)]
        if failing:
            data = by_name[name].data
            data["culprit"] = {"dep": failing[0], "outcome": verdicts[failing[0]]}
            # What the result resembles is the other exercise's mistake, not this one's.
            data.pop("diagnosis", None)


def _module_file(module: str) -> str:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(module)
    return spec.origin


def check_files(package: str, exercise: str) -> list[str]:
    """The check file of one exercise: ``grader/checks/<chapter>/<exercise>.py``, found from
    its name in the chapter's package (the catalog's ``check``). An exercise without one gets
    none (and so no pass)."""
    own = Path(_module_file(package)).parent / f"{exercise}.py"
    return [str(own)] if own.is_file() else []
