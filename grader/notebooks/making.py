"""Making a notebook from a chapter file (``grader notebook``).

The chapter file is split with ``ast`` into teaching text (module and exercise docstrings, as
markdown), a setup cell (the file's imports), one code cell per exercise (the stub from
``release.make_stub`` of the solution, or the reference) and a check cell
``grader.check("chapterNN.<exercise>")``.
"""

from __future__ import annotations

import ast
import json
import os
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A chapter's key formulas, as LaTeX display maths for the notebook's formula cell.
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

_SOLUTION_MARKER = re.compile(r"^\s*# (BEGIN|END) SOLUTION\s*$")


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

