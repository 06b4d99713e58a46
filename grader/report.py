"""Renderers: the terminal report, results.json (Gradescope's format), and learner state.

They read ``ExerciseResult``s and write; they never grade.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from grader import outcomes
from grader.messages import t

_STYLE = {
    outcomes.PASSED: ("✓", "green"),
    outcomes.FAILED: ("✗", "red"),
    outcomes.ERROR: ("!", "red"),
    outcomes.NOT_STARTED: ("·", "dim"),
    outcomes.TIMEOUT: ("⏱", "yellow"),
    outcomes.CRASHED: ("☠", "red"),
    outcomes.FORBIDDEN: ("⊘", "magenta"),
}
OUTCOME_STYLE = _STYLE  # (glyph, rich style) per outcome; `grader list` shows the same


def cell_width(text: str) -> int:
    """Width on a terminal: a Chinese character takes two cells, so ``ljust`` misaligns."""
    from rich.cells import cell_len

    return cell_len(text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cell_width(text))


def progress(text: str) -> Any:
    """A spinner on stderr while a slow step runs, only on an interactive terminal (pipes, CI
    and TERM=dumb get nothing); use as a context manager."""
    import contextlib

    from rich.console import Console

    err = Console(stderr=True, highlight=False, markup=False, emoji=False)
    if not err.is_terminal or err.is_dumb_terminal or os.environ.get("CI"):
        return contextlib.nullcontext()
    return err.status(text, spinner="dots")


def results_json(run: Any, lang: str) -> dict:
    """Gradescope-compatible results: one test per exercise, ``name`` = chapterNN.<exercise>."""
    tests = []
    for r in run.results:
        tests.append({
            "name": r.qualname,
            "score": r.score,
            "max_score": r.exercise.points,
            "status": "passed" if r.outcome == outcomes.PASSED else "failed",
            "output": r.text(lang) or t("outcome.passed", lang),
            "extra_data": {"outcome": r.outcome, "seconds": round(r.seconds, 3),
                           **({"diagnosis": r.diagnosis(lang)} if r.diagnosis(lang) else {})},
        })
    return {
        "score": sum(r.score for r in run.results),
        "max_score": sum(r.exercise.points for r in run.results),
        "execution_time": round(run.seconds, 3),
        "tests": tests,
    }


def write_json(path: str | os.PathLike, data: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def console(file: Any = None) -> Any:
    from rich.console import Console

    return Console(file=file or sys.stdout, highlight=False, soft_wrap=True,
                   emoji=False, markup=False)


def print_run(run: Any, lang: str, out: Any = None, next_name: str | None = None) -> None:
    from rich.text import Text

    con = console(out)
    width = max((len(r.qualname) for r in run.results), default=10)
    for r in run.results:
        glyph, style = _STYLE[r.outcome]
        line = Text()
        line.append(f"{glyph} ", style=style)
        line.append(r.qualname.ljust(width + 2))
        line.append(pad(t(f"outcome.{r.outcome}", lang), 12), style=style + " bold")
        line.append(f"{r.score:g}/{r.exercise.points:g}")
        con.print(line)
        text = r.text(lang)
        own_stub = r.outcome == outcomes.NOT_STARTED and \
            getattr(r.verdict, "key", "") == "not_started"
        if text and not own_stub:  # "not started" needs no words, unless a dependency is
            con.print(Text("    " + text.replace("\n", "\n    "), style=""))
    passed = sum(r.outcome == outcomes.PASSED for r in run.results)
    con.print(Text(t("report.summary", lang, passed=passed, total=len(run.results),
                     score=sum(r.score for r in run.results),
                     max_score=sum(r.exercise.points for r in run.results),
                     seconds=run.seconds), style="bold"))
    if next_name:
        con.print(Text(t("report.next", lang, name=next_name)))
