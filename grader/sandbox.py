"""The sandbox for code the grader does not trust, and its fallback.

``grader.launcher`` asks this module to start a learner worker at isolation ``sandbox`` or
``user`` (``start``). Each start is a fresh interpreter (``python -I -c <boot>``): no fork server
is shared between students, so nothing of one student's run reaches the next.

- **sandbox**: bubblewrap (``bwrap``). Every namespace of its own (PID, network, IPC, UTS, user,
  cgroup), a non-zero uid inside, no capabilities, ``--die-with-parent``. The box's root is an
  empty tmpfs holding only: the system libraries (``/usr``…) and the Python installation with its
  packages, read-only; the grader package without ``grader/checks`` (an empty folder is mounted
  over it); a private, read-only copy of the submission's files at the folder's own path
  (``private_copy``: regular files only, symlinks not followed, no hidden folders); a private
  writable scratch folder ``/tmp`` (tmpfs, also ``HOME``); a fresh ``/proc`` of the box and a
  minimal ``/dev`` (plus the GPU's device nodes where there are some). Nothing else of the host:
  no home folder, no host ``/tmp``, no solutions, no ``.git``, no other student, no OUT folder.
- **user**: where user namespaces are refused and the grader is root: the worker runs as a
  dedicated unprivileged user (``convgrade-learner<N>``, created when missing, one per
  concurrently running worker, refused while any process runs as it), with the solutions and the
  checks made unreadable to it and every process of that user ended when the worker ends.

The box's contents and bubblewrap's command line are in ``grader.bubblewrap``, the dedicated
users in ``grader.dedicated_user``; this module says which level can be had here and starts
the worker at it.

Limits: memory as a hard rlimit (``RLIMIT_DATA``, hard = soft, which an unprivileged process
cannot raise); the number of processes by ``RLIMIT_NPROC`` in ``user`` mode (the learner's uid is
not 0 there) and, in the sandbox (where the learner's uid outside the box is the grader's own,
maybe 0, which the kernel does not limit), by a watchdog thread outside the box that counts the
box's processes and ends the box when there are more than ``MAX_PROCESSES``.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

# Importable from here as they always were (the tests, the launcher).
from grader.bubblewrap import (  # noqa: F401
    BOX_UID,
    COPY_MAX_BYTES,
    COPY_MAX_FILES,
    SCRATCH_BYTES,
    bwrap_command,
    checks_dir,
    grader_package,
    private_copy,
    python_dirs,
)
from grader.dedicated_user import (  # noqa: F401
    USER_PREFIX,
    USER_SLOTS,
    SandboxError,
    _existing_users,
    _lock_away,
    _readable_by,
    _Slot,
    _take_user,
    _uid_processes,
    kill_user,
)
from grader.text import said

MAX_PROCESSES = 32  # processes the learner's code may have at once (the worker included)
WATCH_INTERVAL = 0.05  # seconds between two counts of the box's processes


# -- which levels can be had -------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def sandbox_available() -> tuple[bool, Any]:
    """Whether bubblewrap runs here with every namespace (a real start of ``true`` in a box)."""
    if not sys.platform.startswith("linux"):
        return False, said("isolation.why.sandbox_linux")
    if shutil.which("bwrap") is None:
        return False, said("isolation.why.no_bwrap")
    probe = tempfile.mkdtemp(prefix="grader-probe-")
    try:
        cmd = bwrap_command(probe, probe, ["/usr/bin/true" if os.path.isfile("/usr/bin/true")
                                           else "true"])
        proc = subprocess.run(cmd, capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, said("isolation.why.bwrap_start", error=str(exc))
    finally:
        shutil.rmtree(probe, ignore_errors=True)
    if proc.returncode != 0:
        why = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
        return False, said("isolation.why.bwrap_refused", error=why[0])
    return True, ""


@functools.lru_cache(maxsize=1)
def user_available() -> tuple[bool, Any]:
    """Whether the dedicated-user fallback can be had: the grader is root on Linux, and a
    dedicated user can read the interpreter and its packages."""
    if not sys.platform.startswith("linux"):
        return False, said("isolation.why.user_linux")
    if os.geteuid() != 0:
        return False, said("isolation.why.user_root")
    if shutil.which("useradd") is None and not _existing_users():
        return False, said("isolation.why.no_useradd")
    try:
        slot = _take_user()
    except SandboxError as exc:
        return False, str(exc)
    try:
        need = [os.path.realpath(sys.executable), str(grader_package()), *python_dirs()]
        readable = _readable_by(slot.uid, slot.gid, need)
    finally:
        slot.release()
    missing = [p for p in need if not readable.get(p)]
    if missing:
        return False, said("isolation.why.user_cannot_read", user=slot.name,
                           paths=", ".join(missing))
    return True, ""


# -- processes ---------------------------------------------------------------------------------

def _tree(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (psutil, as the launcher's process trees)."""
    import psutil

    try:
        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


# -- starting a worker -------------------------------------------------------------------------

class SandboxedProcess:
    """A worker started in the box (or as the dedicated user), with the part of Popen's
    interface the client uses. A watchdog thread enforces the process limit and, once the
    worker has gone, ends whatever is left and removes the private copy."""

    def __init__(self, proc: subprocess.Popen, cleanup: list[str], slot: _Slot | None) -> None:
        self.popen = proc
        self.pid = proc.pid
        self.stdout = proc.stdout
        self.cleanup = cleanup
        self.slot = slot
        self.over_limit = False
        self._done = threading.Event()
        threading.Thread(target=self._watch, name="grader-sandbox-watchdog",
                         daemon=True).start()

    @property
    def returncode(self) -> int | None:
        return self.popen.returncode

    def poll(self) -> int | None:
        return self.popen.poll()

    def wait(self, timeout: float | None = None) -> int:
        return self.popen.wait(timeout)

    def kill(self) -> None:
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.popen.kill()
        except OSError:
            pass

    def _watch(self) -> None:
        while self.popen.poll() is None:
            if self.slot is None and len(_tree(self.pid)) > MAX_PROCESSES + 2:  # bwrap's two
                self.over_limit = True
                self.kill()
                break
            time.sleep(WATCH_INTERVAL)
        try:
            self.popen.wait()
        finally:
            if self.slot is not None:
                self.slot.release()
            for path in self.cleanup:
                _rmtree(path)
            self._done.set()


def _rmtree(path: str) -> None:
    for here, dirs, _ in os.walk(path):
        for d in dirs:
            try:
                os.chmod(os.path.join(here, d), 0o700)
            except OSError:
                pass
    try:
        os.chmod(path, 0o700)
    except OSError:
        pass
    shutil.rmtree(path, ignore_errors=True)


# bwrap's --die-with-parent is PR_SET_PDEATHSIG, which fires when the *thread* that started it
# ends: workers are started early from short-lived threads (``Worker.start_soon``), so every
# Popen happens on one thread that lives as long as this process.
_SPAWNS: Any = None
_SPAWN_LOCK = threading.Lock()


def _spawn(args: list[str], **kwargs: Any) -> subprocess.Popen:
    import queue

    global _SPAWNS
    with _SPAWN_LOCK:
        if _SPAWNS is None:
            _SPAWNS = queue.Queue()
            threading.Thread(target=_spawner_loop, args=(_SPAWNS,), name="grader-spawner",
                             daemon=True).start()
    done: list = []
    event = threading.Event()
    _SPAWNS.put((args, kwargs, done, event))
    event.wait()
    kind, value = done[0]
    if kind == "error":
        raise value
    return value


def _spawner_loop(requests: Any) -> None:
    while True:
        args, kwargs, done, event = requests.get()
        try:
            done.append(("ok", subprocess.Popen(args, **kwargs)))
        except BaseException as exc:  # noqa: BLE001  (handed to the caller)
            done.append(("error", exc))
        event.set()


def start(level: str, folder: str, inner: list[str], conn_fd: int,
          memory_limit_mb: int | None, masks: tuple[str, ...] = ()) -> SandboxedProcess:
    """Start ``inner`` (a fresh worker interpreter, given ``conn_fd``) at ``level`` ("sandbox" or
    "user") for the submission in ``folder``."""
    work = tempfile.mkdtemp(prefix="grader-box-")
    copy = os.path.join(work, "submission")
    os.makedirs(copy)
    slot: _Slot | None = None
    try:
        private_copy(folder, copy)
        if level == "sandbox":
            cmd = bwrap_command(folder, copy, inner, masks)
            cwd = work
            env = None
        else:
            slot = _take_user()
            os.chmod(work, 0o711)
            scratch = os.path.join(work, "scratch")
            os.makedirs(scratch)
            os.chown(scratch, slot.uid, slot.gid)
            os.chmod(scratch, 0o700)
            secret = [str(checks_dir()), *masks]
            _lock_away([p for p in secret if os.path.realpath(p) != os.path.realpath(folder)])
            need = [os.path.realpath(sys.executable), str(grader_package()), copy,
                    *python_dirs()]
            readable = _readable_by(slot.uid, slot.gid, need + secret)
            missing = [p for p in need if not readable.get(p)]
            if missing:
                raise SandboxError(f"the dedicated user {slot.name} cannot read "
                                   f"{', '.join(missing)}: make it readable to every user, or "
                                   "pass --isolation process")
            leaked = [p for p in secret if os.path.exists(p) and readable.get(p)]
            if leaked:
                raise SandboxError(f"the dedicated user {slot.name} can read {leaked[0]}: "
                                   "make it unreadable to other users")
            cmd = inner
            cwd = copy
            env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": scratch, "TMPDIR": scratch,
                   "LANG": "C.UTF-8"}
    except BaseException:
        if slot is not None:
            slot.release()
        _rmtree(work)
        raise
    limit = memory_limit_mb
    uid = slot.uid if slot else None
    gid = slot.gid if slot else None

    def preexec() -> None:  # runs in the child, before exec
        import resource

        if limit:
            soft = limit * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_DATA, (soft, soft))
        if uid is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (MAX_PROCESSES, MAX_PROCESSES))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)

    try:
        proc = _spawn(cmd, pass_fds=(conn_fd,), stdin=subprocess.DEVNULL,
                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                      cwd=cwd, env=env, preexec_fn=preexec)
    except BaseException:
        if slot is not None:
            slot.release()
        _rmtree(work)
        raise
    return SandboxedProcess(proc, [work], slot)
