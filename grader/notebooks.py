"""Chapters as Jupyter notebooks, graded in place.

Three parts, in the order data flows:

- **Making** a notebook (``build_notebook``, used by ``grader notebook``): the chapter file is
  split with ``ast`` into teaching text (module and exercise docstrings, as markdown), a setup
  cell (the file's imports), one code cell per exercise (the stub from ``release.make_stub`` of
  the solution, or the reference) and a check cell ``grader.check("chapterNN.<exercise>")``.
- **Which code is graded.** A notebook's code cells, in order (a saved ``.ipynb``) or in the
  order the kernel ran them (IPython's input history, for ``grader.check`` in a kernel), become
  the chapter's module in the isolated worker (``Worker(sources=...)``). Only *definitions* are
  kept: imports, functions, classes, and assignments that call nothing. Examples, prints,
  training runs and check cells stay in the notebook. Each cell keeps its own name
  (``<learner cell 3>`` in a file, ``<learner In [7]>`` in a kernel) and line numbers, so
  tracebacks point into the learner's cell. In a kernel, cells that did not compile are skipped
  and a definition that raised is skipped, as the kernel itself did; in a saved notebook a syntax
  error is reported, as for a chapter file.
- **Other chapters.** The notebook's own definitions win (a later definition replaces an
  earlier one, as in the kernel). ``import chapterNN_...`` of another chapter resolves in one
  folder, as for a chapter file: ``--exercises DIR`` when given; ``solutions/`` with
  ``--solutions``, ``GRADER_SOLUTIONS=1`` or a notebook made with ``--solutions``; else the
  project's ``exercises/``. The project is found from the notebook's folder (the kernel's working
  folder), then the current folder. Without a project (a notebook opened alone, on Colab),
  another chapter's module is made from the learner's notebook of that chapter in the same
  folder, or stands in with names that say what to define (``support_modules``).

``grader.check`` sends the kernel's cells to a verdict process (``serve``, one per kernel, fed
JSON lines on stdin), so that pytest, Hypothesis and the learner's code never run inside the
learner's kernel.

This module imports nothing heavy at the top: the worker imports it to run cells.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A chapter's key formulas, as LaTeX display maths for the notebook's formula cell.
FORMULAS: dict[str, list[str]] = {
    "chapter19": [
        r"Y_{i,j} = \sum_{a=0}^{k_h-1} \sum_{b=0}^{k_w-1} X_{i+a,\,j+b}\; K_{a,b},"
        r"\qquad Y \in \mathbb{R}^{(n_h-k_h+1)\times(n_w-k_w+1)}",
    ],
    "chapter20": [
        r"o_h = \left\lfloor \frac{n_h + 2p_h - k_h}{s_h} \right\rfloor + 1,\qquad"
        r" o_w = \left\lfloor \frac{n_w + 2p_w - k_w}{s_w} \right\rfloor + 1",
    ],
    "chapter21": [
        r"Y_{o} = \sum_{c=0}^{c_i-1} X_{c} \star K_{o,c},\qquad"
        r" X \in \mathbb{R}^{c_i\times n_h\times n_w},\;"
        r" K \in \mathbb{R}^{c_o\times c_i\times k_h\times k_w}",
        r"\text{1}\times\text{1 kernel:}\quad Y_{o,\,i,\,j} = \sum_{c} K_{o,c}\, X_{c,\,i,\,j}"
        r"\quad\Longleftrightarrow\quad Y = K_{c_o\times c_i}\; X_{c_i\times (n_h n_w)}",
    ],
    "chapter22": [
        r"\text{max: } Y_{i,j} = \max_{0\le a<p_h,\;0\le b<p_w} X_{i s_h + a,\; j s_w + b}"
        r"\qquad \text{avg: } Y_{i,j} = \frac{1}{p_h p_w} \sum_{a,b} X_{i s_h + a,\; j s_w + b}",
    ],
    "chapter23": [
        r"1{\times}28{\times}28 \xrightarrow{\text{conv } 5\times5,\ p=2} 6{\times}28{\times}28"
        r" \xrightarrow{\text{pool}} 6{\times}14{\times}14 \xrightarrow{\text{conv } 5\times5}"
        r" 16{\times}10{\times}10 \xrightarrow{\text{pool}} 16{\times}5{\times}5"
        r" \to 400 \to 120 \to 84 \to 10",
        r"\ell = -\frac{1}{n} \sum_{i=1}^{n} \log \frac{\exp(o_{i,y_i})}{\sum_{j} \exp(o_{i,j})}",
    ],
}

_CHECK_CALL = re.compile(r"""\bcheck\(\s*(['"])([^'"]+)\1""")
_SOLUTION_MARKER = re.compile(r"^\s*# (BEGIN|END) SOLUTION\s*$")


# == making a notebook ==========================================================================

@dataclass
class Part:
    """A run of a chapter file: one exercise's definition, or code between exercises."""

    code: str
    exercise: str | None = None
    doc: str | None = None


def split_chapter(source: str, exercise_names: set[str] | list[str],
                  filename: str = "<chapter>") -> tuple[str | None, list[Part]]:
    """(module docstring, parts in file order). Each top-level statement owns the lines from the
    end of the previous one (comments above it included) to its own end. An exercise's
    docstring moves to ``Part.doc`` (the notebook shows it as markdown)."""
    tree = ast.parse(source, filename)
    lines = source.splitlines(keepends=True)
    body = list(tree.body)
    module_doc = ast.get_docstring(tree, clean=True)
    previous_end = 0
    if module_doc is not None:
        previous_end = body.pop(0).end_lineno or 0
    parts: list[Part] = []
    for node in body:
        start, end = previous_end, node.end_lineno or node.lineno
        previous_end = end
        # Indented comments right after the previous definition (``# END SOLUTION``) are its.
        while parts and start < end and (lines[start].startswith((" ", "\t"))
                                         or not lines[start].strip()):
            parts[-1].code += lines[start]
            start += 1
        name = getattr(node, "name", None)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                and name in exercise_names:
            chunk = lines[start:end]
            doc = ast.get_docstring(node, clean=True)
            doc_node = node.body[0]
            header_end = min(n.lineno for n in node.body)  # first line of the body
            if doc is not None and len(node.body) > 1 and doc_node.lineno == header_end \
                    and doc_node.lineno > node.lineno:
                # Drop the docstring's lines (it is shown above the cell instead), and a blank
                # line after it.
                first, last = doc_node.lineno - 1 - start, (doc_node.end_lineno or 0) - start
                if last < len(chunk) and not chunk[last].strip():
                    last += 1
                del chunk[first:last]
            parts.append(Part("".join(chunk), exercise=name, doc=doc))
        elif parts and parts[-1].exercise is None:
            parts[-1].code += "".join(lines[start:end])
        else:
            parts.append(Part("".join(lines[start:end])))
    for part in parts:
        part.code = _strip_blank(part.code)
    return module_doc, [p for p in parts if p.code]


def _strip_blank(code: str) -> str:
    return code.strip("\n").rstrip() + "\n" if code.strip() else ""


def docstring_markdown(doc: str) -> str:
    """A reST-flavoured docstring as markdown: ``text::`` blocks become fenced code blocks
    (``python`` when they are doctest examples); double-backtick literals work as they are."""
    out: list[str] = []
    lines = doc.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.rstrip().endswith("::"):
            head = line.rstrip()[:-2].rstrip()
            out.append(head + ":" if head else "")
            i += 1
            while i < len(lines) and not lines[i].strip():
                i += 1
            block: list[str] = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith((" ", "\t"))):
                block.append(lines[i])
                i += 1
            while block and not block[-1].strip():
                block.pop()
            code = textwrap.dedent("\n".join(block))
            lang = "python" if code.lstrip().startswith(">>>") else ""
            out += ["", f"```{lang}", code, "```", ""]
            continue
        out.append(line)
        i += 1
    return "\n".join(out).strip() + "\n"


def chapter_sources(root: Path, module: str) -> tuple[Path | None, Path | None]:
    """(the solution file, the exercise file) of a chapter in the project, where they exist."""
    solution = root / "solutions" / f"{module}.py"
    exercise = root / "exercises" / f"{module}.py"
    return (solution if solution.is_file() else None,
            exercise if exercise.is_file() else None)


def notebook_source(root: Path, chapter: Any, solutions: bool) -> str:
    """The chapter file a notebook is made from: the reference (``solutions``), else the stub
    made from it, else (a learner's project without solutions) the file in ``exercises/``; a
    ``UsageError`` when there is none."""
    from grader.errors import UsageError
    from grader.release import make_stub

    solution, exercise = chapter_sources(root, chapter.module)
    if solution is not None:
        text = solution.read_text("utf-8")
        return text if solutions else make_stub(text, str(solution))
    if exercise is not None and not solutions:
        return exercise.read_text("utf-8")
    folders = "solutions/" if solutions else "solutions/ / exercises/"
    raise UsageError("nb.no_source", file=chapter.filename, folders=folders)


def wheel_name() -> str:
    """The file name of this version's wheel, what a notebook's install cell installs."""
    import grader

    return f"convgrade-{grader.__version__}-py3-none-any.whl"


def install_cell(lang: str, install: str | None = None) -> str:
    """The notebook's first code cell: ``%pip install`` the grader unless it is importable.
    There is no PyPI release yet, so it installs ``install`` (a wheel's path or URL, a
    ``git+https://`` URL, or later ``convgrade``), by default the wheel file next to the
    notebook, and says what to do when that file is not there."""
    from grader.text import t

    spec = install or wheel_name()
    comment = textwrap.wrap(t("nb.install", lang, wheel=wheel_name()), 96)
    missing = "f" + repr(t("nb.install_missing", lang))
    return "\n".join([
        *(f"# {line}" for line in comment),
        f"CONVGRADE = {spec!r}",
        "import importlib.util",
        "import os",
        "",
        'if importlib.util.find_spec("grader") is None:',
        '    if "://" not in CONVGRADE and CONVGRADE.endswith(".whl") \\',
        "            and not os.path.exists(CONVGRADE):",
        f"        print({missing})",
        "    else:",
        "        %pip install -q {CONVGRADE}",
        "        importlib.invalidate_caches()",
    ]) + "\n"


def build_notebook(chapter: Any, source: str, *, solutions: bool = False, lang: str = "en",
                   filename: str | None = None, install: str | None = None) -> Any:
    """An nbformat v4 notebook for ``chapter`` (a ``catalog.Chapter``) made from ``source``;
    ``install``: what its install cell installs (see ``install_cell``)."""
    import nbformat
    from nbformat import v4

    import grader
    from grader.text import t

    names = [ex.name for ex in chapter.exercises]
    module_doc, parts = split_chapter(source, set(names), chapter.filename)
    if solutions:
        for part in parts:
            part.code = _strip_blank("".join(line for line in part.code.splitlines(keepends=True)
                                             if not _SOLUTION_MARKER.match(line)))
    cells = []
    from grader.text import languages

    heading = " · ".join(chapter.title(lang) for lang in languages())
    intro = ""
    if module_doc:
        first, _, rest = module_doc.partition("\n")
        if first.lower().startswith("chapter"):
            heading = first.rstrip(".")
            module_doc = rest
        # The file's "Run `grader check ...`" paragraph is about the .py file, not the notebook.
        paragraphs = [p for p in module_doc.strip().split("\n\n")
                      if not p.lstrip().startswith("Run ``grader check")]
        intro = docstring_markdown("\n\n".join(paragraphs)) if paragraphs else ""
    cells.append(v4.new_markdown_cell(f"# {heading}\n\n{intro}".rstrip() + "\n", id="intro"))
    nb_file = filename or f"notebooks/{chapter.module}.ipynb"
    cells.append(v4.new_markdown_cell(t("nb.howto", lang, file=nb_file) + "\n\n"
                                      + t("nb.howto_other_chapters", lang), id="howto"))
    formulas = FORMULAS.get(chapter.id, [])
    if formulas:
        maths = "\n\n".join(f"$$\n{f}\n$$" for f in formulas)
        cells.append(v4.new_markdown_cell(f"### {t('nb.formula', lang)}\n\n{maths}\n",
                                          id="formula"))
    setup = [f"# {t('nb.setup', lang)}", "import grader", "",
             f"grader.setup_notebook({json.dumps(chapter.id)}"
             f"{', solutions=True' if solutions else ''})"]
    if parts and parts[0].exercise is None:
        setup += ["", parts.pop(0).code.rstrip("\n")]
    cells.append(v4.new_code_cell(install_cell(lang, install), id="install",
                                  metadata={"convgrade": {"role": "install"}}))
    cells.append(v4.new_code_cell("\n".join(setup) + "\n", id="setup",
                                  metadata={"convgrade": {"role": "setup"}}))
    number = 0
    given = 0
    for part in parts:
        if part.exercise is None:
            given += 1
            cells.append(v4.new_markdown_cell(t("nb.given", lang), id=f"given-{given}-text"))
            cells.append(v4.new_code_cell(part.code, id=f"given-{given}",
                                          metadata={"convgrade": {"role": "given"}}))
            continue
        number += 1
        ex = chapter.exercise(part.exercise)
        title = t("nb.exercise", lang, number=f"{chapter.number}.{number}",
                  signature=ex.signature, points=ex.points)
        text = f"## {title}\n\n{docstring_markdown(part.doc)}" if part.doc else f"## {title}\n"
        cells.append(v4.new_markdown_cell(text, id=f"{ex.name}-text"))
        cells.append(v4.new_code_cell(part.code, id=f"{ex.name}-code",
                                      metadata={"convgrade": {"exercise": ex.qualname}}))
        cells.append(v4.new_code_cell(f"grader.check({json.dumps(ex.qualname)})",
                                      id=f"{ex.name}-check",
                                      metadata={"convgrade": {"role": "check"}}))
    cells.append(v4.new_markdown_cell(f"## {t('nb.check_all', lang)}", id="chapter-text"))
    cells.append(v4.new_code_cell(f"grader.check({json.dumps(chapter.id)})", id="chapter-check",
                                  metadata={"convgrade": {"role": "check"}}))
    nb = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                       "language": "python"},
        "language_info": {"name": "python"},
        "convgrade": {"chapter": chapter.id, "module": chapter.module,
                      "solutions": bool(solutions), "version": grader.__version__},
    })
    nbformat.validate(nb)
    return nb


def write_notebook(nb: Any, path: Path, force: bool = False) -> None:
    """Write ``nb`` to ``path`` (atomically); never over an existing file unless ``force``."""
    import nbformat

    if path.exists() and not force:
        raise FileExistsError(str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        nbformat.write(nb, handle)
    os.replace(tmp, path)


# == which code is graded =======================================================================

def to_python(source: str) -> str:
    """A cell's source as plain Python: IPython magics and ``!shell`` lines become calls (which
    are not definitions, so grading drops them). Line numbers stay those of the cell."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        if source.lstrip().startswith("%%"):
            return ""
        return "".join(re.sub(r"^(\s*)[%!].*", r"\1pass", line)
                       for line in source.splitlines(keepends=True))
    try:
        python = TransformerManager().transform_cell(source)
    except Exception:  # leave it to the parser to report
        return source
    # IPython drops leading blank lines; put them back so line numbers stay the cell's.
    missing = _leading_blank(source) - _leading_blank(python)
    return "\n" * missing + python if missing > 0 else python


def _leading_blank(text: str) -> int:
    count = 0
    for line in text.splitlines():
        if line.strip():
            break
        count += 1
    return count


def is_definition(node: ast.stmt) -> bool:
    """Kept when grading: imports, functions, classes, and assignments that call nothing
    (``EPS = 1e-6``); a ``try`` made only of such statements (``try: import x except: ...``)."""
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef,
                         ast.ClassDef)):
        return True
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names_only = all(isinstance(n, (ast.Name, ast.Tuple, ast.List, ast.Starred))
                         and all(isinstance(m, (ast.Name, ast.Tuple, ast.List, ast.Starred,
                                                ast.Store))
                                 for m in ast.walk(n))
                         for n in targets)
        return names_only and (node.value is None or _calls_nothing(node.value))
    if isinstance(node, ast.Try):
        blocks = [node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)]
        return all(is_definition(n) or isinstance(n, ast.Pass) for b in blocks for n in b)
    return False


def _calls_nothing(node: ast.AST) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Lambda):
            continue  # a lambda's body runs when it is called, not when it is defined
        if isinstance(current, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
            return False
        stack.extend(ast.iter_child_nodes(current))
    return True


def exec_cells(namespace: dict, cells: list, strict: bool = True,
               support: dict | None = None) -> None:
    """Run the definitions of ``cells`` ((python, shown source, filename) triples) in
    ``namespace``: what the worker does to load a notebook as a chapter module.

    ``strict`` (a saved notebook): a cell that does not compile raises, as a chapter file
    would. Otherwise (a kernel's history) such a cell is skipped, and so is a definition that
    raises, because the kernel skipped them too. ``support``: other chapters' modules that
    have no file in the graded folder (``support_modules``), importable from the cells."""
    import linecache

    if support:
        use_support(support)

    for python, shown, filename in cells:
        try:
            tree = ast.parse(python, filename)
        except SyntaxError:
            if strict:
                raise
            continue
        kept = [node for node in tree.body if is_definition(node)]
        if not kept:
            continue
        # Tracebacks show the learner's own lines.
        linecache.cache[filename] = (len(shown), None, shown.splitlines(keepends=True), filename)
        if strict:
            exec(compile(ast.Module(body=kept, type_ignores=[]), filename, "exec"), namespace)
            continue
        for node in kept:
            try:
                code = compile(ast.Module(body=[node], type_ignores=[]), filename, "exec")
                exec(code, namespace)
            except Exception:
                continue


def module_sources(module: str, cells: list, strict: bool,
                   support: dict | None = None) -> dict[str, tuple[str, str]]:
    """``Worker(sources=...)`` that load ``cells`` as ``module`` (and make ``support``, other
    chapters from the learner's notebooks, importable). The loader line is named as a file of
    the grader, so it never shows in a learner's traceback (the worker counts a relative name
    such as ``<loader>`` as a file of the graded folder)."""
    cells = [tuple(c) for c in cells]
    loader = (f"__import__('grader.notebooks', fromlist=['exec_cells'])"
              f".exec_cells(globals(), {cells!r}, strict={bool(strict)!r}, "
              f"support={_plain_support(support)!r})\n")
    return {module: (loader, str(Path(__file__).with_name("<notebook loader>")))}


def _plain_support(support: dict | None) -> dict:
    return {name: (None if cells is None else [tuple(c) for c in cells], str(file), int(number))
            for name, (cells, file, number) in (support or {}).items()}


def notebook_cells(nb: Any, prefix: str = "") -> list[tuple[str, str, str]]:
    """A saved notebook's code cells, top to bottom, as (python, source, filename); a cell is
    named by its place among the code cells: ``<learner cell 3>`` (``prefix`` names the
    notebook, for another chapter's: ``<learner chapter19_conv.ipynb cell 3>``)."""
    cells = []
    number = 0
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        number += 1
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if source.strip():
            cells.append((to_python(source), source, f"<learner {prefix}cell {number}>"))
    return cells


def history_cells(history: list[str]) -> list[tuple[str, str, str]]:
    """A kernel's input history (``In``), in the order it ran: ``<learner In [7]>``."""
    return [(to_python(src), src, f"<learner In [{i}]>") for i, src in enumerate(history)
            if i > 0 and src and src.strip()]


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


# == other chapters without their file ==========================================================
#
# A notebook opened alone (Colab, plain Jupyter) has no ``exercises/`` to import
# ``chapter19_conv`` from. Such a module then comes from the learner's notebook of that chapter
# in the notebook's folder (its definitions, as for grading), or, when there is none, stands in
# with names that say what to define. The kernel (``setup_notebook``) and the worker
# (``exec_cells``) use the same finder with the same cells, so both see the same code; never
# the solutions.


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


class ChapterFinder:
    """``sys.meta_path`` finder and loader of ``support_modules``' modules."""

    def __init__(self, support: dict, lang: str = "en") -> None:
        self.support = support
        self.lang = lang

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name not in self.support:
            return None
        from importlib.machinery import ModuleSpec

        return ModuleSpec(name, self, origin=self.support[name][1])

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: Any) -> None:
        cells, file, number = self.support[module.__name__]
        module.__file__ = file
        if cells is not None:
            exec_cells(module.__dict__, cells, strict=False)
            return
        lang, name = self.lang, module.__name__

        def __getattr__(attr: str) -> Any:
            if attr.startswith("__") or not attr.isidentifier():
                raise AttributeError(attr)
            from grader.text import t

            message = t("nb.earlier_undefined", lang, name=attr, number=number, module=name)
            # Named as the missing notebook, so the grader counts it as the learner's code
            # that is not written yet (``not_started``, naming ``attr``).
            code = compile(f"def {attr}(*args, **kwargs):\n"
                           f"    raise NotImplementedError({message!r})\n", file, "exec")
            space: dict = {}
            exec(code, space)
            return space[attr]

        module.__getattr__ = __getattr__


def use_support(support: dict, lang: str = "en") -> None:
    """Make ``support``'s modules importable here, in place of those provided before (the
    modules imported from them are dropped, so the next import reads the new ones)."""
    for finder in [f for f in sys.meta_path if isinstance(f, ChapterFinder)]:
        sys.meta_path.remove(finder)
        for name in finder.support:
            sys.modules.pop(name, None)
    for name in support:
        sys.modules.pop(name, None)
    sys.meta_path.insert(0, ChapterFinder(support, lang))


# == grading ====================================================================================

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


# == in a kernel ================================================================================
#
# ``grader.check`` sends plans to one warm verdict process per kernel
# (``grader.service_process``), started by the setup cell: it imports pytest and Hypothesis once
# and keeps its fork server (torch imported once), so a check costs little more than the checks
# themselves. The result comes back as data and is rendered in the kernel.

_STATE: dict[str, Any] = {}


def _kernel_solutions(solutions: bool) -> bool:
    env = os.environ.get("GRADER_SOLUTIONS", "").strip().lower() in ("1", "true", "yes", "on")
    return bool(solutions) or env


def setup_notebook(chapter: str, *, solutions: bool = False) -> None:
    """The notebook's setup cell: remember its chapter, import other chapters from the folder
    the grader will use (the project's ``exercises/``; ``solutions/`` for a notebook made with
    ``--solutions`` or under ``GRADER_SOLUTIONS=1``) so the kernel and the grader agree, and
    start the grader in the background."""
    from grader import catalog as catalog_mod
    from grader.text import default_lang, t

    catalog = catalog_mod.load()
    ch = catalog.chapter(chapter)
    lang = default_lang()
    solutions = _kernel_solutions(solutions)
    here = Path.cwd()
    folder, root = support_folder([here], solutions)
    previous = _STATE.get("path")
    if previous in sys.path:
        sys.path.remove(previous)
    sys.path.insert(0, str(folder))
    support = support_modules(ch, catalog, folder, here)
    use_support(support, lang)
    _STATE.update(chapter=ch.id, folder=str(folder), root=str(root) if root else None,
                  solutions=solutions, path=str(folder), support=support)
    key = "nb.setup_done" if root is not None or solutions else "nb.setup_standalone"
    print(t(key, lang, chapter=ch.id, folder=folder))
    for module, names in chapter_imports(ch, catalog).items():
        if module not in support:
            continue
        cells, file, number = support[module]
        shown = ", ".join(names)
        if cells is not None:
            print(t("nb.earlier_from", lang, names=shown, number=number,
                    notebook=Path(file).name))
        else:
            print(t("nb.earlier_missing", lang, names=shown, number=number, module=module,
                    folder=here))
    if _ipython() is not None:
        _service()  # starts importing now


def check(target: str | None = None, *, lang: str | None = None, device: str = "auto",
          seed: int | None = None) -> None:
    """Grade what this notebook's kernel has defined and print the verdicts.

    ``target``: ``"chapter21.corr2d_multi_in"``, ``"chapter21"`` (default: the chapter of the
    setup cell). The cells the kernel ran (its input history) are graded in a separate process,
    with the same checks and outcomes as ``grader check``."""
    from grader import catalog as catalog_mod
    from grader import report
    from grader.service_process import ServiceDied, ServiceError
    from grader.text import default_lang, t

    lang = lang or default_lang()
    shell = _ipython()
    if shell is None:
        raise RuntimeError(t("nb.not_in_kernel", lang, target=target or "chapterNN"))
    catalog = catalog_mod.load()
    wanted = [target] if target else [_STATE.get("chapter", "")]
    exercises = catalog.resolve(wanted)  # a TargetError names the valid targets
    chapters = {ex.chapter for ex in exercises}
    if len(chapters) != 1:
        raise ValueError(t("nb.one_chapter", lang, targets=", ".join(wanted)))
    chapter = catalog.chapter(chapters.pop())
    if _STATE.get("folder"):
        folder, root, solutions = _STATE["folder"], _STATE["root"], _STATE["solutions"]
        support = _STATE.get("support")
    else:
        solutions = _kernel_solutions(False)
        found, found_root = support_folder([Path.cwd()], solutions)
        folder, root = str(found), str(found_root) if found_root else None
        support = support_modules(chapter, catalog, found, Path.cwd())
    plan = kernel_plan(exercises, chapter,
                       history_cells(list(shell.history_manager.input_hist_raw)),
                       folder=Path(folder), root=Path(root) if root else None,
                       solutions=solutions, device=device, seed=seed, support=support)
    try:
        run = _service().submit(plan)
    except BaseException as exc:  # an interrupted kernel stops the grading too
        _stop_service()
        if isinstance(exc, (ServiceDied, ServiceError)):
            print(t("nb.verdict_failed", lang, code=getattr(exc, "code", 1),
                    detail=str(getattr(exc, "output", "") or exc)[-3000:].strip()))
            return
        raise
    import io

    text = io.StringIO()
    report.print_run(run, lang, out=text, color="NO_COLOR" not in os.environ)
    sys.stdout.write(text.getvalue())
    sys.stdout.flush()


def _service() -> Any:
    """The kernel's verdict process, started when there is none (or the one there was has
    gone). Its working folder is the grader's own: the learner's files are not on its path."""
    from grader.service_process import Service

    service = _STATE.get("service")
    if service is None:
        env = dict(os.environ, PYTHONWARNINGS="ignore")
        service = _STATE["service"] = Service(env, cwd=str(Path(__file__).resolve().parent))
        service.start()
    return service


def _stop_service() -> None:
    service = _STATE.pop("service", None)
    if service is not None:
        service.kill()


def _ipython() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return shell if shell is not None and hasattr(shell, "history_manager") else None
