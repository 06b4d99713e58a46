"""The verdict side of the boundary: start the learner's worker, send it calls, survive it.

``Worker`` owns the process (started through ``grader.launcher``, early, so it imports torch
while the grader does), sends one request at a time, and turns a hang into ``WorkerTimeout`` and
a death into ``WorkerDied``; the next request starts a fresh worker. Checks reach it through
``grader.learner.Learner``.
"""

from __future__ import annotations

import os
import pickle
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader import launcher, protocol, wire

READY_TIMEOUT = 180.0  # importing torch on a cold, busy machine
IMPORT_TIMEOUT = 30.0  # a learner module's top-level code
OUTPUT_KEEP = 16_384  # bytes of learner output kept (head and tail)
_ANSI = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class WorkerTimeout(Exception):
    """The request ran past its time; ``where``: the learner's frames the worker saw shortly
    before (``grader.worker_deadline``: innermost first, plain data), or None."""

    def __init__(self, where: list[dict] | None = None) -> None:
        super().__init__()
        self.where = where


class WorkerDied(Exception):
    """The worker died; ``out_of_memory``: killed by the grader for passing its memory limit
    (where the limit is watched, not enforced by the system: ``launcher.MemoryWatch``)."""

    def __init__(self, returncode: int | None, output: str, out_of_memory: bool = False) -> None:
        super().__init__(returncode)
        self.returncode = returncode
        self.output = output
        self.out_of_memory = out_of_memory


class Output:
    """Learner output, drained from the worker's pipe: the first and the last OUTPUT_KEEP bytes,
    so a flood costs neither memory nor a stuck pipe."""

    def __init__(self) -> None:
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0
        self.lock = threading.Lock()

    def feed(self, chunk: bytes) -> None:
        with self.lock:
            self.total += len(chunk)
            room = OUTPUT_KEEP - len(self.head)
            if room > 0:
                self.head += chunk[:room]
                chunk = chunk[room:]
            if chunk:
                self.tail += chunk
                del self.tail[:-OUTPUT_KEEP]

    def since(self, mark: int, limit: int | None = 2000) -> str:
        """What was printed after byte ``mark`` (best effort), without ANSI sequences and
        control characters (a learner's print cannot move the cursor or recolour the report),
        cut to ``limit`` characters (None: as much as was kept)."""
        with self.lock:
            joined = bytes(self.head) + bytes(self.tail)
            skipped = self.total - len(joined)
            start = max(0, mark - skipped) if mark > len(self.head) else mark
            text = joined[start:].decode("utf-8", "replace")
        text = _CONTROL.sub("", _ANSI.sub("", text.replace("\r\n", "\n")))
        if limit is not None and len(text) > limit:
            text = text[: limit // 2] + "\n… (output cut) …\n" + text[-limit // 2:]
        return text


class Worker:
    """One learner worker at a time for a folder (or a notebook's ``sources``), restarted after
    a crash or a timeout. ``forbidden_dirs``: folders the learner's code may not open (the
    reference solutions; the graded folder itself is never among them). ``memory_limit_mb``:
    the worker's data-segment limit, None for none."""

    def __init__(self, folder: str | os.PathLike, *, sources: dict | None = None,
                 memory_limit_mb: int | None = None,
                 forbidden_dirs: list | tuple = (), isolation: str = "process",
                 server: Any = "shared") -> None:
        self.folder = str(Path(folder).resolve())
        # The fork server workers come from: "shared" (this process's, started on first
        # use, where the launcher finds a fast path), a given ForkServer, or None (the
        # portable path: a fresh interpreter every time). A sandboxed worker is never forked
        # from a server shared with other students.
        if isolation != "process":
            server = None
        self.server = launcher.fork_server() if server == "shared" else server
        self.sources = sources
        self.memory_limit_mb = memory_limit_mb
        self.isolation = isolation
        self.forbidden_dirs = tuple(
            d for d in (str(Path(x).resolve()) for x in forbidden_dirs) if d != self.folder)
        self.process: launcher.LearnerProcess | None = None
        self.ready = False
        self.cuda = False
        self.generation = 0  # bumps on every (re)start: loaded modules are per generation
        self.preload: tuple[str, ...] = ()  # modules workers should have imported (catalog)
        self._starting: threading.Thread | None = None
        self.output = Output()
        self.echo: Callable[[bytes], None] | None = None  # also show learner output live
        self.exercises: dict[str, dict[str, str]] = {}  # module -> {function: qualname}

    @property
    def proc(self) -> Any:
        return self.process.proc if self.process is not None else None

    @property
    def conn(self) -> Any:
        return self.process.conn if self.process is not None else None

    @property
    def preloaded(self) -> frozenset[str]:
        return self.process.preloaded if self.process is not None else frozenset()

    @property
    def started(self) -> bool:
        return self.process is not None or self._starting is not None

    def start_soon(self) -> None:
        """Start the worker from a background thread: the fork happens as soon as the fork
        server is ready, while this process is still importing, and so does the fork server's
        ``preload``; on the portable path the worker's interpreter imports torch meanwhile.
        The first request waits for the start."""
        if self.started:
            return

        def start() -> None:
            try:
                self.start()
            except Exception:  # noqa: BLE001  (the first request starts one the usual way)
                self.process = None

        self._starting = threading.Thread(target=start, name="grader-worker-start", daemon=True)
        self._starting.start()

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker without waiting for it (``grader.launcher``), and send its setup."""
        spec = launcher.LaunchSpec(folder=self.folder, memory_limit_mb=self.memory_limit_mb,
                                   isolation=self.isolation, forbidden=self.forbidden_dirs)
        self.process = launcher.launch(spec, server=self.server)
        imports: tuple[str, ...] = ()
        if not set(self.preload) <= self.process.preloaded:
            if self.server is not None and self.server.alive() \
                    and isinstance(self.process.proc, _forked()):
                # The fork server imports them next, on its own core, while this worker serves
                # other exercises; a worker forked after that has them.
                launcher.preload(self.preload, self.server)
            else:
                # No fork server to import them ahead (a fresh interpreter): the worker imports
                # them before its first request, with the collector paused (cheaper than in
                # the learner's call, and no restart would do better).
                imports = self.preload
                self.process.preloaded = frozenset(self.preload)
        self.process.conn.send_bytes(pickle.dumps(protocol.setup(
            self.process.folder or self.folder, self.forbidden_dirs, self.sources,
            self.exercises, imports)))
        self.ready = False
        self.generation += 1
        threading.Thread(target=self._drain, args=(self.process.stdout,), daemon=True).start()

    def has_preloaded(self, modules: tuple[str, ...]) -> bool:
        """Whether the running worker was started with ``modules`` imported (or importing);
        True when there is none yet (the next one is started with them)."""
        if self._starting is not None:  # a fork in progress: look at what it gives
            self._starting.join()
            self._starting = None
        return self.process is None or set(modules) <= self.preloaded

    def _drain(self, stdout: Any) -> None:
        while True:
            try:
                chunk = stdout.read1(65536) if hasattr(stdout, "read1") else stdout.read(65536)
            except (OSError, ValueError):
                break
            if not chunk:
                break
            self.output.feed(chunk)
            if self.echo is not None:
                self.echo(chunk)

    def ensure_ready(self) -> None:
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        if self.process is not None and self.ready and self._between_requests_noise():
            # Between a reply and the next request the worker has nothing to say: a closed or
            # talking socket means it died (or misbehaves) meanwhile; start afresh.
            self.kill()
        if self.process is None or (not self.ready and self.proc.poll() is not None):
            self.start()
        if not self.ready:
            reply = self._receive(READY_TIMEOUT)
            if reply.get("status") != protocol.READY:
                raise WorkerDied(self.proc.poll(), self.output.since(0))
            self.ready = True
            self.cuda = bool(reply.get("cuda"))

    def _between_requests_noise(self) -> bool:
        """True when the socket is readable before a request: EOF or unasked-for bytes. (A
        cheap test that needs no round trip to the fork server on every call.)"""
        try:
            if self.conn.poll(0):
                return True
        except (OSError, EOFError, ValueError):
            return True
        # A pipe's end of file reaches the reader thread a moment after the death: ask the
        # process too (no round trip to the fork server: the launcher looks for itself).
        return self.proc.poll() is not None

    def request(self, msg: dict, timeout: float,
                on_event: Callable[[dict], None] | None = None) -> dict:
        """Send ``msg`` and return the worker's reply. Replies with status ``event`` (progress
        that a long call streams, e.g. ``train``) go to ``on_event`` and extend nothing: the
        ``timeout`` is for the whole request. The worker is told it as ``budget``: shortly
        before it runs out the worker says where the learner's code is (a ``where`` reply),
        which a ``WorkerTimeout`` then carries."""
        self.ensure_ready()
        assert self.conn is not None
        try:
            self.conn.send_bytes(pickle.dumps({**msg, "budget": timeout},
                                              protocol=pickle.HIGHEST_PROTOCOL))
        except (OSError, EOFError):
            self._died()
        deadline = time.monotonic() + timeout
        where = None
        while True:
            try:
                reply = self._receive(max(0.0, deadline - time.monotonic()))
            except WorkerTimeout:
                raise WorkerTimeout(where) from None
            status = reply.get("status")
            if status == protocol.WHERE:
                frames = reply.get("frames")
                where = [f for f in frames if isinstance(f, dict)] \
                    if isinstance(frames, list) else None
                continue
            if status != protocol.EVENT:
                return reply
            if on_event is not None:
                on_event(reply)

    def _receive(self, timeout: float) -> dict:
        assert self.conn is not None
        try:
            if not self.conn.poll(timeout):
                self.kill()
                raise WorkerTimeout()
            raw = self.conn.recv_bytes()
        except (EOFError, OSError):
            self._died()
        try:
            reply = wire.loads_plain(raw)
        except Exception:  # not plain data: the learner's process is not talking our protocol
            self.kill()
            raise WorkerDied(None, "the worker sent something that is not plain data") from None
        if not isinstance(reply, dict):
            self.kill()
            raise WorkerDied(None, "the worker sent a malformed reply")
        return reply

    def _died(self) -> None:
        proc = self.proc
        code = None
        out_of_memory = self.process is not None and self.process.out_of_memory
        if proc is not None:
            try:
                code = proc.wait(timeout=5)
            except Exception:  # noqa: BLE001  (TimeoutExpired: it hangs on; kill it)
                self.kill()
        if self.process is not None and self.process.watch is not None:
            self.process.watch.stop()
        self._close()
        time.sleep(0.05)  # let the drain thread take the last output
        raise WorkerDied(code, self.output.since(0), out_of_memory)

    def kill(self) -> None:
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        if self.process is not None:
            self.process.kill()
        self._close()

    def _close(self) -> None:
        if self.process is not None:
            try:
                self.process.conn.close()
            except OSError:
                pass
        self.process = None
        self.ready = False

    def close(self) -> None:
        self.kill()


def _forked() -> type:
    from grader.fork_server import ForkedProcess

    return ForkedProcess
