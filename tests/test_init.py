"""``grader init`` and ``grader.course_files``: a fresh course folder from the installed package,
never overwriting, clear messages for bad input; every solutions folder found is masked."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from grader import catalog, cli, course_files, text
from grader import project as project_mod
from grader.worker import ForbiddenFile, _Worker
from tests.support import EXERCISES, ROOT, SOLUTIONS

CHAPTER_FILES = sorted(ch.filename for ch in catalog.load().chapters)


def _init(*args: str, cwd, lang: str = "en") -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GRADER_SOLUTIONS", None)
    return subprocess.run([sys.executable, "-m", "grader", "--lang", lang, "init", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_init_writes_a_course_folder_and_never_overwrites(tmp_path):
    proc = _init("course", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    course = tmp_path / "course"
    assert sorted(p.name for p in (course / "exercises").iterdir()) == CHAPTER_FILES
    for name in CHAPTER_FILES:  # the installed stubs (here: the checkout's), byte for byte
        assert (course / "exercises" / name).read_bytes() == (EXERCISES / name).read_bytes()
    assert (course / ".gitignore").read_text() == ".grader/\n"
    assert "6 written, 0 kept" in proc.stdout and "cd course && grader check chapter19" in \
        proc.stdout

    mine = course / "exercises" / "chapter19_conv.py"
    mine.write_text("# my work\n")
    (course / "exercises" / "chapter22_pooling.py").unlink()
    proc = _init("course", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert mine.read_text() == "# my work\n"
    assert "1 written, 5 kept" in proc.stdout
    assert "kept  course/exercises/chapter19_conv.py" in proc.stdout
    assert (course / "exercises" / "chapter22_pooling.py").is_file()


def test_init_in_the_current_folder_keeps_a_gitignore_and_says_what_to_add(tmp_path):
    (tmp_path / ".gitignore").write_text("*.pyc\n")
    proc = _init(cwd=tmp_path, lang="zh")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / ".gitignore").read_text() == "*.pyc\n"
    assert "`.grader/`" in proc.stdout and "保留" in proc.stdout
    assert "下一步：grader check chapter19" in proc.stdout  # no cd: it is here
    assert len(list((tmp_path / "exercises").iterdir())) == len(CHAPTER_FILES)


@pytest.mark.parametrize("lang, text", [("en", "exists and is not a folder"),
                                        ("zh", "已存在且不是文件夹")])
def test_init_into_a_file_is_a_usage_error(tmp_path, lang, text):
    (tmp_path / "notes.txt").write_text("x")
    proc = _init("notes.txt", cwd=tmp_path, lang=lang)
    assert proc.returncode == 2 and text in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert (tmp_path / "notes.txt").read_text() == "x"


def test_init_that_cannot_write_says_which_file(tmp_path):
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "exercises").write_text("a file where the folder should be")
    proc = _init("course", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "could not write course/exercises/chapter19_conv.py" in proc.stderr
    assert "incomplete: 5 file(s)" in proc.stderr and "Traceback" not in proc.stderr
    assert (tmp_path / "course" / ".gitignore").is_file()  # the rest is still written


def test_init_without_installed_course_files_says_how_to_get_them(tmp_path, monkeypatch,
                                                                   capsys):
    monkeypatch.setattr(course_files, "installed_course", lambda: None)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["--lang", "en", "init", "course"]) == 1
    err = capsys.readouterr().err
    assert "has no course files" in err and "reinstall" in err
    assert not (tmp_path / "course").exists()
    assert text.sentences("zh")["init.no_course"]  # and in Chinese


def test_course_files_from_a_checkout():
    assert course_files.installed_course() == ROOT  # this editable checkout, no grader/course
    assert course_files.installed_solutions() == ROOT / "solutions"
    assert course_files.masked_solutions(ROOT) == [SOLUTIONS.resolve()]  # one, not twice


def test_course_files_prefer_a_wheels_course_and_mask_every_solutions_folder(tmp_path,
                                                                              monkeypatch):
    packaged = tmp_path / "site-packages" / "grader" / "course"
    for folder in course_files.COURSE_FOLDERS:
        (packaged / folder).mkdir(parents=True)
    monkeypatch.setattr(course_files, "PACKAGED", packaged)
    project = tmp_path / "project"
    (project / "exercises").mkdir(parents=True)
    assert course_files.installed_course() == packaged
    # a folder made by `grader init` has no solutions/: commands read the installed ones
    assert course_files.solutions_folder(project) == packaged / "solutions"
    (project / "solutions").mkdir()
    assert course_files.solutions_folder(project) == project / "solutions"
    assert course_files.masked_solutions(project) == [
        (project / "solutions").resolve(), (packaged / "solutions").resolve(),
        SOLUTIONS.resolve()]
    assert project_mod.solutions_dirs(None) == (str((packaged / "solutions").resolve()),
                                               str(SOLUTIONS.resolve()))


def test_the_worker_masks_every_forbidden_folder(tmp_path):
    first, second = tmp_path / "a" / "solutions", tmp_path / "b" / "solutions"
    for folder in (first, second):
        folder.mkdir(parents=True)
        (folder / "chapter19_conv.py").write_text("")
    worker = _Worker(str(tmp_path), None, [str(first), str(second)])
    worker.audit("open", (str(tmp_path / "mine.py"), "r", 0))  # anything else: allowed
    with pytest.raises(ForbiddenFile):
        worker.audit("open", (str(second / "chapter19_conv.py"), "r", 0))
    assert "solutions/chapter19_conv.py" in worker.forbidden_hit["call"]


def test_version_comes_from_one_place(capsys):
    import grader

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"convgrade {grader.__version__}"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "grader.__version__"}
