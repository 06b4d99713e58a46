"""A warm verdict service in a process of its own: ``watch``, ``grade``, Gradescope and the
notebook kernel send it plans and get results, one job after another.

The process imports torch, pytest and Hypothesis once and, for plans in the grader's own
isolation, keeps its fork server, so every job after the first starts warm (a sandboxed plan
gets a fresh interpreter in its own box instead: nothing is shared between students).

Each job grades one ``Plan`` with ``grader.service.run``: a fresh worker for it, its own seed,
database and example budget (set from the plan, never left over from the previous job), so a
job's verdict is the one a fresh process would give.

Protocol, on the process's stdin and stdout: length-prefixed frames. A request is a pickled
``{"id", "plan"}`` (from the caller, whom the service trusts); a reply is ``grader.wire`` plain
data, ``{"id", "result"}`` or ``{"id", "error"}``, read with the loader that refuses every class.
Every reply carries its request's id, and the caller takes only the reply with the id it waits
for: a late reply, or one forged by someone else, is never taken for another job's.

Limits are the caller's: a job that runs past its timeout gets the whole process tree killed
(``Service.submit`` returns None) and the next job starts a fresh process. A graceful stop
(``launcher.graceful_stop``: SIGTERM, or CTRL_BREAK_EVENT on Windows) ends the current job as
Ctrl-C would (its worker is closed), then the process. The reads are a thread's, never
``select`` on a pipe, so this works the same on every system.
"""

from __future__ import annotations

import os
import pickle
import queue
import struct
import subprocess
import sys
import tempfile
import threading
from typing import Any

from grader import launcher, wire
from grader.plan import Plan
from grader.results import RunResult

_BOOT = ("import sys; sys.path.append({root!r}); from grader.service_process import main; "
         "main()")
_HEADER = struct.Struct("!Q")


class ServiceDied(Exception):
    """The verdict process died under a job (``code``: its exit status; ``output``: the end of
    what it wrote to stderr)."""

    def __init__(self, code: int | None, output: str) -> None:
        super().__init__(code)
        self.code = code
        self.output = output


class ServiceError(Exception):
    """The grader failed on a job (its own fault, never the learner's): the message says how."""


def _write_frame(stream: Any, data: bytes) -> None:
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_frame(stream: Any) -> bytes | None:
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(head)
    data = stream.read(size)
    return data if len(data) == size else None


class Service:
    """The caller's handle on one verdict process. One job at a time (not thread-safe)."""

    def __init__(self, env: dict | None = None, cwd: str | None = None) -> None:
        self.env = env
        self.cwd = cwd
        self.proc: subprocess.Popen | None = None
        self.replies: queue.Queue = queue.Queue()
        self.stderr: Any = None

    def start(self) -> None:
        """Start the process now (it imports while the caller prepares the first job)."""
        self.stderr = tempfile.TemporaryFile()
        self.proc = launcher.start_process(
            [sys.executable, "-c", _BOOT.format(root=launcher.GRADER_ROOT)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, env=self.env,
            cwd=self.cwd)
        self.replies = queue.Queue()
        threading.Thread(target=self._read, args=(self.proc, self.replies), daemon=True,
                         name="grader-service-reader").start()

    @staticmethod
    def _read(proc: subprocess.Popen, replies: queue.Queue) -> None:
        assert proc.stdout is not None
        while True:
            raw = _read_frame(proc.stdout)
            if raw is None:
                break
            try:
                reply = wire.loads_plain(raw)
            except Exception:  # noqa: BLE001  (not ours: ignore it)
                continue
            if isinstance(reply, dict):
                replies.put(reply)
        replies.put(None)  # the process is gone

    def submit(self, plan: Plan, timeout: float | None = None) -> RunResult | None:
        """Grade ``plan``: its result, or None when it ran past ``timeout`` seconds (the
        process tree is killed; the next job gets a fresh one). Raises ``ServiceDied`` when the
        process died under the job, ``ServiceError`` when the grader failed on it."""
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        proc = self.proc
        assert proc is not None and proc.stdin is not None
        try:
            _write_frame(proc.stdin, pickle.dumps({"id": plan.job_id, "plan": plan.to_dict()}))
        except (OSError, ValueError):
            return self._died(proc)
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                reply = self.replies.get(timeout=left)
            except queue.Empty:
                launcher.kill_tree(proc)
                self.proc = None
                return None
            if reply is None:
                return self._died(proc)
            if reply.get("id") != plan.job_id:
                continue  # not this job's: never taken for it
            if "error" in reply:
                raise ServiceError(str(reply["error"]))
            return RunResult.from_dict(reply["result"])

    def _died(self, proc: subprocess.Popen) -> RunResult:
        self.proc = None
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            launcher.kill_tree(proc)
            code = proc.poll()
        raise ServiceDied(code, self._stderr_tail())

    def _stderr_tail(self) -> str:
        try:
            self.stderr.seek(0)
            return self.stderr.read()[-3000:].decode("utf-8", "replace").strip()
        except (OSError, AttributeError, ValueError):
            return ""

    def kill(self, grace: float = 2.0) -> None:
        """Stop now, whatever it is doing (Ctrl-C): a graceful stop first, which ends the job as
        Ctrl-C would (its worker is closed), then, after ``grace`` seconds, a kill for everything
        it started."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        children = launcher.descendants(proc.pid)
        launcher.graceful_stop(proc)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        launcher.kill_tree(proc, children)

    def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        # Its fork server and workers run in sessions of their own: once the process is gone
        # they are nobody's children, so find them first.
        children = launcher.descendants(proc.pid)
        try:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        launcher.kill_tree(proc, children)


def main() -> None:
    """The verdict process's main loop."""
    # Hypothesis's own files (its cache of constants) go where the CLI sends them: under the
    # project's .grader/, never into the caller's folder (a notebook kernel's, which no CLI
    # configured). Before Hypothesis is imported.
    from grader import project

    project.keep_hypothesis_files_in(project.find_root())
    requests = sys.stdin.buffer
    replies = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)  # stray writes to fd 1 (a C library's) stay off the protocol
    # The first job is read, and its worker made, while this process imports: in the grader's
    # own isolation that starts the fork server, which imports torch alongside this process;
    # in the sandbox (no fork server: nothing is shared between students) and on the
    # portable path the worker's own interpreter does.
    first: dict[str, Any] = {}
    reader = threading.Thread(target=_read_first, args=(requests, first), daemon=True,
                              name="grader-first-job")
    reader.start()
    from grader import heavy_imports

    heavy_imports.load("hypothesis", "pytest", "torch", "grader.service")  # once, before any job
    from grader import service

    reader.join()

    stopping: list[int] = []

    def on_term(signum: int, frame: Any) -> None:  # Service.kill: end the job as Ctrl-C would
        stopping.append(signum)
        raise KeyboardInterrupt

    launcher.on_graceful_stop(on_term)
    try:
        while not stopping:
            raw = first.pop("raw") if "raw" in first else _read_frame(requests)
            if raw is None:
                break
            job = pickle.loads(raw)  # from the caller, which we trust
            try:
                plan = Plan.from_dict(job["plan"])
                worker = first.pop("worker", None) or service.worker_for(plan)
                worker.start_soon()
                reply = {"id": job["id"], "result": service.run(plan, worker).to_dict()}
            except Exception as exc:  # noqa: BLE001  (the caller reports it; the next job goes on)
                reply = {"id": job.get("id"), "error": f"{type(exc).__name__}: {exc}"}
            if stopping:
                break
            _write_frame(replies, wire.dumps(reply))
    except KeyboardInterrupt:  # a graceful stop between jobs
        pass
    os._exit(0)


def _read_first(requests: Any, first: dict[str, Any]) -> None:
    """Read the first job's frame into ``first["raw"]`` and start its worker
    (``first["worker"]``); what fails here is met again, and reported, by the main loop."""
    raw = first["raw"] = _read_frame(requests)
    if raw is None:
        return
    try:
        from grader import service

        worker = service.worker_for(Plan.from_dict(pickle.loads(raw)["plan"]))
        worker.start_soon()
        first["worker"] = worker
    except Exception:  # noqa: BLE001
        pass
