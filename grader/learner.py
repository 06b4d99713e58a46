"""What checks use to reach the learner's code: ``Learner`` calls the current exercise's
function in the worker (``grader.worker_client.Worker``) and turns every reply into a value or a
``Verdict``.
"""

from __future__ import annotations

import re
from typing import Any

from grader import outcomes, wire
from grader.process_tree import how_it_ended
from grader.text import said
from grader.worker_client import IMPORT_TIMEOUT, Worker, WorkerDied, WorkerTimeout


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
        self.output_limit: int | None = 2000  # characters of a call's output shown (None: all)
        # {exercise: the other exercises its calls reached} (the worker records them)
        self.reached: dict[str, set[str]] = {}
        self._last_mark: int | None = None  # where the last call's output starts
        self._d2l_told: str | None = None  # the exercise told how to install d2l

    # -- what checks call ---------------------------------------------------------------------
    def call(self, *args: Any, **kwargs: Any) -> Any:
        """Call the current exercise's function with these arguments; return its result.

        Raises a Verdict when it raises, hangs, crashes, uses a forbidden operator, or modifies
        an input tensor."""
        return self._request("call", args, kwargs)

    def call_expecting(self, expected: type[BaseException], *args: Any,
                       why: Any = None, require_message: bool = False,
                       **kwargs: Any) -> dict[str, str]:
        """Call the current exercise where it must raise ``expected`` (e.g. ``ValueError``).

        Returns ``{"type", "message"}`` of what it raised. Raises a ``Mismatch`` (outcome
        failed) when it returns instead, raises another type, or (``require_message``) raises
        it with an empty message; ``why`` (a sentence, ``said(key, **data)``) says why the
        input is invalid.
        Not started, forbidden, timeouts and crashes stay what they are. A learner's own
        subclass of ``expected`` counts (the worker sends the names of the exception's
        classes)."""
        call = self._call_text("call", {})
        inputs = self._inputs(args, kwargs)
        reason = {"why": said("raise.why", reason=why) if why else ""}
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
        from grader.plain import describe

        raise outcomes.Mismatch("raise.missing", call=call, expected=expected.__name__,
                                got=describe(value), inputs=inputs, **reason)

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

    def last_output(self) -> str:
        """What the learner's code printed during the last call (the failing example's, when a
        check has just failed), cleaned and bounded; "" when nothing."""
        if self._last_mark is None:
            return ""
        import time

        time.sleep(0.01)  # the drain thread takes what the worker flushed before replying
        return self.worker.output.since(self._last_mark, self.output_limit).strip("\n")

    def reset_output(self) -> None:
        self._last_mark = None

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
            mark = self._last_mark = self.worker.output.total
            try:
                reply = self.worker.request(msg, ex.time_budget)
            except WorkerTimeout as timeout:
                raise _timeout("timeout", "timeout.where", timeout.where, call=call,
                               seconds=ex.time_budget, inputs=self._inputs(args, kwargs),
                               output=self.worker.output.since(mark)) from None
            except WorkerDied as died:
                if died.out_of_memory:  # killed by the grader's watch over its resident size
                    verdict = outcomes.LearnerRaised(
                        "memory", call=call, limit=self.worker.memory_limit_mb,
                        message=said("memory.stopped"), inputs=self._inputs(args, kwargs))
                    verdict.fatal = True  # each further call would cost a worker's start
                    raise verdict from None
                raise outcomes.LearnerCrashed(
                    "crashed", call=call, how=how_it_ended(died.returncode),
                    inputs=self._inputs(args, kwargs),
                    output=self.worker.output.since(mark)) from None
            others = set(reply.get("reached") or ()) - {ex.qualname}
            if others:
                self.reached.setdefault(ex.qualname, set()).update(map(str, others))
            return self._settle(reply, op, call, args, kwargs)
        except outcomes.Verdict as verdict:
            if verdict.fatal:
                self._fatal[ex.qualname] = verdict
            raise

    def _load(self, module: str) -> None:
        generation, failure = self._loaded.get(module, (-1, None))
        if failure is not None:
            raise self._once(failure)
        if generation == self.worker.generation and self.worker.proc is not None:
            return
        mark = self.worker.output.total
        try:
            reply = self.worker.request({"op": "load", "module": module}, IMPORT_TIMEOUT)
        except WorkerTimeout as timeout:
            failure = _timeout("import_timeout", "import_timeout.where", timeout.where,
                               module=module, seconds=IMPORT_TIMEOUT, output="")
        except WorkerDied as died:
            failure = outcomes.LearnerCrashed("import_crashed", module=module,
                                              how=how_it_ended(died.returncode),
                                              output=died.output[-2000:])
        else:
            status = reply.get("status")
            if status == "ok":
                self._loaded[module] = (self.worker.generation, None)
                return
            if status == "missing":
                failure = outcomes.ImportFailed("missing_file", file=str(reply.get("what")),
                                                folder=self.worker.folder)
            elif status == "not_utf8":
                failure = outcomes.ImportFailed("not_utf8", file=str(reply.get("file")),
                                                line=reply.get("line"))
            elif status == "forbidden":
                failure = outcomes.Forbidden("forbidden_file", op=_opened(reply),
                                             where=_place(reply))
            else:
                failure = _import_failure(
                    module, reply, self.exercise.qualname,
                    output=self.worker.output.since(mark, self.output_limit).strip("\n"))
        self._loaded[module] = (self.worker.generation, failure)
        raise self._once(failure)

    def _once(self, failure: outcomes.Verdict) -> outcomes.Verdict:
        """A missing d2l is explained once, to the first exercise it stops; the others point
        there instead of repeating it (every exercise of the file fails the same way)."""
        if failure.key != "import_d2l":
            return failure
        first = self._d2l_told or failure.data["first"]
        self._d2l_told = first
        if first == self.exercise.qualname:
            return failure
        return outcomes.ImportFailed("import_d2l_again", module=failure.data["module"],
                                     missing=failure.data["missing"], first=first)

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
            if reply.get("opened"):  # a file of the solutions or the checks
                raise outcomes.Forbidden("forbidden_file", name=self.exercise.name,
                                         op=_opened(reply), where=_place(reply))
            raise outcomes.Forbidden("forbidden", name=self.exercise.name,
                                     op=str(reply.get("call")), where=_place(reply))
        if status == "missing":
            raise outcomes.ImportFailed("missing_name", name=self.exercise.name,
                                        file=self._chapter.filename)
        message = str(reply.get("message"))
        if status == "raised" and (reply.get("type") == "MemoryError"
                                   or "can't allocate memory" in message
                                   or "not enough memory" in message):  # torch on Windows
            raise outcomes.LearnerRaised(
                "memory", call=call, limit=self.worker.memory_limit_mb or "?",
                message=message.split("DefaultCPUAllocator: ")[-1][:300], inputs=inputs)
        if status in ("raised", "import_failed"):
            raise outcomes.LearnerRaised(
                "raised", call=call, type=str(reply.get("type")),
                message=said("raised.unsendable", error=message) if reply.get("unsendable")
                else message, traceback=str(reply.get("traceback")),
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


def _timeout(key: str, key_where: str, where: list[dict] | None,
             **data: Any) -> outcomes.LearnerTimeout:
    """A timeout verdict: ``key_where`` when the worker said where the learner's code was
    (``where``: its frames, innermost first; ``at``: the innermost as a sentence), else
    ``key``."""
    first = where[0] if where else None
    if not first or not first.get("file") or not first.get("line"):
        return outcomes.LearnerTimeout(key, **data)
    try:  # plain data from the learner's process: taken only as the shape it must have
        frames = [{"file": str(f.get("file"))[:200], "line": int(f.get("line") or 0),
                   "function": str(f.get("function") or "")[:200],
                   "source": str(f.get("source") or "")[:200]} for f in where]
    except (TypeError, ValueError, AttributeError):
        return outcomes.LearnerTimeout(key, **data)
    return outcomes.LearnerTimeout(key_where, where=frames, at=_at(frames[0]), **data)


def _at(here: dict) -> dict:
    """A frame of the learner's (``file``, ``line``, ``function``, ``source``) as the sentence
    that names it: "on line 12 of chapter19_conv.py, in corr2d: `while True:`"."""
    kind = "top_level" if here["function"] == "<module>" else "in_function"
    if not here["source"]:
        kind += "_no_source"
    return said(f"where.{kind}", **here)


def _place(reply: dict) -> Any:
    """Where a ``forbidden`` reply says the learner's code was: a sentence in the reader's
    language when it sends the frame (``at``), else its one line (``where``)."""
    at = reply.get("at")
    try:
        if isinstance(at, dict) and at.get("file") and at.get("line"):
            return _at({"file": str(at["file"])[:200], "line": int(at["line"]),
                        "function": str(at.get("function") or "")[:200],
                        "source": str(at.get("source") or "")[:200]})
    except (TypeError, ValueError):
        pass
    return str(reply.get("where") or "")


def _opened(reply: dict) -> Any:
    """What a ``forbidden`` reply says the learner's code opened, as a sentence: the reference
    solutions or the grader's checks, and which file; the worker's words where it says
    neither."""
    opened = reply.get("opened")
    if opened == "checks":
        return said("forbidden.opened.checks", file=str(reply.get("file")))
    if opened == "solutions":
        return said("forbidden.opened.solutions", file=str(reply.get("file")))
    return str(reply.get("call"))



# The book's ``from d2l import torch as d2l`` needs d2l, and d2l's torch module needs
# torchvision; neither is a dependency of the grader.
_NO_MODULE = re.compile(r"No module named '([\w.]+)'")


def _import_failure(module: str, reply: dict, qualname: str,
                    output: str = "") -> outcomes.Verdict:
    """The verdict for a learner file that raised on import (``output``: what it printed):
    ``import_d2l`` (how to install it) when what is missing is d2l, or torchvision under d2l;
    else ``import_failed``."""
    kind, message = str(reply.get("type")), str(reply.get("message"))
    traceback = str(reply.get("traceback"))
    line = _failing_line(traceback, module)
    found = _NO_MODULE.search(message) if kind in ("ModuleNotFoundError", "ImportError") \
        else None
    missing = found.group(1).split(".")[0] if found else ""
    if missing == "d2l" or (missing == "torchvision" and "d2l" in traceback):
        return outcomes.ImportFailed("import_d2l", module=module, missing=missing,
                                     first=qualname, traceback=traceback, line=line)
    return outcomes.ImportFailed("import_failed", module=module, type=kind, message=message,
                                 traceback=traceback, line=line, output=output)


def _failing_line(traceback: str, module: str) -> int | None:
    """The line of ``module``'s file where its import failed (the last frame of it)."""
    import re

    lines = [int(n) for path, n in re.findall(r'File "([^"]*)", line (\d+)', traceback)
             if path.replace("\\", "/").rsplit("/", 1)[-1] == f"{module}.py"]
    return lines[-1] if lines else None
