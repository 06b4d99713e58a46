"""A timeout says where the learner's code was (issue 18): the file, line, function and source
line of the innermost learner frame, seen by the worker shortly before its budget ran out, in
the verdict's data and in its sentence, in English and in Chinese; on the fork server's workers,
on the portable path and in the sandbox; for a call and for an import."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import learner, service, text, verdict_text
from grader.plan import Plan
from tests.chinese import english_left
from tests.support import make_folder

pytestmark = pytest.mark.slow
MODULE = "chapter19_conv"
LOOPS = {
    "corr2d": """
def corr2d(X, K):
    h, w = K.shape
    while True:
        pass
""",
    # the loop is in a helper the exercise calls: the helper's line is named
    "corr1d": """
def _slide(x, k):
    total = 0
    while True:
        total += 1


def corr1d(x, k):
    return _slide(x, k)
""",
}


def _line_of(path: Path, source: str, after: str) -> int:
    lines = path.read_text("utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(after))
    return next(i for i in range(start, len(lines)) if lines[i].strip() == source) + 1


def _results(folder: Path, targets: tuple[str, ...], isolation: str = "process",
             server: object = "shared") -> dict:
    plan = Plan(targets=targets, folder=str(folder), seed=0, isolation=isolation)
    worker = service.worker_for(plan, server=server)
    try:
        return {r.name: r for r in service.run(plan, worker).results}
    finally:
        worker.close()


def _said(result, lang: str) -> str:
    return verdict_text.render(result.key, result.data, lang)


def _sandbox() -> tuple[bool, str]:
    from grader import sandbox

    return sandbox.sandbox_available()


@pytest.mark.parametrize("how", ["fork-server", "portable", "sandbox"])
def test_a_timeout_names_the_line_the_learners_code_was_on(tmp_path, monkeypatch, how):
    if how == "sandbox" and not _sandbox()[0]:
        pytest.skip(_sandbox()[1])
    monkeypatch.setattr(text, "STRICT", True)
    folder = make_folder(tmp_path, MODULE, LOOPS)
    path = folder / f"{MODULE}.py"
    results = _results(folder, ("chapter19.corr2d", "chapter19.corr1d"),
                       isolation="sandbox" if how == "sandbox" else "process",
                       server=None if how == "portable" else "shared")

    corr2d, corr1d = results["chapter19.corr2d"], results["chapter19.corr1d"]
    assert corr2d.outcome == corr1d.outcome == "timeout"
    assert corr2d.key == corr1d.key == "timeout.where"

    line = _line_of(path, "while True:", "def corr2d")
    here = corr2d.data["where"][0]
    # the sample lands on the loop's backward jump: the `while` line (or its body's)
    assert here["file"] == f"{MODULE}.py" and here["function"] == "corr2d"
    assert here["line"] in (line, line + 1)
    assert here["source"] == path.read_text("utf-8").splitlines()[here["line"] - 1].strip()
    en, zh = _said(corr2d, "en"), _said(corr2d, "zh")
    assert "did not return within 5 s" in en
    assert f"on line {here['line']} of {MODULE}.py, in corr2d: `{here['source']}`" in en
    assert f"{MODULE}.py 第 {here['line']} 行（corr2d 中）：`{here['source']}`" in zh
    assert english_left(zh) == [], zh

    helper = _line_of(path, "while True:", "def _slide")
    inner, outer = corr1d.data["where"][:2]
    assert inner["function"] == "_slide" and inner["line"] in (helper, helper + 1)
    assert outer["function"] == "corr1d" and outer["source"] == "return _slide(x, k)"
    assert f"on line {inner['line']} of {MODULE}.py, in _slide:" in _said(corr1d, "en")
    assert f"第 {inner['line']} 行（_slide 中）" in _said(corr1d, "zh")


def test_an_import_that_times_out_names_its_line(tmp_path, monkeypatch):
    monkeypatch.setattr(text, "STRICT", True)
    monkeypatch.setattr(learner, "IMPORT_TIMEOUT", 3.0)
    folder = make_folder(tmp_path, MODULE)
    path = folder / f"{MODULE}.py"
    path.write_text(path.read_text("utf-8") + "\n\nwhile True:\n    pass\n", "utf-8")
    line = len(path.read_text("utf-8").splitlines()) - 1
    result = _results(folder, ("chapter19.corr2d",))["chapter19.corr2d"]
    assert result.outcome == "timeout" and result.key == "import_timeout.where"
    here = result.data["where"][0]
    assert here["function"] == "<module>" and here["line"] in (line, line + 1)
    en, zh = _said(result, "en"), _said(result, "zh")
    assert f"it was stopped on line {here['line']} of {MODULE}.py, at its top level" in en
    assert "if __name__" in en
    assert f"{MODULE}.py 第 {here['line']} 行（模块顶层）" in zh
    assert english_left(zh) == [], zh


def test_without_a_place_the_timeout_is_as_before():
    verdict = learner._timeout("timeout", "timeout.where", None, call="f(…)", seconds=5,
                               inputs=[], output="")
    assert verdict.key == "timeout" and "where" not in verdict.data
    forged = [{"file": "x.py", "line": "twelve", "function": "f", "source": ""}]
    assert learner._timeout("timeout", "timeout.where", forged, call="f(…)", seconds=5,
                            inputs=[], output="").key == "timeout"
    cell = [{"file": "<learner cell 3>", "line": 2, "function": "f", "source": ""}]
    verdict = learner._timeout("timeout", "timeout.where", cell, call="f(…)", seconds=5,
                               inputs=[], output="")
    assert verdict.key == "timeout.where"
    assert verdict_text.render(verdict.key, verdict.data, "en").startswith(
        "f(…) did not return within 5 s (an endless loop?); it was stopped on line 2 of "
        "<learner cell 3>, in f. The input was:")


def test_the_terminal_report_of_a_timeout_ends_with_its_input():
    """No blank, indented line after the input (the verdict's text ends with its newline)."""
    import io

    import torch

    from grader import report
    from grader.plugin import plain_verdict
    from grader.results import ExerciseResult, RunResult

    here = [{"file": "a.py", "line": 3, "function": "f", "source": "while True:"}]
    verdict = learner._timeout("timeout", "timeout.where", here, call="f(…)", seconds=5,
                               inputs=[("x", torch.zeros(2))], output="")
    result = ExerciseResult("chapter19.corr1d", 1.0)
    result.outcome, result.key = "timeout", verdict.key
    result.data = plain_verdict(verdict.key, dict(verdict.data))
    out = io.StringIO()
    report.print_run(RunResult("job", [result], 1.0, "cpu", "process", []), "en", out=out,
                     color=False)
    lines = out.getvalue().splitlines()
    assert "x = [0., 0.]" in lines[2]
    assert not [line for line in lines if not line.strip()], lines


def test_a_forbidden_call_and_an_opened_check_name_their_line(tmp_path, monkeypatch):
    """The same place, in the same words, for the ``forbidden`` verdicts."""
    monkeypatch.setattr(text, "STRICT", True)
    checks = Path(learner.__file__).with_name("checks") / "chapter19.py"
    folder = make_folder(tmp_path, MODULE, {"corr2d": """
def corr2d(X, K):
    import torch.nn.functional as F
    return F.conv2d(X[None, None], K[None, None])[0, 0]
""", "corr1d": f"""
def corr1d(x, k):
    open({str(checks)!r}).read()
"""})
    path = folder / f"{MODULE}.py"
    results = _results(folder, ("chapter19.corr2d", "chapter19.corr1d"))
    corr2d, corr1d = results["chapter19.corr2d"], results["chapter19.corr1d"]
    assert corr2d.key == "forbidden" and corr1d.key == "forbidden_file"
    line = _line_of(path, "return F.conv2d(X[None, None], K[None, None])[0, 0]", "def corr2d")
    assert f"on line {line} of {MODULE}.py, in corr2d: `return F.conv2d(" in _said(corr2d, "en")
    zh = _said(corr2d, "zh")
    assert f"{MODULE}.py 第 {line} 行（corr2d 中）" in zh and english_left(zh) == [], zh
    zh = _said(corr1d, "zh")
    assert "评分器的检查代码（checks/chapter19.py）" in zh and "（corr1d 中）" in zh
    assert english_left(zh) == [], zh
