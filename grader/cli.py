"""The ``grader`` command line. Imports stay lazy: ``grader --help`` never imports torch.

Exit status: 0 when every graded exercise passed, 1 when any did not (or the grader failed),
2 for a usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


# Further subcommands, each a module with ``register(subparsers)`` that adds its parser and
# sets ``func`` (keep their heavy imports inside ``func``: ``grader --help`` must stay light).
COMMAND_MODULES: list[str] = ["grader.commands.list", "grader.commands.watch",
                              "grader.commands.reset", "grader.commands.solution",
                              "grader.commands.release", "grader.commands.grade",
                              "grader.commands.gradescope", "grader.commands.notebook",
                              "grader.commands.train", "grader.commands.data",
                              "grader.commands.init"]


class UsageError(Exception):
    """A usage error (exit 2). Give the message in English and, where a learner may see it,
    Chinese too: ``UsageError(en, zh)``."""

    def __init__(self, en: str, zh: str | None = None) -> None:
        super().__init__(en)
        self.zh = zh

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" and self.zh else str(self)


def find_root(start: Path | None = None) -> Path | None:
    """The project root: the nearest folder, from the current one upward, that holds
    ``exercises/`` or ``solutions/``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "exercises").is_dir() or (folder / "solutions").is_dir():
            return folder
    return None


def solutions_mode(args: Any) -> bool:
    return bool(getattr(args, "solutions", False)) or \
        os.environ.get("GRADER_SOLUTIONS", "").strip().lower() in ("1", "true", "yes", "on")


def graded_folder(args: Any) -> tuple[Path, Path | None]:
    """(the folder whose chapter files are graded, the project root or None)."""
    root = find_root()
    if args.exercises and solutions_mode(args) and getattr(args, "solutions", False):
        raise UsageError("use either --solutions or --exercises DIR, not both",
                         "--solutions 和 --exercises DIR 只能选一个")
    if args.exercises:
        folder = Path(args.exercises).expanduser().resolve()
        if not folder.is_dir():
            raise UsageError(f"--exercises {args.exercises}: no such folder",
                             f"--exercises {args.exercises}：文件夹不存在")
        return folder, root
    if root is None:
        raise UsageError("no exercises/ folder here or in any parent folder: run the grader "
                         "inside the project, or pass --exercises DIR",
                         "当前文件夹及其上级文件夹中都没有 exercises/：请在项目中运行评分器，"
                         "或使用 --exercises DIR")
    folder = root / "exercises"
    if solutions_mode(args):  # the project's solutions/, else the installed ones (grader init)
        from grader.course_files import solutions_folder

        folder = solutions_folder(root) or root / "solutions"
    if not folder.is_dir():
        raise UsageError(f"{folder} does not exist", f"{folder} 不存在")
    return folder, root


def solutions_dir(root: Path | None) -> list[Path]:
    """Every reference solutions folder learner code may not read: the project's and those
    installed with the grader (so ``--exercises DIR`` outside the project still cannot)."""
    from grader.course_files import masked_solutions

    return masked_solutions(root)


def memory_limit(args: Any) -> int | None:
    """MB for the learner's process: --memory-limit, else the default on machines without an
    NVIDIA GPU (a CUDA context maps far more than a data limit would allow)."""
    from grader.client import DEFAULT_MEMORY_MB

    if args.memory_limit is not None:
        return args.memory_limit or None
    if args.device == "cuda" or (args.device == "auto" and Path("/dev/nvidia0").exists()):
        return None
    return DEFAULT_MEMORY_MB


def _lang(args: Any) -> str:
    from grader.messages import default_lang

    return args.lang or default_lang()


def cmd_check(args: Any) -> int:
    from grader import catalog as catalog_mod
    from grader.client import Worker

    if any(target.endswith(".ipynb") for target in args.targets):
        from grader.notebooks import cmd_check_notebook  # a notebook's cells as the chapter

        return cmd_check_notebook(args)
    catalog = catalog_mod.load()
    try:
        exercises = catalog.resolve(args.targets)
    except catalog_mod.TargetError as exc:
        raise UsageError(str(exc), getattr(exc, "zh", None)) from None
    folder, root = graded_folder(args)
    check_device_name(args)
    if args.thorough:
        os.environ["GRADER_THOROUGH_FACTOR"] = "10"
    # Start the fork server first: it imports torch while this process does too; the
    # learner's worker is forked from it on the first call.
    from grader.client import shared_zygote

    shared_zygote()
    worker = Worker(folder, memory_limit_mb=memory_limit(args),
                    forbidden_dir=solutions_dir(root))
    worker.preload = catalog.preload(exercises)
    worker.start_soon()
    try:
        device = resolve_device(args)
        from grader import report, runner

        database = None
        if root is not None and not solutions_mode(args) and args.seed is None:
            import hashlib

            key = hashlib.sha1(str(folder).encode()).hexdigest()[:12]
            database = root / ".grader" / "hypothesis" / key
        job = runner.Job(folder=folder, exercises=exercises, device=device, seed=args.seed,
                         database=database)
        from grader.messages import t

        with report.progress(t("report.grading", _lang(args), folder=folder)):
            run = runner.run(job, worker=worker)
    finally:
        worker.close()
    lang = _lang(args)
    learner_mode = root is not None and not solutions_mode(args) and not args.exercises
    state = _save_state(root, run, folder) if learner_mode else None
    next_name = None
    if state is not None and not args.no_next:
        # The first exercise here that did not pass; when all did, the next in the course.
        from grader.commands.list import next_exercise

        failing = [r.qualname for r in run.results if r.outcome != "passed"]
        upcoming = next_exercise(catalog, state)
        next_name = failing[0] if failing else (upcoming.qualname if upcoming else None)
    report.print_run(run, lang, next_name=next_name)
    write_reports(args, run, lang)
    return EXIT_OK if all(r.outcome == "passed" for r in run.results) else EXIT_FAILED


def check_device_name(args: Any) -> None:
    if args.device not in ("auto", "cpu", "cuda"):
        raise UsageError(f"--device must be auto, cpu or cuda, not {args.device!r}",
                         f"--device 只能是 auto、cpu 或 cuda，而不是 {args.device!r}")


def resolve_device(args: Any) -> str:
    """``--device`` as the checks use it: auto becomes cuda or cpu (imports torch)."""
    import torch

    check_device_name(args)
    if args.device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if args.device == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: CUDA is not available on this machine "
                         "(use --device cpu or auto)",
                         "--device cuda：这台机器上没有可用的 CUDA"
                         "（请使用 --device cpu 或 auto）")
    return args.device


def write_reports(args: Any, run: Any, lang: str) -> None:
    """``--report`` (results.json) and ``--junit``, when asked for."""
    from grader import report

    if args.report:
        report.write_json(args.report, report.results_json(run, lang))
    if getattr(args, "junit", None):
        from grader import junit

        junit.write(args.junit, [(None, report.results_json(run, lang))])


def _save_state(root: Path, run: Any, folder: Path | None = None) -> dict:
    """Remember each exercise's last outcome under .grader/ (for ``grader list``), and under
    ``"_files"`` a fingerprint of the chapter file it was graded from (so ``list`` can say a
    result is older than the file); return the whole state."""
    import json

    from grader import catalog as catalog_mod
    from grader import report
    from grader.commands.list import file_fingerprint

    path = root / ".grader" / "last.json"
    try:
        state = json.loads(path.read_text("utf-8")) if path.exists() else {}
    except (OSError, ValueError):
        state = {}
    files = state.get("_files") if isinstance(state.get("_files"), dict) else {}
    catalog = catalog_mod.load()
    for r in run.results:
        state[r.qualname] = r.outcome
        if folder is not None:
            files[r.qualname] = file_fingerprint(
                folder / catalog.chapter(r.exercise.chapter).filename)
    state["_files"] = files
    try:
        report.write_json(path, state)
        gitignore = root / ".grader" / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text("*\n")
    except OSError:
        pass  # state is a convenience; a read-only checkout still grades
    return state


def cmd_hint(args: Any) -> int:
    """The hint of an exercise, each exercise of a chapter, or (no target) the next exercise."""
    from rich.text import Text

    from grader import catalog as catalog_mod
    from grader import report
    from grader.commands.list import load_state, next_exercise
    from grader.messages import t

    catalog = catalog_mod.load()
    lang = _lang(args)
    upcoming = None
    if args.target is None:
        upcoming = next_exercise(catalog, load_state(find_root()))
        if upcoming is None:
            print(t("list.done", lang))
            return EXIT_OK
    try:
        exercises = [upcoming] if upcoming else catalog.resolve([args.target])
    except catalog_mod.TargetError as exc:
        raise UsageError(str(exc), getattr(exc, "zh", None)) from None
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


def build_parser() -> argparse.ArgumentParser:
    from grader import __version__

    parser = argparse.ArgumentParser(
        prog="grader",
        description="Grade the convolutional-network exercises (d2l lectures 19-23).",
        epilog="Targets: all, chapter19 … chapter23 (or 19 … 23), chapter21.corr2d_multi_in. "
               "GRADER_SOLUTIONS=1 grades solutions/ for every command.")
    parser.add_argument("--lang", choices=("en", "zh"),
                        help="language of the output (default: from LC_ALL / LANG)")
    parser.add_argument("--version", action="version", version=f"convgrade {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="grade exercises and show a verdict for each")
    check.add_argument("targets", nargs="*", metavar="TARGET", default=[],
                       help="what to grade (default: all)")
    check.add_argument("--solutions", action="store_true",
                       help="grade the reference solutions/ (instructors)")
    check.add_argument("--exercises", metavar="DIR", help="grade the chapter files in DIR")
    check.add_argument("--device", default="auto", metavar="auto|cpu|cuda",
                       help="where tensors live (default: auto = CUDA when available)")
    check.add_argument("--report", metavar="FILE", help="write a results.json report")
    check.add_argument("--junit", metavar="FILE", help="write JUnit XML (CI, GitHub Classroom)")
    check.add_argument("--seed", type=int, help="seed Hypothesis for a reproducible run")
    check.add_argument("--no-next", action="store_true", help=argparse.SUPPRESS)
    check.add_argument("--thorough", action="store_true",
                       help="ten times as many examples per property (instructors, CI)")
    check.add_argument("--memory-limit", type=int, metavar="MB", default=None,
                       help="memory limit for the learner's process in MB (0: none; default "
                            "3072 on the CPU)")
    check.add_argument("--lang", choices=("en", "zh"), default=argparse.SUPPRESS)
    check.set_defaults(func=cmd_check)

    hint = sub.add_parser("hint", help="show the hint for an exercise or a chapter")
    hint.add_argument("target", metavar="TARGET", nargs="?",
                      help="an exercise or a chapter (default: your next exercise)")
    hint.add_argument("--lang", choices=("en", "zh"), default=argparse.SUPPRESS)
    hint.set_defaults(func=cmd_hint)
    for name in COMMAND_MODULES:
        import importlib

        importlib.import_module(name).register(sub)
    return parser


def keep_hypothesis_files_in(root: Path | None) -> None:
    """Hypothesis writes a cache (``.hypothesis/``) into the current folder, and beside the
    modules it reads constants from; a learner's project gets none: it goes to
    ``.grader/hypothesis-storage`` (everything the grader writes lives under ``.grader/``), or
    outside any project to the user's cache folder. Must run before Hypothesis first touches
    its storage; an explicit HYPOTHESIS_STORAGE_DIRECTORY wins."""
    if root is not None:
        where = root / ".grader" / "hypothesis-storage"
    else:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"),
                                                                   ".cache")
        where = Path(cache) / "convgrade" / "hypothesis-storage"
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(where))


def main(argv: list[str] | None = None) -> int:
    keep_hypothesis_files_in(find_root())
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError):
            pass
    parser = build_parser()
    # Targets may follow options (`grader check --seed 0 chapter19 nb.ipynb chapter19.corr2d`):
    # argparse stops a nargs="*" positional at the first option, so gather the rest here.
    args, extra = parser.parse_known_args(argv)
    if extra:
        if hasattr(args, "targets") and not any(e.startswith("-") for e in extra):
            args.targets = list(args.targets) + extra
        else:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"grader: {exc.text(_lang(args))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("grader: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the grader's own fault: say so, no traceback for learners
        print(f"grader: internal error ({type(exc).__name__}: {exc}). This is not your fault: "
              "please report it. GRADER_DEBUG=1 shows the traceback.", file=sys.stderr)
        if os.environ.get("GRADER_DEBUG"):
            raise
        return EXIT_FAILED


def entry() -> None:
    """The console script: ``main``, then a quick exit. Tearing down an interpreter that has
    imported torch takes over half a second; everything the grader writes is complete and
    flushed by then, and the fork server and worker notice the closed sockets."""
    code = main()
    if "torch" in sys.modules:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
