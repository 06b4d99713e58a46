"""``grader list``: every chapter and exercise with its last outcome, points, and what is next.

It reads the catalog, ``.grader/last.json`` (written by ``grader check``) and the chapter files
(to mark a result "edited since" when the file changed after it was graded): no torch, no
grading, so it answers at once. The state itself is ``grader.project``'s.
"""

from __future__ import annotations

from typing import Any

from grader.outcomes import PASSED
from grader.project import (
    add_lang_option,
    file_fingerprint,
    graded_files,
    load_state,
    next_exercise,
)

UNCHECKED = "unchecked"  # no outcome recorded yet (not an outcome of the grader)


def cmd_list(args: Any) -> int:
    from rich.text import Text

    from grader import catalog as catalog_mod
    from grader import report
    from grader.project import default_lang, find_root
    from grader.text import t

    lang = default_lang(args)
    catalog = catalog_mod.load()
    root = find_root()
    state = load_state(root)
    graded_from = graded_files(root)
    current: dict[str, str] = {}  # chapter file -> its fingerprint now
    upcoming = next_exercise(catalog, state)
    con = report.console()
    name_width = max(len(ex.qualname) for ex in catalog.exercises())
    labels = {o: t(f"outcome.{o}", lang) for o in report.OUTCOME_STYLE}
    labels[UNCHECKED] = t("list.unchecked", lang)
    outcome_width = max(report.cell_width(label) for label in labels.values())
    passed = score = max_score = 0.0
    for chapter in catalog.chapters:
        done = sum(state.get(ex.qualname) == PASSED for ex in chapter.exercises)
        con.print(Text(t("list.chapter", lang, number=chapter.number,
                         title=chapter.title(lang), passed=done,
                         total=len(chapter.exercises)), style="bold"))
        for ex in chapter.exercises:
            outcome = state.get(ex.qualname, UNCHECKED)
            if outcome not in report.OUTCOME_STYLE:
                outcome = UNCHECKED
            glyph, style = report.OUTCOME_STYLE.get(outcome, ("○", "dim"))
            earned = ex.points if outcome == PASSED else 0.0
            passed += outcome == PASSED
            score += earned
            max_score += ex.points
            line = Text("  ")
            line.append(f"{glyph} ", style=style)
            line.append(ex.qualname.ljust(name_width + 2))
            line.append(report.pad(labels[outcome], outcome_width + 2), style=style)
            line.append(f"{earned:g}/{ex.points:g}")
            if ex.qualname in graded_from and root is not None:
                if chapter.filename not in current:
                    current[chapter.filename] = file_fingerprint(
                        root / "exercises" / chapter.filename)
                if graded_from[ex.qualname] != current[chapter.filename]:
                    line.append("  " + t("list.stale", lang), style="yellow")
            if ex is upcoming:
                line.append("  " + t("list.next_marker", lang), style="bold cyan")
            con.print(line)
        con.print()
    con.print(Text(t("list.summary", lang, passed=int(passed), total=len(catalog.exercises()),
                     score=score, max_score=max_score), style="bold"))
    if upcoming is None:
        con.print(Text(t("list.done", lang), style="bold green"))
    else:
        con.print(Text(t("list.next", lang, name=upcoming.qualname)))
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "list", help="show every exercise with its last outcome and what to do next")
    add_lang_option(parser)
    parser.set_defaults(func=cmd_list)
