"""Long-lived verdict processes ("slots") and the process-tree helpers around them.

A slot is ``python -m grader.slot``: it imports torch, pytest and Hypothesis once, starts one fork
server for learner workers, then runs ``grader`` commands one after another, each as
``grader.cli.main(argv)`` with its output in a log file. ``grader grade`` keeps ``--jobs`` of them
for a class; ``grader watch`` keeps one, so every check after the first starts warm.

Isolation is the same as a process per command: each command's learner code runs in a fresh worker
forked for it, the slot runs grader code only, and Hypothesis' settings and seed are set anew
for every run. A command that runs past its time limit gets the slot killed with everything it
started; the next command starts a fresh one.

Protocol: one JSON line per job on the slot's stdin (``argv``, ``cwd``, ``log``); one JSON line
``{"rc": N}`` back on its stdout when the job is done.
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

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "grader.slot"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=self.env,
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
        assert self.proc is not None and self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps({"argv": argv, "cwd": str(cwd), "log": str(log),
                                              "env": env or {}}) + "\n")
            self.proc.stdin.flush()
            reply = self.replies.get(timeout=timeout)
        except (OSError, ValueError):
            reply = None
        except queue.Empty:
            kill_tree(self.proc)
            self.proc = None
            return None
        if reply is None:  # the slot died under this job
            proc, self.proc = self.proc, None
            try:
                code = proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                kill_tree(proc)
                code = -signal.SIGKILL
            return code if code else EXIT_FAILED
        return int(reply.get("rc", EXIT_FAILED))

    def kill(self) -> None:
        """Stop the slot now, whatever it is doing (Ctrl-C in ``grader watch``)."""
        proc, self.proc = self.proc, None
        if proc is not None:
            kill_tree(proc)

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
    import contextlib
    import traceback

    proto = os.fdopen(os.dup(1), "w", encoding="utf-8")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)  # stray writes to fd 1 or 2 (a C library's warning) stay off the protocol
    os.dup2(null, 2)
    from grader.client import shared_zygote

    shared_zygote()  # the fork server imports torch while this process does too
    import hypothesis  # noqa: F401  (once, before the first job)
    import pytest  # noqa: F401
    import torch  # noqa: F401

    from grader import cli
    for line in sys.stdin:
        job = json.loads(line)
        os.chdir(job["cwd"])
        os.environ.update(job.get("env", {}))
        with open(job["log"], "w", encoding="utf-8", errors="replace") as log, \
                contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            try:
                rc = cli.main(job["argv"])
            except SystemExit as exc:  # argparse
                rc = exc.code if isinstance(exc.code, int) else EXIT_FAILED
            except BaseException:  # noqa: BLE001  (the log says what; the batch goes on)
                traceback.print_exc()
                rc = EXIT_FAILED
        proto.write(json.dumps({"rc": rc}) + "\n")
        proto.flush()
    os._exit(0)


if __name__ == "__main__":
    slot_main()
