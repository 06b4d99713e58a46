"""Long-lived verdict processes ("slots") and the process-tree helpers around them.

A slot is ``python -m grader.slot``: it imports torch, pytest and Hypothesis once, starts one fork
server for learner workers, then runs ``grader`` commands one after another, each as
``grader.cli.main(argv)`` with its output in a log file. ``grader grade`` keeps ``--jobs`` of them
for a class; ``grader watch`` keeps one, so every check after the first starts warm.

Isolation is the same as a process per command: each command's learner code runs in a fresh worker
forked for it, and the slot runs grader code only. What a run could leave behind is reset: every
property's seed, example database and example budget (``--thorough``) are set from the run's
own options (``grader.checks.configure_test``), and the environment is restored after each job.
A command that runs past its time limit gets the slot killed with everything it started; the
next command starts a fresh one. SIGTERM ends the current job as Ctrl-C would (its worker is
closed), then the slot.

Protocol: one JSON line per job on the slot's stdin (``argv``, ``cwd``, ``log``, ``env``); one
JSON line ``{"rc": N}`` back on its stdout when the job is done. The slot's stderr goes to a file
the parent appends to the job's log if the slot dies.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

EXIT_FAILED = 1  # as grader.cli (not imported here: the slot imports it after torch)


def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (Linux /proc; empty elsewhere)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children") as f:
                    children = [int(c) for c in f.read().split()]
            except (OSError, ValueError):
                continue
            found.extend(children)
            todo.extend(children)
    return found


def kill_tree(proc: subprocess.Popen, children: list[int] | None = None) -> None:
    """Kill the verdict process and its worker (which runs in a session of its own), or the
    ``children`` found before."""
    children = descendants(proc.pid) if children is None else children
    for pid in [proc.pid, *children]:
        if pid != proc.pid and not running(pid):
            continue  # gone already (and its number may be someone else's by now)
        try:
            os.killpg(pid, signal.SIGKILL)  # each is a group leader (start_new_session)
        except (ProcessLookupError, PermissionError):
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    # SIGKILL is delivered asynchronously: wait (briefly) until every one has really gone, so
    # that a timed-out submission leaves nothing running behind the next one.
    deadline = time.monotonic() + 5
    while any(running(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.02)


def running(pid: int) -> bool:
    """Alive and not a zombie (a zombie holds nothing but its exit status)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[-1].split()[0]
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return not os.path.isdir("/proc")  # no /proc: assume alive only where we cannot look
    return state != b"Z"


class Slot:
    """The parent's handle on one slot process (see the module docstring). Not thread-safe:
    one job at a time."""

    def __init__(self, env: dict) -> None:
        self.env = env
        self.proc: subprocess.Popen | None = None
        self.replies: queue.Queue = queue.Queue()
        self.stderr: Any = None  # the slot's own stderr: what it said if it dies

    def start(self) -> None:
        import tempfile

        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "grader.slot"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.stderr, env=self.env,
            start_new_session=True, text=True, encoding="utf-8")
        self.replies = queue.Queue()
        threading.Thread(target=self._read, args=(self.proc, self.replies), daemon=True).start()

    @staticmethod
    def _read(proc: subprocess.Popen, replies: queue.Queue) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                replies.put(json.loads(line))
            except ValueError:
                continue
        replies.put(None)  # the slot is gone

    def run(self, argv: list[str], cwd: Path, log: Path | str, timeout: float,
            env: dict[str, str] | None = None) -> int | None:
        """Run ``grader ARGV`` in the slot, in ``cwd``, its output written to ``log`` (a file,
        or a terminal device), with ``env`` added to the slot's environment for this job. The
        job's exit status (negative: killed by that signal), or None after a timeout."""
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        proc = self.proc  # kill() from another thread may set self.proc to None meanwhile
        assert proc is not None and proc.stdin is not None
        try:
            proc.stdin.write(json.dumps({"argv": argv, "cwd": str(cwd), "log": str(log),
                                         "env": env or {}}) + "\n")
            proc.stdin.flush()
            reply = self.replies.get(timeout=timeout)
        except (OSError, ValueError):
            reply = None
        except queue.Empty:
            kill_tree(proc)
            self.proc = None
            return None
        if reply is None:  # the slot died under this job
            self.proc = None
            try:
                code = proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                kill_tree(proc)
                code = -signal.SIGKILL
            self._append_stderr(log)
            return code if code else EXIT_FAILED
        return int(reply.get("rc", EXIT_FAILED))

    def _append_stderr(self, log: Path | str) -> None:
        """Add the end of what the dead slot wrote to stderr to the job's log (a file)."""
        try:
            self.stderr.seek(0)
            tail = self.stderr.read()[-3000:].decode("utf-8", "replace").strip()
            if tail and Path(log).is_file():
                with open(log, "a", encoding="utf-8") as f:
                    f.write("\n" + tail + "\n")
        except (OSError, AttributeError, ValueError):
            pass

    def kill(self, grace: float = 2.0) -> None:
        """Stop the slot now, whatever it is doing (Ctrl-C in ``grader watch``): SIGTERM first,
        which the slot turns into a KeyboardInterrupt of its job (the job closes its worker
        and its spinner), then, after ``grace`` seconds, SIGKILL for everything it started."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        children = descendants(proc.pid)
        try:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=grace)
        except (OSError, subprocess.TimeoutExpired):
            pass
        kill_tree(proc, children)

    def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        # Its fork server and workers run in sessions of their own: once the slot is gone they
        # are nobody's children, so find them first.
        children = descendants(proc.pid)
        try:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        kill_tree(proc, children)


def slot_main() -> None:
    """The slot process's main loop."""

    proto = os.fdopen(os.dup(1), "w", encoding="utf-8")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)  # stray writes to fd 1 (a C library's) stay off the protocol; fd 2 is
    # the parent's record of this slot (Slot.stderr), read if the slot dies
    from grader.client import shared_zygote

    shared_zygote()  # the fork server imports torch while this process does too
    import hypothesis  # noqa: F401  (once, before the first job)
    import pytest  # noqa: F401
    import torch  # noqa: F401

    from grader import cli

    stopping = []

    def on_term(signum: int, frame: Any) -> None:  # Slot.kill: end the job as Ctrl-C would
        stopping.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        _serve(proto, cli, stopping)
    except KeyboardInterrupt:  # SIGTERM between jobs
        pass
    os._exit(0)


def _serve(proto: Any, cli: Any, stopping: list) -> None:
    import contextlib
    import traceback

    for line in sys.stdin:
        job = json.loads(line)
        environ = dict(os.environ)
        rc = EXIT_FAILED
        try:
            with open(job["log"], "w", encoding="utf-8", errors="replace") as log, \
                    contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
                try:
                    os.chdir(job["cwd"])
                    os.environ.update(job.get("env", {}))
                    rc = cli.main(job["argv"])
                except SystemExit as exc:  # argparse
                    rc = exc.code if isinstance(exc.code, int) else EXIT_FAILED
                except BaseException:  # noqa: BLE001  (the log says what; the batch goes on)
                    traceback.print_exc()
                    rc = EXIT_FAILED
        except OSError:  # the log cannot be written: the job still gets an answer
            traceback.print_exc()
        finally:
            os.environ.clear()  # every job starts from the slot's own environment
            os.environ.update(environ)
        if stopping:
            break
        proto.write(json.dumps({"rc": rc}) + "\n")
        proto.flush()


if __name__ == "__main__":
    slot_main()
