"""The learner's side of the boundary: a process that imports learner code and answers calls.

Started by ``grader.launcher`` for ``grader.worker_client.Worker`` with the socket FD; it
imports torch once, puts the graded folder first on ``sys.path`` (so ``from chapter19_conv
import corr2d`` inside chapter 20 resolves there and nowhere else), then serves requests on the
socket FD until it closes.

Nothing here decides a verdict. Replies are plain data (see ``grader.wire``); the verdict process
compares them. Learner output goes to this process's stdout/stderr, which the client drains.
Which frames are the learner's is ``grader.learner_frames``; where the learner's code is when a
request is about to run out of time, ``grader.worker_deadline``.
"""

from __future__ import annotations

import gc
import importlib
import os
import pickle
import sys
import threading
import types
from typing import Any

from grader.learner_frames import LearnerFrames, place_line
from grader.pipe_connection import worker_connection
from grader.worker_deadline import Deadline

_TIMEOUT_EXIT = 3


class ForbiddenFile(BaseException):
    """Raised into learner code that opens the reference solutions while something else is
    graded; a BaseException so ``except Exception`` cannot hide it."""


class _Worker(LearnerFrames):
    """The worker's state and its answer to each request (the learner's frames are told
    apart by ``LearnerFrames``)."""

    def __init__(self, folder: str, sources: dict[str, tuple[str, str]] | None = None,
                 forbidden_dirs: list[str] | tuple[str, ...] = ()) -> None:
        super().__init__(folder)
        self.sources = sources or {}  # module name -> (source text, filename), e.g. notebooks
        self.handles: dict[int, Any] = {}
        self.modules: dict[str, types.ModuleType] = {}
        # Folders the learner's code may not open: the reference solutions, wherever they are,
        # and the checks' own references (grader/checks, next to this file).
        checks = os.path.join(os.path.dirname(os.path.realpath(__file__)), "checks")
        self.forbidden_dirs = tuple(dict.fromkeys(
            [*(os.path.realpath(d) for d in forbidden_dirs), checks]))
        self.forbidden_hit: dict | None = None
        self.default_threads = 1  # torch's own choice, for training (set by main)
        self.exercises: dict[str, dict[str, str]] = {}  # module -> {function: qualname}
        self.reached: set[str] = set()  # exercises the current call reached
        self.emit: Any = None  # sends an ``event`` reply (set by main)
        self.dispatch: Any = None  # the from-scratch guard's dispatcher layer (set by main)

    def audit(self, event: str, args: tuple) -> None:
        """Audit hook: opening any file of the reference solutions (``import solutions...``,
        ``open()``, ``spec_from_file_location``, ``runpy``) is forbidden. Audit hooks cannot be
        removed, so learner code cannot switch this off."""
        if event != "open" or not self.forbidden_dirs or not args:
            return
        path = args[0]
        if isinstance(path, int) or path is None:
            return
        try:
            real = os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            return
        for forbidden in self.forbidden_dirs:
            if real != forbidden and not real.startswith(forbidden + os.sep):
                continue
            if self.forbidden_hit is None:
                name = os.path.relpath(real, os.path.dirname(forbidden))
                opened = "checks" if forbidden.endswith(os.sep + "checks") else "solutions"
                what = "the grader's checks" if opened == "checks" else "the reference solutions"
                # ``call`` in English for ``grader train``; ``opened`` and ``file`` for the
                # verdict's sentence, in the learner's language
                place = self.caller_place()
                self.forbidden_hit = {"call": f"{what} ({name})", "opened": opened,
                                      "file": name, "where": place_line(place), "at": place}
            raise ForbiddenFile(real)

    # -- modules ------------------------------------------------------------------------------
    def load(self, name: str) -> types.ModuleType:
        if name in self.modules:
            return self.modules[name]
        if name in self.sources:
            source, filename = self.sources[name]
            module = types.ModuleType(name)
            module.__file__ = filename
            sys.modules[name] = module
            try:
                exec(compile(source, filename, "exec"), module.__dict__)
            except BaseException:
                sys.modules.pop(name, None)
                raise
        else:
            path = os.path.join(self.folder, f"{name}.py")
            if not os.path.isfile(path):
                raise _Missing(f"{name}.py")
            try:
                module = importlib.import_module(name)
            except SyntaxError as exc:
                _raise_if_not_utf8(exc)
                raise
            if not self.is_learner_file(getattr(module, "__file__", "") or ""):
                raise _Missing(f"{name}.py")
        self.modules[name] = module
        self.instrument()
        return module

    def target(self, msg: dict) -> Any:
        if msg.get("handle") is not None:
            return self.handles[msg["handle"]]
        module = self.load(msg["module"])
        if not hasattr(module, msg["name"]):
            raise _Missing(f"{msg['name']} in {msg['module']}.py", attribute=True)
        return getattr(module, msg["name"])

    # -- requests -----------------------------------------------------------------------------
    def handle(self, msg: dict) -> dict:
        reply = self._handle(msg)
        if self.reached:  # whatever the call did, which other exercises it reached
            reply["reached"] = sorted(self.reached)
        return reply

    def _handle(self, msg: dict) -> dict:
        from grader import wire

        op = msg["op"]
        if op == "ping":
            return {"status": "ok", "value": os.getpid()}
        self.forbidden_hit = None
        self.reached = set()
        if op == "train":
            return self.train(msg["config"])
        if op == "load":
            try:
                self.load(msg["module"])
            except _Missing as exc:
                return {"status": "missing", "what": exc.what, "attribute": exc.attribute}
            except _NotUTF8 as exc:
                return {"status": "not_utf8", "file": exc.file, "line": exc.line}
            except BaseException as exc:  # SystemExit and KeyboardInterrupt at import included
                if self.forbidden_hit is not None:
                    return {"status": "forbidden", **self.forbidden_hit}
                return {"status": "import_failed", **self.raised(exc)}
            if self.forbidden_hit is not None:
                return {"status": "forbidden", **self.forbidden_hit}
            return {"status": "ok", "value": None}

        def here(device: str) -> str:
            return device

        guard = None
        scratch: dict = {}
        try:
            target = self.target(msg)
            args = wire.decode(msg.get("args", ()), device_map=here, handles=self.handles)
            kwargs = wire.decode(msg.get("kwargs", {}), device_map=here, handles=self.handles)
            if msg.get("scratch"):
                from grader.forbidden import FromScratchGuard

                guard = FromScratchGuard(self.is_learner_file)
            inputs = _tensor_inputs(args, kwargs) if msg.get("return_args") else None
            result = self.run(op, msg, target, args, kwargs, guard, scratch)
        except _Missing as exc:
            return {"status": "missing", "what": exc.what, "attribute": exc.attribute}
        except BaseException as exc:
            hit = self.scratch_hit(guard, scratch)
            if hit is not None:
                return {"status": "forbidden", **hit}
            if self.forbidden_hit is not None:
                return {"status": "forbidden", **self.forbidden_hit}
            return self.raised(exc)
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except Exception:
                    pass
        hit = self.scratch_hit(guard, scratch)
        if hit is not None:  # the learner swallowed ForbiddenCall
            return {"status": "forbidden", **hit}
        if self.forbidden_hit is not None:
            return {"status": "forbidden", **self.forbidden_hit}
        reply = {"status": "ok", "value": wire.encode(result)}
        if guard is not None:
            from grader.forbidden import merge_products

            reply["products"] = merge_products(guard.products, scratch.get("products") or {},
                                               threading.get_ident())
        if op == "new":
            self.handles[len(self.handles) + 1] = result
            reply["handle"] = (len(self.handles), type(result).__name__)
        if inputs and _modified(inputs):
            # The verdict process compares them with what it sent and names the argument.
            reply["args_after"] = wire.encode((args, kwargs))
        return reply

    # -- which exercises a call reached -----------------------------------------------------------
    def instrument(self) -> None:
        """Wrap every exercise function bound in a learner module's globals (its own, and the
        ones it imported from another chapter: chapter 21's ``corr2d``) so that a call records
        which exercises it reached (``reached`` in the reply). The verdict side uses it to name
        the real culprit: an exercise that fails because another one it calls is wrong."""
        for module in list(self.modules.values()):
            space = vars(module)
            for key, value in list(space.items()):
                qualname = self._exercise_of(value)
                if qualname is not None:
                    space[key] = self._recording(value, qualname)

    def _exercise_of(self, value: Any) -> str | None:
        if not isinstance(value, types.FunctionType) or getattr(value, "_grader_reached", None):
            return None
        module = getattr(value, "__module__", None)
        return self.exercises.get(module, {}).get(value.__name__)

    def _recording(self, fn: Any, qualname: str) -> Any:
        import functools

        worker = self

        @functools.wraps(fn)
        def recorded(*args: Any, **kwargs: Any) -> Any:
            worker.reached.add(qualname)
            return fn(*args, **kwargs)

        recorded._grader_reached = qualname
        return recorded

    def train(self, config: dict) -> dict:
        """``grader train``: the learner's LeNet trained by the learner's ``train``, progress
        streamed as ``event`` replies (``grader.training``)."""
        from grader import training, wire

        try:
            result = training.run(config, self, self.emit)
        except training.CallFailed as failed:
            return failed.reply
        except _Missing as exc:
            return {"status": "missing", "what": exc.what, "attribute": exc.attribute}
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except Exception:
                    pass
        if self.forbidden_hit is not None:
            return {"status": "forbidden", **self.forbidden_hit}
        return {"status": "ok", "value": wire.encode(result)}

    def scratch_hit(self, guard: Any, scratch: dict) -> dict | None:
        """The first ready-made operator a from-scratch call used, as the learner wrote it
        where the calling thread saw it, else as the dispatcher saw it (another thread,
        TorchScript); or the guard found switched off or replaced."""
        if guard is None:
            return None
        if guard.hit is not None:
            return guard.hit
        if scratch.get("hit") is not None:
            return scratch["hit"]
        if scratch.get("tampered"):
            from grader.text import t

            return {"call": t("forbidden.tampered", "en"), "where": ""}
        return None

    def run(self, op: str, msg: dict, target: Any, args: tuple, kwargs: dict, guard: Any,
            scratch: dict | None = None) -> Any:
        if op in ("call", "new"):
            fn = target
        elif op == "method":
            fn = getattr(target, msg["method"])
        elif op == "probe":
            from grader import probes

            probe = probes.REGISTRY[msg["probe"]]

            def fn(*a: Any, **k: Any) -> Any:
                return probe(target, *a, **k)
        else:
            raise ValueError(f"unknown op {op!r}")
        if guard is None:
            return fn(*args, **kwargs)
        dispatch = self.dispatch
        if dispatch is None:  # no dispatcher layer (it failed to install): the mode alone
            with guard:
                return fn(*args, **kwargs)
        dispatch.arm(self.is_learner_file)
        try:
            with guard:
                return fn(*args, **kwargs)
        finally:
            hit, products = dispatch.disarm()
            scratch.update(hit=hit, products=products, tampered=not dispatch.intact())


def _tensor_inputs(args: tuple, kwargs: dict) -> list[tuple[Any, Any]]:
    """Each tensor argument with a copy of it as it came, taken before the call (the
    arguments the verdict process checks were left unchanged)."""
    import torch

    return [(x, x.detach().clone()) for x in (*args, *kwargs.values())
            if isinstance(x, torch.Tensor)]


def _modified(inputs: list[tuple[Any, Any]]) -> bool:
    """Whether the call changed a tensor argument: its shape, dtype or any value (written in
    place, through ``.data``, or through a NumPy view, which no version counter sees)."""
    import torch

    for tensor, copy in inputs:
        try:
            if tensor.shape != copy.shape or tensor.dtype != copy.dtype \
                    or not torch.equal(tensor.detach(), copy):
                return True
        except Exception:  # noqa: BLE001  (moved to another device, freed…: not as it came)
            return True
    return False


class _NotUTF8(Exception):
    """A learner file that is not UTF-8 (a Windows editor's GBK or ANSI): one clear message
    instead of the decoder's. A UTF-8 BOM and CRLF line endings import as they are."""

    def __init__(self, file: str, line: int) -> None:
        super().__init__(file)
        self.file = file
        self.line = line


def _raise_if_not_utf8(exc: SyntaxError) -> None:
    text = str(exc.msg or "")
    if "codec can't decode" in text or text.startswith("Non-UTF-8 code"):
        raise _NotUTF8(os.path.basename(exc.filename or "?"), int(exc.lineno or 0)) from None


class _Missing(Exception):
    def __init__(self, what: str, attribute: bool = False) -> None:
        super().__init__(what)
        self.what = what
        self.attribute = attribute


def main(argv: list[str] | None = None, dispatch: Any = None) -> None:
    """Serve on the connection ``argv`` names (``pipe_connection.worker_connection``). The
    first message is the worker's setup (``protocol.setup``), from the verdict process.
    ``dispatch``: the guard's kernels, when the fork server registered them before the fork
    (else they are registered here)."""
    argv = sys.argv[1:] if argv is None else argv
    conn = worker_connection(argv)
    for stream in (sys.stdout, sys.stderr):  # the verdict process reads the output as UTF-8
        try:
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
        except (AttributeError, ValueError, OSError):  # a fork's stream: Linux's UTF-8 stays
            pass
    setup = pickle.loads(conn.recv_bytes())  # from the verdict process, which we trust
    folder, sources = setup["folder"], setup.get("sources")
    forbidden_dirs = list(setup.get("forbidden") or ())
    from grader import heavy_imports

    with heavy_imports.paused():  # the grader's own imports: no learner code runs in this block
        import torch  # noqa: F401  (once, before any learner code, while the grader starts)

        from grader import wire

        # Exercises work on tiny tensors, where a thread pool costs more than it gives.
        default_threads = torch.get_num_threads()
        torch.set_num_threads(1)
        worker = _Worker(folder, sources, forbidden_dirs)
        worker.default_threads = default_threads
        worker.exercises = setup.get("exercises") or {}
        # The checks (and their reference implementations) are never in this process: none of
        # the grader modules a worker imports pulls them in; drop them should that ever change.
        for name in [m for m in sys.modules
                     if m == "grader.checks" or m.startswith("grader.checks.")]:
            del sys.modules[name]
        from grader import forbidden

        try:  # before any learner module is imported
            worker.dispatch = dispatch if dispatch is not None else forbidden.install()
        except Exception:  # noqa: BLE001  (an unknown torch: the TorchFunctionMode layer runs)
            worker.dispatch = None
        # What the exercises' code will import slowly (``torch._dynamo``, which torch.optim's
        # first step imports), where no fork server imported it ahead: cheaper here, with the
        # collector paused, than in the learner's call.
        heavy_imports.import_each(setup.get("preload") or ())
    gc.enable()  # learner code runs with the collector on (a fork server keeps it off)
    sending = threading.Lock()  # replies come from this thread, ``where`` from the deadline's

    def send(data: bytes) -> None:
        with sending:
            conn.send_bytes(data)

    worker.emit = lambda event: send(wire.dumps({"status": "event", **event}))
    deadline = Deadline(lambda reply: send(wire.dumps(reply)), worker.where)
    sys.addaudithook(worker.audit)
    sys.path.insert(0, worker.folder)
    os.chdir(worker.folder)
    sys.argv = ["learner"]
    # Warnings are not the learner's prints: torch's (and the grader's own, e.g. reading .grad
    # of a non-leaf for the report) would bury what the learner printed.
    import warnings

    warnings.simplefilter("ignore")
    send(wire.dumps({"status": "ready", "pid": os.getpid(),
                     "cuda": bool(torch.cuda.is_available())}))
    while True:
        try:
            raw = conn.recv_bytes()
        except (EOFError, OSError):
            break
        msg = pickle.loads(raw)  # from the verdict process, which we trust
        deadline.arm(msg.get("budget"))
        try:
            reply = worker.handle(msg)
            data = wire.dumps(reply)
        except BaseException as exc:  # an unencodable result: report it, keep serving
            data = wire.dumps({"status": "raised", "type": type(exc).__name__,
                               "message": str(exc)[:2000], "unsendable": True,
                               "traceback": ""})
        finally:
            deadline.disarm()
        send(data)
    os._exit(0)


if __name__ == "__main__":
    main()
