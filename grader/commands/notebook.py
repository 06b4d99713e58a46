"""``grader notebook CHAPTER [--solutions] [--out PATH] [--install SPEC] [--force]``: a chapter
as a Jupyter notebook (teaching text, an install cell, a setup cell, one cell per exercise and a
``grader.check`` cell after each); see ``grader.notebooks``. Outside a project it is made from
the course installed with the grader and written to ``./notebooks/``. It never overwrites a
notebook without ``--force``: the learner's work may be in it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.project import add_lang_option


def cmd_notebook(args: Any) -> int:
    from grader import catalog as catalog_mod
    from grader import notebooks
    from grader.errors import UsageError
    from grader.project import default_lang, find_root, solutions_mode
    from grader.text import t

    lang = default_lang(args)
    catalog = catalog_mod.load()
    root = find_root()
    where = Path.cwd() if root is None else root  # notebooks/ goes here
    if root is None:  # no project: the course installed with the grader (a wheel, grader init)
        from grader.course_files import installed_course

        root = installed_course()
    if root is None:
        raise UsageError("nb.no_course")
    solutions = solutions_mode(args)
    if args.chapter == "all":
        chapters = [ch for ch in catalog.chapters
                    if any(notebooks.chapter_sources(root, ch.module))]
    else:
        key = args.chapter.removesuffix(".py")
        try:
            chapters = [catalog.chapter(key)]
        except KeyError:
            try:
                chapters = [catalog.chapter(f"chapter{key}")]
            except KeyError:
                valid = ", ".join(["all"] + [ch.id for ch in catalog.chapters])
                raise UsageError("nb.unknown_chapter", chapter=args.chapter,
                                 valid=valid) from None
    out = Path(args.out).expanduser() if args.out else None
    if out is not None and len(chapters) > 1 and (out.suffix == ".ipynb" or out.is_file()):
        raise UsageError("nb.out_folder", path=out)
    plan = []
    for chapter in chapters:
        if out is None:
            path = where / "notebooks" / f"{chapter.module}.ipynb"
        elif len(chapters) > 1 or out.is_dir() or out.suffix != ".ipynb":
            path = out / f"{chapter.module}.ipynb"
        else:
            path = out
        if path.exists() and not args.force:
            raise UsageError("nb.exists", path=_shown(path))
        plan.append((chapter, path))
    for chapter, path in plan:
        source = notebooks.notebook_source(root, chapter, solutions)  # or a UsageError
        nb = notebooks.build_notebook(chapter, source, solutions=solutions, lang=lang,
                                      filename=_shown(path), install=args.install)
        notebooks.write_notebook(nb, path, force=args.force)
        print(t("nb.written", lang, path=_shown(path)))
    return 0


def _shown(path: Path) -> str:
    """The path as the learner would type it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "notebook", help="write a chapter as a Jupyter notebook, graded in place",
        description="Write CHAPTER as a Jupyter notebook: its teaching text, a setup cell, one "
                    "code cell per exercise and a grader.check(...) cell after each. "
                    "`grader check PATH.ipynb` grades a saved notebook.")
    parser.add_argument("chapter", metavar="CHAPTER",
                        help="chapter19 … chapter23 (or 19 … 23), or all")
    parser.add_argument("--solutions", action="store_true",
                        help="the reference solutions instead of the stubs (instructors)")
    parser.add_argument("--out", metavar="PATH",
                        help="file or folder to write (default: notebooks/<module>.ipynb)")
    parser.add_argument("--install", metavar="SPEC",
                        help="what the notebook's install cell installs when the grader is "
                             "missing (Colab): a wheel's path or URL, or a git+https:// URL "
                             "(default: the wheel of this version, next to the notebook)")
    parser.add_argument("--force", action="store_true",
                        help="overwrite an existing notebook (the work in it is lost)")
    add_lang_option(parser)
    parser.set_defaults(func=cmd_notebook)
