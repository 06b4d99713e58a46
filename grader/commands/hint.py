"""``grader hint [TARGET]``: the hint of an exercise, each exercise of a chapter, or (no
target) the learner's next exercise."""

from __future__ import annotations

import argparse
from typing import Any

from grader import project
from grader.errors import EXIT_OK


def register(subparsers: Any) -> None:
    hint = subparsers.add_parser("hint", help="show the hint for an exercise or a chapter")
    hint.add_argument("target", metavar="TARGET", nargs="?",
                      help="an exercise or a chapter (default: your next exercise)")
    hint.add_argument("--lang", choices=("en", "zh"), default=argparse.SUPPRESS)
    hint.set_defaults(func=cmd_hint)


def cmd_hint(args: Any) -> int:
    from rich.text import Text

    from grader import catalog as catalog_mod
    from grader import report
    from grader.commands.check import resolve_targets
    from grader.messages import t

    catalog = catalog_mod.load()
    lang = project.default_lang(args)
    upcoming = None
    if args.target is None:
        upcoming = project.next_exercise(catalog, project.load_state(project.find_root()))
        if upcoming is None:
            print(t("list.done", lang))
            return EXIT_OK
    exercises = [upcoming] if upcoming else resolve_targets([args.target])
    con = report.console()
    shown_chapter = None
    for ex in exercises:
        chapter = catalog.chapter(ex.chapter)
        if chapter is not shown_chapter:
            shown_chapter = chapter
            con.print(Text(t("hint.chapter", lang, number=chapter.number,
                             title=chapter.title(lang)), style="bold"))
        head = Text(f"{ex.qualname}  —  {ex.signature}", style="bold cyan")
        if upcoming:
            head.append("  " + t("hint.next", lang), style="dim")
        con.print(head)
        con.print(Text("  " + t("hint", lang, text=ex.hint(lang))))
        con.print()
    return EXIT_OK
