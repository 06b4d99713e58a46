"""The verdict service: a long-lived verdict process (grader.service_process) must grade every
plan as a fresh process would (nothing of one run's seed, example database or budget may reach
the next), match every reply to its job, and stop everything it started when it is stopped."""

from __future__ import annotations

import os
import threading
import time

import pytest

from grader import catalog, project, service
from grader.plan import Plan
from grader.service_process import Service
from tests.support import SOLUTIONS, make_folder
from tests.test_grade import _processes_in

# Right on the book's 3 x 3 example, wrong on every input of five rows or more.
TALL_INPUTS_WRONG = {"corr2d": """
def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum() + (1.0 if X.shape[0] >= 5 else 0.0)
    return Y
"""}


def test_each_run_gets_its_own_seed_database_and_budget(tmp_path):
    """One process, run after run: a seed gives the same examples and keeps no database, a
    budget factor multiplies every property's examples, a database replays the last failure;
    nothing of one run reaches the next."""

    def examples(**options):
        run = service.run(Plan(targets=("chapter19.Conv2D",), folder=str(SOLUTIONS), **options))
        assert [r.outcome for r in run.results] == ["passed"]
        return run.results[0].examples

    seeded = examples(seed=0)
    assert examples(budget_factor=3, seed=0) > 2 * seeded
    assert examples(seed=0) == seeded

    wrong = make_folder(tmp_path / "wrong", "chapter19_conv", TALL_INPUTS_WRONG)
    db = tmp_path / "db"

    def failure(**options):
        run = service.run(Plan(targets=("chapter19.corr2d",), folder=str(wrong), **options))
        result = run.results[0]
        assert (result.outcome, result.data["searched"]) == ("failed", True)
        return result.data["inputs"], result.examples

    seeded_failure = failure(seed=0, database=str(db))
    assert not db.exists()  # a seed: no example database
    found, searched = failure(database=str(db))
    assert sorted(db.rglob("*"))
    replayed, tried = failure(database=str(db))
    assert replayed == found and tried < searched  # the saved failure comes first
    assert failure(seed=0) == seeded_failure


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



def test_a_sandboxed_job_starts_no_fork_server(tmp_path):
    """A fork server is shared by the workers forked from it, and a sandboxed worker is never
    one of them: a verdict process grading sandboxed plans must not start one (it did: a
    wasted torch import on one of the cores, in `check --sandbox` and every sandboxed `grade`).
    Without a sandbox the same job keeps one, warm for the next."""
    from grader import launcher
    from grader.submission import grade_env

    if not launcher.available("sandbox")[0]:
        pytest.skip("bubblewrap cannot make a sandbox here")
    exercises = catalog.load().resolve(["chapter19.edge_kernel"])
    for isolation, expected in (("sandbox", False), ("process", True)):
        svc = Service(grade_env())
        try:
            plan = project.plan(exercises, SOLUTIONS, root=None, isolation=isolation, seed=0)
            run = svc.submit(plan, timeout=300)
            assert run is not None and run.passed, run
            commands = []
            for pid in launcher.descendants(svc.proc.pid):
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        commands.append(f.read())
                except OSError:
                    pass
            assert any(b"grader.fork_server" in c for c in commands) == expected, \
                (isolation, commands)
        finally:
            svc.close()


def test_a_service_started_outside_the_cli_keeps_hypothesis_files_under_dot_grader(tmp_path):
    """A notebook kernel starts its verdict process in the notebook's folder, with no CLI to
    send Hypothesis's own files (its cache of constants) away: they must not appear there."""
    course = tmp_path / "course"
    (course / "exercises").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_STORAGE_DIRECTORY"}
    svc = Service(env=env, cwd=str(course))
    try:
        result = svc.submit(Plan(targets=("chapter19.corr2d",), folder=str(SOLUTIONS)),
                            timeout=300)
    finally:
        svc.close()
    assert [r.outcome for r in result.results] == ["passed"]
    assert not (course / ".hypothesis").exists()
    assert sorted(p.name for p in course.iterdir()) == [".grader", "exercises"]
