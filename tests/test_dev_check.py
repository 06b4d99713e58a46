"""``grader dev check`` proves the course in a source checkout: it passes on a copy of this
repository's course, fails naming the problem when a stub is solved, a stray file is added or
a catalog entry has no check, and refuses to run outside a checkout. One chapter is graded, in
this process (chapter 22: its three exercises import nothing from other chapters)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from grader import catalog, cli
from grader.commands import dev
from tests.support import ROOT

CHAPTER = "chapter22"
POOLING = "chapter22_pooling.py"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the course's files: exercises/, solutions/, the chapter suites of tests/ and
    pyproject.toml (the catalog, checks and texts are the running grader's)."""
    root = tmp_path / "course"
    for folder in ("exercises", "solutions"):
        shutil.copytree(ROOT / folder, root / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    (root / "tests").mkdir()
    for suite in ROOT.glob("tests/test_chapter*.py"):
        shutil.copy(suite, root / "tests" / suite.name)
    if (ROOT / "tests" / "variants").is_dir():
        shutil.copytree(ROOT / "tests" / "variants", root / "tests" / "variants")
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    (root / "grader").mkdir()
    return root


def dev_check(root: Path, *targets: str, lang: str = "en") -> int:
    return cli.main(["--lang", lang, "dev", "check", "--root", str(root), *targets])


def test_the_course_is_sound(checkout, capsys):
    assert dev_check(checkout, CHAPTER) == 0
    out = capsys.readouterr().out
    assert out.strip() == "The course is sound: every exercise proven (3 in all)."


@pytest.mark.slow
def test_this_repository_passes_its_own_dev_check(capsys):
    """The gate itself, on the whole course (what CI runs: ``grader dev check``)."""
    assert dev_check(ROOT) == 0, capsys.readouterr().out
    count = len(catalog.load().exercises())
    assert capsys.readouterr().out.strip() == \
        f"The course is sound: every exercise proven ({count} in all)."


def test_a_solved_stub_is_named_read_and_graded(checkout, capsys):
    shutil.copy(checkout / "solutions" / POOLING, checkout / "exercises" / POOLING)
    (checkout / "exercises" / "README.md").write_text("a README is welcome\n")
    assert dev_check(checkout, f"{CHAPTER}.max_pool2d") == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "chapter22.max_pool2d: the stub in exercises/chapter22_pooling.py does not raise "
        "NotImplementedError: is it solved?",
        "chapter22.max_pool2d: the stub in exercises/chapter22_pooling.py is graded passed, "
        "not not started",
        "Problems in the course: 2.",
    ]


def test_stray_files_are_named(checkout, capsys):
    (checkout / "exercises" / "scratch.py").write_text("x = 1\n")
    (checkout / "solutions" / "old").mkdir()
    (checkout / "solutions" / "__pycache__").mkdir(exist_ok=True)  # Python's, not stray
    problems = dev.check_course(checkout, catalog.load().resolve([CHAPTER]), grade=False)
    why = ("a stray file: exercises/ and solutions/ hold only the chapter files of the catalog "
           "(catalog.toml), __init__.py and READMEs")
    assert [p.text("en") for p in problems] == [f"exercises/scratch.py: {why}",
                                               f"solutions/old: {why}"]
    assert dev_check(checkout, f"{CHAPTER}.pool2d") == 1
    assert "exercises/scratch.py: a stray file" in capsys.readouterr().out


def test_a_catalog_entry_without_a_check_is_named(checkout, capsys, monkeypatch):
    """A catalog with one exercise more in chapter 22 than its checks know: its stub and
    solution are there, so only the check (and what comes of it) is missing."""
    real = catalog.load()
    chapter = real.chapter(CHAPTER)
    ghost = dataclasses.replace(chapter.exercises[0], name="pool_ghost")
    fake = catalog.Catalog(tuple(
        dataclasses.replace(ch, exercises=(*ch.exercises, ghost)) if ch.id == CHAPTER else ch
        for ch in real.chapters))
    monkeypatch.setattr(catalog, "load", lambda: fake)
    for folder in ("exercises", "solutions"):
        path = checkout / folder / POOLING
        body = "raise NotImplementedError" if folder == "exercises" else "return X"
        path.write_text(path.read_text("utf-8") + f"\n\ndef pool_ghost(X):\n    {body}\n")
    (checkout / "tests" / "test_chapter22.py").write_text(
        (checkout / "tests" / "test_chapter22.py").read_text("utf-8") + "\n# pool_ghost\n")
    problems = dev.check_course(checkout, [ghost], grade=False)
    texts = [p.text("en") for p in problems]
    assert "chapter22.pool_ghost: no check in grader.checks.chapter22 is marked " \
        'exercise("pool_ghost")' in texts
    assert "chapter22.pool_ghost: no hints in zh (chapter22.pool_ghost.hints)" in texts
    assert all(t.startswith("chapter22.pool_ghost: ") for t in texts)
    graded = dev.graded_problems(checkout, [ghost])  # the solution cannot pass: nothing checks it
    assert [(p.key, p.data["name"]) for p in graded] == [
        ("dev.stub_graded", "chapter22.pool_ghost"), ("dev.solution_graded",
                                                      "chapter22.pool_ghost")]
    assert "no check ran" in graded[1].text("en")


def test_a_removed_stub_a_missing_variant_and_a_check_for_no_entry(checkout, monkeypatch):
    real = catalog.load()
    fake = catalog.Catalog(tuple(
        dataclasses.replace(ch, exercises=tuple(ex for ex in ch.exercises
                                                if ex.name != "avg_pool2d"))
        if ch.id == CHAPTER else ch for ch in real.chapters))
    monkeypatch.setattr(catalog, "load", lambda: fake)
    problems = dev.check_course(checkout, fake.resolve([CHAPTER]), grade=False)
    assert [p.text("en") for p in problems] == [
        'grader.checks.chapter22: checks are marked exercise("avg_pool2d"), which the catalog '
        "(catalog.toml) does not have"]
    monkeypatch.setattr(catalog, "load", lambda: real)
    path = checkout / "exercises" / POOLING
    path.write_text(path.read_text("utf-8").replace("def max_pool2d(", "def max_pool2d_old("))
    without_variants(checkout)
    problems = dev.check_course(checkout, real.resolve([f"{CHAPTER}.max_pool2d"]), grade=False)
    assert [p.key for p in problems] == ["dev.not_defined", "dev.no_variants"]
    assert problems[0].text("en") == \
        "chapter22.max_pool2d: exercises/chapter22_pooling.py defines no max_pool2d"


def without_variants(checkout: Path) -> None:
    """Chapter 22's variants gone: its own files and the chapter suite alike."""
    shutil.rmtree(checkout / "tests" / "variants" / CHAPTER, ignore_errors=True)
    (checkout / "tests" / "test_chapter22.py").write_text("")


def test_variants_in_their_own_file_count(checkout):
    without_variants(checkout)
    assert not dev.has_variants(checkout, CHAPTER, "pool2d")
    (checkout / "tests" / "variants" / CHAPTER).mkdir(parents=True)
    (checkout / "tests" / "variants" / CHAPTER / "pool2d.py").write_text("VARIANTS = []\n")
    assert dev.has_variants(checkout, CHAPTER, "pool2d")
    (checkout / "tests" / "test_chapter22.py").write_text("# max_pool2d_old\n")
    assert not dev.has_variants(checkout, CHAPTER, "max_pool2d")  # a whole name only


def test_not_started_is_read_from_the_stub():
    import ast

    def node(source):
        return ast.parse(source).body[0]

    assert dev.raises_not_implemented(node("def f(x):\n    raise NotImplementedError\n"))
    assert dev.raises_not_implemented(node("def f(x):\n    # TODO\n    raise "
                                           "NotImplementedError('write me')\n"))
    assert dev.raises_not_implemented(node("class C:\n    def __init__(self):\n"
                                           "        raise NotImplementedError\n"))
    assert not dev.raises_not_implemented(node("def f(x):\n    return x\n"))
    assert not dev.raises_not_implemented(node("def f(x):\n    raise ValueError\n"))
    assert not dev.raises_not_implemented(node("class C:\n    x = NotImplementedError\n"))


def test_outside_a_source_checkout_it_exits_2_saying_what_is_missing(tmp_path, capsys,
                                                                     monkeypatch):
    (tmp_path / "exercises").mkdir()
    assert dev_check(tmp_path) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path} is not a source checkout of the course" in err
    assert "missing: grader, solutions, tests, pyproject.toml" in err
    monkeypatch.chdir(tmp_path)
    assert cli.main(["--lang", "zh", "dev", "check"]) == 2
    assert "不是课程的源码检出" in capsys.readouterr().err


def test_the_checkout_is_found_upward_from_here(checkout, monkeypatch):
    (checkout / "exercises" / "deep").mkdir()
    assert dev.find_checkout(checkout / "exercises" / "deep") == checkout.resolve()


def test_an_unknown_target_is_a_usage_error(checkout, capsys):
    assert dev_check(checkout, "chapter99") == 2
    assert "unknown target 'chapter99'" in capsys.readouterr().err


def test_a_name_the_catalog_holds_twice_is_named(checkout, monkeypatch):
    real = catalog.load()
    twice = catalog.Catalog(tuple(
        dataclasses.replace(ch, exercises=(*ch.exercises, ch.exercises[0]))
        if ch.id == CHAPTER else ch for ch in real.chapters))
    assert [p.text("en") for p in dev.duplicate_names(twice)] == [
        "chapter22.pool2d: the catalog (catalog.toml) names it more than once"]
    assert dev.duplicate_names(real) == []
