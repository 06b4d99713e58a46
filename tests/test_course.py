"""The course itself holds together (rustlings' `dev check`): every catalog entry has a check
and every check a catalog entry, every stub is not started, every solution passes."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from grader import catalog
from grader.release import make_stub
from grader.service import check_files
from tests.support import EXERCISES, ROOT, SOLUTIONS, grade

CAT = catalog.load()
PRESENT = [ch for ch in CAT.chapters if (SOLUTIONS / ch.filename).exists()]


def test_catalog_names_are_unique_and_complete():
    names = [ex.qualname for ex in CAT.exercises()]
    assert len(names) == len(set(names))
    for ex in CAT.exercises():
        assert ex.points > 0 and ex.time_budget > 0
        assert ex.hint("en").strip() and ex.hint("zh").strip()
        assert ex.signature.startswith(ex.name + "(")


def _marked_tests(module) -> set[str]:
    """The exercises a check module's tests are marked with (every test must be)."""
    marked = set()
    for name in dir(module):
        obj = getattr(module, name)
        if name.startswith("test_") and callable(obj):
            marks = [m for m in getattr(obj, "pytestmark", []) if m.name == "exercise"]
            assert marks, f"{module.__name__}.{name} has no exercise marker"
            marked.update(m.args[0] for m in marks)
    return marked


@pytest.mark.parametrize("chapter", PRESENT, ids=lambda c: c.id)
def test_every_exercise_has_a_check_and_every_check_an_exercise(chapter):
    """A chapter's checks are a package with one module per exercise, named as the exercise
    (``grader.service.check_files``), whose tests check that exercise only."""
    package = importlib.import_module(chapter.check)
    for ex in chapter.exercises:
        assert check_files(chapter.check, ex.name), f"{ex.qualname} has no check module"
        module = importlib.import_module(f"{chapter.check}.{ex.name}")
        assert module.CHAPTER == chapter.id
        assert _marked_tests(module) == {ex.name}, module.__name__
    names = {ex.name for ex in chapter.exercises}
    for path in Path(package.__path__[0]).glob("*.py"):
        if path.stem != "__init__" and path.stem not in names:  # a shared module: no tests
            module = importlib.import_module(f"{chapter.check}.{path.stem}")
            assert not [n for n in dir(module) if n.startswith("test_")], module.__name__


@pytest.mark.parametrize("chapter", PRESENT, ids=lambda c: c.id)
def test_files_define_every_exercise(chapter):
    for folder in (SOLUTIONS, EXERCISES):
        tree = ast.parse((folder / chapter.filename).read_text("utf-8"))
        defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        assert {ex.name for ex in chapter.exercises} <= defined, folder


@pytest.mark.parametrize("chapter", PRESENT, ids=lambda c: c.id)
def test_stubs_are_generated_from_solutions(chapter):
    solution = (SOLUTIONS / chapter.filename).read_text("utf-8")
    assert (EXERCISES / chapter.filename).read_text("utf-8") == make_stub(solution)


@pytest.mark.slow
def test_every_solution_passes():
    targets = [ch.id for ch in PRESENT]
    out = grade(SOLUTIONS, targets)
    wrong = {k: v for k, v in out.items() if not k.startswith("_") and v[0] != "passed"}
    assert not wrong, wrong
    assert out["_rc"] == 0, out["_stdout"] + out["_stderr"]


@pytest.mark.slow
def test_every_stub_is_not_started():
    targets = [ch.id for ch in PRESENT]
    out = grade(EXERCISES, targets)
    outcomes = {k: v[0] for k, v in out.items() if not k.startswith("_")}
    assert outcomes and set(outcomes.values()) == {"not_started"}, outcomes
    assert out["_rc"] == 1


def test_help_does_not_import_torch():
    import subprocess
    import sys

    code = ("import sys; from grader.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "assert 'torch' not in sys.modules, 'torch imported'\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


def _layout_section() -> str:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme[readme.index("## Layout"):]
    end = section.find("\n## ", 5)
    return section if end == -1 else section[:end]


def test_the_readme_layout_matches_the_code():
    """Every path the README's layout names exists (``<chapter>``-style parts stand for any
    name), and every module and package of ``grader/`` is named there."""
    import re

    section = _layout_section()
    named = set(re.findall(r"`([^`\s]+)`", section))
    for row in re.findall(r"^\| `([^`]+)` \|", section, re.M):
        if row == ".grader/":  # learner state, made by the first run
            continue
        pattern = re.sub(r"<[a-z]+>", "*", row.rstrip("/"))
        assert list(ROOT.glob(pattern)), f"the layout names {row}, which is not there"
    grader_dir = ROOT / "grader"
    for path in sorted(grader_dir.iterdir()):
        if path.name.startswith(("_", ".")) or path.suffix not in (".py", ".toml", ""):
            continue
        name = path.name + ("/" if path.is_dir() else "")
        assert name in named or f"grader/{name}" in named or any(
            n.startswith(f"grader/{name}") for n in named), f"the layout does not name {name}"
    for module in [n for n in named if n.endswith(".py") and "/" not in n and "NN" not in n]:
        assert list(ROOT.glob(f"**/{module}")), f"the layout names {module}, which is not there"
