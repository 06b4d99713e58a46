"""``grader grade``: a class graded in parallel, each submission isolated and deterministic;
results.json per student, gradebook.csv, summary and JUnit. Chapter 19 only, to stay fast."""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest

from grader import catalog, cli, notebooks
from grader.outcomes import OUTCOMES
from grader.submission import chapter_folder, grade_submission
from tests.support import EXERCISES, SOLUTIONS, make_folder

CAT = catalog.load()
CH19 = [ex.qualname for ex in CAT.chapter("chapter19").exercises]
POINTS = {ex.qualname: ex.points for ex in CAT.chapter("chapter19").exercises}
MODULE = "chapter19_conv"
WRONG_EDGE = {"edge_kernel": """
def edge_kernel():
    return torch.tensor([[-1.0, 1.0]])
"""}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """alice: the solutions; bob: fresh stubs; carol and erin: the same one-exercise bug;
    dave: the solutions as a notebook (graded from its cells). Graded once, two at a time."""
    base = tmp_path_factory.mktemp("class")
    subs = base / "submissions"
    make_folder(subs / "alice", MODULE)
    make_folder(subs / "bob", MODULE, base=EXERCISES)
    make_folder(subs / "carol", MODULE, WRONG_EDGE)
    make_folder(subs / "erin" / "upload", MODULE, WRONG_EDGE)  # a zipped folder, unpacked
    ch19 = CAT.chapter("chapter19")
    nb = notebooks.build_notebook(ch19, (SOLUTIONS / ch19.filename).read_text("utf-8"),
                                  solutions=True)
    notebooks.write_notebook(nb, subs / "dave" / "chapter19_conv.ipynb")
    out = base / "out"
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GRADER_SOLUTIONS", None)
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "--lang", "en", "grade", str(subs), "chapter19",
         "--out", str(out), "--jobs", "2", "--junit", str(out / "junit.xml")],
        capture_output=True, text=True, timeout=900, env=env, cwd=base)
    return proc, out


def _results(out, student):
    return json.loads((out / student / "results.json").read_text("utf-8"))


@pytest.mark.slow
def test_gradebook_scores_are_correct_and_ordered(graded):
    proc, out = graded
    assert proc.returncode == 0, proc.stdout + proc.stderr  # every submission was graded
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["student", *CH19, "score", "max_score"]
    by = {row["student"]: row for row in rows}
    assert [row["student"] for row in rows] == ["alice", "bob", "carol", "dave", "erin"]
    assert {s: by[s]["score"] for s in by} == {"alice": "8", "bob": "0", "carol": "7",
                                               "dave": "8", "erin": "7"}
    assert all(row["max_score"] == "8" for row in rows)
    assert float(by["alice"]["score"]) > float(by["carol"]["score"]) > float(by["bob"]["score"])
    assert by["carol"]["chapter19.edge_kernel"] == "0"
    assert by["carol"]["chapter19.learn_kernel"] == "2"  # points from the catalog


@pytest.mark.slow
def test_results_json_per_student_follow_the_contract(graded):
    _, out = graded
    for student in ("alice", "bob", "carol", "dave", "erin"):
        data = _results(out, student)
        assert set(data) >= {"score", "max_score", "execution_time", "tests"}
        assert [t["name"] for t in data["tests"]] == CH19
        for test in data["tests"]:
            assert test["max_score"] == POINTS[test["name"]]
            assert test["status"] in ("passed", "failed")
            assert test["extra_data"]["outcome"] in OUTCOMES
            assert (test["status"] == "passed") == (test["extra_data"]["outcome"] == "passed")
        assert data["score"] == sum(t["score"] for t in data["tests"])
    assert {t["extra_data"]["outcome"] for t in _results(out, "bob")["tests"]} == {"not_started"}


@pytest.mark.slow
def test_same_submission_same_verdict(graded):
    _, out = graded
    carol, erin = _results(out, "carol"), _results(out, "erin")
    assert [(t["name"], t["score"], t["extra_data"]["outcome"], t["output"])
            for t in carol["tests"]] == \
        [(t["name"], t["score"], t["extra_data"]["outcome"], t["output"]) for t in erin["tests"]]


@pytest.mark.slow
def test_summary_per_exercise(graded):
    proc, out = graded
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert (summary["students"], summary["graded"], summary["max_score"]) == (5, 5, 8)
    assert summary["not_graded"] == []
    rows = {row["name"]: row for row in summary["exercises"]}
    assert list(rows) == CH19
    edge = rows["chapter19.edge_kernel"]
    assert (edge["passed"], edge["graded"]) == (2, 5)
    assert edge["most_common_failure"] == {"outcome": "failed", "count": 2}
    assert "reversed" in edge["most_common_diagnosis"]["text"]
    assert edge["most_common_diagnosis"]["count"] == 2
    corr2d = rows["chapter19.corr2d"]
    assert (corr2d["passed"], corr2d["most_common_failure"]["outcome"]) == (4, "not_started")
    assert corr2d["most_common_diagnosis"] is None
    md = (out / "summary.md").read_text("utf-8")
    assert "`chapter19.edge_kernel`" in md
    # printed too, with per-student progress lines (plain: stdout is not a terminal)
    assert "chapter19.edge_kernel" in proc.stdout and "reversed" in proc.stdout
    assert "alice: 8/8" in proc.stdout and "dave: 8/8" in proc.stdout


@pytest.mark.slow
def test_junit_has_a_suite_per_student(graded):
    _, out = graded
    root = ET.parse(out / "junit.xml").getroot()
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["alice", "bob", "carol", "dave", "erin"]
    for suite in suites.values():
        assert [c.get("name") for c in suite.findall("testcase")] == CH19
    assert suites["alice"].get("failures") == "0" and suites["carol"].get("failures") == "1"


def _processes_in(folder) -> list[int]:
    """Live processes working in ``folder`` (the verdict process, its fork server and workers
    all do) or naming it on their command line."""
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cwd = os.readlink(f"/proc/{pid}/cwd")
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmdline = f.read()
            except OSError:
                continue
            if cwd.startswith(str(folder)) or str(folder).encode() in cmdline:
                found.append(int(pid))
    return found


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_whole_submission_timeout_kills_everything(tmp_path):
    # importing the module takes a minute: the worker is busy when the 5 s limit strikes
    folder = make_folder(tmp_path / "slowpoke", MODULE, {"_nap": "import time\ntime.sleep(60)"})
    exercises = CAT.resolve(["chapter19"])
    g = grade_submission(folder, exercises, tmp_path / "out", timeout=5)
    assert g.status == "timeout"
    data = json.loads((tmp_path / "out" / "results.json").read_text("utf-8"))
    assert data["score"] == 0 and data["max_score"] == 8
    assert {t["extra_data"]["outcome"] for t in data["tests"]} == {"timeout"}
    assert "5 s" in data["tests"][0]["output"]
    assert _processes_in(tmp_path) == []  # verdict process, fork server and worker are gone


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_a_timeout_kills_its_verdict_process_and_the_next_submission_gets_a_fresh_one(tmp_path):
    """One verdict process (--jobs 1): the slowpoke's timeout kills it; carol is graded by a new
    one, with the verdict a verdict process of her own gives.

    Independent of the machine's speed: the slowpoke never ends by itself, and the timeout is
    a multiple of what grading carol alone took here, just before (a fixed 20 s was passed
    by the honest submission too on a loaded machine)."""
    subs = tmp_path / "submissions"
    make_folder(subs / "a_slowpoke", MODULE, {"_nap": "import time\ntime.sleep(10 ** 6)"})
    make_folder(subs / "carol", MODULE, WRONG_EDGE)
    started = time.monotonic()
    alone = grade_submission(subs / "carol", CAT.resolve(["chapter19"]),
                             tmp_path / "alone")  # service=None: a process of its own
    limit = max(20, math.ceil(5 * (time.monotonic() - started)))
    assert alone.status == "graded"
    out = tmp_path / "out"
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GRADER_SOLUTIONS", None)
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "--lang", "en", "grade", str(subs), "chapter19",
         "--out", str(out), "--jobs", "1", "--timeout", str(limit)],
        capture_output=True, text=True, timeout=3 * limit + 120, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _processes_in(tmp_path) == []  # the killed process took its fork server and worker
    slow = _results(out, "a_slowpoke")
    assert {t["extra_data"]["outcome"] for t in slow["tests"]} == {"timeout"}
    in_slot = _results(out, "carol")
    assert in_slot["score"] == 7
    # (seeds differ: a student's seed comes from the name and the options, --timeout included)
    assert [(t["name"], t["score"], t["extra_data"]["outcome"]) for t in in_slot["tests"]] == \
        [(t["name"], t["score"], t["extra_data"]["outcome"]) for t in alone.results["tests"]]


def test_chapter_folder_finds_nested_uploads(tmp_path):
    files = ["chapter19_conv.py", "chapter20_padding_stride.py"]
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / files[0]).write_text("", "utf-8")
    (tmp_path / "a" / "b" / files[1]).write_text("", "utf-8")
    (tmp_path / "a" / files[0]).write_text("", "utf-8")
    assert chapter_folder(tmp_path, files) == tmp_path / "a" / "b"  # the most files wins
    (tmp_path / files[0]).write_text("", "utf-8")
    (tmp_path / files[1]).write_text("", "utf-8")
    assert chapter_folder(tmp_path, files) == tmp_path  # then the shallowest
    assert chapter_folder(tmp_path / "a" / "b" / "..", ["x.py"]) is None


def test_usage_errors(tmp_path, capsys):
    assert cli.main(["grade", str(tmp_path), "--out", str(tmp_path / "o")]) == 2  # no students
    (tmp_path / "alice").mkdir()
    assert cli.main(["grade", str(tmp_path), "chapter99", "--out", str(tmp_path / "o")]) == 2
    assert cli.main(["grade", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    assert cli.main(["grade", str(tmp_path), "--out", str(tmp_path / "o"), "--jobs", "0"]) == 2
    err = capsys.readouterr().err
    assert "no subfolders" in err and "chapter99" in err
    # in Chinese too (instructors read the Chinese edition as well)
    out = str(tmp_path / "o")
    assert cli.main(["--lang", "zh", "grade", str(tmp_path), "--out", out, "--jobs", "0"]) == 2
    assert cli.main(["--lang", "zh", "grade", str(tmp_path), "chapter99", "--out", out]) == 2
    assert cli.main(["--lang", "zh", "gradescope", "--out", "bundle.tar"]) == 2
    err = capsys.readouterr().err
    assert "--jobs 必须至少为 1" in err and "Gradescope 需要 .zip 文件" in err
    assert "chapter99" in err and "no such" not in err.lower()
