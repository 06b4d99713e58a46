"""``grader hint [TARGET]``: hints in levels. The first level (the one a failure shows) points at
the idea; each call for one exercise (or, without a target, the learner's next exercise) shows
the next level, up to the last, which may show code. The level reached is kept per exercise in
``.grader/hints.json``. A chapter shows each of its exercises at the level reached, without
moving on; ``--all`` shows every level and changes nothing. Outside a course folder there is
no state: the first level is shown (``--all`` for the rest)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grader import project
from grader.errors import EXIT_OK
from grader.project import add_lang_option

STATE = "hints.json"  # under .grader/: {qualname: the highest level shown}


def register(subparsers: Any) -> None:
    hint = subparsers.add_parser(
        "hint", help="show the next hint for an exercise (hints come in levels), or a chapter's")
    hint.add_argument("target", metavar="TARGET", nargs="?",
                      help="an exercise or a chapter (default: your next exercise)")
    hint.add_argument("--all", action="store_true", dest="all_levels",
                      help="show every level of the hints (the last ones may show code)")
    add_lang_option(hint)
    hint.set_defaults(func=cmd_hint)


def load_levels(root: Path | None) -> dict[str, int]:
    """{qualname: the highest hint level shown}; empty without a project or a readable file."""
    if root is None:
        return {}
    try:
        data = json.loads((root / ".grader" / STATE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, int)} \
        if isinstance(data, dict) else {}


def save_levels(root: Path, levels: dict[str, int]) -> None:
    from grader.report import write_json

    try:
        write_json(root / ".grader" / STATE, levels)
        gitignore = root / ".grader" / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text("*\n")
    except OSError:
        pass  # a convenience: a read-only folder still gets its hint


def cmd_hint(args: Any) -> int:
    from rich.text import Text

    from grader import catalog as catalog_mod
    from grader import report
    from grader.commands.check import resolve_targets
    from grader.text import t

    catalog = catalog_mod.load()
    lang = project.default_lang(args)
    root = project.find_root()
    upcoming = None
    if args.target is None:
        upcoming = project.next_exercise(catalog, project.load_state(root))
        if upcoming is None:
            print(t("list.done", lang))
            return EXIT_OK
    exercises = [upcoming] if upcoming else resolve_targets([args.target], lang)
    levels = load_levels(root)
    # One exercise moves on to its next level; a chapter shows where each one is.
    advance = len(exercises) == 1 and root is not None and not args.all_levels
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
        count = len(ex.hints(lang))
        reached = min(max(levels.get(ex.qualname, 0), 0), count)
        if args.all_levels:
            wanted = list(range(1, count + 1))
        elif advance:
            wanted = [min(reached + 1, count)]
        else:
            wanted = [max(reached, 1)]
        for level in wanted:
            con.print(Text("  " + t("hint.level", lang, level=level, count=count,
                                    text=ex.hint(lang, level))))
        last = wanted[-1]
        if not args.all_levels:
            if last < count:
                key = "hint.more" if root is not None else "hint.more_no_project"
                con.print(Text("  " + t(key, lang, name=ex.qualname, next=last + 1,
                                        count=count), style="dim"))
            else:
                con.print(Text("  " + t("hint.last", lang, name=ex.qualname), style="dim"))
        if advance and root is not None:
            levels[ex.qualname] = max(levels.get(ex.qualname, 0), last)
        con.print()
    if advance and root is not None:
        save_levels(root, levels)
    return EXIT_OK
