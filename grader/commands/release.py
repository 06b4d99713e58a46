"""``grader release``: generate the learner stubs from ``solutions/`` (one source of truth).

``grader release [--out DIR]`` writes one stub per chapter file in ``solutions/`` (see
``grader.release.make_stub``); ``--check`` only compares and exits 1 naming the first differing
line of each file. A file in the output folder that differs from its stub is a learner's work: it
is never overwritten without ``--force``, and ``--force`` backs it up under
``<project>/.grader/backups/<timestamp>/`` first.

Exit status: 0 when everything is (or now is) up to date, 1 when a stub differs (``--check``),
was refused, or a solution file cannot be turned into a stub; 2 for a usage error.
"""

from __future__ import annotations

import ast
import difflib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import EXIT_FAILED, EXIT_OK, UsageError
from grader.project import add_lang_option, default_lang, find_root


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "release", help="generate the exercise stubs from solutions/ (instructors)",
        description="Generate exercises/ from solutions/: solution regions between "
                    "'# BEGIN SOLUTION' and '# END SOLUTION' become a TODO and "
                    "'raise NotImplementedError'; docstrings and signatures are kept.")
    p.add_argument("--out", metavar="DIR",
                   help="where to write the stubs (default: exercises/ of the project)")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 naming file and line where the stubs differ")
    p.add_argument("--force", action="store_true",
                   help="replace edited files (backed up under .grader/backups/ first)")
    add_lang_option(p)
    p.set_defaults(func=cmd_release)


@dataclass
class Stub:
    chapter: str
    solution: Path
    target: Path
    text: str


@dataclass
class Difference:
    line: int  # 1-based, in the existing file
    expected: str | None  # the generated line there (None: the stub ends before)
    found: str | None  # the existing file's line (None: the file ends before)


def first_difference(expected: str, found: str) -> Difference | None:
    """Where ``found`` first departs from ``expected`` (line endings count), or None."""
    a = expected.splitlines(keepends=True)
    b = found.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            return Difference(j1 + 1, a[i1] if i1 < i2 else None, b[j1] if j1 < j2 else None)
    return None


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as f:  # keep line endings as they are
        return f.read()


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(tmp, path)


def _show(path: Path) -> str:
    """``path`` relative to the current folder when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def generate(root: Path, out: Path, lang: str) -> tuple[list[Stub], list[str], list[str]]:
    """(stubs to compare or write, notes, errors) for every catalog chapter whose solution file
    exists in ``root/solutions`` (else in the installed solutions: a folder made by
    ``grader init``). Errors are solution files that cannot be released."""
    from grader import catalog as catalog_mod
    from grader.course_files import solutions_folder
    from grader.release import BEGIN, MarkerError, make_stub
    from grader.text import t

    solutions = solutions_folder(root) or root / "solutions"  # else the installed ones
    stubs: list[Stub] = []
    notes: list[str] = []
    errors: list[str] = []
    for chapter in catalog_mod.load().chapters:
        source_path = solutions / chapter.filename
        if not source_path.is_file():
            notes.append(t("release.skipped", lang, chapter=chapter.id,
                           solution=_show(source_path)))
            continue
        source = _read(source_path)
        if not any(BEGIN.match(line) for line in source.splitlines()):
            errors.append(t("release.no_markers", lang, solution=_show(source_path)))
            continue
        try:
            text = make_stub(source, _show(source_path))
        except MarkerError as exc:
            errors.append(exc.text(lang))
            continue
        try:
            ast.parse(text, filename=chapter.filename)
        except SyntaxError as exc:
            errors.append(t("release.bad_stub", lang, solution=_show(source_path),
                            line=exc.lineno or 0, message=exc.msg))
            continue
        stubs.append(Stub(chapter.id, source_path, out / chapter.filename, text))
    known = {ch.filename for ch in catalog_mod.load().chapters}
    for extra in sorted(solutions.glob("*.py")):
        if extra.name not in known:
            notes.append(t("release.not_in_catalog", lang, solution=_show(extra)))
    return stubs, notes, errors


def _backup_dir(root: Path) -> Path:
    base = root / ".grader" / "backups"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder, n = base / stamp, 1
    while folder.exists():  # two releases within one second keep both backups
        n += 1
        folder = base / f"{stamp}-{n}"
    folder.mkdir(parents=True)
    ignore = root / ".grader" / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")
    return folder


def cmd_release(args: Any) -> int:
    from grader.text import t

    lang = default_lang(args)
    if args.check and args.force:
        raise UsageError("release.check_and_force")
    from grader.course_files import solutions_folder

    root = find_root()
    if root is None or solutions_folder(root) is None:
        raise UsageError("release.no_solutions")
    out = Path(args.out).expanduser().resolve() if args.out else root / "exercises"
    if out.exists() and not out.is_dir():
        raise UsageError("usage.out_not_folder", out=args.out)
    stubs, notes, errors = generate(root, out, lang)
    for note in notes:
        print(note)
    for error in errors:
        print(t("release.error", lang, error=error))
    if args.check:
        return _check(stubs, out, lang, bool(errors))
    return _release(root, stubs, lang, args.force, bool(errors))


def _check(stubs: list[Stub], out: Path, lang: str, failed: bool) -> int:
    from grader.text import t

    differing = 0
    for stub in stubs:
        if not stub.target.is_file():
            differing += 1
            print(t("release.missing_stub", lang, file=_show(stub.target),
                    solution=_show(stub.solution)))
            continue
        diff = first_difference(stub.text, _read(stub.target))
        if diff is not None:
            differing += 1
            print(t("release.differs", lang, file=_show(stub.target), line=diff.line,
                    solution=_show(stub.solution),
                    expected=_line(diff.expected, lang), found=_line(diff.found, lang)))
    if differing:
        print(t("release.check_failed", lang, count=differing, out=_show(out)))
        return EXIT_FAILED
    print(t("release.check_ok", lang, count=len(stubs), out=_show(out)))
    return EXIT_FAILED if failed else EXIT_OK


def _line(text: str | None, lang: str) -> str:
    from grader.text import t

    if text is None:
        return t("release.eof", lang)
    return repr(text.rstrip("\n"))  # repr shows a stray \r or trailing blank


def _release(root: Path, stubs: list[Stub], lang: str, force: bool, failed: bool) -> int:
    from grader.text import t

    written = unchanged = 0
    refused: list[Stub] = []
    backups: Path | None = None
    for stub in stubs:
        if stub.target.is_file():
            current = _read(stub.target)
            if current == stub.text:
                unchanged += 1
                continue
            if not force:
                refused.append(stub)
                diff = first_difference(stub.text, current)
                print(t("release.refused", lang, file=_show(stub.target),
                        line=diff.line if diff else 1))
                continue
            if backups is None:
                backups = _backup_dir(root)
            backup = backups / stub.target.name
            _write(backup, current)
            print(t("release.backed_up", lang, file=_show(stub.target), backup=_show(backup)))
        _write(stub.target, stub.text)
        written += 1
        print(t("release.written", lang, file=_show(stub.target)))
    print(t("release.summary", lang, written=written, unchanged=unchanged,
            refused=len(refused)))
    return EXIT_FAILED if refused or failed else EXIT_OK
