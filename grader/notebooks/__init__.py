"""Chapters as Jupyter notebooks, graded in place. The parts, in the order data flows:

- ``making``: a notebook from a chapter file (``grader notebook``): teaching text, a setup
  cell, one code cell per exercise and a check cell after each.
- ``cells``: which code is graded: a notebook's code cells (a saved ``.ipynb``, or a kernel's
  input history) become the chapter's module in the isolated worker, definitions only.
- ``other_chapters``: which chapter a notebook holds, and where the chapters it imports come
  from (a folder, else the learner's other notebooks).
- ``grading``: plans for a saved notebook, a submission's notebooks and a kernel's cells.
- ``kernel``: ``grader.setup_notebook`` and ``grader.check``, which sends the kernel's cells to
  a verdict process, so that pytest, Hypothesis and the learner's code never run inside the
  learner's kernel.

Nothing here imports anything heavy at the top: the worker imports ``cells`` to run cells.
The names below are the package's for its callers; its modules import one another by their
own names, never through this package.
"""

from grader.notebooks.cells import (
    ChapterFinder,
    exec_cells,
    history_cells,
    is_definition,
    module_sources,
    notebook_cells,
    to_python,
    use_support,
)
from grader.notebooks.grading import (
    kernel_plan,
    notebook_plan,
    submission_notebooks,
    submission_sources,
)
from grader.notebooks.kernel import check, setup_notebook
from grader.notebooks.making import (
    FORMULAS,
    Part,
    build_notebook,
    chapter_sources,
    docstring_markdown,
    install_cell,
    notebook_source,
    split_chapter,
    wheel_name,
    write_notebook,
)
from grader.notebooks.other_chapters import (
    chapter_imports,
    notebook_chapter,
    notebook_of,
    support_folder,
    support_modules,
)

__all__ = [
    "FORMULAS", "ChapterFinder", "Part", "build_notebook", "chapter_imports", "chapter_sources",
    "check", "docstring_markdown", "exec_cells", "history_cells", "install_cell",
    "is_definition", "kernel_plan", "module_sources", "notebook_cells", "notebook_chapter",
    "notebook_of", "notebook_plan", "notebook_source", "setup_notebook", "split_chapter",
    "submission_notebooks", "submission_sources", "support_folder", "support_modules",
    "to_python", "use_support", "wheel_name", "write_notebook",
]
