"""Hints come in levels: the one a failure shows points at the idea (no code, no answer);
``grader hint`` shows the next level on each call, kept per exercise under ``.grader/``; the
last may show code."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from grader import catalog as catalog_mod
from grader import outcomes
from grader.report import text_of
from grader.results import ExerciseResult

EXERCISES = catalog_mod.load().exercises()
ROOT = Path(__file__).resolve().parent.parent

#: What counts as code in a hint: a call or an indexing (``reshape(``, ``X[i``), an attribute
#: (``nn.Parameter``, ``K.t``), an operator only code uses (``@``, ``**``, ``//``, ``=``,
#: ``+=``), a list literal (``[[``) or a keyword of Python. Prose, maths (n + 2p - k, x) and
#: names of exercises or layers (corr2d, Conv2d, d2l's) are not code.
CODE = re.compile(r"\w\(|\w\[|\[\[|[A-Za-z_]\.[A-Za-z_]|@|\*\*|//|[^<>!=]=[^=]|\+=|"
                  r"\b(?:lambda|def|return|import|torch|for \w+ in)\b")
#: Answers a first hint must not state, beyond code (issue 18: edge_kernel's stated the kernel).
ANSWERS = {"edge_kernel": ("-1", "1.0", "[1", "1, -1"),
           "corr2d_multi_in": ("zip",), "corr2d_multi_in_out": ("stack(", "axis 0", "K[o]"),
           "corr2d_multi_in_out_1x1": ("K @ X", "(c_o, c_i)", "h * w"),
           "conv2d_true": ("flip(", "dims", "180"),
           "lenet": ("400", "120", "84", "padding=2"),
           "init_weights": ("xavier_uniform_",)}


def ids(ex) -> str:
    return ex.qualname


@pytest.mark.parametrize("ex", EXERCISES, ids=ids)
def test_every_exercise_has_levels_in_both_languages(ex):
    assert len(ex.hints("en")) >= 2 and len(ex.hints("en")) == len(ex.hints("zh"))
    assert all(h.strip() for h in ex.hints("en") + ex.hints("zh"))
    assert len(set(ex.hints("en"))) == len(ex.hints("en"))
    assert ex.hint("en") == ex.hints("en")[0] and ex.hint("zh", 99) == ex.hints("zh")[-1]


@pytest.mark.parametrize("ex", EXERCISES, ids=ids)
def test_first_level_points_at_the_idea_without_code_or_the_answer(ex):
    for text in (ex.hints("en")[0], ex.hints("zh")[0]):
        found = CODE.search(text)
        assert found is None, f"code in {ex.qualname}'s first hint: {found.group()!r} in {text}"
        for answer in ANSWERS.get(ex.name, ()):
            assert answer not in text, f"{ex.qualname}'s first hint gives {answer!r} away"


def test_the_rule_finds_the_code_the_old_hints_held():
    """The first hints before issue 18 (now the last levels) are caught by the rule."""
    for name in ("chapter19.edge_kernel", "chapter21.corr2d_multi_in",
                 "chapter21.corr2d_multi_in_out", "chapter21.corr2d_multi_in_out_1x1"):
        last = catalog_mod.load().exercise(name).hints("en")[-1]
        assert CODE.search(last), last
    for prose in ("(n + 2p - k) / s, rounded down", "n + 2p < k", "a 1 x 2 kernel",
                  "d2l's LeNet", "(c_i, h * w)", "when n == k"):
        assert CODE.search(prose) is None, prose


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_failure_shows_the_first_level(lang):
    ex = catalog_mod.load().exercise("chapter19.edge_kernel")
    result = ExerciseResult(ex.qualname, 1.0, outcomes.FAILED, "mismatch", {
        "call": "edge_kernel()", "reason": "mm.values", "params": {"diff": 2.0, "index": (0, 0)},
        "inputs": [], "expected": None, "actual": None, "diagnosis": None})
    text = text_of(result, lang)
    assert ex.hint(lang) in text
    assert all(later not in text for later in ex.hints(lang)[1:])
    assert "[[1.0, -1.0]]" not in text


def hint(folder: Path, *args: str, lang: str = "en") -> str:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GRADER_SOLUTIONS", None)
    proc = subprocess.run([sys.executable, "-m", "grader", "--lang", lang, "hint", *args],
                          cwd=folder, capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_levels_progress_per_exercise_and_persist(tmp_path: Path):
    (tmp_path / "exercises").mkdir()
    ex = catalog_mod.load().exercise("chapter19.edge_kernel")
    count = len(ex.hints("en"))
    for level in range(1, count + 1):
        out = hint(tmp_path, ex.qualname)
        assert f"Hint {level} of {count}: {ex.hints('en')[level - 1]}" in out, out
    again = hint(tmp_path, ex.qualname)  # the last level stays
    assert f"Hint {count} of {count}" in again and "last hint" in again
    state = json.loads((tmp_path / ".grader" / "hints.json").read_text("utf-8"))
    assert state == {ex.qualname: count}
    # another exercise starts at its own first level; in Chinese, the same state
    other = hint(tmp_path, "chapter19.corr2d", lang="zh")
    assert "提示（第 1 级，共 3 级）" in other
    assert "提示（第 2 级，共 3 级）" in hint(tmp_path, "chapter19.corr2d", lang="zh")
    # a chapter shows where each exercise is, without moving on
    chapter = hint(tmp_path, "19")
    assert f"Hint {count} of {count}: {ex.hints('en')[-1]}" in chapter
    assert "Hint 2 of 3" in chapter and "Hint 1 of 3" in chapter  # corr2d, then the others
    assert json.loads((tmp_path / ".grader" / "hints.json").read_text("utf-8")) == \
        {ex.qualname: count, "chapter19.corr2d": 2}


def test_without_a_project_the_first_level_every_time_and_all_with_a_flag(tmp_path: Path):
    ex = catalog_mod.load().exercise("chapter21.corr2d_multi_in")
    for _ in range(2):
        out = hint(tmp_path, ex.qualname)
        assert f"Hint 1 of 3: {ex.hints('en')[0]}" in out and "--all" in out
    every = hint(tmp_path, ex.qualname, "--all")
    assert all(f"Hint {i} of 3: {text}" in every for i, text in enumerate(ex.hints("en"), 1))
    assert not (tmp_path / ".grader").exists()
