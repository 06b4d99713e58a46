"""``grader release``: stubs come from solutions/ only, --check catches drift (file and line), and
a learner's edited file is never overwritten without --force (which keeps a backup)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from grader import cli
from grader.commands.release import first_difference
from grader.release import make_stub
from tests.support import EXERCISES, ROOT, SOLUTIONS

CH19 = "chapter19_conv.py"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project with chapter 19's solution only; the current folder is its root."""
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / CH19).write_bytes((SOLUTIONS / CH19).read_bytes())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def release(capsys, *args: str) -> tuple[int, str]:
    rc = cli.main(["--lang", "en", "release", *args])
    out = capsys.readouterr()
    return rc, out.out + out.err


def test_check_passes_on_the_project():
    """The project's own exercises/ is exactly what its solutions/ generate."""
    proc = subprocess.run([sys.executable, "-m", "grader", "--lang", "en", "release", "--check"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "match solutions/" in proc.stdout


def test_generates_the_committed_stub_and_notes_missing_chapters(project, capsys):
    rc, out = release(capsys)
    assert rc == 0, out
    stub = (project / "exercises" / CH19).read_text("utf-8")
    assert stub == (EXERCISES / CH19).read_text("utf-8")
    assert "raise NotImplementedError" in stub and "# BEGIN SOLUTION" not in stub
    # chapters 20-23 have no solution file in this project: a note each, not an error
    for chapter in ("chapter20", "chapter21", "chapter22", "chapter23"):
        assert f"{chapter} skipped" in out
    rc, out = release(capsys, "--check")
    assert rc == 0 and "1 stub file(s)" in out, out


def test_check_names_file_and_first_differing_line(project, capsys):
    assert release(capsys)[0] == 0
    stub = project / "exercises" / CH19
    lines = stub.read_text("utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, 1) if "raise NotImplementedError" in line)
    lines[number - 1] = lines[number - 1].replace("raise NotImplementedError", "return 0")
    stub.write_text("".join(lines), "utf-8")
    rc, out = release(capsys, "--check")
    assert rc == 1
    assert f"exercises/{CH19}:{number}:" in out
    assert "raise NotImplementedError" in out and "return 0" in out
    assert stub.read_text("utf-8") == "".join(lines)  # --check writes nothing


def test_check_fails_on_a_missing_stub(project, capsys):
    (project / "exercises").mkdir()
    rc, out = release(capsys, "--check")
    assert rc == 1 and f"exercises/{CH19}: missing" in out


def test_edited_file_is_refused_then_forced_with_a_backup(project, capsys):
    assert release(capsys)[0] == 0
    stub = project / "exercises" / CH19
    mine = stub.read_text("utf-8").replace("raise NotImplementedError", "return None  # mine", 1)
    stub.write_text(mine, "utf-8")

    rc, out = release(capsys)
    assert rc == 1
    assert f"exercises/{CH19}" in out and "not overwritten" in out and "--force" in out
    assert stub.read_text("utf-8") == mine

    rc, out = release(capsys, "--force")
    assert rc == 0, out
    backups = list((project / ".grader" / "backups").glob(f"*/{CH19}"))
    assert len(backups) == 1 and backups[0].read_text("utf-8") == mine
    assert str(backups[0].relative_to(project)) in out
    assert stub.read_text("utf-8") == make_stub((SOLUTIONS / CH19).read_text("utf-8"))


def test_new_chapters_are_added_beside_refused_ones(project, capsys):
    """A learner's edited chapter stays; a chapter released later still arrives."""
    out_dir = project / "exercises"
    out_dir.mkdir()
    (out_dir / CH19).write_text("# my work\n", "utf-8")
    other = "chapter20_padding_stride.py"
    (project / "solutions" / other).write_text(
        '"""Chapter 20."""\n\n\ndef f():\n    """Doc."""\n    # BEGIN SOLUTION\n'
        "    return 1\n    # END SOLUTION\n", "utf-8")
    rc, out = release(capsys)
    assert rc == 1
    assert (out_dir / CH19).read_text("utf-8") == "# my work\n"
    assert (out_dir / other).read_text("utf-8") == (
        '"""Chapter 20."""\n\n\ndef f():\n    """Doc."""\n    # TODO: your code here\n'
        "    raise NotImplementedError\n")


def test_out_folder(project, tmp_path_factory, capsys):
    target = tmp_path_factory.mktemp("released")
    rc, out = release(capsys, "--out", str(target))
    assert rc == 0 and (target / CH19).is_file()
    assert not (project / "exercises").exists()


def test_a_solution_without_markers_is_never_published(project, capsys):
    (project / "solutions" / CH19).write_text("def corr2d(X, K):\n    return X\n", "utf-8")
    rc, out = release(capsys)
    assert rc == 1 and "BEGIN SOLUTION" in out
    assert not (project / "exercises" / CH19).exists()
    rc, out = release(capsys, "--check")
    assert rc == 1


def test_broken_markers_are_named_with_file_and_line(project, capsys):
    (project / "solutions" / CH19).write_text(
        "def f():\n    # BEGIN SOLUTION\n    return 1\n", "utf-8")
    rc, out = release(capsys)
    assert rc == 1 and f"solutions/{CH19}:2:" in out and "never closed" in out


def test_usage_errors(project, capsys):
    assert release(capsys, "--check", "--force")[0] == 2


def test_chinese_output(project, capsys):
    rc = cli.main(["--lang", "zh", "release", "--check"])
    out = capsys.readouterr().out
    assert rc == 1 and "缺失" in out


def test_first_difference():
    assert first_difference("a\nb\n", "a\nb\n") is None
    diff = first_difference("a\nb\nc\n", "a\nB\nc\n")
    assert (diff.line, diff.expected, diff.found) == (2, "b\n", "B\n")
    diff = first_difference("a\nb\n", "a\n")
    assert (diff.line, diff.expected, diff.found) == (2, "b\n", None)
    diff = first_difference("a\n", "a\nextra\n")
    assert (diff.line, diff.expected, diff.found) == (2, None, "extra\n")
    diff = first_difference("a\nb\n", "a\r\nb\r\n")  # line endings count
    assert diff.line == 1
