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

Limits: memory as a hard rlimit (``RLIMIT_DATA``, hard = soft, which an unprivileged process
cannot raise); the number of processes by ``RLIMIT_NPROC`` in ``user`` mode (the learner's uid is
not 0 there) and, in the sandbox (where the learner's uid outside the box is the grader's own,
maybe 0, which the kernel does not limit), by a watchdog thread outside the box that counts the
box's processes and ends the box when there are more than ``MAX_PROCESSES``.
"""

from __future__ import annotations

import functools
import os
import pwd
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

MAX_PROCESSES = 32  # processes the learner's code may have at once (the worker included)
COPY_MAX_BYTES = 64 * 1024 * 1024  # a submission's private copy (larger files are left out)
COPY_MAX_FILES = 2000
SCRATCH_BYTES = 512 * 1024 * 1024  # the box's /tmp (tmpfs: it counts against memory)
BOX_UID = 1000  # the learner's uid inside the box (not 0)
USER_PREFIX = "convgrade-learner"
USER_SLOTS = 32
WATCH_INTERVAL = 0.05  # seconds between two counts of the box's processes
_SKIP = {"__pycache__", ".ipynb_checkpoints", "__MACOSX"}


class SandboxError(Exception):
    """The sandbox (or its fallback) cannot be had here; the message says why and what to do."""


# -- what the box holds ------------------------------------------------------------------------

def grader_package() -> Path:
    return Path(__file__).resolve().parent


def checks_dir() -> Path:
    """The checks (with their reference implementations): never readable by learner code."""
    return grader_package() / "checks"


def python_dirs() -> list[str]:
    """The Python installation and its packages: what the worker and the learner's imports need."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.dirname(os.path.realpath(sys.executable)))}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        try:
            paths.add(sysconfig.get_paths()[key])
        except KeyError:
            pass
    try:
        import site

        paths.update(site.getsitepackages())
        paths.add(site.getusersitepackages())
    except (AttributeError, ImportError):
        pass
    # Package folders that reach sys.path another way (a .pth file lending another
    # environment's packages, PYTHONPATH to a venv): by name only, so a project folder on
    # sys.path (the course itself, a class of submissions) is never bound for being there.
    paths.update(p for p in sys.path
                 if os.path.basename(os.path.normpath(p)) in ("site-packages", "dist-packages"))
    real = sorted({os.path.realpath(p) for p in paths if p and os.path.isdir(p)})
    # Keep the outermost folders only; "/" (or a whole home folder) is never bound wholesale.
    kept: list[str] = []
    for p in real:
        if p in ("/", os.path.expanduser("~")) or any(p.startswith(k + os.sep) for k in kept):
            continue
        kept.append(p)
    return kept


def private_copy(folder: str, dest: str) -> None:
    """Copy the submission's regular files (not symlinks, not hidden folders, within the size
    limits) from ``folder`` into ``dest``; everything read-only."""
    total = files = 0
    src_root = os.path.realpath(folder)
    for here, dirs, names in os.walk(src_root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP and not d.startswith(".")
                         and not os.path.islink(os.path.join(here, d)))
        rel = os.path.relpath(here, src_root)
        target = os.path.join(dest, rel) if rel != "." else dest
        os.makedirs(target, exist_ok=True)
        for name in sorted(names):
            path = os.path.join(here, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            import stat

            if not stat.S_ISREG(st.st_mode) or files >= COPY_MAX_FILES \
                    or total + st.st_size > COPY_MAX_BYTES:
                continue
            try:
                # O_NOFOLLOW: a file swapped for a symlink since lstat is not followed either.
                fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            except OSError:
                continue
            with os.fdopen(fd, "rb") as src, open(os.path.join(target, name), "wb") as out:
                shutil.copyfileobj(src, out)
            os.chmod(os.path.join(target, name), 0o444)
            total += st.st_size
            files += 1
    for here, dirs, _ in os.walk(dest):
        for d in dirs:
            os.chmod(os.path.join(here, d), 0o555)
    os.chmod(dest, 0o555)


def _gpu_nodes() -> list[str]:
    dev = Path("/dev")
    found = sorted(str(p) for p in dev.glob("nvidia*")) if dev.is_dir() else []
    if (dev / "dri").is_dir():
        found.append("/dev/dri")
    return found


def bwrap_command(folder: str, copy: str, inner: list[str],
                  masks: tuple[str, ...] = ()) -> list[str]:
    """The bubblewrap command line that runs ``inner`` in the box, with the private ``copy``
    mounted read-only at ``folder``. ``masks``: folders (the solutions, wherever they are) that
    get an empty folder mounted over them should they lie inside something bound."""
    bwrap = shutil.which("bwrap") or "bwrap"
    cmd = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
           "--uid", str(BOX_UID), "--gid", str(BOX_UID), "--clearenv"]
    bound: list[str] = []
    for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            cmd += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            cmd += ["--ro-bind", top, top]
            bound.append(top)
    for path in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
                 "/etc/localtime"):
        if os.path.exists(path):
            cmd += ["--ro-bind", path, path]
    # The scratch folder, /proc and /dev first: what is bound below may lie inside /tmp (a venv,
    # a Gradescope-like tree), and a later mount would hide it.
    cmd += ["--size", str(SCRATCH_BYTES), "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev"]
    for path in python_dirs():
        if not any(path == b or path.startswith(b + os.sep) for b in bound):
            cmd += ["--ro-bind", path, path]
            bound.append(path)
    package = str(grader_package())
    if not any(package.startswith(b + os.sep) for b in bound):
        cmd += ["--ro-bind", package, package]
    # The checks hold reference implementations: an empty, read-only folder instead.
    cmd += ["--tmpfs", str(checks_dir()), "--remount-ro", str(checks_dir())]
    course = grader_package() / "course" / "solutions"  # a wheel's copy of the solutions
    for mask in (*masks, str(course)):
        real = os.path.realpath(mask)
        if os.path.isdir(real) and real != os.path.realpath(folder) and any(
                real == b or real.startswith(b + os.sep) for b in [*bound, package]):
            cmd += ["--tmpfs", real, "--remount-ro", real]
    gpu = _gpu_nodes()
    for node in gpu:
        cmd += ["--dev-bind", node, node]
    # torch's cpuinfo reads the CPU topology; the GPU driver its PCI devices.
    cmd += ["--ro-bind-try", "/sys/devices/system/cpu", "/sys/devices/system/cpu"]
    if gpu:
        cmd += ["--ro-bind-try", "/sys", "/sys"]
    cmd += ["--ro-bind", copy, folder, "--chdir", folder]
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp",
           "LANG": "C.UTF-8", "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "")}
    for key in ("CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES", "TZ"):
        if key in os.environ:
            env[key] = os.environ[key]
    for key, value in env.items():
        if value:
            cmd += ["--setenv", key, value]
    return [*cmd, "--", *inner]


# -- which levels can be had -------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def sandbox_available() -> tuple[bool, str]:
    """Whether bubblewrap runs here with every namespace (a real start of ``true`` in a box)."""
    if not sys.platform.startswith("linux"):
        return False, "the sandbox needs Linux (bubblewrap)"
    if shutil.which("bwrap") is None:
        return False, ("bubblewrap is not installed (Debian/Ubuntu: apt-get install "
                       "bubblewrap)")
    probe = tempfile.mkdtemp(prefix="grader-probe-")
    try:
        cmd = bwrap_command(probe, probe, ["/usr/bin/true" if os.path.exists("/usr/bin/true")
                                           else "true"])
        proc = subprocess.run(cmd, capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bubblewrap could not start: {exc}"
    finally:
        shutil.rmtree(probe, ignore_errors=True)
    if proc.returncode != 0:
        why = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
        return False, f"bubblewrap cannot make a sandbox here ({why[0]})"
    return True, ""


@functools.lru_cache(maxsize=1)
def user_available() -> tuple[bool, str]:
    """Whether the dedicated-user fallback can be had: the grader is root on Linux, and a
    dedicated user can read the interpreter and its packages."""
    if not sys.platform.startswith("linux"):
        return False, "a dedicated user needs Linux"
    if os.geteuid() != 0:
        return False, "a dedicated user needs the grader to run as root"
    if shutil.which("useradd") is None and not _existing_users():
        return False, "no useradd to create the dedicated user"
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
        return False, (f"the dedicated user {slot.name} cannot read {', '.join(missing)} "
                       "(the Python installation must be readable by every user)")
    return True, ""


def _existing_users() -> list[str]:
    return [p.pw_name for p in pwd.getpwall() if p.pw_name.startswith(USER_PREFIX)]


# -- processes ---------------------------------------------------------------------------------

def _tree(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (psutil, as the launcher's process trees)."""
    import psutil

    try:
        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


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


class _Slot:
    """A dedicated user held by this process (a lock file per user, shared by every grader)."""

    def __init__(self, name: str, uid: int, gid: int, lock: Any) -> None:
        self.name, self.uid, self.gid, self.lock = name, uid, gid, lock

    def release(self) -> None:
        kill_user(self.uid)
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
