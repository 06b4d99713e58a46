"""A long-lived verdict process (grader.slot) must grade every run as a fresh process would:
nothing of one run's seed, example database or budget may reach the next, and stopping it
stops everything it started."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from grader import catalog
from grader.client import Worker
from grader.runner import Job, run
from grader.slot import Slot
from tests.support import SOLUTIONS, make_folder
from tests.test_grade import _processes_in


def test_each_run_gets_its_own_seed_database_and_budget(tmp_path, monkeypatch):
    import grader.checks.chapter19 as checks

    test = checks.test_conv2d_parameters  # @budget(5)
    (conv2d,) = catalog.load().resolve(["chapter19.Conv2D"])
    worker = Worker(SOLUTIONS)
    try:
        monkeypatch.setenv("GRADER_THOROUGH_FACTOR", "1")
        run(Job(folder=SOLUTIONS, exercises=[conv2d], seed=0), worker)
        first = test._hypothesis_internal_use_settings
        assert (test._hypothesis_internal_use_seed, first.database, first.max_examples) == \
            (0, None, 5)
        monkeypatch.setenv("GRADER_THOROUGH_FACTOR", "3")
        run(Job(folder=SOLUTIONS, exercises=[conv2d], database=tmp_path / "db"), worker)
        second = test._hypothesis_internal_use_settings
        assert test._hypothesis_internal_use_seed is None
        assert second.max_examples == 15
        assert Path(second.database.path) == tmp_path / "db"
    finally:
        worker.close()


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_killing_a_slot_mid_job_stops_the_learners_code_too(tmp_path):
    folder = make_folder(tmp_path / "spinner", "chapter19_conv", {"corr2d": """
def corr2d(X, K):
    while True:
        pass
"""})
    slot = Slot({**os.environ, "NO_COLOR": "1"})
    slot.start()
    log = tmp_path / "log.txt"
    codes = []
    job = threading.Thread(target=lambda: codes.append(slot.run(
        ["check", "chapter19.corr2d", "--exercises", str(folder)], tmp_path, log, 120)))
    job.start()
    deadline = time.monotonic() + 60
    while "spinner" not in " ".join(map(str, _worker_cwds(folder))) and \
            time.monotonic() < deadline:
        time.sleep(0.1)  # wait until the learner's worker runs the endless loop
    slot.kill()
    job.join(timeout=30)
    assert codes and codes[0] != 0
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
