"""A notebook's code cells as a chapter module: which code is graded, and how it is run.

A notebook's code cells, in order (a saved ``.ipynb``) or in the order the kernel ran them
(IPython's input history, for ``grader.check`` in a kernel), become the chapter's module in the
isolated worker (``Worker(sources=...)``). Only *definitions* are kept: imports, functions,
classes, and assignments that call nothing. Examples, prints, training runs and check cells stay
in the notebook. Each cell keeps its own name (``<learner cell 3>`` in a file, ``<learner In
[7]>`` in a kernel) and line numbers, so tracebacks point into the learner's cell. In a kernel,
cells that did not compile are skipped and a definition that raised is skipped, as the kernel
itself did; in a saved notebook a syntax error is reported, as for a chapter file.

Another chapter without its file (a notebook opened alone) is a module made of the learner's
notebook of that chapter, or one whose names say what to define: ``ChapterFinder``, installed
by ``use_support`` in the worker (``exec_cells``) and in the kernel (``setup_notebook``) alike,
so both see the same code; never the solutions. ``grader.notebooks.other_chapters`` finds them.

This module imports nothing heavy at the top: the worker imports it to run cells.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path
from typing import Any

#: Where the loader line of a notebook's module says it is: a file of the grader (not of the
#: graded folder), so it never shows in a learner's traceback.
LOADER_FILE = str(Path(__file__).parents[1] / "<notebook loader>")


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
    loader = (f"__import__('grader.notebooks.cells', fromlist=['exec_cells'])"
              f".exec_cells(globals(), {cells!r}, strict={bool(strict)!r}, "
              f"support={_plain_support(support)!r})\n")
    return {module: (loader, LOADER_FILE)}


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

