"""The learner's commands end to end: list, hint, check's messages, watch, reset, solution, in
English and Chinese. Each test works on a temporary copy of the project (exercises/ and
solutions/) and runs ``python -m grader`` in it, as a learner would; no test can hang (every
subprocess has a timeout, the watch tests stop after a fixed number of runs).
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader.release import make_stub
from tests.support import EXERCISES, SOLUTIONS, replace_definitions

MODULE = "chapter19_conv.py"
TIMEOUT = 180  # seconds for one grader command that grades; the rest take well under one

FLIPPED_CORR2D = """
def corr2d(X, K):
    K = torch.flip(K, dims=(0, 1))
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
"""
SHORT_CORR2D = """
def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h, X.shape[1] - w))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
"""
GOOD_CORR2D = """
def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
"""
GOOD_CORR1D = """
def corr1d(x, k):
    return torch.stack([(x[i:i + len(k)] * k).sum() for i in range(len(x) - len(k) + 1)])
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A learner's project: the stubs in exercises/, the references in solutions/."""
    root = tmp_path / "course"
    for source, name in ((EXERCISES, "exercises"), (SOLUTIONS, "solutions")):
        (root / name).mkdir(parents=True)
        for path in source.glob("chapter*.py"):
            shutil.copy(path, root / name / path.name)
    return root


def learner_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "GRADER_SOLUTIONS")}
    env.update({"NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}, **extra)
    return env


def grader(project: Path, *args: str, timeout: float = TIMEOUT, stdin: int | None = None,
           **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=project,
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout,
                          env=learner_env(**env),
                          stdin=subprocess.DEVNULL if stdin is None else stdin)


def edit(project: Path, replacements: dict[str, str]) -> Path:
    path = project / "exercises" / MODULE
    path.write_text(replace_definitions(path.read_text("utf-8"), replacements), "utf-8")
    return path


def line_of(text: str, qualname: str) -> str:
    return next(line for line in text.splitlines() if f"{qualname} " in line)


def write_state(project: Path, state: dict[str, str]) -> None:
    (project / ".grader").mkdir(exist_ok=True)
    (project / ".grader" / "last.json").write_text(json.dumps(state), "utf-8")


# -- list and hint: no grading, no torch ------------------------------------------------------

def test_list_before_any_check_is_fast_and_never_imports_torch(project: Path) -> None:
    code = ("import sys\nfrom grader.cli import main\nrc = main(['list'])\n"
            "assert 'torch' not in sys.modules, 'grader list imported torch'\nsys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True,
                          text=True, encoding="utf-8", timeout=60, env=learner_env())
    assert proc.returncode == 0, proc.stderr
    assert "Chapter 19 — Convolutions for images" in proc.stdout
    first = line_of(proc.stdout, "chapter19.corr2d")
    assert "not checked" in first and "← next" in first
    assert "← next" not in line_of(proc.stdout, "chapter19.Conv2D")
    assert "Next: chapter19.corr2d" in proc.stdout


def test_list_shows_last_outcomes_points_and_next_in_both_languages(project: Path) -> None:
    write_state(project, {"chapter19.corr2d": "passed", "chapter19.Conv2D": "failed",
                          "chapter19.corr1d": "passed"})
    en = grader(project, "list", timeout=60)
    assert en.returncode == 0, en.stderr
    assert "passed" in line_of(en.stdout, "chapter19.corr2d")
    assert "1/1" in line_of(en.stdout, "chapter19.corr2d")
    conv = line_of(en.stdout, "chapter19.Conv2D")
    assert "failed" in conv and "0/1" in conv and "← next" in conv
    assert "(2/" in en.stdout  # chapter 19: two passed
    assert "2/" in en.stdout.splitlines()[-2] and "points" in en.stdout.splitlines()[-2]
    assert "Next: chapter19.Conv2D" in en.stdout
    assert "\x1b[" not in en.stdout  # a pipe gets plain text

    zh = grader(project, "list", timeout=60, LANG="zh_CN.UTF-8")
    assert zh.returncode == 0, zh.stderr
    assert "第 19 章 — 图像卷积" in zh.stdout
    assert "通过" in line_of(zh.stdout, "chapter19.corr2d")
    assert "未通过" in line_of(zh.stdout, "chapter19.Conv2D")
    assert "← 下一题" in line_of(zh.stdout, "chapter19.Conv2D")
    assert "未检查" in line_of(zh.stdout, "chapter19.corr3d")
    assert "下一题：chapter19.Conv2D" in zh.stdout
    # --lang wins over the locale, and LC_ALL over LANG
    assert "Next:" in grader(project, "--lang", "en", "list", LANG="zh_CN.UTF-8").stdout
    assert "Next:" in grader(project, "list", LANG="zh_CN.UTF-8", LC_ALL="C.UTF-8").stdout


def test_list_when_everything_passed_and_with_a_damaged_state(project: Path) -> None:
    from grader import catalog

    write_state(project, {ex.qualname: "passed" for ex in catalog.load().exercises()})
    proc = grader(project, "list", timeout=60)
    assert "Every exercise passes" in proc.stdout and "← next" not in proc.stdout
    (project / ".grader" / "last.json").write_text("{not json", "utf-8")
    proc = grader(project, "list", timeout=60)
    assert proc.returncode == 0 and "Next: chapter19.corr2d" in proc.stdout


def test_list_says_when_a_file_changed_after_its_result(project: Path) -> None:
    path = edit(project, {"corr2d": GOOD_CORR2D})
    assert grader(project, "check", "chapter19.corr2d").returncode == 0
    fresh = grader(project, "list", timeout=60).stdout
    assert "passed" in line_of(fresh, "chapter19.corr2d") and "edited" not in fresh
    path.write_text(path.read_text("utf-8") + "\n# an edit after the check\n", "utf-8")
    stale = grader(project, "list", timeout=60)
    assert "(file edited since)" in line_of(stale.stdout, "chapter19.corr2d")
    assert "edited" not in line_of(stale.stdout, "chapter20.pad2d")  # never graded
    zh = grader(project, "list", timeout=60, LANG="zh_CN.UTF-8").stdout
    assert "（评分后文件有改动）" in line_of(zh, "chapter19.corr2d")


def test_everything_the_grader_writes_is_under_dot_grader(project: Path) -> None:
    """Hypothesis' own cache (.hypothesis/, in the current folder and beside the modules it
    reads constants from) included."""
    shutil.copy(SOLUTIONS / MODULE, project / "exercises" / MODULE)
    assert grader(project, "check", "chapter19").returncode == 0
    assert sorted(p.name for p in project.iterdir()) == [".grader", "exercises", "solutions"]
    assert not list(project.rglob(".hypothesis"))


def test_hint_for_the_next_exercise_an_exercise_and_a_chapter(project: Path) -> None:
    write_state(project, {"chapter19.corr2d": "passed"})
    proc = grader(project, "hint", timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "chapter19.Conv2D" in proc.stdout and "(your next exercise)" in proc.stdout
    assert "Hint 1 of 3: A layer's learnable tensors must be registered" in proc.stdout

    zh = grader(project, "hint", "chapter19.corr2d", timeout=60, LANG="zh_CN.UTF-8")
    assert "第 19 章 — 图像卷积" in zh.stdout
    assert "提示（第 1 级，共 3 级）：" in zh.stdout and "不要翻转" in zh.stdout

    chapter = grader(project, "hint", "19", timeout=60)
    assert all(f"chapter19.{name}" in chapter.stdout
               for name in ("corr2d", "Conv2D", "corr1d", "learn_kernel"))
    bad = grader(project, "hint", "chapter19.corr9d", timeout=60)
    assert bad.returncode == 2 and "corr2d" in bad.stderr


# -- check: what a wrong corr2d shows --------------------------------------------------------

@pytest.mark.slow
def test_wrong_shape_shows_expected_and_actual_shapes_and_list_records_it(
        project: Path) -> None:
    edit(project, {"corr2d": SHORT_CORR2D})
    proc = grader(project, "check", "chapter19.corr2d", "--device", "cpu")
    assert proc.returncode == 1, proc.stderr
    assert "chapter19.corr2d" in proc.stdout and "failed" in proc.stdout
    assert "expected shape (" in proc.stdout.lower() and ", got (" in proc.stdout
    assert "Hint:" in proc.stdout or "Smallest failing input" in proc.stdout
    assert "\x1b[" not in proc.stdout + proc.stderr  # no colour or spinner in a pipe

    listed = grader(project, "list", timeout=60)
    corr2d = line_of(listed.stdout, "chapter19.corr2d")
    assert "failed" in corr2d and "← next" in corr2d


@pytest.mark.slow
def test_flipped_kernel_is_diagnosed_in_chinese_under_a_chinese_locale(project: Path) -> None:
    edit(project, {"corr2d": FLIPPED_CORR2D})
    proc = grader(project, "check", "chapter19.corr2d", "--device", "cpu",
                  LANG="zh_CN.UTF-8")
    assert proc.returncode == 1, proc.stderr
    assert "未通过" in proc.stdout
    assert "诊断：你的结果等于真正的卷积" in proc.stdout
    assert "期望" in proc.stdout and "实际" in proc.stdout
    assert "true convolution" not in proc.stdout


# -- reset ---------------------------------------------------------------------------------

def definition(source: str, name: str) -> str:
    from grader.commands.reset import definition_span

    start, end = definition_span(source, name)
    return "".join(source.splitlines(keepends=True)[start:end])


def pristine() -> str:
    return make_stub((SOLUTIONS / MODULE).read_text("utf-8"))


def backups(project: Path) -> list[Path]:
    return sorted((project / ".grader" / "backups").glob("*/*.py"))


def test_reset_one_exercise_keeps_a_backup_and_touches_nothing_else(project: Path) -> None:
    decorated = "@torch.no_grad()\n" + GOOD_CORR2D.strip() + "\n"
    path = edit(project, {"corr2d": decorated, "corr1d": GOOD_CORR1D})
    before = path.read_text("utf-8")

    proc = grader(project, "reset", "chapter19.corr2d", "--yes", timeout=60)
    assert proc.returncode == 0, proc.stderr
    after = path.read_text("utf-8")
    assert definition(after, "corr2d") == definition(pristine(), "corr2d")
    assert "@torch.no_grad()" not in after  # the decorator belonged to the old definition
    assert definition(after, "corr1d") == definition(before, "corr1d")  # untouched
    assert after.replace(definition(after, "corr2d"), "") == \
        before.replace(definition(before, "corr2d"), "")
    [saved] = backups(project)
    assert saved.read_text("utf-8") == before
    assert str(saved.relative_to(project)) in proc.stdout

    again = grader(project, "reset", "chapter19.corr2d", "--yes", timeout=60)
    assert again.returncode == 0 and "nothing to do" in again.stdout
    assert len(backups(project)) == 1


def test_reset_asks_first_and_refuses_without_a_terminal(project: Path) -> None:
    path = edit(project, {"corr2d": GOOD_CORR2D})
    before = path.read_text("utf-8")
    proc = grader(project, "reset", "chapter19.corr2d", timeout=60)
    assert proc.returncode == 2 and "--yes" in proc.stderr
    zh = grader(project, "reset", "chapter19", timeout=60, LANG="zh_CN.UTF-8")
    assert zh.returncode == 2 and "没有可交互的终端" in zh.stderr
    assert path.read_text("utf-8") == before and not backups(project)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_reset_prompt_on_a_terminal(project: Path) -> None:
    import pty

    path = edit(project, {"corr2d": GOOD_CORR2D})
    before = path.read_text("utf-8")

    def answer(text: str, *args: str) -> subprocess.CompletedProcess:
        leader, follower = pty.openpty()
        try:
            os.write(leader, text.encode("utf-8"))
            return grader(project, *args, timeout=60, stdin=follower)
        finally:
            os.close(follower)
            os.close(leader)

    no = answer("n\n", "reset", "chapter19.corr2d")
    assert no.returncode == 1 and "[y/N]" in no.stdout and "Nothing changed" in no.stdout
    assert path.read_text("utf-8") == before and not backups(project)
    yes = answer("是\n", "--lang", "zh", "reset", "chapter19.corr2d")
    assert yes.returncode == 0, yes.stderr
    assert "恢复为原始模板吗" in yes.stdout and "已备份" in yes.stdout
    assert definition(path.read_text("utf-8"), "corr2d") == definition(pristine(), "corr2d")


def test_reset_with_a_syntax_error(project: Path) -> None:
    path = edit(project, {"corr1d": GOOD_CORR1D})
    broken = path.read_text("utf-8") + "\ndef unfinished(:\n"
    path.write_text(broken, "utf-8")

    one = grader(project, "reset", "chapter19.corr2d", "--yes", timeout=60)
    assert one.returncode == 1
    assert "line" in one.stderr and "grader reset chapter19" in one.stderr
    assert path.read_text("utf-8") == broken and not backups(project)

    chapter = grader(project, "reset", "chapter19", "--yes", timeout=60)
    assert chapter.returncode == 0, chapter.stderr
    assert path.read_text("utf-8") == pristine()
    [saved] = backups(project)
    assert saved.read_text("utf-8") == broken  # the learner's work is recoverable


def test_reset_without_solutions_uses_the_file_git_first_recorded(project: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    shutil.rmtree(project / "solutions")
    original = (project / "exercises" / MODULE).read_text("utf-8")
    git = ["git", "-c", "user.name=learner", "-c", "user.email=learner@example.com"]
    subprocess.run(["git", "init", "-q"], cwd=project, check=True, timeout=60)
    subprocess.run(["git", "add", "exercises"], cwd=project, check=True, timeout=60)
    subprocess.run([*git, "commit", "-qm", "course"], cwd=project, check=True, timeout=60)
    path = edit(project, {"corr2d": GOOD_CORR2D, "corr1d": GOOD_CORR1D})
    subprocess.run([*git, "commit", "-qam", "my work"], cwd=project, check=True, timeout=60)

    proc = grader(project, "reset", "19.corr2d", "-y", timeout=60)
    assert proc.returncode == 0, proc.stderr
    after = path.read_text("utf-8")
    assert definition(after, "corr2d") == definition(original, "corr2d")
    assert "return torch.stack" in definition(after, "corr1d")


def test_reset_refuses_to_touch_solutions(project: Path) -> None:
    proc = grader(project, "reset", "chapter19", "--yes", timeout=60, GRADER_SOLUTIONS="1")
    assert proc.returncode == 2
    assert (project / "solutions" / MODULE).read_text("utf-8") == \
        (SOLUTIONS / MODULE).read_text("utf-8")


# -- solution --------------------------------------------------------------------------------

@pytest.mark.slow
def test_solution_is_refused_before_a_pass_and_shown_after(project: Path) -> None:
    refused = grader(project, "solution", "chapter19.corr2d", LANG="zh_CN.UTF-8")
    assert refused.returncode == 1, refused.stderr
    assert "通过后才会显示参考答案" in refused.stdout and "未开始" in refused.stdout
    assert "Y[i, j]" not in refused.stdout

    edit(project, {"corr2d": GOOD_CORR2D})
    shown = grader(project, "solution", "chapter19.corr2d")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "Reference solution of chapter19.corr2d" in shown.stdout
    assert "Y[i, j] = (X[i:i + h, j:j + w] * K).sum()" in shown.stdout
    assert "BEGIN SOLUTION" not in shown.stdout and "Conv2D" not in shown.stdout
    state = json.loads((project / ".grader" / "last.json").read_text("utf-8"))
    assert state["chapter19.corr2d"] == "passed"


def test_solution_for_instructors_and_for_a_chapter(project: Path) -> None:
    for how in ({"GRADER_SOLUTIONS": "1"}, {}):
        args = ["solution", "chapter19.Conv2D"] + ([] if how else ["--solutions"])
        proc = grader(project, *args, timeout=60, **how)
        assert proc.returncode == 0, proc.stderr
        assert "class Conv2D(nn.Module):" in proc.stdout and "def forward" in proc.stdout
    assert not (project / ".grader" / "last.json").exists()  # nothing was graded
    chapter = grader(project, "solution", "chapter19", timeout=60)
    assert chapter.returncode == 2 and "chapter19.corr2d" in chapter.stderr


# -- watch: the loop with a fake clock ---------------------------------------------------------

class FakeFolder:
    """Time, files and file events for ``watch_loop``: ``script`` lists (time, file changed or
    None, whether an event is delivered)."""

    def __init__(self, script: list[tuple[float, str | None, bool]], run_seconds: float = 2.0):
        self.now = 0.0
        self.script = sorted(script, key=lambda s: s[0])
        self.files: dict[str, int] = {}
        self.runs: list[float] = []
        self.run_seconds = run_seconds
        self.waits = 0

    def clock(self) -> float:
        return self.now

    def wait_event(self, timeout: float) -> bool:
        self.waits += 1
        if self.now > 1000 or self.waits > 10_000:
            raise AssertionError("the watch loop did not stop")
        end = self.now + timeout
        while self.script and self.script[0][0] <= end:
            at, name, event = self.script.pop(0)
            if name:
                self.files[name] = self.files.get(name, 0) + 1
            if event:
                self.now = max(self.now, at)
                return True
        self.now = end
        return False

    def snapshot(self) -> dict:
        return dict(self.files)

    def regrade(self, run: int) -> int:
        self.runs.append(round(self.now, 6))
        self.now += self.run_seconds
        return 10 + run


def drive(folder: FakeFolder, max_runs: int) -> int:
    from grader.commands.watch import watch_loop

    return watch_loop(wait_event=folder.wait_event, take_snapshot=folder.snapshot,
                      regrade=folder.regrade, clock=folder.clock, debounce=0.3,
                      poll_interval=1.0, max_runs=max_runs)


def test_watch_loop_debounces_a_burst_of_events_into_one_run() -> None:
    folder = FakeFolder([(5.0, "a.py", True), (5.1, "a.py", True), (5.2, "a.py", True)])
    assert drive(folder, max_runs=2) == 12  # the last run's exit status
    assert folder.runs == [0.0, pytest.approx(5.5)]


def test_watch_loop_ignores_events_without_a_change_and_polls_for_missed_ones() -> None:
    # 5.0: an event for a file that did not change (an editor's read, a late duplicate);
    # 9.5: a save that delivers no event at all (network drive): found by the 1 s poll.
    folder = FakeFolder([(5.0, None, True), (9.5, "a.py", False)])
    drive(folder, max_runs=2)
    assert len(folder.runs) == 2 and 9.5 < folder.runs[1] <= 9.5 + 1.0 + 0.3 + 1e-9


def test_watch_loop_grades_again_for_a_save_during_a_run() -> None:
    folder = FakeFolder([(5.0, "a.py", True), (6.0, "b.py", True)], run_seconds=2.0)
    drive(folder, max_runs=3)
    assert folder.runs == [0.0, pytest.approx(5.3), pytest.approx(7.6)]


def test_watch_events_only_for_python_files_in_the_folder(tmp_path: Path) -> None:
    from watchdog.events import (
        DirModifiedEvent,
        FileClosedNoWriteEvent,
        FileModifiedEvent,
        FileMovedEvent,
        FileOpenedEvent,
    )

    from grader.commands.watch import EventQueue

    handler = EventQueue(tmp_path)
    for event in (FileOpenedEvent(str(tmp_path / "a.py")),
                  FileClosedNoWriteEvent(str(tmp_path / "a.py")),
                  FileModifiedEvent(str(tmp_path / "notes.txt")),
                  FileModifiedEvent(str(tmp_path / "__pycache__" / "a.py")),
                  DirModifiedEvent(str(tmp_path))):
        handler.dispatch(event)
    assert not handler.wait(0)
    handler.dispatch(FileModifiedEvent(str(tmp_path / "a.py")))
    handler.dispatch(FileMovedEvent(str(tmp_path / ".a.py.swp"), str(tmp_path / "a.py")))
    assert handler.wait(0) and not handler.wait(0)  # one wake-up for the burst


def test_watch_falls_back_to_polling_when_native_events_fail(tmp_path: Path,
                                                             monkeypatch) -> None:
    import watchdog.observers
    from watchdog.observers.polling import PollingObserver

    from grader.commands import watch

    class Broken(watchdog.observers.Observer):
        def start(self) -> None:
            raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(watchdog.observers, "Observer", Broken)
    observer, note = watch.start_observer(tmp_path, watch.EventQueue(tmp_path), poll=False,
                                          interval=0.1)
    try:
        assert isinstance(observer, PollingObserver) and "inotify watch limit" in note
    finally:
        observer.stop()
        observer.join(timeout=5)


# -- watch: end to end -------------------------------------------------------------------------

class Lines:
    """Read a process's stdout on a thread, so waiting for a line can time out."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.lines: queue.Queue = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, args=(proc.stdout,), daemon=True).start()

    def _pump(self, stream) -> None:
        for line in stream:
            self.lines.put(line)
        self.lines.put(None)

    def until(self, text: str, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                line = ""
            if line is None or time.monotonic() > deadline:
                raise AssertionError(f"no line with {text!r}; output:\n{''.join(self.seen)}")
            self.seen.append(line)
            if text in line:
                return


def watch(project: Path, *args: str):
    proc = subprocess.Popen([sys.executable, "-m", "grader", "watch", *args, "--device", "cpu",
                             "--debounce", "0.2", "--interval", "0.5"],
                            cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, text=True, encoding="utf-8",
                            env=learner_env(), start_new_session=True)
    return proc, Lines(proc)


def stop(proc: subprocess.Popen) -> int:
    try:
        return proc.wait(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="process groups")
def test_watch_grades_the_target_again_after_a_save(project: Path) -> None:
    proc, out = watch(project, "chapter19.corr1d", "--max-runs", "2")
    try:
        out.until("Watching exercises")
        edit(project, {"corr1d": GOOD_CORR1D})
        out.until("run 2")
        out.until("Watching exercises")
    finally:
        rc = stop(proc)
    text = "".join(out.seen)
    assert rc == 0, text
    first, second = text.split("run 2")
    assert "chapter19.corr1d" in first and "not started" in first
    assert "passed" in second and "1/1 exercises passed" in second
    assert "corr2d" not in text  # only the target's result


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="process groups")
def test_watch_follows_the_course_with_polling(project: Path) -> None:
    proc, out = watch(project, "--poll", "--max-runs", "2")
    try:
        out.until("Watching exercises")
        time.sleep(1.1)  # a new mtime second, for file systems with coarse timestamps
        edit(project, {"corr2d": GOOD_CORR2D})
        out.until("run 2")
        out.until("Watching exercises")
    finally:
        rc = stop(proc)
    text = "".join(out.seen)
    assert rc == 1, text  # the last grading: the next exercise, still a stub
    first, _, second = text.partition("run 2")
    assert "chapter19.corr2d" in first and "not started" in first
    passed, _, after = second.partition("Next: chapter19.Conv2D")
    assert "chapter19.corr2d" in passed and "1/1 exercises passed" in passed
    # graded at once, without another save
    assert "· chapter19.Conv2D" in after and "not started" in after
