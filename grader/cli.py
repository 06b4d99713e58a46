"""The ``grader`` command line: the parser and ``main``. Each command is a module of
``grader.commands`` with ``register(subparsers)``; imports stay lazy, so ``grader --help`` never
imports torch.

Exit status: 0 when every graded exercise passed, 1 when any did not (or the grader failed),
2 for a usage error.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from grader.errors import EXIT_FAILED, EXIT_USAGE, UsageError

# Each module adds its parser and sets ``func`` (keeping its heavy imports inside ``func``).
COMMAND_MODULES: list[str] = ["grader.commands.check", "grader.commands.hint",
                              "grader.commands.list", "grader.commands.watch",
                              "grader.commands.reset", "grader.commands.solution",
                              "grader.commands.release", "grader.commands.grade",
                              "grader.commands.merge",
                              "grader.commands.gradescope", "grader.commands.notebook",
                              "grader.commands.train", "grader.commands.data",
                              "grader.commands.init", "grader.commands.dev"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grader",
        description="Grade the convolutional-network exercises (d2l lectures 19-23).",
        epilog="Targets: all, chapter19 … chapter23 (or 19 … 23), chapter21.corr2d_multi_in. "
               "GRADER_SOLUTIONS=1 grades solutions/ for every command.")
    from grader import __version__

    parser.add_argument("--version", action="version", version=f"convgrade {__version__}")
    from grader.project import add_lang_option

    add_lang_option(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from grader.project import default_lang, find_root, keep_hypothesis_files_in

    keep_hypothesis_files_in(find_root())
    from grader.report import configure_streams

    configure_streams()
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
    from grader.text import t

    lang = default_lang(args)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"grader: {exc.text(lang)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"grader: {t('cli.interrupted', lang)}", file=sys.stderr)
        return 130
    except BrokenPipeError:  # whoever read the output left (`grader list | head -1`): stop
        # quietly, as a Unix tool killed by SIGPIPE does; what was written stays written
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_FAILED
    except Exception as exc:  # the grader's own fault: say so, no traceback for learners
        print("grader: " + t("cli.internal_error", lang, type=type(exc).__name__,
                             message=str(exc)), file=sys.stderr)
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
