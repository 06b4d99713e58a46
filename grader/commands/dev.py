"""``grader dev check [TARGET ...]``: prove the course in a source checkout (rustlings' ``dev
check``).

A source checkout is a folder with ``grader/``, ``exercises/``, ``solutions/``, ``tests/`` and
``pyproject.toml`` (``--root DIR``, else the nearest folder upward from here with a
``pyproject.toml``). The catalog, the checks and the texts are the running grader's; the stubs,
solutions and variants are the checkout's. For every catalog exercise (of TARGET; default all):

- its stub in ``exercises/`` is "not started": its body raises ``NotImplementedError`` (read
  with ``ast``), and grading ``exercises/`` gives ``not_started``;
- its reference in ``solutions/`` passes (graded, in this process, as ``grader check`` does);
- a check grades it (a test in its check module marked ``exercise(name)``), and every such mark
  names a catalog exercise;
- it has variants (``has_variants``);
- every language has its hints and its chapter's title.

``exercises/`` and ``solutions/`` hold nothing but the catalog's chapter files, ``__init__.py``
and READMEs. One line per problem; exit 0 when there is none, 1 when there is any, 2 outside a
source checkout.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE

CHECKOUT_PARTS = ("grader", "exercises", "solutions", "tests", "pyproject.toml")
COURSE_FOLDERS = ("exercises", "solutions")
#: What exercises/ and solutions/ may hold besides the catalog's chapter files.
ALLOWED_EXTRA = ("__init__.py",)
IGNORED = ("__pycache__",)  # made by Python, not part of the course


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the course: a sentence's key and its data."""

    key: str
    data: dict

    def text(self, lang: str) -> str:
        from grader.text import t

        return t(self.key, lang, **self.data)


def register(subparsers: Any) -> None:
    dev = subparsers.add_parser("dev", help="commands for the course's authors")
    commands = dev.add_subparsers(dest="dev_command", metavar="COMMAND")
    check = commands.add_parser(
        "check", help="prove the course: stubs not started, solutions passing, every exercise "
                      "with a check, variants and texts, no stray files")
    check.add_argument("targets", nargs="*", metavar="TARGET", default=[],
                       help="the exercises to prove (default: all)")
    check.add_argument("--root", metavar="DIR",
                       help="the source checkout (default: the nearest one upward from here)")
    from grader.project import add_lang_option

    add_lang_option(check)
    check.set_defaults(func=cmd_check)

    def usage(args: Any) -> int:
        dev.print_help(sys.stderr)
        return EXIT_USAGE

    dev.set_defaults(func=usage)


def find_checkout(start: Path) -> Path:
    """The nearest folder from ``start`` upward with a ``pyproject.toml`` (``start`` itself
    when there is none: it is then reported as not a checkout)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return start


def missing_parts(root: Path) -> list[str]:
    return [part for part in CHECKOUT_PARTS
            if not ((root / part).is_file() if "." in part else (root / part).is_dir())]


def cmd_check(args: Any) -> int:
    from grader import project, report
    from grader.commands.check import resolve_targets
    from grader.text import t

    lang = project.default_lang(args)
    root = Path(args.root).resolve() if args.root else find_checkout(Path.cwd())
    missing = missing_parts(root)
    if missing:
        print(f"grader: {t('dev.not_a_checkout', lang, root=root, missing=', '.join(missing))}",
              file=sys.stderr)
        return EXIT_USAGE
    exercises = resolve_targets(args.targets, lang)
    with report.progress(t("dev.proving", lang, root=root)):
        problems = check_course(root, exercises)
    for problem in problems:
        print(problem.text(lang))
    if problems:
        print(t("dev.problems", lang, count=len(problems)))
        return EXIT_FAILED
    print(t("dev.sound", lang, count=len(exercises)))
    return EXIT_OK


def check_course(root: Path, exercises: list, grade: bool = True) -> list[Problem]:
    """Every problem of the course in ``root`` for ``exercises`` (catalog entries), static
    ones first; ``grade``: also grade the stubs and the solutions."""
    from grader import catalog as catalog_mod

    catalog = catalog_mod.load()
    chapters = [ch for ch in catalog.chapters if any(ex.chapter == ch.id for ex in exercises)]
    problems = duplicate_names(catalog) + stray_files(root, catalog)
    gradable = []
    for chapter in chapters:
        marks, found = check_marks(chapter)
        if not found:
            problems.append(Problem("dev.no_check_module", {"chapter": chapter.id,
                                                            "module": chapter.check}))
        names = {ex.name for ex in chapter.exercises}
        problems += [Problem("dev.unknown_check", {"module": chapter.check, "exercise": name})
                     for name in sorted(set(marks) - names)]
        for ex in (ex for ex in exercises if ex.chapter == chapter.id):
            own = exercise_problems(root, chapter, ex, marks if found else None)
            problems += own
            if not any(p.key in UNGRADABLE for p in own):
                gradable.append(ex)
    if grade and gradable:
        problems += graded_problems(root, gradable)
    return problems


# Problems after which grading an exercise says nothing more (no file, or no definition).
UNGRADABLE = ("dev.no_file", "dev.unparsable", "dev.not_defined")


def duplicate_names(catalog: Any) -> list[Problem]:
    """Exercises and chapters the catalog names twice (a target must name one thing)."""
    seen: set[str] = set()
    twice: list[str] = []
    for name in [ch.id for ch in catalog.chapters] + [ex.qualname for ex in catalog.exercises()]:
        if name in seen and name not in twice:
            twice.append(name)
        seen.add(name)
    return [Problem("dev.duplicate", {"name": name}) for name in twice]


def stray_files(root: Path, catalog: Any) -> list[Problem]:
    """Anything in exercises/ or solutions/ that is not a catalog chapter file, ``__init__.py``
    or a README."""
    allowed = {ch.filename for ch in catalog.chapters} | set(ALLOWED_EXTRA)
    problems = []
    for folder in COURSE_FOLDERS:
        for path in sorted((root / folder).iterdir()):
            if path.name in IGNORED or path.name in allowed:
                continue
            if path.is_file() and path.name.upper().startswith("README"):
                continue
            problems.append(Problem("dev.stray", {"path": f"{folder}/{path.name}"}))
    return problems


def check_marks(chapter: Any) -> tuple[dict[str, list[str]], bool]:
    """({exercise name: [check file, ...]} for every ``exercise(name)`` mark in the chapter's
    check files, whether the check module was found)."""
    import importlib.util

    from grader.service import check_files

    try:
        spec = importlib.util.find_spec(chapter.check)
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.origin is None:
        return {}, False
    files = {Path(f) for ex in chapter.exercises for f in check_files(chapter.check, ex.name)}
    files |= set(Path(spec.origin).parent.glob("*.py"))  # shared modules may hold marks too
    marks: dict[str, list[str]] = {}
    for path in sorted(files):
        for name in _exercise_marks(path):
            marks.setdefault(name, []).append(path.name)
    return marks, True


def _exercise_marks(path: Path) -> list[str]:
    """The names in ``@pytest.mark.exercise("name")`` decorators of ``path``."""
    try:
        tree = ast.parse(path.read_text("utf-8"), str(path))
    except (OSError, SyntaxError, ValueError):
        return []
    names = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute) \
                        and deco.func.attr == "exercise" and deco.args \
                        and isinstance(deco.args[0], ast.Constant):
                    names.append(str(deco.args[0].value))
    return names


def exercise_problems(root: Path, chapter: Any, ex: Any,
                      marks: dict[str, list[str]] | None) -> list[Problem]:
    """What reading the files says about one exercise (no grading)."""
    from grader import text

    name = ex.qualname
    problems = []
    for folder in COURSE_FOLDERS:
        path = f"{folder}/{chapter.filename}"
        node, problem = _definition(root / path, path, ex.name, name)
        if problem is not None:
            problems.append(problem)
        elif folder == "exercises" and not raises_not_implemented(node):
            problems.append(Problem("dev.stub_started", {"name": name, "path": path}))
    if marks is not None and ex.name not in marks:
        problems.append(Problem("dev.no_check", {"name": name, "module": chapter.check,
                                                 "exercise": ex.name}))
    if not has_variants(root, chapter.id, ex.name):
        problems.append(Problem("dev.no_variants", {"name": name, "chapter": chapter.id,
                                                    "exercise": ex.name}))
    for lang in text.languages():
        key = f"{name}.hints"
        if not text.exists(key, lang) or not text.sentences(lang)[key]:
            problems.append(Problem("dev.no_hints", {"name": name, "language": lang,
                                                    "missing": key}))
        key = f"{chapter.id}.title"
        if not text.exists(key, lang):
            problems.append(Problem("dev.no_title", {"name": name, "language": lang,
                                                    "missing": key}))
    return problems


def _definition(path: Path, shown: str, name: str, qualname: str) -> tuple[Any, Problem | None]:
    """(the top-level function or class ``name`` in ``path``, or the problem why not)."""
    try:
        tree = ast.parse(path.read_text("utf-8"), str(path))
    except OSError:
        return None, Problem("dev.no_file", {"name": qualname, "path": shown})
    except (SyntaxError, ValueError) as exc:
        return None, Problem("dev.unparsable", {"name": qualname, "path": shown,
                                                "error": str(exc)})
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                and node.name == name:
            return node, None
    return None, Problem("dev.not_defined", {"name": qualname, "path": shown,
                                             "exercise": name})


def raises_not_implemented(node: ast.AST) -> bool:
    """Whether a stub is "not started": a function whose body raises ``NotImplementedError``,
    or a class with such a method."""
    if isinstance(node, ast.ClassDef):
        return any(raises_not_implemented(item) for item in node.body
                   if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)))
    for sub in ast.walk(node):
        if isinstance(sub, ast.Raise) and sub.exc is not None:
            exc = sub.exc.func if isinstance(sub.exc, ast.Call) else sub.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                return True
    return False


def has_variants(root: Path, chapter: str, exercise: str) -> bool:
    """The rule for "every exercise has variants" (its mutants and alternatives, in tests/):
    its own file ``tests/variants/<chapter>/<exercise>.py``, or, until those exist, its name
    in ``tests/test_<chapter>.py``."""
    if (root / "tests" / "variants" / chapter / f"{exercise}.py").is_file():
        return True
    suite = root / "tests" / f"test_{chapter}.py"
    try:
        source = suite.read_text("utf-8")
    except OSError:
        return False
    return re.search(rf"\b{re.escape(exercise)}\b", source) is not None


def graded_problems(root: Path, exercises: list) -> list[Problem]:
    """Grade the stubs (each must be ``not_started``) and the solutions (each must pass), in
    this process, with a fixed seed."""
    from grader import catalog as catalog_mod
    from grader import outcomes, project, service
    from grader.text import said

    catalog = catalog_mod.load()
    filenames = {ex.qualname: catalog.chapter(ex.chapter).filename for ex in exercises}
    problems = []
    for folder, wanted, key in (("exercises", outcomes.NOT_STARTED, "dev.stub_graded"),
                                ("solutions", outcomes.PASSED, "dev.solution_graded")):
        plan = project.plan(exercises, root / folder, root=root, seed=0,
                            memory_limit_mb=project.memory_limit(None, "cpu"))
        run = service.run(plan)
        for result in run.results:
            if result.outcome != wanted:
                problems.append(Problem(key, {
                    "name": result.name, "outcome": said(f"outcome.{result.outcome}"),
                    "wanted": said(f"outcome.{wanted}"),
                    "path": f"{folder}/{filenames[result.name]}", "detail": _detail(result)}))
    return problems


def _detail(result: Any) -> str:
    """A short reason from the result's data (the grader's own error, a forbidden call)."""
    data = result.data or {}
    for field in ("detail", "call"):
        if isinstance(data.get(field), str):
            return data[field][:200]
    return result.key or result.outcome
