"""Processes of the grader's: starting one in a session of its own, ending one with
everything it started, and the words for how one ended.

``start_process`` starts a worker or a verdict process in a session (POSIX) or process group
(Windows) of its own; ``kill_tree`` ends it and every descendant (the process group where
there are sessions, psutil's view of the children everywhere, Linux's /proc where psutil is
missing) and waits until they have really gone; ``graceful_stop`` and ``on_graceful_stop`` are
the Ctrl-C of a verdict process. ``how_it_ended`` is a sentence (``grader.text.said``) for a
return code: a signal, an exit status, a Windows crash status.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from typing import Any

from grader.text import said


def start_process(cmd: list[str], **popen: Any) -> subprocess.Popen:
    """Popen for a process of the grader's (a worker, a verdict process), in a session (POSIX)
    or process group (Windows) of its own, so that ending it ends what it started and a Ctrl-C
    meant for the grader reaches the grader first."""
    if hasattr(os, "setsid"):
        popen["start_new_session"] = True
    elif sys.platform == "win32":
        popen["creationflags"] = popen.get("creationflags", 0) | \
            subprocess.CREATE_NEW_PROCESS_GROUP
    return subprocess.Popen(cmd, **popen)


def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (psutil; Linux's /proc where psutil is missing)."""
    try:
        import psutil
    except ImportError:
        return _proc_descendants(pid)
    try:
        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


def _proc_descendants(pid: int) -> list[int]:
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


def _kill(pid: int, group: bool) -> None:
    """SIGKILL (TerminateProcess on Windows) for ``pid``, or its process group when it leads
    one and groups exist here."""
    if group and hasattr(os, "killpg"):
        try:
            os.killpg(pid, signal.SIGKILL)
            return
        except (ProcessLookupError, PermissionError, OSError):
            pass
    try:
        import psutil

        psutil.Process(pid).kill()
    except ImportError:
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            os.kill(pid, signal.SIGKILL)
    except Exception:  # noqa: BLE001  (psutil.Error: gone already, or not ours)
        pass


def kill_tree(proc: Any, children: list[int] | None = None, wait: float = 10) -> None:
    """Kill ``proc`` and its descendants (or the ``children`` found before), and wait until
    they have really gone, so that nothing is left running behind the next submission."""
    children = descendants(proc.pid) if children is None else children
    leads = hasattr(os, "getpgid") and _leads_group(proc.pid)
    if proc.poll() is None:
        _kill(proc.pid, leads)
    for pid in children:
        if running(pid):  # gone already (and its number may be someone else's by now)
            _kill(pid, hasattr(os, "getpgid") and _leads_group(pid))
    try:
        proc.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        pass
    # A kill is delivered asynchronously: wait (briefly) until every one has really gone.
    deadline = time.monotonic() + 5
    while any(running(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.02)


def _leads_group(pid: int) -> bool:
    try:
        return os.getpgid(pid) == pid
    except OSError:
        return False


def running(pid: int) -> bool:
    """Alive and not a zombie (a zombie holds nothing but its exit status)."""
    try:
        import psutil
    except ImportError:
        return _proc_running(pid)
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _proc_running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[-1].split()[0]
    except (OSError, IndexError):
        return False
    return state != b"Z"


# -- stopping a verdict process ----------------------------------------------------------------

def graceful_stop(proc: subprocess.Popen) -> None:
    """Ask a process of ours (``start_process``) to end its job as Ctrl-C would: SIGTERM on
    POSIX, CTRL_BREAK_EVENT to its process group on Windows."""
    sig = signal.CTRL_BREAK_EVENT if sys.platform == "win32" else signal.SIGTERM  # type: ignore[attr-defined]
    with contextlib.suppress(OSError, ValueError):
        proc.send_signal(sig)


def on_graceful_stop(handler: Any) -> None:
    """Install ``handler`` for what ``graceful_stop`` sends (SIGTERM; SIGBREAK on Windows)."""
    for name in ("SIGTERM", "SIGBREAK"):
        sig = getattr(signal, name, None)
        if sig is not None:
            with contextlib.suppress(OSError, ValueError):
                signal.signal(sig, handler)


# -- how a process ended -----------------------------------------------------------------------

def how_it_ended(code: int | None) -> dict:
    """How a learner process ended (its return code, None when it stopped answering), as a
    sentence to render in the reader's language (``grader.text.said``)."""
    if code is None:
        return said("exit.unresponsive")
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return said("exit.signal", name=name)
    if sys.platform == "win32" and code >= 0xC0000000:  # an NTSTATUS: a crash, not an exit
        from grader.windows import describe_status

        return describe_status(code)
    return said("exit.status", code=code)
