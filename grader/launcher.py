"""The one place that starts learner processes and knows what the platform offers.

``launch(spec)`` starts a worker (``grader.worker``) for one folder and returns a
``LearnerProcess``: its connection, its output pipe and a Popen-like handle. Two paths:

- **the fork server** (``grader.fork_server``): a process that has imported torch once; each
  worker is a fork of it (milliseconds). Used for ``isolation="process"`` where forking is safe.
- **a fresh interpreter** (``python -I -c <boot>``): when there is no fork server, or it has gone.
- **the sandbox** or **a dedicated user** (``isolation="sandbox"`` / ``"user"``, for code the
  grader does not trust): always a fresh interpreter, started by ``grader.sandbox`` inside
  bubblewrap or as an unprivileged user; never a fork of a server shared with other students.

Both start the worker in a session of its own, so ending its process group ends whatever the
learner's code started. The worker's first message on the connection is its setup
(``protocol.setup``), sent by ``grader.worker_client.Worker``.

The process-tree helpers (``descendants``, ``kill_tree``, ``running``) live here too: every other
module asks this one.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

# The worker must find the grader package even when it is not installed; the learner's folder is
# put before it on sys.path (by the worker), and ``-I`` keeps the current directory and PYTHON*
# variables out.
_BOOT = "import sys; sys.path.append({root!r}); from grader.worker import main; main()"
GRADER_ROOT = str(Path(__file__).resolve().parent.parent)

ISOLATIONS = ("sandbox", "user", "process")


@dataclass(frozen=True)
class LaunchSpec:
    """How to start one learner worker."""

    folder: str  # the graded folder: the worker's working folder and first sys.path entry
    memory_limit_mb: int | None = None  # a data-segment limit; None: none
    isolation: str = "process"
    forbidden: tuple[str, ...] = ()  # the reference solutions: never inside a sandbox


@dataclass
class LearnerProcess:
    """A started worker: ``proc`` has Popen's ``pid``, ``poll``, ``wait`` and ``kill``."""

    proc: Any
    conn: Connection
    stdout: Any  # binary stream of the learner's output (stdout and stderr together)
    preloaded: frozenset[str]  # modules the worker's process had imported before it started
    folder: str | None = None  # where the worker finds the submission, when not spec.folder

    def kill(self) -> None:
        """End the worker and everything it started (its process group), and reap it."""
        proc = self.proc
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                proc.kill()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


class IsolationUnavailable(Exception):
    """The isolation a plan asks for cannot be had on this machine (the message says why;
    ``zh``: the same in Chinese, where there is one)."""

    def __init__(self, message: str, zh: str | None = None) -> None:
        super().__init__(message)
        self.zh = zh


# -- the shared fork server --------------------------------------------------------------------

_FORK_SERVER: Any = None
_LOCK = threading.Lock()


def fork_server() -> Any:
    """This process's fork server, started on first use."""
    global _FORK_SERVER
    with _LOCK:
        if _FORK_SERVER is None or not _FORK_SERVER.alive():
            from grader.fork_server import ForkServer

            _FORK_SERVER = ForkServer()
            _FORK_SERVER.start()
        return _FORK_SERVER


def warm_up() -> None:
    """Start what the next ``launch`` needs (the fork server imports torch meanwhile)."""
    fork_server()


def preload(modules: tuple[str, ...], server: Any = None) -> None:
    """Have the fork server import ``modules`` from a background thread, so that workers forked
    after it have them (what an exercise's code would import slowly)."""
    server = server or _FORK_SERVER
    if server is None or not modules or set(modules) <= server.preloads:
        return

    def run() -> None:
        try:
            server.preload(modules)
        except (OSError, EOFError, ValueError):
            pass  # the fork server is gone: workers start as fresh interpreters

    threading.Thread(target=run, name="grader-preload", daemon=True).start()


# -- starting a worker -------------------------------------------------------------------------

def launch(spec: LaunchSpec, server: Any = "shared") -> LearnerProcess:
    """Start a worker without waiting for it to be ready. ``server``: "shared" (this
    process's fork server), a given ``ForkServer``, or None (a fresh interpreter)."""
    if spec.isolation not in ISOLATIONS:
        raise IsolationUnavailable(f"unknown isolation {spec.isolation!r}")
    if spec.isolation != "process":
        return _sandboxed(spec)
    server = fork_server() if server == "shared" else server
    parent, child = socket.socketpair()
    try:
        started = _fork(server, spec, child) if server is not None and server.alive() else None
        if started is None:
            proc, stdout = _popen(spec, child)
            started = (proc, stdout, frozenset())
    finally:
        child.close()
    proc, stdout, preloaded = started
    return LearnerProcess(proc, Connection(parent.detach()), stdout, preloaded)


def _sandboxed(spec: LaunchSpec) -> LearnerProcess:
    """A fresh worker interpreter in the sandbox, or as the dedicated user (``grader.sandbox``);
    never a fork of a server shared with other students."""
    from grader import sandbox

    ok, why = available(spec.isolation)
    if not ok:
        raise IsolationUnavailable(why)
    parent, child = socket.socketpair()
    try:
        inner = [sys.executable, "-I", "-c", _BOOT.format(root=GRADER_ROOT),
                 str(child.fileno())]
        try:
            proc = sandbox.start(spec.isolation, spec.folder, inner, child.fileno(),
                                 spec.memory_limit_mb, spec.forbidden)
        except sandbox.SandboxError as exc:
            parent.close()
            raise IsolationUnavailable(str(exc)) from None
    finally:
        child.close()
    folder = None if spec.isolation == "sandbox" else os.path.join(proc.cleanup[0], "submission")
    return LearnerProcess(proc, Connection(parent.detach()), proc.stdout, frozenset(), folder)


def _fork(server: Any, spec: LaunchSpec, child: socket.socket) -> tuple | None:
    from grader.fork_server import ForkedProcess

    read_fd, write_fd = os.pipe()
    try:
        pid, preloads = server.spawn(child.fileno(), write_fd, spec.folder,
                                     spec.memory_limit_mb)
    except (OSError, EOFError, ValueError, KeyError, TypeError):
        os.close(read_fd)  # the fork server is gone: a fresh interpreter instead
        return None
    finally:
        os.close(write_fd)
    stdout = os.fdopen(read_fd, "rb", buffering=0)
    return ForkedProcess(server, pid, stdout, preloads), stdout, preloads


def _popen(spec: LaunchSpec, child: socket.socket) -> tuple[subprocess.Popen, Any]:
    cmd = [sys.executable, "-I", "-c", _BOOT.format(root=GRADER_ROOT), str(child.fileno())]
    limit = spec.memory_limit_mb

    def preexec() -> None:  # runs in the child, before exec
        import resource

        soft = limit * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (soft, soft))

    proc = subprocess.Popen(
        cmd, pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, start_new_session=True, cwd=spec.folder,
        preexec_fn=preexec if limit else None)
    return proc, proc.stdout


# -- process trees -----------------------------------------------------------------------------

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
    """Kill ``proc`` and its descendants (each worker runs in a session of its own), or the
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


def describe_exit(code: int | None) -> tuple[str, str]:
    """(English, Chinese) words for how a learner process ended."""
    if code is None:
        return "it stopped answering", "它不再响应"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return (f"it was killed by {name}", f"它被信号 {name} 终止")
    return f"it exited with status {code}", f"它以状态码 {code} 退出"


# -- which isolation ---------------------------------------------------------------------------

def available(level: str) -> tuple[bool, str]:
    """(whether ``level`` can be had on this machine, why not)."""
    if level == "process":
        return True, ""
    from grader import sandbox

    if level == "sandbox":
        return sandbox.sandbox_available()
    if level == "user":
        return sandbox.user_available()
    return False, f"{level} isolation is not available on this machine"


def choose_isolation(isolation: str, sandbox: bool | None, sandbox_default: bool) -> str:
    """The level in force for ``--isolation`` (auto or a level) and ``--sandbox`` /
    ``--no-sandbox`` (None when neither was given). ``auto`` takes the strongest available
    where the sandbox is asked for or is the command's default, and ``process`` elsewhere.
    Raises ``IsolationUnavailable`` (a usage error for the caller) when what was asked for
    cannot be had."""
    if isolation not in ("auto", *ISOLATIONS):
        raise IsolationUnavailable(f"--isolation must be auto, sandbox, user or process, "
                                   f"not {isolation!r}")
    if isolation != "auto":
        if sandbox is False and isolation != "process":
            raise IsolationUnavailable(f"--no-sandbox contradicts --isolation {isolation}")
        ok, why = available(isolation)
        if not ok:
            raise IsolationUnavailable(why)
        return isolation
    if sandbox is False or (sandbox is None and not sandbox_default):
        return "process"
    reasons = []
    for level in ("sandbox", "user"):
        ok, why = available(level)
        if ok:
            return level
        reasons.append(why)
    from grader.messages import t

    why = "; ".join(reasons)
    raise IsolationUnavailable(t("isolation.none", "en", why=why),
                               t("isolation.none", "zh", why=why))
