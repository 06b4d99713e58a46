"""A fork server for learner workers: import torch once, fork a fresh worker in milliseconds.

Starting a worker means importing torch (over a second). The fork server is a process that has
imported torch and the worker code and registered the from-scratch guard's kernels
(``grader.forbidden``), and has run no learner code and no torch operation; each worker is a
fork of it. So the first worker costs one import, and every restart after a crash or
a timeout, and every submission in a batch, costs a fork.

Protocol (a SOCK_SEQPACKET socket pair, one pickled dict per message, from the verdict process
only): ``spawn`` carries the worker's socket and output pipe as file descriptors (SCM_RIGHTS)
and returns the pid; ``poll`` and ``wait`` return a Popen-style return code (-signal when
killed) and reap the child. The child starts its own session, so killing its process group kills
whatever the learner started too.
"""

from __future__ import annotations

import gc
import os
import pickle
import select
import socket
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path
from typing import Any

_BOOT = ("import sys; sys.path.append({root!r}); from grader.fork_server import serve; serve()")


def _returncode(status: int) -> int:
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def serve(argv: list[str] | None = None) -> None:
    """The fork server's main loop (runs in the fork server process)."""
    argv = sys.argv[1:] if argv is None else argv
    sock = socket.socket(fileno=int(argv[0]))
    # The collector stays off in this process (``grader.heavy_imports``): it imports and forks,
    # and makes next to no garbage. Before each fork what exists is frozen, so the worker's
    # collector (on again before any learner code) never scans, or writes to, the pages it
    # shares with this process.
    gc.disable()
    import torch  # noqa: F401  (the point of the fork server)

    import grader.probes  # noqa: F401
    import grader.wire  # noqa: F401
    from grader import forbidden, heavy_imports, worker

    # The from-scratch guard's kernels (a few hundred dispatcher registrations, ~0.2 s),
    # registered once here, before any fork: every worker inherits them instead of paying for
    # them at its start. No learner code has run in this process.
    try:
        dispatch = forbidden.install()
    except Exception:  # noqa: BLE001  (an unknown torch: each worker tries, and says so)
        dispatch = None
    sock.send(pickle.dumps({"status": "ready"}))
    done: dict[int, int] = {}
    while True:
        try:
            raw, fds, _, _ = socket.recv_fds(sock, 1 << 16, 2)
        except OSError:
            break
        if not raw:
            break
        req = pickle.loads(raw)
        op = req.get("op")
        if op == "spawn":
            gc.freeze()
            pid = os.fork()
            if pid == 0:  # the worker
                try:
                    sock.close()
                    os.setsid()
                    conn_fd, out_fd = fds
                    null = os.open(os.devnull, os.O_RDONLY)
                    os.dup2(null, 0)
                    os.dup2(out_fd, 1)
                    os.dup2(out_fd, 2)
                    os.close(out_fd)
                    os.close(null)
                    if req.get("memory_limit_mb"):
                        import resource

                        limit = int(req["memory_limit_mb"]) * 1024 * 1024
                        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
                    os.chdir(req["folder"])
                    worker.main([str(conn_fd)], dispatch)
                finally:
                    os._exit(1)
            for fd in fds:
                os.close(fd)
            sock.send(pickle.dumps({"pid": pid}))
        elif op == "preload":  # modules learner code will import slowly: in every later fork
            heavy_imports.import_each(req.get("modules", ()))
            sock.send(pickle.dumps({"ok": True}))
        elif op in ("poll", "wait"):
            pid = int(req["pid"])
            code = done.pop(pid, None)
            if code is None:
                try:
                    flags = 0 if op == "wait" else os.WNOHANG
                    got, status = os.waitpid(pid, flags)
                    code = _returncode(status) if got == pid else None
                except ChildProcessError:
                    code = None
            sock.send(pickle.dumps({"code": code}))
        else:
            sock.send(pickle.dumps({"error": f"unknown op {op!r}"}))
    os._exit(0)


class ForkServer:
    """The verdict process's handle on its fork server. Thread-safe; one request at a time."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.sock: socket.socket | None = None
        self.ready = False
        self.lock = threading.Lock()
        # Modules asked to preload so far: every fork asked for after that request has them
        # (the fork server serves one request at a time, in order).
        self.preloads: frozenset[str] = frozenset()

    def start(self) -> None:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        root = str(Path(__file__).resolve().parent.parent)
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-c", _BOOT.format(root=root), str(child.fileno())],
            pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        child.close()
        self.sock = parent
        self.ready = False

    def alive(self) -> bool:
        return self.sock is not None and self.proc is not None and self.proc.poll() is None

    def _ask(self, req: dict, fds: list[int] = (), timeout: float = 180.0) -> dict:
        with self.lock:
            if self.sock is None:
                raise OSError("fork server closed")
            try:
                if not self.ready:
                    self.sock.settimeout(timeout)
                    if pickle.loads(self.sock.recv(1 << 16)).get("status") != "ready":
                        raise OSError("fork server did not start")
                    self.ready = True
                self.sock.settimeout(timeout if req.get("op") == "preload" else 30.0)
                if req.get("op") == "preload":
                    self.preloads = self.preloads | set(req["modules"])
                preloads = self.preloads
                socket.send_fds(self.sock, [pickle.dumps(req)], list(fds))
                raw = self.sock.recv(1 << 16)
                if not raw:
                    raise OSError("fork server closed")
                reply = pickle.loads(raw)
                if not isinstance(reply, dict) or "error" in reply:
                    raise OSError(f"fork server replied {reply!r}")
            except (OSError, EOFError, ValueError, pickle.UnpicklingError):
                # A reply that came late, or not at all, would be read as the answer to the
                # next request (a spawn handed an old pid): this fork server is done for.
                self._abandon()
                raise OSError("fork server stopped answering") from None
        return {**reply, "preloads": preloads}

    def _abandon(self) -> None:
        """Kill the process and close the socket; ``alive()`` is False from now on and
        workers start as fresh interpreters (or from a new shared fork server)."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 9)
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
        self.close()

    def spawn(self, conn_fd: int, out_fd: int, folder: str,
              memory_limit_mb: int | None) -> tuple[int, frozenset[str]]:
        """Fork a worker: its pid, and the modules it has preloaded."""
        reply = self._ask({"op": "spawn", "folder": folder,
                           "memory_limit_mb": memory_limit_mb}, [conn_fd, out_fd])
        return int(reply["pid"]), reply["preloads"]

    def preload(self, modules: tuple[str, ...]) -> None:
        """Have the fork server import ``modules`` (blocking, up to a few seconds) so that every
        later fork has them; run it from a background thread."""
        missing = tuple(m for m in modules if m not in self.preloads)
        if missing:
            self._ask({"op": "preload", "modules": list(missing)}, timeout=120.0)

    def poll(self, pid: int) -> int | None:
        return self._ask({"op": "poll", "pid": pid}).get("code")

    def wait(self, pid: int) -> int | None:
        return self._ask({"op": "wait", "pid": pid}).get("code")

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None


class ForkedProcess:
    """A worker forked by the fork server, with the part of Popen's interface the client uses."""

    def __init__(self, server: ForkServer, pid: int, stdout: Any,
                 preloads: frozenset[str] = frozenset()) -> None:
        self.server = server
        self.pid = pid
        self.stdout = stdout
        self.returncode: int | None = None
        self.preloads = preloads  # modules imported before the fork
        # Asked before every request whether the worker still runs: a pidfd (readable once the
        # process has ended) answers in one system call where /proc needs an open and a read.
        # The fork server reaps its workers only when asked, so the pid is still this worker's.
        self._ended: Any = None
        try:
            fd = os.pidfd_open(pid)
        except (AttributeError, OSError):  # before Linux 5.3, or already gone
            fd = None
        if fd is not None:
            weakref.finalize(self, os.close, fd)
            self._ended = select.poll()
            self._ended.register(fd, select.POLLIN)

    def _running(self) -> bool:
        if self._ended is not None:
            return not self._ended.poll(0)
        return _alive(self.pid)

    def poll(self) -> int | None:
        if self.returncode is None and self._running():
            return None  # no round trip to the fork server (which may be busy preloading)
        if self.returncode is None:
            try:
                self.returncode = self.server.poll(self.pid)
            except OSError:
                self.returncode = None if _exists(self.pid) else -9
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("worker", timeout)
            time.sleep(0.01)
        return self.returncode

    def kill(self) -> None:
        try:
            os.kill(self.pid, 9)
        except ProcessLookupError:
            pass


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def _alive(pid: int) -> bool:
    """Running, as far as /proc tells (a zombie is not); False where it cannot tell."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):
        return False
