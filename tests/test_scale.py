"""Grading a large class: resume after an interruption (kill -9 included), incremental re-runs,
shards merged into the single run's gradebook byte for byte, and the class picture
(summary.html, escaped; summary.png without names). Chapter 21 only, to stay fast."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import EXERCISES, make_folder
from tests.test_grade import _processes_in

MODULE = "chapter21_channels"
WRONG = {"corr2d_multi_in": """
def corr2d_multi_in(X, K):
    return sum(corr2d(x, k) for x, k in zip(X, K)) / len(X)
"""}
HOSTILE_NAME = "<img src=x onerror=alert(1)>mallory"  # a folder name (no slash)


def run_grade(subs: Path, out: Path, *extra: str, cwd: Path | None = None,
              timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GRADER_SOLUTIONS", None)
    return subprocess.run([sys.executable, "-m", "grader", "--lang", "en", "grade", str(subs),
                           "chapter21", "--out", str(out), *extra],
                          capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=cwd or subs.parent)


def make_class(base: Path, n: int = 6) -> Path:
    subs = base / "submissions"
    for i in range(n):
        kind = i % 3
        name = f"s{i:02d}"
        if kind == 0:
            make_folder(subs / name, MODULE)
        elif kind == 1:
            make_folder(subs / name, MODULE, base=EXERCISES)
        else:
            make_folder(subs / name, MODULE, WRONG)
    return subs


def statuses(out: Path) -> dict[str, float]:
    """{student: mtime of status.json} for every finished student."""
    return {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/status.json")}


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """One uninterrupted run: the reference every other run must equal."""
    base = tmp_path_factory.mktemp("scale")
    subs = make_class(base)
    # the slowest submission: its name is shown in the class picture
    make_folder(subs / HOSTILE_NAME, MODULE, {**WRONG, "_nap": "import time\ntime.sleep(3)"})
    out = base / "whole"
    proc = run_grade(subs, out, "--jobs", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return subs, out


@pytest.mark.slow
def test_a_rerun_with_nothing_changed_grades_nobody_and_imports_no_torch(whole, tmp_path):
    subs, out = whole
    before = statuses(out)
    gradebook = (out / "gradebook.csv").read_bytes()
    code = ("import sys; from grader.cli import main; rc = main(['--lang', 'en', 'grade', "
            f"{str(subs)!r}, 'chapter21', '--out', {str(out)!r}]); "
            "print('IMPORTED', 'torch' in sys.modules, 'matplotlib' in sys.modules); "
            "sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "IMPORTED False False" in proc.stdout
    assert "7 up to date" in proc.stdout
    assert statuses(out) == before
    assert (out / "gradebook.csv").read_bytes() == gradebook


@pytest.mark.slow
def test_only_changed_students_are_graded_again_and_gone_ones_are_dropped(whole, tmp_path):
    subs_ref, out_ref = whole
    subs = tmp_path / "submissions"
    out = tmp_path / "out"
    shutil.copytree(subs_ref, subs)
    shutil.copytree(out_ref, out)
    before = statuses(out)
    # s02 fixes the bug; s04 leaves the course
    shutil.copy(Path(__file__).resolve().parent.parent / "solutions" / f"{MODULE}.py",
                subs / "s02" / f"{MODULE}.py")
    shutil.rmtree(subs / "s04")
    proc = run_grade(subs, out, "--jobs", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    after = statuses(out)
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {"s02"}
    rows = (out / "gradebook.csv").read_text("utf-8").splitlines()
    assert not any(row.startswith("s04,") for row in rows)
    assert next(row for row in rows if row.startswith("s02,")).endswith(",3,3")
    # --regrade grades every student again
    proc = run_grade(subs, out, "--jobs", "2", "--regrade")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert all(statuses(out)[name] != after[name] for name in after if name != "s04")


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_kill_9_mid_batch_then_resume_loses_and_repeats_nothing(whole, tmp_path):
    subs, out_ref = whole
    out = tmp_path / "out"
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GRADER_SOLUTIONS", None)
    proc = subprocess.Popen([sys.executable, "-m", "grader", "--lang", "en", "grade", str(subs),
                             "chapter21", "--out", str(out), "--jobs", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                            cwd=tmp_path, start_new_session=True)
    deadline = time.monotonic() + 240
    while len(statuses(out)) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the grade process and its own group, mid-batch
    proc.wait()
    done = statuses(out)
    assert 2 <= len(done) < 7, "the batch was not interrupted half-way"
    deadline = time.monotonic() + 60  # its verdict process finishes its job and goes
    while _processes_in(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_in(tmp_path) == []
    resumed = run_grade(subs, out, "--jobs", "2", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    after = statuses(out)
    assert all(after[name] == done[name] for name in done)  # nothing graded twice
    assert set(after) == set(statuses(out_ref))
    assert (out / "gradebook.csv").read_bytes() == (out_ref / "gradebook.csv").read_bytes()


@pytest.mark.slow
def test_shards_merge_into_the_single_runs_gradebook(whole, tmp_path):
    subs, out_ref = whole
    shards = [tmp_path / f"shard{k}" for k in (1, 2, 3)]
    for k, out in enumerate(shards, start=1):
        proc = run_grade(subs, out, "--shard", f"{k}/3", "--jobs", "2")
        assert proc.returncode == 0, proc.stdout + proc.stderr
    sizes = [len(json.loads((s / "grade.json").read_text("utf-8"))["students"]) for s in shards]
    assert sum(sizes) == 7
    merged = tmp_path / "merged"
    env = {**os.environ, "NO_COLOR": "1"}
    merge = [sys.executable, "-m", "grader", "--lang", "en", "merge"]
    proc = subprocess.run([*merge, *map(str, shards), "--out", str(merged)],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (merged / "gradebook.csv").read_bytes() == (out_ref / "gradebook.csv").read_bytes()
    timing = ("slowest",)
    strip = lambda d: {k: v for k, v in d.items() if k not in timing}  # noqa: E731
    assert strip(json.loads((merged / "summary.json").read_text("utf-8"))) == \
        strip(json.loads((out_ref / "summary.json").read_text("utf-8")))
    # refused: a shard missing, a shard twice, shards graded with other options
    other = tmp_path / "other"
    proc = run_grade(subs, other, "--shard", "3/3", "--thorough")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for bad in ([shards[0], shards[1]], [shards[0], shards[1], shards[1]],
                [shards[0], shards[1], other]):
        proc = subprocess.run([*merge, *map(str, bad), "--out", str(tmp_path / "no")],
                              capture_output=True, text=True, env=env)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_the_class_picture_escapes_what_submissions_name(whole):
    _, out = whole
    page = (out / "summary.html").read_text("utf-8")
    assert HOSTILE_NAME not in page and "&lt;img src=x onerror=alert(1)&gt;mallory" in page
    assert "<script" not in page and "http" not in page.replace("http-equiv", "")
    assert (out / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = (out / "gradebook.csv").read_text("utf-8").splitlines()
    assert any(row.startswith(HOSTILE_NAME + ",") for row in rows)  # verbatim in the CSV
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    row = next(r for r in summary["exercises"] if r["name"] == "chapter21.corr2d_multi_in")
    assert row["passed"] == 2 and row["graded"] == 7  # s00 and s03 hold the solutions
    assert row["most_common_failure"]["outcome"] in ("failed", "not_started")


@pytest.mark.slow
def test_the_class_picture_renders_in_a_real_browser(whole, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it")
        pytest.skip("chromium is not installed here (.ci/run installs it for CI)")
    _, out = whole
    shot = tmp_path / "summary.png"
    proc = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
         "--v=0", f"--screenshot={shot}", "--window-size=1000,900",
         (out / "summary.html").as_uri()],
        capture_output=True, text=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 5000, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line]
    assert console == [], console


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_the_github_actions_example_is_a_valid_workflow():
    """Validated offline against the workflow schema check-jsonschema vendors."""
    tool = shutil.which("check-jsonschema")
    assert tool, "check-jsonschema is in the test extra: pip install -e '.[test]'"
    proc = subprocess.run([tool, "--builtin-schema", "vendor.github-workflows",
                           str(EXAMPLES / "github-actions-grade.yml")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = (EXAMPLES / "github-actions-grade.yml").read_text("utf-8")
    assert "--shard ${{ matrix.shard }}/4" in text and "grader merge" in text


def test_the_job_array_examples_shard_and_merge():
    import yaml  # the test extra

    job = yaml.safe_load((EXAMPLES / "kubernetes-grade-job.yaml").read_text("utf-8"))
    spec = job["spec"]
    assert (job["kind"], spec["completionMode"]) == ("Job", "Indexed")
    command = " ".join(spec["template"]["spec"]["containers"][0]["args"])
    assert f"--shard $K/{spec['completions']}" in command
    slurm = EXAMPLES / "slurm-grade.sh"
    assert subprocess.run(["bash", "-n", str(slurm)]).returncode == 0
    assert '--shard "$K/$N"' in slurm.read_text("utf-8")
