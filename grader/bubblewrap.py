"""The box bubblewrap makes for a learner worker (``grader.sandbox``, level ``sandbox``): what
it holds and the command line that makes it.

The box's root is an empty tmpfs holding only: the system libraries (``/usr``…) and the Python
installation with its packages (``python_dirs``), read-only; the grader package without
``grader/checks`` (an empty folder is mounted over it); a private, read-only copy of the
submission's files at the folder's own path (``private_copy``: regular files only, symlinks not
followed, no hidden folders); a private writable scratch folder ``/tmp`` (tmpfs, also
``HOME``); a fresh ``/proc`` of the box and a minimal ``/dev`` (plus the GPU's device nodes
where there are some).
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import sysconfig
from pathlib import Path

COPY_MAX_BYTES = 64 * 1024 * 1024  # a submission's private copy (larger files are left out)
COPY_MAX_FILES = 2000
SCRATCH_BYTES = 512 * 1024 * 1024  # the box's /tmp (tmpfs: it counts against memory)
BOX_UID = 1000  # the learner's uid inside the box (not 0)
_SKIP = {"__pycache__", ".ipynb_checkpoints", "__MACOSX"}


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
