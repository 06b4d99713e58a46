"""``grader init [DIR]``: a fresh course folder from the installed package.

It writes ``DIR/exercises/chapterNN_*.py`` (the learner stubs that came with the grader, see
``grader.course_files``) and ``DIR/.gitignore`` (``.grader/``, where the grader keeps its
state). That is all the learner commands need: ``check``, ``list``, ``hint`` and ``watch`` grade
and read ``exercises/``; ``solution``, ``reset`` and ``release --check`` read the solutions
installed with the grader. An existing file is never overwritten: it is kept and named, so
running ``init`` again only adds what is missing.

Exit status: 0 when the folder holds the whole course afterwards, 1 when a file could not be
written or this installation has no course files, 2 for a usage error (DIR is a file).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from grader.project import add_lang_option

GITIGNORE = ".grader/\n"

def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve())) or "."
    except ValueError:
        return str(path)


def course_files() -> list[tuple[Path, str]] | None:
    """(installed stub, path inside the course folder) for every catalog chapter; None when
    this installation carries no course."""
    from grader import catalog as catalog_mod
    from grader.course_files import installed_course

    course = installed_course()
    if course is None:
        return None
    stubs = course / "exercises"
    files = [(stubs / chapter.filename, f"exercises/{chapter.filename}")
             for chapter in catalog_mod.load().chapters]
    if not all(source.is_file() for source, _ in files):
        return None
    return files


def cmd_init(args: Any) -> int:
    from grader.course_files import PACKAGED
    from grader.errors import EXIT_FAILED, EXIT_OK, UsageError
    from grader.project import default_lang
    from grader.text import t

    lang = default_lang(args)
    target = Path(args.dir).expanduser()
    if target.exists() and not target.is_dir():
        raise UsageError("init.not_a_folder", dir=args.dir)
    files = course_files()
    if files is None:
        print("grader: " + t("init.no_course", lang, where=PACKAGED.parent), file=sys.stderr)
        return EXIT_FAILED
    written = kept = failed = 0
    plan = [(target / rel, source) for source, rel in files]
    plan.append((target / ".gitignore", GITIGNORE.encode()))
    for dest, content in plan:
        shown = _shown(dest)
        if dest.exists() or dest.is_symlink():
            kept += 1
            print(t("init.kept", lang, file=shown))
            if dest.name == ".gitignore" and not _ignores_state(dest):
                print(t("init.gitignore_kept", lang, file=shown))
            continue
        try:
            data = content if isinstance(content, bytes) else content.read_bytes()
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                # "x": created here or not at all, so a file that appears meanwhile is kept.
                with open(dest, "xb") as out:
                    out.write(data)
            except FileExistsError:
                kept += 1
                print(t("init.kept", lang, file=shown))
                continue
        except OSError as exc:  # e.g. exercises/ is a file, or the folder is read-only
            failed += 1
            print("grader: " + t("init.cannot_write", lang, file=shown,
                                  error=exc.strerror or exc), file=sys.stderr)
            continue
        written += 1
        print(t("init.written", lang, file=shown))
    if failed:
        print("grader: " + t("init.failed", lang, dir=_shown(target), failed=failed),
              file=sys.stderr)
        return EXIT_FAILED
    here = Path.cwd().resolve() == target.resolve()
    cd = "" if here else f"cd {_quoted(_shown(target))} && "
    print(t("init.done", lang, dir=_shown(target), written=written, kept=kept, cd=cd))
    return EXIT_OK


def _ignores_state(gitignore: Path) -> bool:
    try:
        lines = gitignore.read_text("utf-8", "replace").splitlines()
    except OSError:
        return True  # unreadable: nothing useful to suggest
    return any(line.strip().strip("/") in (".grader", "*", ".*") for line in lines)


def _quoted(path: str) -> str:
    if os.name == "nt" or all(c.isalnum() or c in "._-/" for c in path):
        return f'"{path}"' if " " in path else path
    import shlex

    return shlex.quote(path)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "init", help="write a fresh course folder (exercises/) from the installed package",
        description="Write DIR/exercises/ (the learner stubs of every chapter) and "
                    "DIR/.gitignore from the installed grader. Existing files are kept, never "
                    "overwritten.")
    parser.add_argument("dir", metavar="DIR", nargs="?", default=".",
                        help="the course folder to write (default: the current folder)")
    add_lang_option(parser)
    parser.set_defaults(func=cmd_init)
