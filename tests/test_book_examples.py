"""The book's examples are one list (issue 17): an exercise's check module holds them as
``BOOK_EXAMPLES`` (``grader/checks/book.py``), and the reference's and the stub's docstrings
show exactly those examples, and the reference gives what they show (run as doctests)."""

from __future__ import annotations

import ast
import doctest
import importlib
import importlib.util

import pytest

from grader import catalog
from grader.checks import book
from grader.service import check_files
from tests.support import EXERCISES, SOLUTIONS


def _with_examples() -> list:
    out = []
    for chapter in catalog.load().chapters:
        for ex in chapter.exercises:
            files = check_files(chapter.check, ex.name)
            if files and files[0].endswith(f"{ex.name}.py"):
                module = importlib.import_module(f"{chapter.check}.{ex.name}")
                if getattr(module, "BOOK_EXAMPLES", None):
                    out.append((chapter, ex, module.BOOK_EXAMPLES))
    return out


CASES = _with_examples()


def _docstring(path, name: str) -> str:
    tree = ast.parse(path.read_text("utf-8"))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name:
            return ast.get_docstring(node, clean=True) or ""
    raise LookupError(f"{path.name} defines no {name}")


@pytest.mark.parametrize("chapter, ex, text", CASES, ids=lambda c: getattr(c, "qualname", ""))
def test_the_docstrings_show_the_checked_examples(chapter, ex, text):
    for folder in (SOLUTIONS, EXERCISES):
        shown = _docstring(folder / chapter.filename, ex.name)
        assert book.same_examples(shown, text), (folder.name, shown)


@pytest.mark.parametrize("chapter, ex, text", CASES, ids=lambda c: getattr(c, "qualname", ""))
def test_the_reference_gives_what_the_examples_show(chapter, ex, text):
    spec = importlib.util.spec_from_file_location(f"_ref_{chapter.module}",
                                                  SOLUTIONS / chapter.filename)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    test = doctest.DocTestParser().get_doctest(text, dict(vars(module)), ex.qualname,
                                               None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0


def test_the_examples_are_found():
    """Until every chapter's checks are one module per exercise, at least the converted ones:
    an exercise module that had examples and lost them fails the docstring test above."""
    assert all(book.examples(text) for _, _, text in CASES)
