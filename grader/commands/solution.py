"""``grader solution TARGET``: the reference solution of one exercise, once the learner's passes.

It grades the learner's exercise first, through the verdict service in this process (the same
verdict as the learner would get), and shows the reference only after a pass. ``--solutions`` or
``GRADER_SOLUTIONS=1`` skip the check (instructors).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Any

from grader.outcomes import PASSED
from grader.project import add_lang_option
from grader.release import BEGIN, END


def own_outcome(root: Path, qualname: str) -> str:
    """The outcome of the learner's exercise in ``exercises/``, graded here as ``grader check``
    would (the same verdict the learner gets)."""
    from grader import catalog as catalog_mod
    from grader import project, service

    exercises = catalog_mod.load().resolve([qualname])
    plan = project.plan(exercises, root / "exercises", root=root,
                        memory_limit_mb=project.memory_limit(None, "cpu"),
                        database_key=str((root / "exercises").resolve()))
    worker = service.worker_for(plan)
    worker.start_soon()
    run = service.run(plan, worker)
    project.save_state(root, run, root / "exercises")  # as `grader check` would
    return run.results[0].outcome


def reference_code(source: str, name: str) -> tuple[str, int, int] | None:
    """(the definition's source, first line, last line), without the solution markers and
    without its docstring: the learner's stub has the same one."""
    from grader.commands.reset import definition_span

    span = definition_span(source, name)
    if span is None:
        return None
    skip: set[int] = set()  # 0-based line numbers of the docstring
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                and node.name == name and ast.get_docstring(node) is not None:
            doc = node.body[0]
            skip = set(range(doc.lineno - 1, doc.end_lineno))
    lines = source.splitlines()
    if skip and max(skip) + 1 < span[1] and not lines[max(skip) + 1].strip():
        skip.add(max(skip) + 1)  # the blank line after a class docstring
    code = "\n".join(lines[i] for i in range(*span)
                     if i not in skip and not (BEGIN.match(lines[i]) or END.match(lines[i])))
    return code + "\n", span[0] + 1, span[1]


def cmd_solution(args: Any) -> int:
    from rich.syntax import Syntax
    from rich.text import Text

    from grader import catalog as catalog_mod
    from grader import report
    from grader.commands.reset import shown_path
    from grader.errors import EXIT_FAILED, EXIT_OK, UsageError
    from grader.project import default_lang, find_root, solutions_mode
    from grader.text import t

    lang = default_lang(args)
    catalog = catalog_mod.load()
    exercises = catalog.resolve([args.target])  # a TargetError is a usage error
    if "." not in args.target or len(exercises) != 1:
        raise UsageError("solution.one_exercise",
                         example=exercises[0].qualname if exercises else "chapter19.corr2d")
    ex = exercises[0]
    root = find_root()
    if root is None:
        raise UsageError("reset.no_project")
    from grader.course_files import solutions_folder

    path = (solutions_folder(root) or root / "solutions") / catalog.chapter(ex.chapter).filename
    if not path.is_file():
        print(t("solution.none", lang, file=shown_path(path)), file=sys.stderr)
        return EXIT_FAILED
    if not solutions_mode(args):
        with report.progress(t("solution.checking", lang, name=ex.qualname)):
            outcome = own_outcome(root, ex.qualname)
        if outcome != PASSED:
            print(t("solution.locked", lang, name=ex.qualname,
                    outcome=t(f"outcome.{outcome}", lang)))
            return EXIT_FAILED
    found = reference_code(path.read_text("utf-8"), ex.name)
    if found is None:
        print(t("solution.not_defined", lang, file=shown_path(path), name=ex.name),
              file=sys.stderr)
        return EXIT_FAILED
    code, first, last = found
    con = report.console()
    con.print(Text(t("solution.header", lang, name=ex.qualname, file=shown_path(path),
                     first=first, last=last), style="bold"))
    con.print()
    if con.is_terminal and not con.no_color:
        con.print(Syntax(code, "python", theme="ansi_dark", background_color="default"))
    else:
        con.file.write(code)
        con.file.flush()
    return EXIT_OK


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "solution", help="show the reference solution of an exercise once yours passes")
    parser.add_argument("target", metavar="TARGET", help="one exercise, e.g. chapter19.corr2d")
    parser.add_argument("--solutions", action="store_true",
                        help="show it without checking first (instructors)")
    add_lang_option(parser)
    parser.set_defaults(func=cmd_solution)
