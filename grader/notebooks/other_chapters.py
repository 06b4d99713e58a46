"""Which chapter a notebook holds, and where the chapters it imports come from.

The notebook's own definitions win (a later definition replaces an earlier one, as in the
kernel). ``import chapterNN_...`` of another chapter resolves in one folder, as for a chapter
file: ``--exercises DIR`` when given; ``solutions/`` with ``--solutions``,
``GRADER_SOLUTIONS=1`` or a notebook made with ``--solutions``; else the project's
``exercises/``. The project is found from the notebook's folder (the kernel's working folder),
then the current folder. Without a project (a notebook opened alone, on Colab), another
chapter's module is made from the learner's notebook of that chapter in the same folder, or
stands in with names that say what to define (``support_modules``; the module itself is
``grader.notebooks.cells.ChapterFinder``'s).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

from grader.notebooks.cells import notebook_cells

_CHECK_CALL = re.compile(r"""\bcheck\(\s*(['"])([^'"]+)\1""")


def notebook_chapter(nb: Any, catalog: Any) -> Any | None:
    """The chapter a notebook holds: ``metadata.convgrade.chapter``, else the one chapter its
    ``grader.check("...")`` cells name; None when neither tells."""
    meta = (nb.get("metadata") or {}).get("convgrade") or {}
    if meta.get("chapter"):
        try:
            return catalog.chapter(meta["chapter"])
        except KeyError:
            return None
    found = set()
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        for match in _CHECK_CALL.finditer(source):
            try:
                found.update(ex.chapter for ex in catalog.resolve([match.group(2)]))
            except ValueError:
                continue
    return catalog.chapter(found.pop()) if len(found) == 1 else None


def support_folder(starts: list[Path], solutions: bool) -> tuple[Path, Path | None]:
    """(the folder other chapters are imported from, the project root or None). A project is
    a folder whose ``exercises/`` or ``solutions/`` holds chapter files (a folder of notebooks
    that happens to be called ``solutions/`` is not one)."""
    from grader.course_files import installed_solutions
    from grader.project import find_root

    names = ("solutions", "exercises") if solutions else ("exercises", "solutions")
    for start in starts:
        root = find_root(start)
        while root is not None:
            for name in names:
                if any((root / name).glob("chapter*.py")):
                    return root / name, root
            root = find_root(root.parent) if root.parent != root else None
    # No project (a notebook opened alone): the instructor's switch takes the installed
    # reference; otherwise other chapters come from the learner's notebooks (support_modules).
    installed = installed_solutions() if solutions else None
    if installed is not None:
        return installed, None
    return starts[0].resolve(), None



def chapter_imports(chapter: Any, catalog: Any) -> dict[str, list[str]]:
    """{module of another chapter: names} that ``chapter``'s course file imports (chapter 21:
    ``{"chapter19_conv": ["corr2d"]}``), from the installed course."""
    from grader.course_files import installed_course

    course = installed_course()
    path = course / "exercises" / chapter.filename if course is not None else None
    if path is None or not path.is_file():
        return {}
    modules = {ch.module for ch in catalog.chapters} - {chapter.module}
    found: dict[str, list[str]] = {}
    for node in ast.parse(path.read_text("utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.module in modules:
            found.setdefault(node.module, []).extend(a.name for a in node.names)
    return found


def notebook_of(folder: Path, chapter: Any, exclude: Path | None = None) -> Path | None:
    """The learner's notebook of ``chapter`` in ``folder``: ``<module>.ipynb``, else one whose
    convgrade metadata names the chapter (a renamed copy)."""
    exact = folder / f"{chapter.module}.ipynb"
    if exact.is_file() and exact.resolve() != exclude:
        return exact
    for path in sorted(folder.glob("*.ipynb")):
        if path.resolve() == exclude:
            continue
        try:
            meta = json.loads(path.read_text("utf-8")).get("metadata", {}).get("convgrade", {})
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(meta, dict) and meta.get("chapter") == chapter.id:
            return path
    return None


def support_modules(chapter: Any, catalog: Any, folder: Path, notebook_dir: Path,
                    exclude: Path | None = None) -> dict[str, tuple[list | None, str, int]]:
    """{module: (cells, file, chapter number)} for every other chapter whose file is not in
    ``folder``: the definition cells of the learner's notebook of it in ``notebook_dir``, or
    None when there is none (its names then say what to define)."""
    import nbformat

    found: dict[str, tuple[list | None, str, int]] = {}
    for other in catalog.chapters:
        if other.id == chapter.id or (folder / other.filename).is_file():
            continue
        path = notebook_of(notebook_dir, other, exclude)
        cells = None
        if path is not None:
            try:
                cells = notebook_cells(nbformat.read(str(path), as_version=4),
                                       prefix=f"{path.name} ")
            except Exception:  # an unreadable notebook is as good as none
                path = None
        file = str(path.resolve()) if path is not None else str(folder / f"{other.module}.ipynb")
        found[other.module] = (cells, file, other.number)
    return found

