"""A class's results as a whole: ``gradebook.csv``, ``summary.json``, ``summary.md`` and
``summary.html``, and the terminal summary. ``grade`` and ``merge`` both write them from the
students' stored results (``grader.class_state``), so a merged run's files equal a single run's.

``gradebook.csv`` holds no timings, dates, hosts or paths: the same results give the same bytes.
"""

from __future__ import annotations

import csv
import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from grader.outcomes import PASSED


@dataclass
class Graded:
    student: str
    status: str  # graded | timeout | crashed | failed | notebooks
    results: dict | None  # the results.json written for this student (None: not graded)
    seconds: float = 0.0
    note: str = ""


def write_gradebook(path: Path, graded: list[Graded], exercises: list) -> None:
    """One row per student: ``student``, one column per exercise (points earned), ``score``,
    ``max_score``. A submission that was not graded has empty cells."""
    max_score = sum(ex.points for ex in exercises)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", *(ex.qualname for ex in exercises), "score", "max_score"])
        for g in graded:
            if g.results is None:
                writer.writerow([g.student, *([""] * len(exercises)), "", f"{max_score:g}"])
                continue
            scores = {test["name"]: float(test.get("score", 0)) for test in g.results["tests"]}
            cells = [f"{scores[ex.qualname]:g}" if ex.qualname in scores else "0"
                     for ex in exercises]
            writer.writerow([g.student, *cells, f"{sum(map(float, cells)):g}",
                             f"{max_score:g}"])
    os.replace(tmp, path)


def summarize(graded: list[Graded], exercises: list, lang: str) -> dict:
    from grader.outcomes import OUTCOMES

    rows = []
    done = [g for g in graded if g.results is not None]
    for ex in exercises:
        counts: Counter[str] = Counter()
        diagnoses: Counter[str] = Counter()  # by diagnosis key
        shown: dict[str, str] = {}  # key -> the sentence in this run's language
        passed = seen = 0
        for g in done:
            test = next((x for x in g.results["tests"] if x.get("name") == ex.qualname), None)
            if test is None:
                continue
            seen += 1
            outcome = (test.get("extra_data") or {}).get("outcome", test.get("status"))
            if outcome == PASSED:
                passed += 1
                continue
            counts[outcome] += 1
            extra = test.get("extra_data") or {}
            key = extra.get("diagnosis_key") or extra.get("diagnosis")
            if key:
                diagnoses[key] += 1
                shown.setdefault(key, str(extra.get("diagnosis") or key))
        order = {o: i for i, o in enumerate(OUTCOMES)}
        common = min(counts, key=lambda o: (-counts[o], order.get(o, 99), o), default=None)
        diag = min(diagnoses, key=lambda d: (-diagnoses[d], d), default=None)
        rows.append({
            "name": ex.qualname, "points": ex.points, "passed": passed, "graded": seen,
            "outcomes": dict(sorted(counts.items())),
            "most_common_failure": {"outcome": common, "count": counts[common]} if common
            else None,
            "most_common_diagnosis": {"key": diag, "text": shown[diag],
                                      "count": diagnoses[diag]} if diag else None,
        })
    scores = [float(g.results["score"]) for g in done]
    distribution = Counter(f"{score:g}" for score in scores)
    slowest = sorted(done, key=lambda g: (-g.seconds, g.student))[:5]
    return {
        "students": len(graded),
        "graded": len(done),
        "max_score": sum(ex.points for ex in exercises),
        "mean_score": round(sum(scores) / len(scores), 3) if scores else None,
        "not_graded": [{"student": g.student, "status": g.status, "note": g.note}
                       for g in graded if g.results is None],
        "problems": [{"student": g.student, "status": g.status}
                     for g in graded if g.results is not None and g.status != "graded"],
        "exercises": rows,
        "score_distribution": {k: distribution[k] for k in sorted(distribution, key=float)},
        # timing fields: the only part of a summary that differs between equal runs
        "slowest": [{"student": g.student, "seconds": round(g.seconds, 1)} for g in slowest],
    }


def _failure_text(row: dict, lang: str) -> tuple[str, str]:
    from grader.text import t

    common = row["most_common_failure"]
    failure = f"{t('outcome.' + common['outcome'], lang)} ({common['count']})" if common else "-"
    diag = row["most_common_diagnosis"]
    return failure, (f"{diag['text']} ({diag['count']})" if diag else "")


def summary_markdown(summary: dict, lang: str) -> str:
    from grader.text import t

    head = t("grade.table_head", lang).split("|")
    lines = [f"# {t('grade.summary_title', lang)}", "",
             t("grade.summary_line", lang, graded=summary["graded"],
               students=summary["students"], mean=summary["mean_score"] or 0,
               max_score=summary["max_score"]), "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in summary["exercises"]:
        failure, diag = _failure_text(row, lang)
        cells = [f"`{row['name']}`", f"{row['points']:g}", f"{row['passed']}/{row['graded']}",
                 failure, diag.replace("|", "\\|")]
        lines.append("| " + " | ".join(cells) + " |")
    for item in summary["not_graded"] + summary["problems"]:
        lines.append("")
        lines.append(f"- {item['student']}: {t('grade.status.' + item['status'], lang)}")
    return "\n".join(lines) + "\n"


def print_summary(summary: dict, lang: str, out: Path) -> None:
    """A table on a terminal; one plain line per exercise otherwise (logs, CI)."""
    from grader.report import console
    from grader.text import t

    con = console()
    head = t("grade.table_head", lang).split("|")
    rows = []
    for row in summary["exercises"]:
        failure, diag = _failure_text(row, lang)
        rows.append([row["name"], f"{row['points']:g}", f"{row['passed']}/{row['graded']}",
                     failure, diag])
    if sys.stdout.isatty():
        from rich.table import Table

        table = Table(title=t("grade.summary_title", lang), title_justify="left")
        for i, column in enumerate(head):
            table.add_column(column, justify="right" if i in (1, 2) else "left",
                             overflow="fold")
        for cells in rows:
            table.add_row(*cells)
        con.print(table)
    else:
        con.print(t("grade.summary_title", lang))
        width = max((len(cells[0]) for cells in rows), default=10)
        for name, points, passed, failure, diag in rows:
            line = f"  {name.ljust(width)}  {points:>3}  {passed:>7}  {failure}"
            con.print(line + (t("grade.plain_diagnosis", lang, label=head[4], text=diag)
                              if diag else ""))
    con.print(t("grade.summary_line", lang, graded=summary["graded"],
                students=summary["students"], mean=summary["mean_score"] or 0,
                max_score=summary["max_score"]))
    for item in summary["not_graded"]:
        con.print(f"{item['student']}: {t('grade.status.' + item['status'], lang)}. "
                  f"{item['note']}".rstrip())
    for item in summary["problems"]:
        con.print(f"{item['student']}: {t('grade.status.' + item['status'], lang)}")
    con.print(t("grade.written", lang, out=str(out)))


def write_outputs(out: Path, graded: list[Graded], exercises: list, lang: str,
                  junit: str | None = None) -> dict:
    """Every class-level file, from the students' results: gradebook.csv, summary.json,
    summary.md, summary.html and its picture (summary.png), and JUnit when asked for."""
    from grader import class_state
    from grader.summary_html import summary_html, write_picture

    write_gradebook(out / "gradebook.csv", graded, exercises)
    summary = summarize(graded, exercises, lang)
    class_state.write_json(out / "summary.json", summary)
    class_state.write_text(out / "summary.md", summary_markdown(summary, lang))
    class_state.write_text(out / "summary.html", summary_html(summary, lang))
    write_picture(out / "summary.png", summary, lang)
    if junit:
        from grader import junit as junit_mod

        junit_mod.write(junit, [(g.student, g.results) for g in graded if g.results])
    return summary
