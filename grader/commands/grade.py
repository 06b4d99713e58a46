"""``grader grade SUBMISSIONS --out OUT``: grade a class, one subfolder per student.

Each submission is graded as by ``grader check … --exercises <student> --seed 0``, N at a time,
with a memory limit on the learner's worker and a time limit on the whole submission; a
submission that hangs, crashes or breaks the grader gets a report that says so and never stops
the batch. The fixed seed makes the verdicts reproducible: the same submission always gets the
same verdict. The N verdict processes (``grader.service_process``) are started once and grade
one submission after another; every submission's code runs in a fresh worker process of its
own (one submission: ``grader.submission``). Results come back as data and are rendered here.

Writes ``OUT/<student>/results.json`` (the contract's format, plus ``grader.log``: the terminal
report), ``OUT/gradebook.csv``, ``OUT/summary.json`` and ``OUT/summary.md`` (per exercise: how
many passed, the most common failing outcome and diagnosis), and with ``--junit FILE`` one JUnit
testsuite per student.

Exit status: 0 when every submission has a results.json, 1 when some could not be graded
(the grader itself failed), 2 for a usage error. A chapter submitted as a notebook
(``chapterNN_*.ipynb``, or any notebook ``grader notebook`` made) is graded from its code cells,
as ``grader check PATH.ipynb`` does.
"""

from __future__ import annotations

import os
import queue
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from grader.class_state import SKIP_DIRS
from grader.errors import EXIT_FAILED, EXIT_OK, UsageError
from grader.gradebook import Graded
from grader.project import add_lang_option, default_lang
from grader.submission import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, grade_env, grade_submission

# The contract's default for `grade` (and the Gradescope bundle): the sandbox, or where it
# cannot be had the dedicated user; neither is a usage error unless --no-sandbox is given.
SANDBOX_DEFAULT = True


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "grade", help="grade a class: every subfolder of SUBMISSIONS is one student (instructors)",
        description="Grade every student's copy of the chapter files in parallel, each in its "
                    "own processes with time and memory limits, and write results.json per "
                    "student, gradebook.csv and a per-exercise summary to OUT.")
    p.add_argument("submissions", metavar="SUBMISSIONS",
                   help="folder with one subfolder per student")
    p.add_argument("targets", nargs="*", metavar="TARGET", default=[],
                   help="what to grade, as for `grader check` (default: all)")
    p.add_argument("--out", required=True, metavar="OUT", help="folder for the results")
    p.add_argument("--jobs", "-j", type=int, default=default_jobs(), metavar="N",
                   help="submissions graded at once (default: %(default)s)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help="time limit for one whole submission (default: %(default)g)")
    p.add_argument("--memory-limit", type=int, default=DEFAULT_MEMORY_MB, metavar="MB",
                   help="memory limit for each learner process (default: %(default)s; 0: none)")
    p.add_argument("--device", default="cpu", metavar="cpu|cuda|auto",
                   help="where tensors live (default: cpu, so parallel jobs do not share a GPU)")
    p.add_argument("--thorough", action="store_true",
                   help="ten times as many examples per property (slower, more certain)")
    p.add_argument("--junit", metavar="FILE", help="also write JUnit XML, one suite per student")
    p.add_argument("--shard", metavar="K/N",
                   help="grade only share K of N of the students (for several machines; "
                        "`grader merge` combines the outputs)")
    p.add_argument("--regrade", action="store_true",
                   help="grade every student again, even those whose results are up to date")
    from grader.project import add_isolation_options

    add_isolation_options(p)
    add_lang_option(p)
    p.set_defaults(func=cmd_grade)


def default_jobs() -> int:
    return max(1, min(4, (os.cpu_count() or 2) // 2))


# -- the class --------------------------------------------------------------------------------

def students(submissions: Path, out: Path) -> list[Path]:
    out = out.resolve()
    return sorted((p for p in submissions.iterdir()
                   if p.is_dir() and not p.name.startswith(".") and p.name not in SKIP_DIRS
                   and p.resolve() != out),
                  key=lambda p: p.name)


def cmd_grade(args: Any) -> int:
    from grader import catalog as catalog_mod
    from grader import class_state, gradebook
    from grader.project import check_device_name, isolation

    lang = default_lang(args)
    catalog = catalog_mod.load()
    exercises = catalog.resolve(args.targets)  # a TargetError is a usage error
    submissions = Path(args.submissions).expanduser().resolve()
    if not submissions.is_dir():
        raise UsageError("usage.no_such_folder", folder=args.submissions)
    if args.jobs < 1:
        raise UsageError("grade.jobs")
    if args.timeout <= 0:
        raise UsageError("usage.timeout")
    check_device_name(args.device)
    shard = parse_shard(args.shard)
    args.isolation_level = isolation(args, sandbox_default=SANDBOX_DEFAULT)
    out = Path(args.out).expanduser().resolve()
    folders = students(submissions, out)
    if not folders:
        raise UsageError("grade.no_students", folder=args.submissions)
    folders = [f for f in folders if class_state.in_shard(f.name, shard)]
    if out.exists() and not out.is_dir():
        raise UsageError("usage.out_not_folder", out=args.out)
    out.mkdir(parents=True, exist_ok=True)
    options = {"thorough": bool(args.thorough), "timeout": float(args.timeout),
               "memory_limit_mb": int(args.memory_limit), "device": args.device,
               "isolation": args.isolation_level}
    key = class_state.options_key([ex.qualname for ex in exercises], options)
    class_state.write_json(out / class_state.MANIFEST, {
        "grader": class_state.grader_hash(), "targets": [ex.qualname for ex in exercises],
        "options": options, "shard": list(shard) if shard else None,
        "students": [f.name for f in folders]})
    graded, todo = [], []
    for folder in folders:
        kept = None if args.regrade else reuse(out / folder.name,
                                               class_state.fingerprint(folder, key))
        if kept is not None:
            graded.append(kept)
        else:
            todo.append(folder)
    if graded:
        from grader.text import t

        print(t("grade.reused", lang, count=len(graded)), flush=True)
    if todo:
        graded += _grade_all(todo, exercises, args, out, lang, key, reused=len(graded),
                             total=len(folders))
    order = {f.name: i for i, f in enumerate(folders)}
    graded.sort(key=lambda g: order[g.student])
    gradebook.write_outputs(out, graded, exercises, lang, junit=args.junit)
    gradebook.print_summary(gradebook.summarize(graded, exercises, lang), lang, out)
    bad = [g for g in graded if g.status in ("notebooks", "failed")]
    return EXIT_FAILED if bad else EXIT_OK


def parse_shard(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError:
        k = n = 0
    if not 1 <= k <= n:
        raise UsageError("grade.shard", shard=text)
    return k, n


def reuse(out: Path, fingerprint: str) -> Graded | None:
    """A student's stored results when they were graded to the end with this fingerprint."""
    from grader import class_state

    found = class_state.load_student(out)
    if found is None or found[0].get("fingerprint") != fingerprint:
        return None
    status, results = found
    return Graded(out.name, str(status.get("status")), results,
                  float(status.get("seconds") or 0.0), str(status.get("note") or ""))


def _grade_all(folders: list[Path], exercises: list, args: Any, out: Path, lang: str,
               key: str, reused: int = 0, total: int | None = None) -> list[Graded]:
    from grader import class_state
    from grader.service_process import Service
    from grader.text import t

    points = sum(ex.points for ex in exercises)
    total = total or len(folders)
    graded: list[Graded] = []
    # One warm verdict process per job, started now (they import in parallel) and reused.
    services: queue.Queue = queue.Queue()
    every = [Service(grade_env()) for _ in range(min(args.jobs, len(folders)))]
    for service in every:
        service.start()
        services.put(service)
    isolation = getattr(args, "isolation_level", "process")
    progress = BatchProgress(len(folders), reused, total)

    def one(folder: Path) -> Graded:
        service = services.get()
        try:
            return grade_submission(folder, exercises, out / folder.name,
                                    timeout=args.timeout, memory_limit_mb=args.memory_limit,
                                    device=args.device, lang=lang, thorough=args.thorough,
                                    isolation=isolation, service=service,
                                    seed=class_state.student_seed(folder.name, key),
                                    fingerprint=class_state.fingerprint(folder, key))
        except Exception as exc:  # the grader's fault (disk full…): this student only
            return Graded(folder.name, "failed", None, note=f"{type(exc).__name__}: {exc}")
        finally:
            services.put(service)

    def line(g: Graded) -> str:
        score = float(g.results["score"]) if g.results else 0.0  # status says "not graded"
        return t("grade.line", lang, done=progress.done + reused, total=total,
                 student=g.student, score=score, max_score=points,
                 status=t(f"grade.status.{g.status}", lang), seconds=g.seconds) + \
            "  " + progress.text(lang)

    tty = sys.stdout.isatty()
    pool = ThreadPoolExecutor(max_workers=args.jobs)
    try:
        futures = [pool.submit(one, f) for f in folders]
        if tty:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            from grader.report import console

            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TextColumn("{task.fields[status]}"), console=console(),
                          transient=True) as bar:
                task = bar.add_task(t("grade.grading", lang), total=total, completed=reused,
                                    status="")
                for future in as_completed(futures):
                    g = future.result()
                    graded.append(g)
                    progress.add(g)
                    bar.console.print(line(g))
                    bar.update(task, advance=1, status=progress.text(lang))
        else:
            for future in as_completed(futures):
                g = future.result()
                graded.append(g)
                progress.add(g)
                print(line(g), flush=True)
    except BaseException:  # Ctrl-C: no new submission starts, the running ones are stopped
        pool.shutdown(wait=False, cancel_futures=True)
        for service in every:
            service.kill()
        raise
    pool.shutdown()
    for service in every:
        service.close()
    return graded


class BatchProgress:
    """Done / total, rate, time left and failures so far, for a long batch."""

    def __init__(self, todo: int, reused: int, total: int) -> None:
        self.todo, self.reused, self.total = todo, reused, total
        self.done = 0
        self.problems = 0
        self.started = time.monotonic()

    def add(self, g: Graded) -> None:
        self.done += 1
        self.problems += g.status != "graded"

    def text(self, lang: str) -> str:
        from grader.text import t

        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = self.done / elapsed * 60
        left = (self.todo - self.done) / (self.done / elapsed) if self.done else 0.0
        return t("grade.progress", lang, rate=rate, eta=f"{int(left) // 60}:{int(left) % 60:02d}",
                 problems=self.problems)
