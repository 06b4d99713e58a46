"""Feedback a beginner can act on: their prints, one block for a file that does not import,
typos in targets answered with a suggestion, the time they waited, and small wordings."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from grader import catalog
from grader.plain import array_text
from tests.support import EXERCISES, grade, make_folder

MODULE = "chapter19_conv"


def run_grader(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GRADER_SOLUTIONS", None)
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=300)


@pytest.mark.slow
def test_prints_are_shown_for_the_failing_example_cleaned_and_bounded(tmp_path):
    folder = make_folder(tmp_path, MODULE, {
        "corr1d": """
def corr1d(x, k):
    print("\\x1b[31mdebug\\x1b[0m\\x07 len", len(x))
    return torch.zeros(len(x) - len(k) + 1)
""",
        "corr3d": """
def corr3d(X, K):
    print("about to fail " * 1000)
    raise ValueError("boom")
""",
        "edge_kernel": """
def edge_kernel():
    import numpy
    return numpy.array([[1.0, -1.0]])
"""})
    out = grade(folder, ["chapter19.corr1d", "chapter19.corr3d", "chapter19.edge_kernel"])
    outcome, text = out["chapter19.corr1d"]
    assert outcome == "failed"
    assert "Your code printed:\ndebug len 4" in text  # the book's example, colour codes gone
    assert "\x1b" not in text and "\x07" not in text
    outcome, text = out["chapter19.corr3d"]
    assert outcome == "error" and "boom" in text
    assert "Your code printed:" in text and "(output cut)" in text and len(text) < 4000
    outcome, text = out["chapter19.edge_kernel"]
    assert outcome == "failed" and "torch.from_numpy" in text
    assert "Failing input" not in text and "(no input)" not in text


@pytest.mark.slow
def test_a_file_that_does_not_import_is_explained_once_with_the_line_to_fix(tmp_path):
    folder = make_folder(tmp_path, MODULE)
    path = folder / f"{MODULE}.py"
    lines = path.read_text("utf-8").splitlines()
    broken = next(i for i, line in enumerate(lines) if line.startswith("def corr1d")) + 1
    lines.insert(broken, "    x = (1 +")
    path.write_text("\n".join(lines) + "\n", "utf-8")
    for lang, fix in (("en", f"Next: fix line {broken + 1} of"),
                      ("zh", f"的第 {broken + 1} 行")):
        proc = run_grader("--lang", lang, "check", "chapter19", "--exercises", str(folder),
                          "--seed", "0", "--device", "cpu")
        assert proc.returncode == 1
        assert proc.stdout.count("SyntaxError") == 1, proc.stdout
        assert proc.stdout.count("^") == 1  # one caret under the line
        assert fix in proc.stdout, proc.stdout
        assert "Hint" not in proc.stdout and "提示：" not in proc.stdout, proc.stdout
        assert "Next: chapter19.corr2d" not in proc.stdout


def test_typos_in_targets_get_a_suggestion_never_a_silent_guess(tmp_path):
    for args, lang, wanted in ((["check", "chap19"], "en", "Did you mean chapter19?"),
                               (["check", "chapter19.corr2D"], "en",
                                "Did you mean chapter19.corr2d?"),
                               (["check", "chapter19.corr2D"], "zh",
                                "你是不是想输入 chapter19.corr2d？"),
                               (["hint", "Chapter21"], "en", "Did you mean chapter21?")):
        proc = run_grader("--lang", lang, *args)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert wanted in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
    cat = catalog.load()
    assert catalog.suggest("chapter19.xyz", cat, cat.chapter("chapter19")) is None
    assert catalog.join_split_targets(["chapter", "19", "chapter21.corr2d_multi_in"]) == \
        (["chapter19", "chapter21.corr2d_multi_in"], [("chapter 19", "chapter19")])


@pytest.mark.slow
def test_chapter_19_typed_as_two_words_is_graded_with_a_note(tmp_path):
    report = tmp_path / "r.json"
    proc = run_grader("--lang", "en", "check", "chapter", "19", "--exercises", str(EXERCISES),
                      "--seed", "0", "--device", "cpu", "--report", str(report))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "read `chapter 19` as `chapter19`" in proc.stderr
    data = json.loads(report.read_text("utf-8"))
    assert len(data["tests"]) == 7
    # the summary's time is what the learner waited: start-up included
    shown = float(re.search(r"points \(([\d.]+) s\)", proc.stdout).group(1))
    assert shown > data["execution_time"]


def test_a_large_constant_input_is_summarised_not_printed():
    import numpy as np

    assert array_text(np.zeros((30, 30))) == "[all 900 values = 0]"
    assert "0.5" in array_text(np.full((3, 3), 0.5))  # small inputs are printed as they are
    assert array_text(np.arange(20.0)).startswith("[ 0.,")


FLIPPED_CORR2D = {"corr2d": """
def corr2d(X, K):
    K = torch.flip(K, [0, 1])
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
"""}
WRONG_MULTI_IN = {"corr2d_multi_in": """
def corr2d_multi_in(X, K):
    return sum(corr2d(x, k) for x, k in zip(X, K)) / len(X)
"""}


@pytest.mark.slow
def test_the_real_culprit_is_named_first(tmp_path):
    """Chapter 21 (the book's code) fails because chapter 19's corr2d is wrong: found at run
    time (the calls reached corr2d) and by grading corr2d, which the run did not include."""
    broken_dep = make_folder(tmp_path / "dep", MODULE, FLIPPED_CORR2D)
    out = grade(broken_dep, ["chapter21.corr2d_multi_in", "chapter21.corr2d_multi_in_out_1x1"],
                extra=["--lang", "zh"])
    outcome, text = out["chapter21.corr2d_multi_in"]
    assert outcome == "failed"  # points follow the exercise's own result
    assert text.startswith("corr2d_multi_in 调用了你的 corr2d，而它自己的检查没有通过"), text
    assert "chapter19.corr2d" in text and "真卷积" not in text  # no diagnosis of corr2d's bug
    assert out["chapter21.corr2d_multi_in_out_1x1"][0] == "passed"  # calls no corr2d
    own_bug = make_folder(tmp_path / "own", "chapter21_channels", WRONG_MULTI_IN)
    outcome, text = grade(own_bug, ["chapter21.corr2d_multi_in"])["chapter21.corr2d_multi_in"]
    assert outcome == "failed" and "calls your" not in text  # its corr2d passes: no blame
