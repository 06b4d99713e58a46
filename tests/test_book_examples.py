"""The book's examples are one list (issue 17): an exercise's check module holds them as
``BOOK_EXAMPLES`` (``grader/checks/book.py``), and the reference's and the stub's docstrings
show exactly those examples, and the reference gives what they show (run as doctests)."""

from __future__ import annotations

import ast
import doctest
import importlib
import importlib.util
import sys

import pytest

from grader import catalog
from grader.checks import book
from grader.service import check_files
from tests.support import EXERCISES, SOLUTIONS


def _with_examples() -> list:
    out = []
    for chapter in catalog.load().chapters:
        for ex in chapter.exercises:
            if check_files(chapter.check, ex.name):
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
def test_the_reference_gives_what_the_examples_show(chapter, ex, text, monkeypatch):
    # a chapter's reference imports an earlier one (``from chapter19_conv import corr2d``)
    monkeypatch.syspath_prepend(str(SOLUTIONS))
    for earlier in catalog.load().chapters:
        monkeypatch.delitem(sys.modules, earlier.module, raising=False)
    spec = importlib.util.spec_from_file_location(f"_ref_{chapter.module}",
                                                  SOLUTIONS / chapter.filename)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    test = doctest.DocTestParser().get_doctest(text, dict(vars(module)), ex.qualname,
                                               None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0


#: Exercises whose docstring shows examples no check can run, and why.
NOT_RUNNABLE = {"chapter23.train": "the book's run: Fashion-MNIST on a GPU for 10 epochs"}


def test_every_exercise_with_examples_in_its_docstring_checks_them():
    """An exercise whose reference docstring shows ``>>>`` examples keeps them as its check
    module's BOOK_EXAMPLES (so the docstring and the check cannot drift apart)."""
    checked = {ex.qualname for _, ex, _ in CASES}
    shown = set()
    for chapter in catalog.load().chapters:
        for ex in chapter.exercises:
            if book.examples(_docstring(SOLUTIONS / chapter.filename, ex.name)):
                shown.add(ex.qualname)
    assert sorted(shown - checked - set(NOT_RUNNABLE)) == []
    assert set(NOT_RUNNABLE) <= shown - checked
