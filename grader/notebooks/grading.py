"""Plans for notebooks: a saved notebook (``grader check PATH.ipynb``), a submission's
notebooks (``grader grade``, Gradescope) and a kernel's cells (``grader.check``).

A notebook's cells stand for its chapter's module (``grader.notebooks.cells``); the chapters it
imports come from a folder, else from the learner's other notebooks
(``grader.notebooks.other_chapters``). What a notebook says of itself never selects
``solutions/``, the device, the budget or the isolation: only the command line does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.notebooks.cells import module_sources, notebook_cells
from grader.notebooks.other_chapters import notebook_chapter, support_folder, support_modules


def kernel_plan(exercises: list, chapter: Any, cells: list, *, folder: Path,
                root: Path | None, solutions: bool, device: str, seed: int | None,
                support: dict | None = None) -> Any:
    """The plan for a notebook's cells: they stand for the chapter's module; other chapters
    come from ``folder``, else from ``support`` (the learner's other notebooks, see
    ``support_modules``). ``solutions`` is the instructor's switch (never the notebook's)."""

    strict = False  # a kernel skips what did not run; a saved notebook is graded strictly
    return _plan(exercises, chapter, module_sources(chapter.module, cells, strict, support),
                 folder, root, solutions, device, seed, key=f"notebook:{chapter.module}")


def _plan(exercises: list, chapter: Any, sources: dict, folder: Path, root: Path | None,
          solutions: bool, device: str, seed: int | None, key: str,
          memory_limit_mb: Any = "default", thorough: bool = False,
          isolation: str = "process") -> Any:
    from grader import project

    if memory_limit_mb == "default":
        memory_limit_mb = project.memory_limit(None, device)
    learner_db = not solutions and seed is None
    return project.plan(exercises, folder, root=root, device=device, seed=seed,
                        thorough=thorough, memory_limit_mb=memory_limit_mb,
                        isolation=isolation, database_key=key if learner_db else None,
                        sources=sources)


def notebook_plan(args: Any) -> tuple[Any, Path | None]:
    """``grader check PATH.ipynb [TARGET ...]``: the plan for a saved notebook, graded from top
    to bottom, and the project root (the same outcomes, report and exit status as for a
    chapter file). What the notebook says of itself never selects ``solutions/``, the device,
    the budget or the isolation: only the command line does."""
    from grader import catalog as catalog_mod
    from grader import project
    from grader.errors import UsageError

    catalog = catalog_mod.load()
    paths = [x for x in args.targets if x.endswith(".ipynb")]
    others = [x for x in args.targets if not x.endswith(".ipynb")]
    if len(paths) != 1:
        raise UsageError("nb.one_notebook", paths=", ".join(paths))
    path = Path(paths[0]).expanduser()
    if not path.is_file():
        raise UsageError("nb.missing", path=path)
    import nbformat

    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as exc:
        raise UsageError("nb.unreadable", path=path,
                         error=f"{type(exc).__name__}: {exc}") from None
    chapter = notebook_chapter(nb, catalog)
    if chapter is None:
        raise UsageError("nb.no_chapter", path=path)
    exercises = catalog.resolve(others or [chapter.id])  # a TargetError is a usage error
    for ex in exercises:
        if ex.chapter != chapter.id:
            raise UsageError("nb.other_chapter", target=ex.qualname, chapter=chapter.id)
    solutions = project.solutions_mode(args)
    if args.exercises:
        folder, root = project.graded_folder(args)
    else:
        folder, root = support_folder([path.resolve().parent, Path.cwd()], solutions)
    support = support_modules(chapter, catalog, folder, path.resolve().parent,
                              exclude=path.resolve())
    plan = _plan(exercises, chapter,
                 module_sources(chapter.module, notebook_cells(nb), True, support),
                 folder, root, solutions, args.device, args.seed, key=str(path.resolve()),
                 memory_limit_mb=project.memory_limit(args.memory_limit, args.device),
                 thorough=args.thorough, isolation=project.isolation(args))
    return plan, root


def submission_notebooks(folder: Path, catalog: Any) -> dict[str, Path]:
    """{chapter id: notebook} of a submitted folder (any depth, checkpoints and hidden folders
    left out): a chapter's ``<module>.ipynb`` first, else the first notebook that holds it."""
    found: dict[str, list[Path]] = {}
    import nbformat

    for path in sorted(folder.rglob("*.ipynb")):
        rel = path.relative_to(folder).parts
        if any(part.startswith(".") or part in ("__pycache__", "__MACOSX") for part in rel):
            continue
        try:
            chapter = notebook_chapter(nbformat.read(str(path), as_version=4), catalog)
        except Exception:  # not a notebook: graded as missing, as a file that is not there
            continue
        if chapter is not None:
            found.setdefault(chapter.id, []).append(path)
    return {cid: min(paths, key=lambda p: (p.name != f"{catalog.chapter(cid).module}.ipynb",
                                           len(p.parts), str(p)))
            for cid, paths in found.items()}


def submission_sources(folder: Path, graded_dir: Path, chapter_ids: list[str],
                       catalog: Any) -> dict[str, tuple[str, str]] | None:
    """``Plan.sources`` for a submission's notebooks (``grader grade``, Gradescope): each
    graded chapter without its ``.py`` file in ``graded_dir`` but with a notebook is its
    notebook's code cells, graded strictly as ``grader check PATH.ipynb`` does; the other
    chapters it imports come from their files, else from the submission's notebooks, else
    stand in (``support_modules``). None when no notebook stands for a graded chapter."""
    import nbformat

    by_chapter = submission_notebooks(folder, catalog)
    support: dict[str, tuple[list | None, str, int]] = {}
    cells_of: dict[str, list] = {}
    for chapter in catalog.chapters:
        if (graded_dir / chapter.filename).is_file():
            continue
        path = by_chapter.get(chapter.id)
        cells = None
        if path is not None:
            try:
                cells = cells_of[chapter.id] = notebook_cells(
                    nbformat.read(str(path), as_version=4), prefix=f"{path.name} ")
            except Exception:
                path = None
        file = str(path.resolve()) if path is not None \
            else str(graded_dir / f"{chapter.module}.ipynb")
        support[chapter.module] = (cells, file, chapter.number)
    sources: dict[str, tuple[str, str]] = {}
    for cid in chapter_ids:
        chapter = catalog.chapter(cid)
        if cid not in cells_of:
            continue
        others = {m: v for m, v in support.items() if m != chapter.module}
        # A graded notebook's cells are named as in `grader check PATH.ipynb`.
        cells = [(python, shown, name.replace(f"{by_chapter[cid].name} ", "", 1))
                 for python, shown, name in cells_of[cid]]
        sources.update(module_sources(chapter.module, cells, True, others))
    return sources or None

