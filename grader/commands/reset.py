"""``grader reset TARGET [--yes]``: put back the original stub of one exercise or a chapter.

The learner's files are sacred: reset asks first (or needs ``--yes``), copies the current file
to ``.grader/backups/<timestamp>/<file>`` before touching it, and for one exercise replaces only
that definition (found with ``ast``, decorators included). The original comes from
``release.make_stub`` of the solution file, the same way the course's stubs are made; a learner
copy without ``solutions/`` falls back to the file as git first recorded it.
"""

from __future__ import annotations

import ast
import datetime
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from grader.project import add_lang_option

DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
YES = ("y", "yes", "是", "是的", "好", "确定")


def definition_span(source: str, name: str) -> tuple[int, int] | None:
    """0-based [start, end) line range of the top-level function or class ``name``, its
    decorators included; the last one when defined twice (the one Python keeps). Raises
    ``SyntaxError`` when ``source`` does not parse."""
    span = None
    for node in ast.parse(source).body:
        if isinstance(node, DEFINITIONS) and node.name == name:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            span = (start - 1, node.end_lineno)
    return span


def pristine_source(root: Path, filename: str) -> str | None:
    """The original stub file: ``make_stub`` of ``solutions/<filename>`` (the project's, else
    those installed with the grader), else the file as git first recorded it under
    ``exercises/``, else None."""
    from grader.course_files import solutions_folder
    from grader.release import make_stub

    solutions = solutions_folder(root)  # the project's, else the installed ones (grader init)
    solution = solutions / filename if solutions is not None else None
    if solution is not None and solution.is_file():
        return make_stub(solution.read_text("utf-8"), str(solution))
    try:
        added = subprocess.run(
            ["git", "log", "--diff-filter=A", "--format=%H", "--", f"exercises/{filename}"],
            cwd=root, capture_output=True, text=True, timeout=30)
        commits = added.stdout.split()
        if added.returncode != 0 or not commits:
            return None
        shown = subprocess.run(["git", "show", f"{commits[-1]}:./exercises/{filename}"],
                               cwd=root, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return shown.stdout.decode("utf-8") if shown.returncode == 0 else None


def shown_path(path: Path) -> str:
    """``path`` relative to the current folder when it lies below it (what a learner types)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def backup(root: Path, path: Path) -> Path:
    """Copy ``path`` to ``.grader/backups/<timestamp>/`` (a fresh folder each time)."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = root / ".grader" / "backups" / stamp
    n = 1
    while folder.exists():
        n += 1
        folder = root / ".grader" / "backups" / f"{stamp}-{n}"
    folder.mkdir(parents=True)
    gitignore = root / ".grader" / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text("*\n")
    target = folder / path.name
    shutil.copy2(path, target)
    return target


def replace_definition(current: str, pristine: str, name: str) -> tuple[str, bool]:
    """``current`` with the definition ``name`` taken from ``pristine``; the bool says whether
    ``current`` had it (when not, it is appended). SyntaxError when ``current`` does not parse."""
    theirs = definition_span(current, name)
    ours = definition_span(pristine, name)
    if ours is None:
        raise LookupError(name)
    newline = "\r\n" if "\r\n" in current else "\n"
    stub = [line.rstrip("\r\n") + newline
            for line in pristine.splitlines(keepends=True)[ours[0]:ours[1]]]
    lines = current.splitlines(keepends=True)
    if theirs is None:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += newline
        return "".join(lines + [newline, newline] + stub), False
    start, end = theirs
    return "".join(lines[:start] + stub + lines[end:]), True


def _confirm(question: str, args: Any) -> bool | None:
    """True/False from the learner; None when there is no terminal to ask on."""
    if args.yes:
        return True
    if not sys.stdin or not sys.stdin.isatty():
        return None
    try:
        answer = input(question)
    except EOFError:
        return False
    return answer.strip().lower() in YES


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.grader-reset")
    tmp.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    if path.exists():
        shutil.copymode(path, tmp)
    os.replace(tmp, path)


def cmd_reset(args: Any) -> int:
    from grader import catalog as catalog_mod
    from grader.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError
    from grader.project import default_lang, find_root, solutions_mode
    from grader.text import t

    lang = default_lang(args)
    if solutions_mode(args):
        raise UsageError("reset.solutions_mode")
    catalog = catalog_mod.load()
    target = args.target.strip()
    exercises = catalog.resolve([target])  # a TargetError is a usage error
    root = find_root()
    if root is None or not (root / "exercises").is_dir():
        raise UsageError("reset.no_project")
    single = "." in target
    chapters = list(dict.fromkeys(ex.chapter for ex in exercises))
    if single and not (root / "exercises" / catalog.chapter(chapters[0]).filename).is_file():
        print(t("reset.no_file", lang, file=shown_path(root / "exercises" /
                                                      catalog.chapter(chapters[0]).filename),
                chapter=chapters[0]), file=sys.stderr)
        return EXIT_FAILED

    # Work out every new file first: nothing is written unless all of them can be made.
    plans = []  # (path, new text or None when unchanged, message)
    for chapter_id in chapters:
        chapter = catalog.chapter(chapter_id)
        path = root / "exercises" / chapter.filename
        shown = shown_path(path)
        pristine = pristine_source(root, chapter.filename)
        if pristine is None:
            print(t("reset.no_pristine", lang, file=chapter.filename), file=sys.stderr)
            return EXIT_FAILED
        current = path.read_bytes().decode("utf-8", errors="surrogateescape") \
            if path.exists() else None
        # A Windows editor's UTF-8 BOM is kept as the learner saved it, and kept out of the parse.
        bom = "\ufeff" if current is not None and current.startswith("\ufeff") else ""
        current = current[len(bom):] if current is not None else None
        if not single:
            new = pristine
            if current is not None and "\r\n" in current:
                new = pristine.replace("\r\n", "\n").replace("\n", "\r\n")
            message = t("reset.done_chapter", lang, file=shown)
            what = shown
        else:
            name = exercises[0].name
            what = f"{shown}: `{name}`"
            try:
                new, had = replace_definition(current, pristine, name)
            except SyntaxError as exc:
                print(t("reset.syntax", lang, file=shown, line=exc.lineno or "?",
                        error=exc.msg, name=name, chapter=chapter.id), file=sys.stderr)
                return EXIT_FAILED
            except LookupError:
                print(t("reset.no_original", lang, file=chapter.filename, name=name),
                      file=sys.stderr)
                return EXIT_FAILED
            message = t("reset.done_exercise" if had else "reset.appended", lang,
                        name=name, file=shown)
        if bom:
            current, new = bom + current, bom + new
        if current == new:
            print(t("reset.unchanged", lang, what=what))
            continue
        plans.append((path, new, message, current is not None))
    if not plans:
        return EXIT_OK

    files = ", ".join(shown_path(path) for path, *_ in plans)
    question = t("reset.confirm_exercise", lang, name=exercises[0].name, file=files) if single \
        else t("reset.confirm_chapter", lang, file=files)
    answer = _confirm(question, args)
    if answer is None:
        print(t("reset.no_tty", lang, target=target), file=sys.stderr)
        return EXIT_USAGE
    if not answer:
        print(t("reset.cancelled", lang))
        return EXIT_FAILED
    for path, new, message, existed in plans:
        if existed:
            saved = backup(root, path)
        _write(path, new)
        print(message)
        if existed:
            print("  " + t("reset.backup", lang, path=shown_path(saved)))
    return EXIT_OK


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "reset", help="put back the original stub of an exercise or a chapter (keeps a backup)")
    parser.add_argument("target", metavar="TARGET",
                        help="an exercise (chapter19.corr2d), a chapter (chapter19) or all")
    parser.add_argument("--yes", "-y", action="store_true",
                        help="do not ask (needed when not on a terminal)")
    add_lang_option(parser)
    parser.set_defaults(func=cmd_reset)
