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

import argparse
import os
import sys
from pathlib import Path
from typing import Any

GITIGNORE = ".grader/\n"

# (English, Chinese). Kept beside the command until grader/messages.py takes them (see issue 20).
MESSAGES: dict[str, tuple[str, str]] = {
    "not_a_folder": ("{dir} exists and is not a folder: give `grader init` a folder name, "
                     "e.g. `grader init course`",
                     "{dir} 已存在且不是文件夹：请给 `grader init` 一个文件夹名，例如 "
                     "`grader init course`"),
    "no_course": ("this installation of convgrade has no course files (no exercises/ in {where}): "
                  "reinstall it from its wheel or sdist (`pip install --force-reinstall "
                  "convgrade`), or run the grader inside a clone of the course repository",
                  "这个 convgrade 安装中没有课程文件（{where} 中没有 exercises/）：请从 wheel 或 "
                  "sdist 重新安装（`pip install --force-reinstall convgrade`），或在课程仓库的"
                  "克隆中运行评分器"),
    "cannot_write": ("could not write {file}: {error}", "无法写入 {file}：{error}"),
    "written": ("  wrote {file}", "  已写入 {file}"),
    "kept": ("  kept  {file} (it already exists; init never overwrites)",
             "  保留  {file}（文件已存在；init 从不覆盖）"),
    "gitignore_kept": ("  note: {file} exists and does not ignore .grader/; add the line "
                       "`.grader/` to it to keep the grader's state out of git",
                       "  提示：{file} 已存在，但没有忽略 .grader/；请在其中加入一行 `.grader/`，"
                       "以免评分器的状态进入 git"),
    "done": ("Course folder ready: {dir} ({written} written, {kept} kept).\n"
             "Next: {cd}grader check chapter19   (then open exercises/chapter19_conv.py)",
             "课程文件夹已就绪：{dir}（写入 {written} 个，保留 {kept} 个）。\n"
             "下一步：{cd}grader check chapter19   （然后打开 exercises/chapter19_conv.py）"),
    "failed": ("The course folder {dir} is incomplete: {failed} file(s) could not be written.",
               "课程文件夹 {dir} 不完整：有 {failed} 个文件无法写入。"),
}


def _t(key: str, lang: str, **data: Any) -> str:
    en, zh = MESSAGES[key]
    return (zh if lang == "zh" else en).format(**data)


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

    lang = default_lang(args)
    target = Path(args.dir).expanduser()
    if target.exists() and not target.is_dir():
        raise UsageError(_t("not_a_folder", "en", dir=args.dir),
                         _t("not_a_folder", "zh", dir=args.dir))
    files = course_files()
    if files is None:
        print("grader: " + _t("no_course", lang, where=PACKAGED.parent), file=sys.stderr)
        return EXIT_FAILED
    written = kept = failed = 0
    plan = [(target / rel, source) for source, rel in files]
    plan.append((target / ".gitignore", GITIGNORE.encode()))
    for dest, content in plan:
        shown = _shown(dest)
        if dest.exists() or dest.is_symlink():
            kept += 1
            print(_t("kept", lang, file=shown))
            if dest.name == ".gitignore" and not _ignores_state(dest):
                print(_t("gitignore_kept", lang, file=shown))
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
                print(_t("kept", lang, file=shown))
                continue
        except OSError as exc:  # e.g. exercises/ is a file, or the folder is read-only
            failed += 1
            print("grader: " + _t("cannot_write", lang, file=shown,
                                  error=exc.strerror or exc), file=sys.stderr)
            continue
        written += 1
        print(_t("written", lang, file=shown))
    if failed:
        print("grader: " + _t("failed", lang, dir=_shown(target), failed=failed),
              file=sys.stderr)
        return EXIT_FAILED
    here = Path.cwd().resolve() == target.resolve()
    cd = "" if here else f"cd {_quoted(_shown(target))} && "
    print(_t("done", lang, dir=_shown(target), written=written, kept=kept, cd=cd))
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
    parser.add_argument("--lang", choices=("en", "zh"), default=argparse.SUPPRESS)
    parser.set_defaults(func=cmd_init)
