"""The verdict side of the boundary: start the learner's worker, send it calls, survive it.

``Worker`` owns the process: it starts it (early, so it imports torch while the grader does),
sends one request at a time, and turns a hang into ``WorkerTimeout`` and a death into
``WorkerDied``; the next request starts a fresh worker. ``Learner`` is what checks use: it calls
the current exercise's function in the worker and turns every reply into a value or a ``Verdict``.
"""

from __future__ import annotations

import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from grader import outcomes, wire

READY_TIMEOUT = 180.0  # importing torch on a cold, busy machine
IMPORT_TIMEOUT = 30.0  # a learner module's top-level code
OUTPUT_KEEP = 16_384  # bytes of learner output kept (head and tail)
# Data-segment limit for the learner's process (RLIMIT_DATA): a blow-up becomes a MemoryError
# or an allocator error in the learner's code, reported as such, instead of a machine in
# distress. torch itself needs a few hundred MB. 0 or None: no limit.
DEFAULT_MEMORY_MB = 3072

# The worker must find the grader package even when it is not installed; the learner's folder is
# put before it on sys.path, and ``-I`` keeps the current directory and PYTHON* variables out.
_BOOT = ("import sys; sys.path.append({root!r}); from grader.worker import main; main()")


_SHARED_ZYGOTE: Any = None


def shared_zygote() -> Any:
    """The verdict process's fork server, started on first use."""
    global _SHARED_ZYGOTE
    if _SHARED_ZYGOTE is None or not _SHARED_ZYGOTE.alive():
        from grader.zygote import Zygote

        _SHARED_ZYGOTE = Zygote()
        _SHARED_ZYGOTE.start()
    return _SHARED_ZYGOTE


class WorkerTimeout(Exception):
    pass


class WorkerDied(Exception):
    def __init__(self, returncode: int | None, output: str) -> None:
        super().__init__(returncode)
        self.returncode = returncode
        self.output = output


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

    def since(self, mark: int, limit: int = 2000) -> str:
        """What was printed after byte ``mark`` (best effort), cut to ``limit`` characters."""
        with self.lock:
            joined = bytes(self.head) + bytes(self.tail)
            skipped = self.total - len(joined)
            start = max(0, mark - skipped) if mark > len(self.head) else mark
            text = joined[start:].decode("utf-8", "replace")
        if len(text) > limit:
            text = text[: limit // 2] + "\n… (output cut) …\n" + text[-limit // 2:]
        return text


class Worker:
    def __init__(self, folder: str | os.PathLike, *, sources: dict | None = None,
                 memory_limit_mb: int | None = DEFAULT_MEMORY_MB,
                 forbidden_dir: str | os.PathLike | list[Path] | None = None,
                 zygote: Any = "shared") -> None:
        self.folder = str(Path(folder).resolve())
        # The fork server workers come from: "shared" (one per verdict process, started on
        # first use), a given Zygote, or None (a fresh interpreter every time).
        self.zygote = shared_zygote() if zygote == "shared" else zygote
        self.sources = sources
        self.memory_limit_mb = memory_limit_mb
        # Files the learner's code may not open (the reference solutions: one folder or a
        # list, see grader.course_files.masked_solutions), unless they are what is graded.
        dirs = [forbidden_dir] if isinstance(forbidden_dir, (str, os.PathLike)) \
            else list(forbidden_dir or ())
        self.forbidden_dirs = [str(real) for real in (Path(d).resolve() for d in dirs)
                               if real != Path(self.folder)]
        self.proc: subprocess.Popen | None = None
        self.conn: Connection | None = None
        self.ready = False
        self.cuda = False
        self.generation = 0  # bumps on every (re)start: loaded modules are per generation
        self.preload: tuple[str, ...] = ()  # modules workers should have imported (catalog)
        self.preloaded: frozenset[str] = frozenset()  # what the running worker has
        self._starting: threading.Thread | None = None
        self.output = Output()

    @property
    def started(self) -> bool:
        return self.proc is not None or self._starting is not None

    def start_soon(self) -> None:
        """Start the worker from a background thread: the fork happens as soon as the zygote
        is ready, while this process is still importing, and so does the zygote's ``preload``.
        The first request waits for the fork."""
        if self.started:
            return

        def start() -> None:
            try:
                self.start()
            except Exception:  # noqa: BLE001  (the first request starts one the usual way)
                self.proc = self.conn = None

        self._starting = threading.Thread(target=start, name="grader-worker-start", daemon=True)
        self._starting.start()

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker without waiting for it: a fork of the zygote when one is running
        (milliseconds), else a fresh interpreter (which imports torch meanwhile)."""
        parent, child = socket.socketpair()
        flags = []
        if self.sources is not None:
            flags.append("--sources")
        for folder in self.forbidden_dirs:
            flags += ["--forbid", folder]
        self.proc = None
        zygote = self.zygote
        if zygote is not None and zygote.alive():
            from grader.zygote import ForkedProcess

            read_fd, write_fd = os.pipe()
            try:
                pid, preloads = zygote.spawn(child.fileno(), write_fd, self.folder, flags,
                                             self.memory_limit_mb)
                self.proc = ForkedProcess(zygote, pid, os.fdopen(read_fd, "rb", buffering=0),
                                          preloads)
                self.preloaded = preloads
            except (OSError, EOFError, ValueError, KeyError, TypeError):
                os.close(read_fd)  # the zygote is gone: start a fresh interpreter instead
            finally:
                os.close(write_fd)
            if self.proc is not None and not set(self.preload) <= zygote.preloads:
                # The zygote imports them next, on its own core, while this worker serves
                # other exercises; a worker forked after that has them.
                threading.Thread(target=self._zygote_preload, args=(zygote, self.preload),
                                 name="grader-preload", daemon=True).start()
        if self.proc is None:
            self.proc = self._popen(child, flags)
            # No fork server to import them ahead: the learner's call imports them itself, in
            # this worker (no restart would do better).
            self.preloaded = frozenset(self.preload)
        child.close()
        self.conn = Connection(parent.detach())
        if self.sources is not None:
            self.conn.send_bytes(pickle.dumps(self.sources))
        self.ready = False
        self.generation += 1
        threading.Thread(target=self._drain, args=(self.proc,), daemon=True).start()

    @staticmethod
    def _zygote_preload(zygote: Any, modules: tuple[str, ...]) -> None:
        try:
            zygote.preload(modules)
        except (OSError, EOFError, ValueError):
            pass  # the zygote is gone: workers start as fresh interpreters

    def has_preloaded(self, modules: tuple[str, ...]) -> bool:
        """Whether the running worker was started with ``modules`` imported (or importing);
        True when there is none yet (the next one is started with them)."""
        if self._starting is not None:  # a fork in progress: look at what it gives
            self._starting.join()
            self._starting = None
        return self.proc is None or set(modules) <= self.preloaded

    def _popen(self, child: socket.socket, flags: list[str]) -> subprocess.Popen:
        root = str(Path(__file__).resolve().parent.parent)
        cmd = [sys.executable, "-I", "-c", _BOOT.format(root=root), str(child.fileno()),
               self.folder, *flags]
        limit = self.memory_limit_mb

        def preexec() -> None:  # runs in the child, before exec
            import resource

            soft = limit * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_DATA, (soft, soft))

        return subprocess.Popen(
            cmd, pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True, cwd=self.folder,
            preexec_fn=preexec if limit else None)

    def _drain(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        while True:
            chunk = proc.stdout.read1(65536) if hasattr(proc.stdout, "read1") else \
                proc.stdout.read(65536)
            if not chunk:
                break
            self.output.feed(chunk)

    def ensure_ready(self) -> None:
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        if self.proc is not None and self.conn is not None and self.ready \
                and self._between_requests_noise():
            # Between a reply and the next request the worker has nothing to say: a closed or
            # talking socket means it died (or misbehaves) meanwhile; start afresh.
            self.kill()
        if self.proc is None or (not self.ready and self.proc.poll() is not None):
            self.start()
        if not self.ready:
            reply = self._receive(READY_TIMEOUT)
            if reply.get("status") != "ready":
                raise WorkerDied(self.proc.poll(), self.output.since(0))
            self.ready = True
            self.cuda = bool(reply.get("cuda"))

    def _between_requests_noise(self) -> bool:
        """True when the socket is readable before a request: EOF or unasked-for bytes. (A
        cheap test that needs no round trip to the zygote on every call.)"""
        try:
            return bool(self.conn.poll(0))
        except (OSError, EOFError, ValueError):
            return True

    def request(self, msg: dict, timeout: float) -> dict:
        self.ensure_ready()
        assert self.conn is not None
        try:
            self.conn.send_bytes(pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL))
        except (OSError, EOFError):
            self._died()
        return self._receive(timeout)

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
        if proc is not None:
            try:
                code = proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close()
        time.sleep(0.05)  # let the drain thread take the last output
        raise WorkerDied(code, self.output.since(0))

    def kill(self) -> None:
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        proc = self.proc
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                proc.kill()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self._close()

    def _close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass
        self.conn = None
        self.proc = None
        self.ready = False

    def close(self) -> None:
        self.kill()


def describe_exit(code: int | None) -> tuple[str, str]:
    """(English, Chinese) words for how the worker ended."""
    if code is None:
        return "it stopped answering", "它不再响应"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return (f"it was killed by {name}", f"它被信号 {name} 终止")
    return f"it exited with status {code}", f"它以状态码 {code} 退出"


class Learner:
    """The learner's code as a check sees it. The plugin sets ``exercise`` before each test."""

    def __init__(self, worker: Worker, catalog: Any, device: str = "cpu") -> None:
        self.worker = worker
        self.catalog = catalog
        self.device = device
        self.exercise: Any = None
        # Matrix-product operators the last from-scratch call used, name -> count.
        self.last_products: dict[str, int] = {}
        self._fatal: dict[str, outcomes.Verdict] = {}
        self._loaded: dict[str, tuple[int, outcomes.Verdict | None]] = {}
        self._shown_inputs: list | None = None  # a probe's inputs as the learner knows them

    # -- what checks call ---------------------------------------------------------------------
    def call(self, *args: Any, **kwargs: Any) -> Any:
        """Call the current exercise's function with these arguments; return its result.

        Raises a Verdict when it raises, hangs, crashes, uses a forbidden operator, or modifies
        an input tensor."""
        return self._request("call", args, kwargs)

    def call_expecting(self, expected: type[BaseException], *args: Any,
                       why: tuple[str, str] | None = None, require_message: bool = False,
                       **kwargs: Any) -> dict[str, str]:
        """Call the current exercise where it must raise ``expected`` (e.g. ``ValueError``).

        Returns ``{"type", "message"}`` of what it raised. Raises a ``Mismatch`` (outcome
        failed) when it returns instead, raises another type, or (``require_message``) raises
        it with an empty message; ``why`` (English, Chinese) says why the input is invalid.
        Not started, forbidden, timeouts and crashes stay what they are. A learner's own
        subclass of ``expected`` counts (the worker sends the names of the exception's
        classes)."""
        call = self._call_text("call", {})
        inputs = self._inputs(args, kwargs)
        reason = {"why_en": f": {why[0]}" if why else "", "why_zh": f"：{why[1]}" if why else ""}
        try:
            value = self.call(*args, **kwargs)
        except outcomes.LearnerRaised as raised:
            name = str(raised.data.get("type"))
            bases = raised.data.get("bases") or [name]
            if expected.__name__ in bases:
                message = str(raised.data.get("message", ""))
                if require_message and not message.strip():
                    raise outcomes.Mismatch("raise.no_message", call=call,
                                            expected=expected.__name__, inputs=inputs) from None
                return {"type": name, "message": message}
            raise outcomes.Mismatch(
                "raise.wrong_type", call=call, expected=expected.__name__, type=name,
                message=raised.data.get("message", ""), traceback=raised.data.get("traceback", ""),
                inputs=inputs, **reason) from None
        from grader.compare import format_value

        raise outcomes.Mismatch("raise.missing", call=call, expected=expected.__name__,
                                got=format_value(value), inputs=inputs, **reason)

    def new(self, *args: Any, **kwargs: Any) -> tuple[wire.Handle, Any]:
        """Instantiate the current exercise's class in the worker: (handle, description)."""
        return self._request("new", args, kwargs)

    def method(self, handle: wire.Handle, method: str, *args: Any, **kwargs: Any) -> Any:
        return self._request("method", args, kwargs, handle=handle, method=method)

    def probe(self, probe: str, *args: Any, handle: wire.Handle | None = None,
              shown: tuple[str, list] | None = None, **kwargs: Any) -> Any:
        """Run grader code (``grader.probes.REGISTRY[probe]``) on the learner's object inside
        the worker, e.g. to set parameters and backpropagate through the learner's module.

        ``shown``: (call, [(name, value), ...]) as the learner knows it, for the messages when
        the learner's code raises, hangs or crashes in the probe (the probe's own arguments
        mean nothing to them)."""
        return self._request("probe", args, kwargs, handle=handle, probe=probe, shown=shown)

    # -- machinery ----------------------------------------------------------------------------
    @property
    def _chapter(self) -> Any:
        return self.catalog.chapter(self.exercise.chapter)

    def _request(self, op: str, args: tuple, kwargs: dict, **extra: Any) -> Any:
        ex = self.exercise
        if ex.qualname in self._fatal:
            raise self._fatal[ex.qualname]
        shown = extra.pop("shown", None)
        call = shown[0] if shown else self._call_text(op, extra)
        self._shown_inputs = list(shown[1]) if shown else None
        if ex.preload and not self.worker.has_preloaded(ex.preload):
            # This worker was forked before the fork server imported what this exercise's
            # code imports slowly: continue in one forked after (a fresh process, as after a
            # crash).
            self.worker.kill()
        try:
            self._load(self._chapter.module)
            msg = {"op": op, "module": self._chapter.module, "name": ex.name,
                   "args": wire.encode(tuple(args)), "kwargs": wire.encode(kwargs),
                   "scratch": ex.from_scratch, "return_args": op != "new", **extra}
            if extra.get("handle") is not None:
                msg["handle"] = extra["handle"].id
            mark = self.worker.output.total
            try:
                reply = self.worker.request(msg, ex.time_budget)
            except WorkerTimeout:
                raise outcomes.LearnerTimeout(
                    "timeout", call=call, seconds=ex.time_budget,
                    inputs=self._inputs(args, kwargs),
                    output=self.worker.output.since(mark)) from None
            except WorkerDied as died:
                en, zh = describe_exit(died.returncode)
                raise outcomes.LearnerCrashed(
                    "crashed", call=call, how_en=en, how_zh=zh,
                    inputs=self._inputs(args, kwargs),
                    output=self.worker.output.since(mark)) from None
            return self._settle(reply, op, call, args, kwargs)
        except outcomes.Verdict as verdict:
            if verdict.fatal:
                self._fatal[ex.qualname] = verdict
            raise

    def _load(self, module: str) -> None:
        generation, failure = self._loaded.get(module, (-1, None))
        if failure is not None:
            raise failure
        if generation == self.worker.generation and self.worker.proc is not None:
            return
        try:
            reply = self.worker.request({"op": "load", "module": module}, IMPORT_TIMEOUT)
        except WorkerTimeout:
            failure = outcomes.LearnerTimeout("import_timeout", module=module,
                                              seconds=IMPORT_TIMEOUT, output="")
        except WorkerDied as died:
            en, zh = describe_exit(died.returncode)
            failure = outcomes.LearnerCrashed("import_crashed", module=module, how_en=en,
                                              how_zh=zh, output=died.output[-2000:])
        else:
            status = reply.get("status")
            if status == "ok":
                self._loaded[module] = (self.worker.generation, None)
                return
            if status == "missing":
                failure = outcomes.ImportFailed("missing_file", file=str(reply.get("what")),
                                                folder=self.worker.folder)
            elif status == "forbidden":
                failure = outcomes.Forbidden("forbidden_file", op=str(reply.get("call")),
                                             where=str(reply.get("where")))
            else:
                failure = outcomes.ImportFailed(
                    "import_failed", module=module, type=str(reply.get("type")),
                    message=str(reply.get("message")), traceback=str(reply.get("traceback")))
        self._loaded[module] = (self.worker.generation, failure)
        raise failure

    def _settle(self, reply: dict, op: str, call: str, args: tuple, kwargs: dict) -> Any:
        status = reply.get("status")
        inputs = self._inputs(args, kwargs)
        if status == "ok":
            products = reply.get("products")
            self.last_products = dict(products) if isinstance(products, dict) else {}
            if op != "new" and "args_after" in reply:
                self._check_unmodified(call, args, kwargs, wire.decode(reply["args_after"]))
            value = wire.decode(reply.get("value"))
            if op == "new":
                hid, type_name = reply.get("handle")
                return wire.Handle(int(hid), str(type_name)), value
            return value
        if status == "not_implemented":
            function = str(reply.get("function") or "")
            own = {self.exercise.name, "__init__", "forward", "<module>", ""}
            if function not in own:
                raise outcomes.NotStarted("not_started_dep", name=self.exercise.name,
                                          dep=function, file=str(reply.get("file")))
            raise outcomes.NotStarted("not_started", name=self.exercise.name)
        if status == "forbidden":
            call_name = str(reply.get("call"))
            key = "forbidden_file" if call_name.startswith("the reference") else "forbidden"
            raise outcomes.Forbidden(key, name=self.exercise.name, op=call_name,
                                     where=str(reply.get("where")))
        if status == "missing":
            raise outcomes.ImportFailed("missing_name", name=self.exercise.name,
                                        file=self._chapter.filename)
        message = str(reply.get("message"))
        if status == "raised" and (reply.get("type") == "MemoryError"
                                   or "can't allocate memory" in message):
            raise outcomes.LearnerRaised(
                "memory", call=call, limit=self.worker.memory_limit_mb or "?",
                message=message.split("DefaultCPUAllocator: ")[-1][:300], inputs=inputs)
        if status in ("raised", "import_failed"):
            raise outcomes.LearnerRaised(
                "raised", call=call, type=str(reply.get("type")),
                message=str(reply.get("message")), traceback=str(reply.get("traceback")),
                bases=list(reply.get("bases") or []), inputs=inputs)
        raise outcomes.InternalError(f"unexpected worker reply {status!r}")

    def _check_unmodified(self, call: str, args: tuple, kwargs: dict, after: Any) -> None:
        import torch

        if not isinstance(after, tuple) or len(after) != 2:
            raise outcomes.InternalError("worker did not return the arguments")
        names = self._arg_names(args, kwargs)
        before_flat = list(args) + list(kwargs.values())
        after_flat = list(after[0]) + list(after[1].values())
        for name, b, a in zip(names, before_flat, after_flat, strict=False):
            if isinstance(b, torch.Tensor):
                same = (isinstance(a, torch.Tensor) and a.shape == b.shape
                        and a.dtype == b.dtype
                        and torch.equal(a.detach().cpu(), b.detach().cpu()))
                if not same:
                    raise outcomes.Mismatch("mutated_input", call=call, arg=name,
                                            inputs=self._inputs(args, kwargs))

    def _arg_names(self, args: tuple, kwargs: dict) -> list[str]:
        names = list(self.exercise.arg_names)
        positional = [names[i] if i < len(names) else f"arg{i + 1}" for i in range(len(args))]
        return positional + list(kwargs)

    def _inputs(self, args: tuple, kwargs: dict) -> list[tuple[str, Any]]:
        if self._shown_inputs is not None:
            return self._shown_inputs
        return list(zip(self._arg_names(args, kwargs), list(args) + list(kwargs.values()),
                        strict=True))

    def _call_text(self, op: str, extra: dict) -> str:
        if op == "method":
            return f"{self.exercise.name}.{extra['method']}(…)"
        return self.exercise.signature.split("(")[0] + "(…)"
