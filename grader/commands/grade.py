"""``grader grade SUBMISSIONS --out OUT``: grade a class, one subfolder per student.

Each submission is graded as by ``grader check … --exercises <student> --seed 0``, N at a time,
with a memory limit on the learner's worker and a time limit on the whole submission; a
submission that hangs, crashes or breaks the grader gets a report that says so and never stops
the batch. The fixed seed makes the verdicts reproducible: the same submission always gets the
same verdict. The N verdict processes (``grader.service_process``) are started once and grade
one submission after another; every submission's code runs in a fresh worker process of its
own. Results come back as data and are rendered here.

Writes ``OUT/<student>/results.json`` (the contract's format, plus ``grader.log``: the terminal
report), ``OUT/gradebook.csv``, ``OUT/summary.json`` and ``OUT/summary.md`` (per exercise: how
many passed, the most common failing outcome and diagnosis), and with ``--junit FILE`` one JUnit
testsuite per student.

Exit status: 0 when every submission has a results.json, 1 when some could not be graded
(notebook-only folders, or the grader itself failed), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import csv
import os
import queue
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import EXIT_FAILED, EXIT_OK, UsageError
from grader.project import default_lang

DEFAULT_TIMEOUT = 600.0  # seconds for one whole submission
DEFAULT_MEMORY_MB = 4096  # for the learner's worker process
SEED = 0
# The contract's default for `grade` (and the Gradescope bundle): the sandbox, or where it
# cannot be had the dedicated user; neither is a usage error unless --no-sandbox is given.
SANDBOX_DEFAULT = True
SKIP_DIRS = {"__pycache__", "__MACOSX", ".ipynb_checkpoints"}


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
    from grader.project import add_isolation_options

    add_isolation_options(p)
    p.add_argument("--lang", choices=("en", "zh"), default=argparse.SUPPRESS)
    p.set_defaults(func=cmd_grade)


def default_jobs() -> int:
    return max(1, min(4, (os.cpu_count() or 2) // 2))


# -- one submission ---------------------------------------------------------------------------

@dataclass
class Graded:
    student: str
    status: str  # graded | timeout | crashed | failed | notebooks
    results: dict | None  # the results.json written for this student (None: not graded)
    seconds: float = 0.0
    note: str = ""


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
                    isolation: str = "process") -> Any:
    """The plan for one student's folder: a fixed seed (the same files always get the same
    verdict), no example database, the reference solutions masked."""
    from grader import project

    filenames = sorted({ex_chapter_file(ex) for ex in exercises})
    graded_dir = chapter_folder(folder, filenames) or folder  # none: `missing_file` says so
    return project.plan(exercises, graded_dir, root=project.find_root(), device=device,
                        seed=SEED, thorough=thorough, memory_limit_mb=memory_limit_mb or None,
                        isolation=isolation)


def grade_submission(folder: Path, exercises: list, out: Path, *, student: str | None = None,
                     timeout: float = DEFAULT_TIMEOUT, memory_limit_mb: int = DEFAULT_MEMORY_MB,
                     device: str = "cpu", lang: str = "en", thorough: bool = False,
                     isolation: str = "process", service: Any = None) -> Graded:
    """Grade one submission folder in ``service`` (a warm verdict process; a fresh one when
    None) and write ``out/results.json`` and ``out/grader.log`` (the terminal report). Never
    raises for anything the submission does."""
    from grader import report
    from grader.launcher import describe_exit
    from grader.messages import t
    from grader.results import synthesized
    from grader.service_process import Service, ServiceDied, ServiceError

    student = student or folder.name
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").unlink(missing_ok=True)  # a stale report must never stand for this
    filenames = sorted({ex_chapter_file(ex) for ex in exercises})
    if chapter_folder(folder, filenames) is None and has_notebooks(folder):
        return Graded(student, "notebooks", None, note=t("grade.notebooks", lang))
    plan = submission_plan(folder, exercises, device=device, memory_limit_mb=memory_limit_mb,
                           thorough=thorough, isolation=isolation)
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
        how_en, how_zh = describe_exit(died.code)
        status, note = "crashed", died.output
        run = synthesized(plan.job_id, exercises, "crashed", "grade.crashed",
                          {"how_en": how_en, "how_zh": how_zh, "output": died.output[-1500:]},
                          device, isolation)
    except ServiceError as exc:
        status, note = "failed", str(exc)
        run = synthesized(plan.job_id, exercises, "error", "grade.failed",
                          {"code": 1, "output": str(exc)[-1500:]}, device, isolation)
    finally:
        if own:
            service.close()
    seconds = time.perf_counter() - started
    data = report.results_json(run, lang)
    report.write_json(out / "results.json", data)
    with open(out / "grader.log", "w", encoding="utf-8", errors="replace") as log:
        report.print_run(run, lang, out=log)
    return Graded(student, status, data, seconds, note=note)


def ex_chapter_file(ex: Any) -> str:
    from grader import catalog as catalog_mod

    return catalog_mod.load().chapter(ex.chapter).filename


def _tail(path: Path, limit: int = 1500) -> str:
    try:
        text = path.read_bytes()[-limit:].decode("utf-8", "replace")
    except OSError:
        return ""
    return text.strip()


# -- the class --------------------------------------------------------------------------------

def students(submissions: Path, out: Path) -> list[Path]:
    out = out.resolve()
    return sorted((p for p in submissions.iterdir()
                   if p.is_dir() and not p.name.startswith(".") and p.name not in SKIP_DIRS
                   and p.resolve() != out),
                  key=lambda p: p.name)


def cmd_grade(args: Any) -> int:
    from grader import catalog as catalog_mod

    lang = default_lang(args)
    catalog = catalog_mod.load()
    try:
        exercises = catalog.resolve(args.targets)
    except catalog_mod.TargetError as exc:
        raise UsageError(str(exc), getattr(exc, "zh", None)) from None
    submissions = Path(args.submissions).expanduser().resolve()
    if not submissions.is_dir():
        raise UsageError(f"{args.submissions}: no such folder",
                         f"{args.submissions}：文件夹不存在")
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1", "--jobs 必须至少为 1")
    if args.timeout <= 0:
        raise UsageError("--timeout must be positive", "--timeout 必须为正数")
    if args.device not in ("auto", "cpu", "cuda"):
        raise UsageError(f"--device must be auto, cpu or cuda, not {args.device!r}",
                         f"--device 只能是 auto、cpu 或 cuda，而不是 {args.device!r}")
    from grader.project import isolation

    args.isolation_level = isolation(args, sandbox_default=SANDBOX_DEFAULT)
    out = Path(args.out).expanduser().resolve()
    folders = students(submissions, out)
    if not folders:
        raise UsageError(f"{args.submissions} has no subfolders: put each student's chapter "
                         "files in a folder of their own (SUBMISSIONS/<student>/)",
                         f"{args.submissions} 中没有子文件夹：请把每个学生的章节文件放在各自的"
                         "文件夹中（SUBMISSIONS/<学生>/）")
    names = [f.name for f in folders]
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {args.out}: not a folder", f"--out {args.out}：不是文件夹")
    out.mkdir(parents=True, exist_ok=True)

    graded = _grade_all(folders, exercises, args, out, lang)
    graded.sort(key=lambda g: names.index(g.student))
    write_gradebook(out / "gradebook.csv", graded, exercises)
    summary = summarize(graded, exercises, lang)
    from grader import report

    report.write_json(out / "summary.json", summary)
    (out / "summary.md").write_text(summary_markdown(summary, lang), encoding="utf-8")
    if args.junit:
        from grader import junit

        junit.write(args.junit, [(g.student, g.results) for g in graded if g.results])
    print_summary(summary, lang, out)
    bad = [g for g in graded if g.status in ("notebooks", "failed")]
    return EXIT_FAILED if bad else EXIT_OK


def _grade_all(folders: list[Path], exercises: list, args: Any, out: Path,
               lang: str) -> list[Graded]:
    from grader.messages import t

    total = sum(ex.points for ex in exercises)
    graded: list[Graded] = []
    # One warm verdict process per job, started now (they import in parallel) and reused.
    from grader.service_process import Service

    services: queue.Queue = queue.Queue()
    every = [Service(grade_env()) for _ in range(min(args.jobs, len(folders)))]
    for service in every:
        service.start()
        services.put(service)
    isolation = getattr(args, "isolation_level", "process")

    def one(folder: Path) -> Graded:
        service = services.get()
        try:
            return grade_submission(folder, exercises, out / folder.name,
                                    timeout=args.timeout, memory_limit_mb=args.memory_limit,
                                    device=args.device, lang=lang, thorough=args.thorough,
                                    isolation=isolation, service=service)
        except Exception as exc:  # the grader's fault (disk full…): this student only
            return Graded(folder.name, "failed", None, note=f"{type(exc).__name__}: {exc}")
        finally:
            services.put(service)

    def line(g: Graded) -> str:
        score = float(g.results["score"]) if g.results else 0.0  # status says "not graded"
        return t("grade.line", lang, done=len(graded), total=len(folders), student=g.student,
                 score=score, max_score=total, status=t(f"grade.status.{g.status}", lang),
                 seconds=g.seconds)

    tty = sys.stdout.isatty()
    pool = ThreadPoolExecutor(max_workers=args.jobs)
    try:
        futures = [pool.submit(one, f) for f in folders]
        if tty:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            from grader.report import console

            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=console(), transient=True) as bar:
                task = bar.add_task(t("grade.grading", lang), total=len(folders))
                for future in as_completed(futures):
                    g = future.result()
                    graded.append(g)
                    bar.console.print(line(g))
                    bar.advance(task)
        else:
            for future in as_completed(futures):
                g = future.result()
                graded.append(g)
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


def write_gradebook(path: Path, graded: list[Graded], exercises: list) -> None:
    """One row per student: ``student``, one column per exercise (points earned), ``score``,
    ``max_score``. A submission that was not graded has empty cells."""
    max_score = sum(ex.points for ex in exercises)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", *(ex.qualname for ex in exercises), "score", "max_score"])
        for g in graded:
            if g.results is None:
                writer.writerow([g.student, *([""] * len(exercises)), "", f"{max_score:g}"])
                continue
            scores = {test["name"]: float(test.get("score", 0)) for test in g.results["tests"]}
            cells = [f"{scores[ex.qualname]:g}" if ex.qualname in scores else "0"
                     for ex in exercises]
            writer.writerow([g.student, *cells, f"{sum(map(float, cells)):g}",
                             f"{max_score:g}"])
    os.replace(tmp, path)


def _diagnosis(output: str, lang: str) -> str | None:
    from grader.messages import t

    prefix = t("mm.diagnosis", lang, text="").strip()
    for raw in output.splitlines():
        line = raw.strip()
        if line.startswith(prefix):
            return line[len(prefix):].strip() or None
    return None


def summarize(graded: list[Graded], exercises: list, lang: str) -> dict:
    from grader.outcomes import OUTCOMES

    rows = []
    done = [g for g in graded if g.results is not None]
    for ex in exercises:
        counts: Counter[str] = Counter()
        diagnoses: Counter[str] = Counter()
        passed = seen = 0
        for g in done:
            test = next((x for x in g.results["tests"] if x.get("name") == ex.qualname), None)
            if test is None:
                continue
            seen += 1
            outcome = (test.get("extra_data") or {}).get("outcome", test.get("status"))
            if outcome == "passed":
                passed += 1
                continue
            counts[outcome] += 1
            diagnosis = _diagnosis(str(test.get("output", "")), lang)
            if diagnosis:
                diagnoses[diagnosis] += 1
        order = {o: i for i, o in enumerate(OUTCOMES)}
        common = min(counts, key=lambda o: (-counts[o], order.get(o, 99), o), default=None)
        diag = min(diagnoses, key=lambda d: (-diagnoses[d], d), default=None)
        rows.append({
            "name": ex.qualname, "points": ex.points, "passed": passed, "graded": seen,
            "outcomes": dict(sorted(counts.items())),
            "most_common_failure": {"outcome": common, "count": counts[common]} if common
            else None,
            "most_common_diagnosis": {"text": diag, "count": diagnoses[diag]} if diag else None,
        })
    scores = [float(g.results["score"]) for g in done]
    return {
        "students": len(graded),
        "graded": len(done),
        "max_score": sum(ex.points for ex in exercises),
        "mean_score": round(sum(scores) / len(scores), 3) if scores else None,
        "not_graded": [{"student": g.student, "status": g.status, "note": g.note}
                       for g in graded if g.results is None],
        "problems": [{"student": g.student, "status": g.status}
                     for g in graded if g.results is not None and g.status != "graded"],
        "exercises": rows,
    }


def _failure_text(row: dict, lang: str) -> tuple[str, str]:
    from grader.messages import t

    common = row["most_common_failure"]
    failure = f"{t('outcome.' + common['outcome'], lang)} ({common['count']})" if common else "-"
    diag = row["most_common_diagnosis"]
    return failure, (f"{diag['text']} ({diag['count']})" if diag else "")


def summary_markdown(summary: dict, lang: str) -> str:
    from grader.messages import t

    head = t("grade.table_head", lang).split("|")
    lines = [f"# {t('grade.summary_title', lang)}", "",
             t("grade.summary_line", lang, graded=summary["graded"],
               students=summary["students"], mean=summary["mean_score"] or 0,
               max_score=summary["max_score"]), "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in summary["exercises"]:
        failure, diag = _failure_text(row, lang)
        cells = [f"`{row['name']}`", f"{row['points']:g}", f"{row['passed']}/{row['graded']}",
                 failure, diag.replace("|", "\\|")]
        lines.append("| " + " | ".join(cells) + " |")
    for item in summary["not_graded"] + summary["problems"]:
        lines.append("")
        lines.append(f"- {item['student']}: {t('grade.status.' + item['status'], lang)}")
    return "\n".join(lines) + "\n"


def print_summary(summary: dict, lang: str, out: Path) -> None:
    """A table on a terminal; one plain line per exercise otherwise (logs, CI)."""
    from grader.messages import t
    from grader.report import console

    con = console()
    head = t("grade.table_head", lang).split("|")
    rows = []
    for row in summary["exercises"]:
        failure, diag = _failure_text(row, lang)
        rows.append([row["name"], f"{row['points']:g}", f"{row['passed']}/{row['graded']}",
                     failure, diag])
    if sys.stdout.isatty():
        from rich.table import Table

        table = Table(title=t("grade.summary_title", lang), title_justify="left")
        for i, column in enumerate(head):
            table.add_column(column, justify="right" if i in (1, 2) else "left",
                             overflow="fold")
        for cells in rows:
            table.add_row(*cells)
        con.print(table)
    else:
        con.print(t("grade.summary_title", lang))
        width = max((len(cells[0]) for cells in rows), default=10)
        for name, points, passed, failure, diag in rows:
            line = f"  {name.ljust(width)}  {points:>3}  {passed:>7}  {failure}"
            con.print(line + (f"  {head[4]}: {diag}" if diag else ""))
    con.print(t("grade.summary_line", lang, graded=summary["graded"],
                students=summary["students"], mean=summary["mean_score"] or 0,
                max_score=summary["max_score"]))
    for item in summary["not_graded"]:
        con.print(f"{item['student']}: {t('grade.status.' + item['status'], lang)}. "
                  f"{item['note']}".rstrip())
    for item in summary["problems"]:
        con.print(f"{item['student']}: {t('grade.status.' + item['status'], lang)}")
    con.print(t("grade.written", lang, out=str(out)))
