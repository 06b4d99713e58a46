"""The verdict service: a long-lived verdict process (grader.service_process) must grade every
plan as a fresh process would (nothing of one run's seed, example database or budget may reach
the next), match every reply to its job, and stop everything it started when it is stopped."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from grader import catalog, project, service
from grader.plan import Plan
from grader.service_process import Service
from tests.support import SOLUTIONS, make_folder
from tests.test_grade import _processes_in


def test_each_run_gets_its_own_seed_database_and_budget(tmp_path):
    import grader.checks.chapter19.Conv2D as checks

    test = checks.test_conv2d_parameters  # @budget(5)
    first_plan = Plan(targets=("chapter19.Conv2D",), folder=str(SOLUTIONS), seed=0)
    service.run(first_plan)
    first = test._hypothesis_internal_use_settings
    assert (test._hypothesis_internal_use_seed, first.database, first.max_examples) == \
        (0, None, 5)
    second_plan = Plan(targets=("chapter19.Conv2D",), folder=str(SOLUTIONS),
                       database=str(tmp_path / "db"), budget_factor=3)
    service.run(second_plan)
    second = test._hypothesis_internal_use_settings
    assert test._hypothesis_internal_use_seed is None
    assert second.max_examples == 15
    assert Path(second.database.path) == tmp_path / "db"


def test_a_warm_service_answers_each_plan_with_its_own_result(tmp_path):
    """Plain data in, plain data out, matched by job id; the same verdicts as in process."""
    exercises = catalog.load().resolve(["chapter21"])
    stubs = make_folder(tmp_path / "stubs", "chapter21_channels", base=SOLUTIONS.parent / "exercises")
    warm = Service()
    warm.start()
    try:
        plans = [project.plan(exercises, folder, root=None, seed=0)
                 for folder in (SOLUTIONS, stubs, SOLUTIONS)]
        runs = [warm.submit(plan, 300) for plan in plans]
    finally:
        warm.close()
    assert [r.job_id for r in runs] == [p.job_id for p in plans]
    assert [[x.outcome for x in r.results] for r in runs] == [
        ["passed"] * 3, ["not_started"] * 3, ["passed"] * 3]
    assert runs[0].results[0].examples > 1  # fixed cases and Hypothesis examples were counted


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_killing_the_service_mid_job_stops_the_learners_code_too(tmp_path):
    folder = make_folder(tmp_path / "spinner", "chapter19_conv", {"corr2d": """
def corr2d(X, K):
    while True:
        pass
"""})
    warm = Service(cwd=str(tmp_path))
    warm.start()
    plan = project.plan(catalog.load().resolve(["chapter19.corr2d"]), folder, root=None)
    outcomes = []

    def submit() -> None:
        try:
            outcomes.append(warm.submit(plan, 120))
        except Exception as exc:  # noqa: BLE001  (killed under the job: that is the point)
            outcomes.append(exc)

    job = threading.Thread(target=submit)
    job.start()
    deadline = time.monotonic() + 60
    while "spinner" not in " ".join(map(str, _worker_cwds(folder))) and \
            time.monotonic() < deadline:
        time.sleep(0.1)  # wait until the learner's worker runs the endless loop
    warm.kill()
    job.join(timeout=30)
    assert outcomes and not hasattr(outcomes[0], "results")  # no result for a killed job
    assert _processes_in(tmp_path) == []


def _worker_cwds(folder) -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                found.append(os.readlink(f"/proc/{pid}/cwd"))
            except OSError:
                continue
    return [c for c in found if c.startswith(str(folder))]
