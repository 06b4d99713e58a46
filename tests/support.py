"""Helpers for the project's own tests: build folders of chapter files with one definition
swapped (a mutant or an alternative), and grade many such folders in one grader process."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"


def replace_definitions(source: str, replacements: dict[str, str]) -> str:
    """Replace top-level functions/classes named in ``replacements`` by the given source.

    A name that the module does not define is appended."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    spans = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in replacements:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
            spans[node.name] = (start, node.end_lineno)
    for name, (start, end) in sorted(spans.items(), key=lambda kv: -kv[1][0]):
        lines[start:end] = [textwrap.dedent(replacements[name]).strip("\n") + "\n"]
    extra = [textwrap.dedent(code).strip("\n") + "\n" for name, code in replacements.items()
             if name not in spans]
    return "".join(lines) + ("\n\n" + "\n\n".join(extra) if extra else "")


def make_folder(tmp: Path, module: str, replacements: dict[str, str] | None = None,
                base: Path = SOLUTIONS) -> Path:
    """A copy of every chapter file in ``base`` with ``replacements`` applied to ``module``."""
    tmp.mkdir(parents=True, exist_ok=True)
    for path in base.glob("chapter*.py"):
        (tmp / path.name).write_text(path.read_text("utf-8"), "utf-8")
    if replacements:
        path = tmp / f"{module}.py"
        path.write_text(replace_definitions(path.read_text("utf-8"), replacements), "utf-8")
    return tmp


def grade(folder: Path, targets: list[str], *, timeout: float = 300, extra: list[str] = (),
          env: dict | None = None, cwd: Path | None = None) -> dict:
    """Run ``grader check`` on ``folder``; return {qualname: (outcome, output)} plus the exit
    code under key ``"_rc"`` and the terminal text under ``"_stdout"``."""
    import tempfile

    report = Path(tempfile.mkdtemp(prefix="grader-report-")) / "results.json"
    cmd = [sys.executable, "-m", "grader", "check", *targets, "--exercises", str(folder),
           "--report", str(report), "--seed", "0", "--device", "cpu", "--lang", "en", *extra]
    run_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    run_env.pop("GRADER_SOLUTIONS", None)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=run_env,
                          cwd=cwd or folder)
    out = {"_rc": proc.returncode, "_stdout": proc.stdout, "_stderr": proc.stderr,
           "_report": report}
    if report.exists():
        for test in json.loads(report.read_text("utf-8"))["tests"]:
            out[test["name"]] = (test["extra_data"]["outcome"], test["output"])
    return out


def grade_batch(jobs: list[tuple[Path, list[str]]], timeout: float = 900) -> list[dict]:
    """Grade many folders in one process (tests/batch_grade.py): saves a torch import per job."""
    spec = json.dumps([[str(f), t] for f, t in jobs])
    proc = subprocess.run([sys.executable, str(Path(__file__).with_name("batch_grade.py"))],
                          input=spec, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "NO_COLOR": "1"})
    if proc.returncode != 0:
        raise RuntimeError(f"batch grading failed:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- mutant / alternative suites ----------------------------------------------------------------
# A mutant is (exercise, label, source, expected outcome, phrase the output must contain); an
# alternative is (exercise, label, source) and must pass. Each variant is the solutions folder
# with that one definition replaced, graded on its own exercise.

def case_id(case: tuple) -> str:
    return f"{case[0]}: {case[1]}"


def variant_jobs(tmp_path_factory, module: str, chapter: str, mutants: list, alternatives: list,
                 definitions=None) -> tuple[list, list]:
    """(cases, jobs) for grade_batch; ``definitions(code)`` maps a variant's source to the
    {name: source} replacements (default: the exercise's own definition)."""
    cases = [("mutant",) + tuple(m) for m in mutants] + \
        [("alt",) + tuple(a) + ("passed", "") for a in alternatives]
    jobs = []
    for i, (_, exercise, _, code, _, _) in enumerate(cases):
        replacements = definitions(code) if definitions else {exercise: code}
        folder = make_folder(tmp_path_factory.mktemp(f"v{i}"), module, replacements)
        jobs.append((folder, [f"{chapter}.{exercise}"]))
    return cases, jobs


class Graded(dict):
    """{(kind, exercise, label): (outcome, output)}; ``zh``: the same keys, the output in
    Chinese (the same verdicts rendered in the other language)."""

    zh: dict
    sources: dict


def variant_results(cases: list, results: list, chapter: str) -> Graded:
    """{(kind, exercise, label): (outcome, output)} for the first len(cases) results."""
    out = Graded()
    out.zh, out.sources = {}, {}
    for (kind, ex, label, code, *_), res in zip(cases, results[:len(cases)], strict=True):
        out[(kind, ex, label)] = res[f"{chapter}.{ex}"]
        out.zh[(kind, ex, label)] = res.get("_zh", {}).get(f"{chapter}.{ex}", "")
        out.sources[(kind, ex, label)] = code
    return out


def learner_strings(code: str) -> tuple[str, ...]:
    """The string constants of a variant's source: the learner's own words (an exception's
    message), which a Chinese report quotes as they are."""
    try:
        tree = ast.parse(textwrap.dedent(code))
    except SyntaxError:
        return ()
    return tuple(node.value for node in ast.walk(tree)
                 if isinstance(node, ast.Constant) and isinstance(node.value, str))


def assert_chinese(graded: Graded) -> None:
    """Every variant's failure output, rendered in Chinese, holds no English sentence of ours
    (``tests/chinese.py``)."""
    from tests.chinese import english_left

    left = {key: found for key, text in graded.zh.items()
            if (found := english_left(text, learner_strings(graded.sources[key])))}
    assert not left, left


def assert_mutant_caught(graded: dict, case: tuple) -> None:
    exercise, label, _, outcome, text = case
    got_outcome, output = graded[("mutant", exercise, label)]
    assert got_outcome == outcome, output
    assert text.lower() in output.lower(), output
    assert "the grader itself failed" not in output.lower(), output  # (PyTorch's warnings
    # the learner's code prints may say "internally")


def assert_alternative_passes(graded: dict, case: tuple) -> None:
    exercise, label, _ = case
    got_outcome, output = graded[("alt", exercise, label)]
    assert got_outcome == "passed", output


def diagnosis_lines(output: str) -> list[str]:
    """The "Diagnosis: ..." lines of an exercise's English output."""
    return [line.strip() for line in output.splitlines() if line.strip().startswith("Diagnosis:")]


def assert_one_diagnosis(graded: dict, case: tuple) -> None:
    """The mutant (exercise, label) is diagnosed with exactly ``text``, and nothing else."""
    exercise, label, text = case
    _, output = graded[("mutant", exercise, label)]
    assert diagnosis_lines(output) == [f"Diagnosis: {text}"], output


def assert_no_two_diagnoses(graded: dict) -> None:
    """"Or" only where no further input tells two known mistakes apart: none of the mutants."""
    two = {key: lines for key, (_, output) in graded.items()
           if (lines := diagnosis_lines(output)) and " Or: " in lines[0]}
    assert not two, two
