"""Grading one submission: a student's folder, as ``grader grade`` and the Gradescope
autograder grade it.

The plan has a fixed seed (the same files always get the same verdict), no example database
and the reference solutions masked; the chapter files are found wherever in the folder most of
them are (a submission uploaded as a zipped folder), and a chapter submitted as a notebook is
graded from its code cells. ``grade_submission`` runs the plan in a warm verdict process
(``grader.service_process``) under a time limit for the whole submission and writes
``results.json``, ``grader.log`` and, last, ``status.json``; a submission that hangs, crashes
or breaks the grader gets a report that says so, never an exception.
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from typing import Any

from grader.class_state import SKIP_DIRS
from grader.gradebook import Graded

DEFAULT_TIMEOUT = 600.0  # seconds for one whole submission
DEFAULT_MEMORY_MB = 4096  # for the learner's worker process
SEED = 0


def chapter_folder(folder: Path, filenames: list[str]) -> Path | None:
    """The folder in ``folder``'s tree that holds the most of ``filenames`` (the shallowest on a
    tie), so a submission uploaded as a zipped folder is found too; None when there are none."""
    best: tuple[int, int, str] | None = None
    found: Path | None = None
    for here, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        count = sum(name in files for name in filenames)
        if count:
            depth = len(Path(here).relative_to(folder).parts)
            key = (-count, depth, here)
            if best is None or key < best:
                best, found = key, Path(here)
    return found


def has_notebooks(folder: Path) -> bool:
    """Whether the submission holds a notebook (``submission_plan`` grades chapters submitted
    as notebooks from their cells)."""
    return any(p.suffix == ".ipynb" and ".ipynb_checkpoints" not in p.parts
               for p in folder.rglob("*.ipynb"))


def grade_env() -> dict:
    """The environment of every verdict process of a batch: fixed hashing, no solutions switch
    (the plan says what is graded)."""
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("GRADER_SOLUTIONS", None)
    return env


def submission_plan(folder: Path, exercises: list, *, device: str = "cpu",
                    memory_limit_mb: int | None = DEFAULT_MEMORY_MB, thorough: bool = False,
                    isolation: str = "process", seed: int = SEED) -> Any:
    """The plan for one student's folder: a fixed seed (the same files always get the same
    verdict), no example database, the reference solutions masked."""
    from grader import project

    filenames = sorted({ex_chapter_file(ex) for ex in exercises})
    graded_dir = chapter_folder(folder, filenames) or folder  # none: `missing_file` says so
    sources = None
    if has_notebooks(folder):  # chapters submitted as notebooks are graded from their cells
        from grader import catalog as catalog_mod
        from grader.notebooks import submission_sources

        chapters = list(dict.fromkeys(ex.chapter for ex in exercises))
        sources = submission_sources(folder, graded_dir, chapters, catalog_mod.load())
    return project.plan(exercises, graded_dir, root=project.find_root(), device=device,
                        seed=seed, thorough=thorough, memory_limit_mb=memory_limit_mb or None,
                        isolation=isolation, sources=sources)


def grade_submission(folder: Path, exercises: list, out: Path, *, student: str | None = None,
                     timeout: float = DEFAULT_TIMEOUT, memory_limit_mb: int = DEFAULT_MEMORY_MB,
                     device: str = "cpu", lang: str = "en", thorough: bool = False,
                     isolation: str = "process", service: Any = None, seed: int = SEED,
                     fingerprint: str = "") -> Graded:
    """Grade one submission folder in ``service`` (a warm verdict process; a fresh one when
    None) and write ``out/results.json``, ``out/grader.log`` (the terminal report) and, last,
    ``out/status.json`` (``grader.class_state``). Never raises for anything the submission
    does."""
    from grader import class_state, report
    from grader.launcher import how_it_ended
    from grader.results import synthesized
    from grader.service_process import Service, ServiceDied, ServiceError

    student = student or folder.name
    out.mkdir(parents=True, exist_ok=True)
    class_state.forget_student(out)
    (out / "results.json").unlink(missing_ok=True)  # a stale report must never stand for this
    plan = submission_plan(folder, exercises, device=device, memory_limit_mb=memory_limit_mb,
                           thorough=thorough, isolation=isolation, seed=seed)
    own = service is None
    service = service or Service(grade_env())
    started = time.perf_counter()
    status, note = "graded", ""
    try:
        run = service.submit(plan, timeout)
        if run is None:
            status = "timeout"
            run = synthesized(plan.job_id, exercises, "timeout", "grade.timeout",
                              {"seconds": timeout}, device, isolation)
    except ServiceDied as died:
        status, note = "crashed", died.output
        run = synthesized(plan.job_id, exercises, "crashed", "grade.crashed",
                          {"how": how_it_ended(died.code),
                           "output": died.output[-1500:]}, device, isolation)
    except ServiceError as exc:
        status, note = "failed", str(exc)
        run = synthesized(plan.job_id, exercises, "error", "grade.failed",
                          {"code": 1, "output": str(exc)[-1500:]}, device, isolation)
    finally:
        if own:
            service.close()
    seconds = time.perf_counter() - started
    data = report.results_json(run, lang)
    class_state.write_json(out / "results.json", data)
    log = io.StringIO()
    report.print_run(run, lang, out=log)
    class_state.write_text(out / "grader.log", log.getvalue())
    class_state.save_student(out, {"status": status, "seconds": round(seconds, 3),
                                   "note": note[-2000:], "fingerprint": fingerprint})
    return Graded(student, status, data, seconds, note=note)


def ex_chapter_file(ex: Any) -> str:
    from grader import catalog as catalog_mod

    return catalog_mod.load().chapter(ex.chapter).filename

