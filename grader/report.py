"""Renderers: the terminal report and results.json (Gradescope's format).

They read a ``RunResult`` (plain data, ``grader.results``) and a language, and write; they
never grade. The text of each verdict comes from ``grader.verdict_text``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from grader import outcomes
from grader.text import t
from grader.verdict_text import diagnosis, diagnosis_key, exercise_text


def _hint(name: str, lang: str) -> str:
    from grader import catalog as catalog_mod

    try:
        return catalog_mod.load().exercise(name).hint(lang)
    except KeyError:
        return ""


def text_of(result: Any, lang: str) -> str:
    """What the learner reads for one exercise (empty when it passed). A chapter file that
    could not be imported gets no exercise hint: the hint is about something else."""
    hint = "" if import_failure(result) else _hint(result.name, lang)
    return exercise_text(result, lang, hint)

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
        found = diagnosis(r, lang)
        tests.append({
            "name": r.name,
            "score": r.score,
            "max_score": r.max_points,
            "status": "passed" if r.outcome == outcomes.PASSED else "failed",
            "output": text_of(r, lang) or t("outcome.passed", lang),
            "extra_data": {"outcome": r.outcome, "isolation": run.isolation,
                           "seconds": round(r.seconds, 3), "examples": r.examples,
                           **({"diagnosis": found, "diagnosis_key": diagnosis_key(r)}
                              if found else {})},
        })
    return {
        "score": sum(r.score for r in run.results),
        "max_score": sum(r.max_points for r in run.results),
        "execution_time": round(run.seconds, 3),
        "tests": tests,
    }


def write_json(path: str | os.PathLike, data: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def console(file: Any = None, color: bool | None = None) -> Any:
    """A rich console; ``color`` True forces ANSI colours (a notebook cell shows them)."""
    from rich.console import Console

    # A notebook's kernel gets text, never rich's Jupyter rendering (the cell shows the stream).
    return Console(file=file or sys.stdout, highlight=False, soft_wrap=True,
                   emoji=False, markup=False, force_jupyter=False,
                   **({"force_terminal": True} if color else {}))


IMPORT_KEYS = ("import_failed", "import_timeout", "import_timeout.where", "import_crashed",
               "missing_file", "import_d2l", "import_d2l_again")


def import_failure(result: Any) -> tuple | None:
    """What makes a result "the chapter file could not be imported": (key, module), or None."""
    if result.key in IMPORT_KEYS:
        return result.key, result.data.get("module") or result.data.get("file")
    return None


def print_run(run: Any, lang: str, out: Any = None, next_name: str | None = None,
              color: bool | None = None, seconds: float | None = None,
              next_fix: tuple[int, str] | None = None) -> None:
    """The terminal report. An import failure is shown once for the chapter file, not once per
    exercise; ``seconds``: the time the learner waited (default: the run's own);
    ``next_fix``: (line, file) when the next step is to fix a line of a file."""
    from rich.text import Text

    con = console(out, color)
    width = max((len(r.name) for r in run.results), default=10)
    shown: set[tuple] = set()
    for r in run.results:
        glyph, style = _STYLE[r.outcome]
        line = Text()
        line.append(f"{glyph} ", style=style)
        line.append(r.name.ljust(width + 2))
        line.append(pad(t(f"outcome.{r.outcome}", lang), 12), style=style + " bold")
        line.append(f"{r.score:g}/{r.max_points:g}")
        con.print(line)
        failure = import_failure(r)
        if failure is not None and failure in shown:
            con.print(Text("    " + t("report.same_import", lang, module=failure[1]), style="dim"))
            continue
        if failure is not None:
            shown.add(failure)
        text = text_of(r, lang).rstrip("\n")  # (a verdict ending in its inputs' newline)
        own_stub = r.outcome == outcomes.NOT_STARTED and r.key == "not_started"
        if text and not own_stub:  # "not started" needs no words, unless a dependency is
            con.print(Text("    " + text.replace("\n", "\n    "), style=""))
    passed = sum(r.outcome == outcomes.PASSED for r in run.results)
    con.print(Text(t("report.summary", lang, passed=passed, total=len(run.results),
                     score=sum(r.score for r in run.results),
                     max_score=sum(r.max_points for r in run.results),
                     seconds=run.seconds if seconds is None else seconds), style="bold"))
    if next_fix:
        con.print(Text(t("report.next_fix", lang, line=next_fix[0], file=next_fix[1])))
    elif next_name:
        con.print(Text(t("report.next", lang, name=next_name)))


def configure_streams(streams: Any = None) -> None:
    """UTF-8 wherever the grader's output is not a console, so Chinese text and the report's
    glyphs survive a pipe or a file on Windows (whose default there is the ANSI code page, e.g.
    cp1252 or GBK); a console keeps its encoding (Windows writes it through the console's
    Unicode API), and anything it cannot show is replaced, never an encoding error."""
    for stream in streams if streams is not None else (sys.stdout, sys.stderr):
        try:
            if stream.isatty():
                stream.reconfigure(errors="replace")
            else:
                stream.reconfigure(encoding="utf-8", errors="replace")
        except (AttributeError, ValueError, OSError):
            pass
