"""The course itself holds together (rustlings' `dev check`): every catalog entry has a check
and every check a catalog entry, every stub is not started, every solution passes."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from grader import catalog
from grader.release import make_stub
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


def _checks(module) -> dict[str, str]:
    """{test name: the exercise its marker names} of one check module."""
    out = {}
    for name in dir(module):
        obj = getattr(module, name)
        if name.startswith("test_") and callable(obj):
            marks = [m for m in getattr(obj, "pytestmark", []) if m.name == "exercise"]
            assert marks, f"{module.__name__}.{name} has no exercise marker"
            out[name] = marks[0].args[0]
    return out


@pytest.mark.parametrize("chapter", PRESENT, ids=lambda c: c.id)
def test_every_exercise_has_a_check_and_every_check_an_exercise(chapter):
    """A chapter's checks are one module, or a package of one module per exercise named as
    the exercise (its checks mark only that exercise) and shared modules without checks."""
    module = importlib.import_module(chapter.check)
    if not hasattr(module, "__path__"):
        assert module.CHAPTER == chapter.id
        assert set(_checks(module).values()) == {ex.name for ex in chapter.exercises}
        return
    names = {ex.name for ex in chapter.exercises}
    for path in sorted(Path(module.__file__).parent.glob("*.py")):
        if path.stem == "__init__":
            continue
        own = importlib.import_module(f"{chapter.check}.{path.stem}")
        marked = set(_checks(own).values())
        if path.stem in names:
            assert own.CHAPTER == chapter.id
            assert marked == {path.stem}, path
        else:  # a shared module: a check there would never run
            assert marked == set(), path
    assert all((Path(module.__file__).parent / f"{name}.py").is_file() for name in names)


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
