"""The one place that starts learner processes and knows what the platform offers.

``launch(spec)`` starts a worker (``grader.worker``) for one folder and returns a
``LearnerProcess``: its connection, its output pipe and a Popen-like handle. Two paths, chosen
here and nowhere else, by probing what this system has (``fast_path``):

- **the fork server** (``grader.fork_server``, Linux only): a process that has imported torch
  once; each worker is a fork of it (milliseconds). Used where ``os.fork``, SOCK_SEQPACKET
  socket pairs and fd passing exist and forking after ``import torch`` is safe (not macOS,
  whose own default is spawn). Each worker runs in a session of its own, ended with its group.
- **the portable path** (every system): a fresh ``python -I`` as a plain subprocess, talking
  length-prefixed frames over its stdin and stdout pipes (``grader.pipe_connection``), its
  output (stdout and stderr together) on its stderr pipe. Used where there is no fork server,
  and whenever the fork server has gone.
- **the sandbox** or **a dedicated user** (``isolation="sandbox"`` / ``"user"``, for code the
  grader does not trust, Linux): always a fresh interpreter, started by ``grader.sandbox``
  inside bubblewrap or as an unprivileged user; never a fork of a server shared with other
  students.

What ends a worker and everything it started, and what limits its memory, is probed as well:

- process trees: the process group where there are sessions (POSIX), a Job Object on Windows,
  psutil's view of the children everywhere;
- memory (``memory_mechanism``): RLIMIT_DATA where it is enforced (Linux), a Job Object's
  process-memory limit on Windows, elsewhere (macOS, where RLIMIT_DATA is not enforced) a
  watcher thread that kills the tree when its resident size passes the limit, reported as the
  memory outcome.

The worker's first message on the connection is its setup (``protocol.setup``), sent by
``grader.worker_client.Worker``. The process-tree helpers (``descendants``, ``kill_tree``,
``running``), the verdict process's own start and stop (``start_process``, ``graceful_stop``,
``on_graceful_stop``) and the words for how a process ended (``how_it_ended``) are in
``grader.process_tree``, the memory limit's mechanisms in ``grader.memory_limit``; both are
importable from here too. Which isolation level a plan gets (``choose_isolation``) is decided
here.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

# Importable from here as they always were: the process trees and the memory limit have their
# own modules now.
from grader.memory_limit import MEMORY_POLL, MemoryWatch, memory_mechanism  # noqa: F401
from grader.process_tree import (  # noqa: F401
    descendants,
    graceful_stop,
    how_it_ended,
    kill_tree,
    on_graceful_stop,
    running,
    start_process,
)
from grader.text import said, t

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
    """A started worker: ``proc`` has Popen's ``pid``, ``poll``, ``wait`` and ``kill``;
    ``conn`` has ``Connection``'s ``send_bytes``, ``recv_bytes``, ``poll`` and ``close``."""

    proc: Any
    conn: Any
    stdout: Any  # binary stream of the learner's output (stdout and stderr together)
    preloaded: frozenset[str]  # modules the worker's process had imported before it started
    folder: str | None = None  # where the worker finds the submission, when not spec.folder
    job: Any = None  # a Windows Job Object holding the worker's tree, where there is one
    watch: Any = field(default=None, repr=False)  # a MemoryWatch, where the limit is watched

    @property
    def out_of_memory(self) -> bool:
        """Whether the worker was killed for passing its memory limit (the watched kind)."""
        return self.watch is not None and self.watch.exceeded

    def kill(self) -> None:
        """End the worker and everything it started, and reap it."""
        if self.watch is not None:
            self.watch.stop()
        proc = self.proc
        if self.job is not None:
            self.job.terminate()
        if proc.poll() is None or self.job is None:
            kill_tree(proc, wait=5)


class IsolationUnavailable(Exception):
    """The isolation a plan asks for cannot be had on this machine: a sentence's ``key`` and
    ``data`` (``text(lang)``; ``str()`` is the English)."""

    def __init__(self, key: str, **data: Any) -> None:
        super().__init__(t(key, "en", **data))
        self.key = key
        self.data = data

    def text(self, lang: str) -> str:
        return t(self.key, lang, **self.data)


# -- what this system offers (probed once) ------------------------------------------------------

_FAST_PATH: tuple[bool, str] | None = None


def fast_path() -> tuple[bool, str]:
    """(whether workers can be forks of a fork server here, why not). Probed, not configured:
    ``sys.platform``, ``os.fork``/``os.setsid``/``os.killpg``, fd passing, and a trial
    SOCK_SEQPACKET socket pair (macOS has none)."""
    global _FAST_PATH
    if _FAST_PATH is None:
        _FAST_PATH = _probe_fast_path()
    return _FAST_PATH


def _probe_fast_path() -> tuple[bool, str]:
    if not sys.platform.startswith("linux"):
        return False, f"forking after importing torch is not safe on {sys.platform}"
    missing = [f"os.{n}" for n in ("fork", "setsid", "killpg") if not hasattr(os, n)]
    missing += [f"socket.{n}" for n in ("SOCK_SEQPACKET", "send_fds", "recv_fds")
                if not hasattr(socket, n)]
    if missing:
        return False, "no " + ", ".join(missing)
    try:
        import resource  # noqa: F401  (the forks' memory limit)
    except ImportError:
        return False, "no resource module"
    try:
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    except OSError as exc:
        return False, f"no SOCK_SEQPACKET socket pairs ({exc})"
    a.close()
    b.close()
    return True, ""


def describe_platform() -> str:
    """One line for ``grader --version`` and bug reports: the worker path and memory limit."""
    fast, why = fast_path()
    path = "fork server" if fast else f"portable ({why})"
    return f"{sys.platform}, workers: {path}, memory limit: {memory_mechanism()}"


# -- the shared fork server --------------------------------------------------------------------

_FORK_SERVER: Any = None
_LOCK = threading.Lock()


def fork_server() -> Any:
    """This process's fork server, started on first use; None where there is no fast path."""
    global _FORK_SERVER
    if not fast_path()[0]:
        return None
    with _LOCK:
        if _FORK_SERVER is None or not _FORK_SERVER.alive():
            from grader.fork_server import ForkServer

            _FORK_SERVER = ForkServer()
            _FORK_SERVER.start()
        return _FORK_SERVER


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
            pass  # the fork server is gone: workers start on the portable path

    threading.Thread(target=run, name="grader-preload", daemon=True).start()


# -- starting a worker -------------------------------------------------------------------------

def launch(spec: LaunchSpec, server: Any = "shared") -> LearnerProcess:
    """Start a worker without waiting for it to be ready. ``server``: "shared" (this
    process's fork server, where there is one), a given ``ForkServer``, or None (the portable
    path)."""
    if spec.isolation not in ISOLATIONS:
        raise IsolationUnavailable("isolation.bad_option", value=repr(spec.isolation))
    if spec.isolation != "process":
        return _sandboxed(spec)
    server = fork_server() if server == "shared" else server
    if server is not None and server.alive():
        forked = _fork(server, spec)
        if forked is not None:
            return forked
    return _spawn(spec)


def _sandboxed(spec: LaunchSpec) -> LearnerProcess:
    """A fresh worker interpreter in the sandbox, or as the dedicated user (``grader.sandbox``);
    never a fork of a server shared with other students."""
    from grader import sandbox

    ok, why = available(spec.isolation)
    if not ok:
        raise IsolationUnavailable("isolation.unavailable", level=spec.isolation, why=why)
    parent, child = socket.socketpair()
    try:
        inner = [sys.executable, "-I", "-c", _BOOT.format(root=GRADER_ROOT),
                 str(child.fileno())]
        try:
            proc = sandbox.start(spec.isolation, spec.folder, inner, child.fileno(),
                                 spec.memory_limit_mb, spec.forbidden)
        except sandbox.SandboxError as exc:
            parent.close()
            raise IsolationUnavailable("isolation.unavailable", level=spec.isolation,
                                       why=str(exc)) from None
    finally:
        child.close()
    folder = None if spec.isolation == "sandbox" else os.path.join(proc.cleanup[0], "submission")
    return LearnerProcess(proc, Connection(parent.detach()), proc.stdout, frozenset(), folder)


def _fork(server: Any, spec: LaunchSpec) -> LearnerProcess | None:
    from grader.fork_server import ForkedProcess

    parent, child = socket.socketpair()
    read_fd, write_fd = os.pipe()
    try:
        pid, preloads = server.spawn(child.fileno(), write_fd, spec.folder,
                                     spec.memory_limit_mb)
    except (OSError, EOFError, ValueError, KeyError, TypeError):
        os.close(read_fd)  # the fork server is gone: the portable path instead
        parent.close()
        return None
    finally:
        os.close(write_fd)
        child.close()
    stdout = os.fdopen(read_fd, "rb", buffering=0)
    proc = ForkedProcess(server, pid, stdout, preloads)
    return LearnerProcess(proc, Connection(parent.detach()), stdout, preloads)


def _spawn(spec: LaunchSpec) -> LearnerProcess:
    """The portable path: a plain subprocess, its pipes as the transport."""
    from grader.pipe_connection import PipeConnection

    mechanism = memory_mechanism() if spec.memory_limit_mb else "none"
    rlimit = spec.memory_limit_mb if mechanism == "rlimit" else 0  # the worker sets it itself
    cmd = [sys.executable, "-I", "-c", _BOOT.format(root=GRADER_ROOT), "pipes", str(rlimit)]
    proc = start_process(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, cwd=spec.folder, bufsize=0)
    job = watch = None
    try:
        if sys.platform == "win32":
            # Before the setup goes out, so no learner code runs outside the job.
            from grader import windows

            job = windows.JobObject(spec.memory_limit_mb if mechanism == "job" else None)
            job.assign(proc)
        elif mechanism == "watch":
            watch = MemoryWatch(proc, spec.memory_limit_mb)
    except Exception:
        kill_tree(proc, wait=5)
        raise
    conn = PipeConnection(proc.stdout, proc.stdin)
    return LearnerProcess(proc, conn, proc.stderr, frozenset(), job=job, watch=watch)


# -- which isolation ---------------------------------------------------------------------------

def available(level: str) -> tuple[bool, Any]:
    """(whether ``level`` can be had on this machine, why not: a ``said`` sentence)."""
    if level == "process":
        return True, ""
    from grader import sandbox

    if level == "sandbox":
        return sandbox.sandbox_available()
    if level == "user":
        return sandbox.user_available()
    return False, said("isolation.why.unknown_level", level=level)


def choose_isolation(isolation: str, sandbox: bool | None, sandbox_default: bool) -> str:
    """The level in force for ``--isolation`` (auto or a level) and ``--sandbox`` /
    ``--no-sandbox`` (None when neither was given). ``auto`` takes the strongest available
    where the sandbox is asked for or is the command's default, and ``process`` elsewhere.
    Raises ``IsolationUnavailable`` (a usage error for the caller) when what was asked for
    cannot be had."""
    if isolation not in ("auto", *ISOLATIONS):
        raise IsolationUnavailable("isolation.bad_option", value=repr(isolation))
    if isolation != "auto":
        if sandbox is False and isolation != "process":
            raise IsolationUnavailable("isolation.contradicts", level=isolation)
        ok, why = available(isolation)
        if not ok:
            raise IsolationUnavailable("isolation.unavailable", level=isolation, why=why)
        return isolation
    if sandbox is False or (sandbox is None and not sandbox_default):
        return "process"
    reasons = []
    for level in ("sandbox", "user"):
        ok, why = available(level)
        if ok:
            return level
        reasons.append(why)
    raise IsolationUnavailable("isolation.none", why="; ".join(reasons))
