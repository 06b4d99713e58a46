"""``grader watch [TARGET]``: grade again each time a file in the graded folder is saved.

File events come from watchdog (inotify, FSEvents, ReadDirectoryChangesW); ``--poll`` or a
native observer that fails to start selects watchdog's PollingObserver. Events only wake the
loop: a run starts when the folder's ``*.py`` files differ (mtime, size) from when the last run
started, once ``--debounce`` seconds pass without a further change. Comparing snapshots
collapses the several events of one save, ignores late duplicates, and, checked once a second
even without events, catches saves on file systems that deliver no events at all (network
drives, some containers and WSL mounts).

Each run is a plan sent to a warm verdict process (``grader.service_process``), kept between
runs: the first run imports torch, pytest and Hypothesis, every later run starts warm. The
learner's code runs in a fresh worker for every run, so a crash or a hang never ends the watch
(and a run that takes more than ``RUN_TIMEOUT`` gets the verdict process replaced). The result
comes back as data and is rendered here. Without TARGET the watch follows the course: it grades
the next exercise not yet passed.
"""

from __future__ import annotations

import os
import queue
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader.project import add_lang_option

RUN_TIMEOUT = 900.0  # seconds for one whole run (each call has its own, shorter budget)

# Event types that mean a file may have new content (not "opened" or "closed_no_write": the
# grader itself opens the learner's files when it imports them).
CHANGE_EVENTS = ("modified", "created", "moved", "deleted", "closed", "attrib")

Snapshot = dict


def snapshot(folder: Path) -> Snapshot:
    """{file name: (mtime_ns, size)} of the ``*.py`` files directly in ``folder``."""
    out = {}
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return out
    for entry in entries:
        if entry.name.endswith(".py") and not entry.name.startswith("."):
            try:
                st = entry.stat()
            except OSError:
                continue
            out[entry.name] = (st.st_mtime_ns, st.st_size)
    return out


def watch_loop(*, wait_event: Callable[[float], bool], take_snapshot: Callable[[], Snapshot],
               regrade: Callable[[int], int], clock: Callable[[], float] = time.monotonic,
               debounce: float = 0.3, poll_interval: float = 1.0,
               max_runs: int | None = None) -> int:
    """Grade once, then again after every change; return the last run's exit status.

    ``wait_event(timeout)`` blocks up to ``timeout`` seconds and says whether a file event
    arrived; ``regrade(n)`` runs the n-th grading. Everything that touches time or files is
    passed in, so tests drive the loop with a fake clock.
    """
    seen = take_snapshot()
    status = regrade(1)
    runs = 1
    due: float | None = None  # when to grade the changes noticed so far
    while max_runs is None or runs < max_runs:
        wait_event(poll_interval if due is None else max(0.0, due - clock()))
        now = take_snapshot()
        if now != seen:  # a change (or another one within the debounce window)
            seen = now
            due = clock() + debounce
            continue
        if due is not None and clock() >= due:
            due = None
            seen = take_snapshot()
            runs += 1
            status = regrade(runs)
    return status


class EventQueue:
    """A watchdog handler that queues file events for the watched folder's ``*.py`` files."""

    def __init__(self, folder: Path) -> None:
        self.folder = os.path.realpath(folder)
        self.events: queue.Queue = queue.Queue()

    def dispatch(self, event: Any) -> None:  # watchdog's handler interface
        if event.is_directory or event.event_type not in CHANGE_EVENTS:
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            path = os.fsdecode(raw) if raw else ""
            if path.endswith(".py") and \
                    os.path.dirname(os.path.realpath(path)) == self.folder:
                self.events.put(path)
                return

    def wait(self, timeout: float) -> bool:
        try:
            self.events.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            return False
        while True:  # one wake-up for a burst
            try:
                self.events.get_nowait()
            except queue.Empty:
                return True


def start_observer(folder: Path, handler: EventQueue, poll: bool,
                   interval: float) -> tuple[Any | None, str]:
    """(a started watchdog observer or None, a note for the learner when not native)."""
    try:
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver
    except ImportError as exc:  # an old environment: the snapshot check alone still works
        return None, f"watchdog is not installed ({exc})"
    note = ""
    if not poll:
        observer = Observer()
        try:
            observer.schedule(handler, str(folder), recursive=False)
            observer.start()
            return observer, ""
        except Exception as exc:  # e.g. inotify watch or instance limits reached
            note = f"{type(exc).__name__}: {exc}"
            try:
                observer.stop()
            except Exception:
                pass
    observer = PollingObserver(timeout=interval)
    observer.schedule(handler, str(folder), recursive=False)
    observer.start()
    return observer, note


def cmd_watch(args: Any) -> int:
    from rich.text import Text

    from grader import catalog as catalog_mod
    from grader import project, report
    from grader.commands.check import resolve_targets
    from grader.commands.reset import shown_path
    from grader.errors import UsageError
    from grader.service_process import Service, ServiceDied, ServiceError
    from grader.text import t

    lang = project.default_lang(args)
    catalog = catalog_mod.load()
    if args.target:
        resolve_targets([args.target])
    if args.debounce < 0 or (args.max_runs is not None and args.max_runs < 1):
        raise UsageError("watch.bad_options")
    project.check_device_name(args.device)
    folder, root = project.graded_folder(args)
    solutions = project.solutions_mode(args)
    # Following the course needs the state that `grader check` keeps for exercises/ only.
    learner_mode = root is not None and not args.exercises and not solutions
    follow = not args.target and learner_mode
    memory = project.memory_limit(None, args.device)
    con = report.console()

    def current_target() -> str:
        if args.target:
            return args.target
        if not follow:
            return "all"
        upcoming = project.next_exercise(catalog, project.load_state(root))
        return upcoming.qualname if upcoming else "all"

    service = Service()
    service.start()  # imports while the first run is prepared

    def grade_once(run_number: int, target: str, clear: bool) -> int:
        if clear and not args.no_clear:
            con.clear()
        con.print(Text(t("watch.header", lang, target=target, run=run_number,
                         time=time.strftime("%H:%M:%S")), style="bold cyan"))
        sys.stdout.flush()
        plan = project.plan(
            resolve_targets([target]), folder, root=root, device=args.device,
            memory_limit_mb=memory,
            database_key=str(folder) if root is not None and not solutions else None)
        status = 1
        started = time.monotonic()
        try:
            with report.progress(t("report.grading", lang, folder=folder)):
                run = service.submit(plan, RUN_TIMEOUT)
        except (ServiceDied, ServiceError, OSError) as exc:
            run, status = None, -1
            con.print(Text(str(getattr(exc, "output", "") or exc), style="red"))
        if run is not None:
            if learner_mode:
                project.save_state(root, run, folder)
            report.print_run(run, lang, seconds=time.monotonic() - started)
            status = 0 if run.passed else 1
        elif status == 1:
            status = -1
            con.print(Text(t("watch.run_timeout", lang, seconds=RUN_TIMEOUT), style="red"))
        if status not in (0, 1):
            con.print(Text(t("watch.check_failed", lang, status=status), style="red"))
        return status

    def regrade(run_number: int) -> int:
        """Grade the target; when following the course, a pass moves on to the next exercise
        at once (no save needed to see where it stands)."""
        target = current_target()
        status = grade_once(run_number, target, clear=True)
        while follow and status == 0:
            upcoming = project.next_exercise(catalog, project.load_state(root))
            if upcoming is None:
                con.print(Text(t("list.done", lang), style="bold green"))
                break
            if upcoming.qualname == target:
                break
            con.print(Text(t("watch.next", lang, done=target, name=upcoming.qualname),
                           style="bold"))
            target = upcoming.qualname
            status = grade_once(run_number, target, clear=False)
        con.print(Text(t("watch.waiting", lang, folder=shown_path(folder) + os.sep), style="dim"))
        sys.stdout.flush()
        return status

    handler = EventQueue(folder)
    observer, note = start_observer(folder, handler, args.poll, args.interval)
    if note:
        con.print(Text(t("watch.polling", lang, why=note, seconds=args.interval),
                       style="yellow"))
    try:
        return watch_loop(wait_event=handler.wait, take_snapshot=lambda: snapshot(folder),
                          regrade=regrade, debounce=args.debounce,
                          poll_interval=args.interval, max_runs=args.max_runs)
    except KeyboardInterrupt:
        con.print(Text(t("watch.stopped", lang)))
        return 0
    finally:
        service.kill()
        if sys.stdout.isatty():
            sys.stdout.write("\x1b[?25h")  # the cursor, in case a spinner was cut off
            sys.stdout.flush()
        if observer is not None:
            observer.stop()
            observer.join(timeout=5)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "watch", help="grade again every time you save a file (Ctrl-C stops)")
    parser.add_argument("target", nargs="?", metavar="TARGET",
                        help="what to grade (default: the next exercise not yet passed)")
    parser.add_argument("--poll", action="store_true",
                        help="look for changes by polling (when saves are not noticed)")
    parser.add_argument("--interval", type=float, default=1.0, metavar="S",
                        help="seconds between polls (default: 1)")
    parser.add_argument("--debounce", type=float, default=0.3, metavar="S",
                        help="wait until no file changed for S seconds (default: 0.3)")
    parser.add_argument("--max-runs", type=int, metavar="N",
                        help="stop after N gradings (scripts and tests)")
    parser.add_argument("--no-clear", action="store_true",
                        help="keep earlier results on screen")
    parser.add_argument("--solutions", action="store_true",
                        help="watch and grade solutions/ (instructors)")
    parser.add_argument("--exercises", metavar="DIR", help="watch and grade the files in DIR")
    parser.add_argument("--device", default="auto", metavar="auto|cpu|cuda")
    add_lang_option(parser)
    parser.set_defaults(func=cmd_watch)
