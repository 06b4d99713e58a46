"""The sandbox's fallback (``grader.sandbox``, level ``user``): the learner's worker runs as a
dedicated unprivileged user, where user namespaces are refused and the grader is root.

The users are ``convgrade-learner<N>``: created when missing, one per concurrently running
worker (a lock file each, shared by every grader on the machine), refused while any process
runs as it. What that user must not read is locked away (``_lock_away``) and checked
(``_readable_by``, asked as that user), and every process of the user is ended when the
worker ends (``kill_user``), and what it left in the folders every user may write to is
removed (``remove_files_of``).
"""

from __future__ import annotations

import os
import pwd
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

USER_PREFIX = "convgrade-learner"
USER_SLOTS = 32


class SandboxError(Exception):
    """The sandbox (or its fallback) cannot be had here; the message says why and what to do.
    (Defined here, the lowest module that raises it; ``grader.sandbox`` has it too.)"""


def _existing_users() -> list[str]:
    return [p.pw_name for p in pwd.getpwall() if p.pw_name.startswith(USER_PREFIX)]



def _uid_processes(uid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                for line in f:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            found.append(int(entry))
                        break
        except (OSError, ValueError, IndexError):
            continue
    return found


def kill_user(uid: int, deadline: float = 5.0) -> None:
    """End every process of ``uid`` (the dedicated user's), and wait until they are gone."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        pids = [p for p in _uid_processes(uid) if p != os.getpid()]
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.02)


# Folders every user may write to: what the dedicated user leaves at their top is removed when
# its worker ends (deeper, inside someone else's world-writable folder, is not looked for).
SHARED_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")


def remove_files_of(uid: int, folders: tuple[str, ...] = SHARED_WRITABLE) -> None:
    """Remove what ``uid`` owns at the top of ``folders`` (after its processes are gone)."""
    import shutil

    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)  # never follows a link
                else:
                    os.unlink(entry.path)
            except OSError:
                continue


class _Slot:
    """A dedicated user held by this process (a lock file per user, shared by every grader)."""

    def __init__(self, name: str, uid: int, gid: int, lock: Any) -> None:
        self.name, self.uid, self.gid, self.lock = name, uid, gid, lock

    def release(self) -> None:
        kill_user(self.uid)
        remove_files_of(self.uid)
        try:
            self.lock.close()
        except OSError:
            pass


def _take_user() -> _Slot:
    import fcntl

    locks = Path("/run/convgrade") if os.path.isdir("/run") else Path(tempfile.gettempdir())
    locks.mkdir(mode=0o700, parents=True, exist_ok=True)
    for n in range(USER_SLOTS):
        name = f"{USER_PREFIX}{n}"
        lock = open(locks / f"{name}.lock", "w")  # noqa: SIM115  (held while the worker runs)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            continue
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            entry = None
        if entry is None:
            proc = subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir",
                                   "/nonexistent", "--shell", "/usr/sbin/nologin",
                                   "--user-group", name], capture_output=True, text=True)
            if proc.returncode != 0:
                lock.close()
                raise SandboxError(f"could not create the dedicated user {name}: "
                                   f"{proc.stderr.strip()}")
            entry = pwd.getpwnam(name)
        if entry.pw_uid == 0:
            lock.close()
            raise SandboxError(f"the dedicated user {name} has uid 0: remove it")
        if _uid_processes(entry.pw_uid):
            lock.close()  # something else runs as this user: not ours to use
            continue
        return _Slot(name, entry.pw_uid, entry.pw_gid, lock)
    raise SandboxError(f"every dedicated user ({USER_PREFIX}0..{USER_SLOTS - 1}) is busy or "
                       "has processes running: end them, or pass --isolation process")


def _readable_by(uid: int, gid: int, paths: list[str]) -> dict[str, bool]:
    """{path: whether ``uid`` can read it}, asked in a child process that becomes that user."""
    import json

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            answer = {p: os.access(p, os.R_OK | (os.X_OK if os.path.isdir(p) else 0))
                      for p in paths}
            os.write(write, json.dumps(answer).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        data = f.read()
    os.waitpid(pid, 0)
    return json.loads(data or b"{}")


def _lock_away(paths: list[str]) -> None:
    """Take away "other" permissions on folders the dedicated user must not read (they are
    the grader's own, owned by root: the grader, as root, still reads them)."""
    for p in paths:
        try:
            st = os.stat(p)
            os.chmod(p, st.st_mode & ~0o007)
        except OSError:
            pass
