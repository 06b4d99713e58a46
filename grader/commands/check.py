"""``grader check [TARGET ...]``: grade chapter files (or a notebook) once, in this process.

The options become one ``Plan`` (``grader.project.plan``); the verdict service grades it here
(``grader.service.run``), with the learner's worker forked early while this process imports;
the renderers print the report and write ``--report``/``--junit``; learner state is kept for
``grader list``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from grader import project
from grader.errors import EXIT_FAILED, EXIT_OK
from grader.project import add_lang_option


def register(subparsers: Any) -> None:
    check = subparsers.add_parser("check", help="grade exercises and show a verdict for each")
    check.add_argument("targets", nargs="*", metavar="TARGET", default=[],
                       help="what to grade (default: all)")
    check.add_argument("--solutions", action="store_true",
                       help="grade the reference solutions/ (instructors)")
    check.add_argument("--exercises", metavar="DIR", help="grade the chapter files in DIR")
    check.add_argument("--device", default="auto", metavar="auto|cpu|cuda",
                       help="where tensors live (default: auto = CUDA when available)")
    check.add_argument("--report", metavar="FILE", help="write a results.json report")
    check.add_argument("--junit", metavar="FILE", help="write JUnit XML (CI, GitHub Classroom)")
    check.add_argument("--seed", type=int, help="seed Hypothesis for a reproducible run")
    check.add_argument("--no-next", action="store_true", help=argparse.SUPPRESS)
    check.add_argument("--thorough", action="store_true",
                       help="ten times as many examples per property (instructors, CI)")
    check.add_argument("--memory-limit", type=int, metavar="MB", default=None,
                       help="memory limit for the learner's process in MB (0: none; default "
                            "3072 on the CPU)")
    check.add_argument("--show-output", action="store_true",
                       help="show everything your code printed (default: the first 2000 "
                            "characters for each failing call)")
    project.add_isolation_options(check)
    add_lang_option(check)
    check.set_defaults(func=cmd_check)


def resolve_targets(targets: list[str], lang: str = "en") -> list:
    """The exercises of CLI targets; ``chapter 19`` (two words) is read as ``chapter19`` with a
    note on stderr; an unknown target is a usage error that suggests the closest valid one."""
    import sys

    from grader import catalog as catalog_mod
    from grader.text import t

    targets, notes = catalog_mod.join_split_targets(list(targets))
    for given, taken in notes:
        print(t("target.typo_joined", lang, given=given, target=taken), file=sys.stderr)
    return catalog_mod.load().resolve(targets)  # a TargetError is a usage error


def cmd_check(args: Any) -> int:
    lang = project.default_lang(args)
    project.check_device_name(args.device)
    notebooks = [x for x in args.targets if x.endswith(".ipynb")]
    if notebooks:
        from grader.notebooks import notebook_plan

        plan, root = notebook_plan(args)
        learner_mode = False  # learner state is about the chapter files
    else:
        exercises = resolve_targets(args.targets, lang)
        folder, root = project.graded_folder(args)
        learner_mode = root is not None and not project.solutions_mode(args) \
            and not args.exercises
        plan = project.plan(
            exercises, folder, root=root, device=args.device, seed=args.seed,
            thorough=args.thorough,
            memory_limit_mb=project.memory_limit(args.memory_limit, args.device),
            isolation=project.isolation(args), show_output=args.show_output,
            database_key=str(folder) if root is not None and not project.solutions_mode(args)
            and args.seed is None else None)
    return grade_and_report(plan, args, lang, root=root if learner_mode else None)


def grade_and_report(plan: Any, args: Any, lang: str, root: Path | None = None) -> int:
    """Grade ``plan`` here and print the report; ``root``: keep learner state there."""
    from grader import report, service
    from grader.text import t

    # The worker first: for a plan graded in this process's own isolation, making it starts
    # the fork server, which imports torch while this process does too, and the learner's
    # worker is forked as soon as it is ready; in the sandbox there is no fork server, and the
    # boxed worker's own interpreter imports meanwhile.
    worker = service.worker_for(plan)
    worker.start_soon()
    try:
        project.cuda_usable(plan.device)
        shown = next((x for x in getattr(args, "targets", []) if x.endswith(".ipynb")),
                     plan.folder)
        with report.progress(t("report.grading", lang, folder=shown)):
            run = service.run(plan, worker=worker)
    finally:
        worker.close()
    next_name = None
    if root is not None:
        from grader import catalog as catalog_mod

        state = project.save_state(root, run, Path(plan.folder))
        if not getattr(args, "no_next", False):
            # The first exercise here that did not pass; when all did, the next in the course.
            failing = [r.name for r in run.results if not r.passed]
            upcoming = project.next_exercise(catalog_mod.load(), state)
            next_name = failing[0] if failing else (upcoming.qualname if upcoming else None)
    report.print_run(run, lang, next_name=next_name, seconds=waited(),
                     next_fix=next_fix(run, plan, root))
    write_reports(args, run, lang)
    return EXIT_OK if run.passed else EXIT_FAILED


def waited() -> float:
    """Seconds since this command started (what the learner waited, start-up included)."""
    import time

    import grader

    return time.monotonic() - grader.STARTED


def next_fix(run: Any, plan: Any, root: Path | None) -> tuple[int, str] | None:
    """(line, file) when the first problem is a chapter file that does not import."""
    first = next((r for r in run.results if not r.passed), None)
    if first is None or first.key != "import_failed" or not first.data.get("line"):
        return None
    from grader.commands.reset import shown_path

    path = Path(plan.folder) / f"{first.data['module']}.py"
    return int(first.data["line"]), shown_path(path)


def write_reports(args: Any, run: Any, lang: str) -> None:
    """``--report`` (results.json) and ``--junit``, when asked for."""
    from grader import report

    if getattr(args, "report", None):
        report.write_json(args.report, report.results_json(run, lang))
    if getattr(args, "junit", None):
        from grader import junit

        junit.write(args.junit, [(None, report.results_json(run, lang))])
