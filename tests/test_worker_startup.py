"""How the learner's worker starts: forked early, modules preloaded by the fork server for the
exercises that need them, and replaced quietly when it died between two calls (forked, or on the
portable path: a fresh interpreter on pipes)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from grader import catalog, service, wire
from grader.fork_server import ForkServer
from grader.plan import Plan
from grader.worker_client import Worker
from tests.support import SOLUTIONS

PROBE = ("import gc\nimport sys\n\ndef has(name):\n    return name in sys.modules\n\n"
         "def collector_on():\n    return gc.isenabled()\n")
UNUSED = "wave"  # a standard module that neither torch nor the grader imports


def _probe(worker: Worker, function: str, *args: object) -> object:
    assert worker.request({"op": "load", "module": "probe"}, 30)["status"] == "ok"
    reply = worker.request({"op": "call", "module": "probe", "name": function,
                            "args": wire.encode(args), "kwargs": wire.encode({}),
                            "scratch": False, "return_args": False}, 30)
    assert reply["status"] == "ok", reply
    return wire.decode(reply["value"], device_map=lambda d: d, handles={})


def _has(worker: Worker, name: str) -> bool:
    return _probe(worker, "has", name)


def test_fork_server_preload_reaches_the_forks_after_it(tmp_path):
    (tmp_path / "probe.py").write_text(PROBE, "utf-8")
    server = ForkServer()
    server.start()
    try:
        early = Worker(tmp_path, server=server)
        early.preload = (UNUSED,)
        early.start_soon()  # forks, then asks the fork server to import the module
        assert _has(early, UNUSED) is False
        assert not early.has_preloaded((UNUSED,))
        late = Worker(tmp_path, server=server)
        late.preload = (UNUSED,)
        assert _has(late, UNUSED) is True  # its fork waited for the import
        assert late.has_preloaded((UNUSED,))
        early.close()
        late.close()
    finally:
        server.close()


def test_a_fresh_interpreter_imports_the_preload_before_the_first_request(tmp_path):
    # No fork server to import it ahead: the worker imports it during its setup (with the
    # collector paused), not the learner's call.
    (tmp_path / "probe.py").write_text(PROBE, "utf-8")
    worker = Worker(tmp_path, server=None)
    worker.preload = (UNUSED,)
    try:
        assert _has(worker, UNUSED) is True
        assert worker.has_preloaded((UNUSED,))
    finally:
        worker.close()


@pytest.mark.parametrize("server", ["shared", None], ids=["fork-server", "portable"])
def test_learner_code_runs_with_the_garbage_collector_on(tmp_path, server):
    # The grader imports torch with the collector paused and the fork server keeps it off;
    # a learner's reference cycles must still be collected.
    (tmp_path / "probe.py").write_text(PROBE, "utf-8")
    worker = Worker(tmp_path, server=server)
    try:
        assert _probe(worker, "collector_on") is True
    finally:
        worker.close()


def test_an_exercise_that_needs_a_preload_gets_a_worker_forked_after_it():
    cat = catalog.load()
    (train,) = cat.resolve(["chapter23.train"])
    assert "torch._dynamo" in train.preload
    server = ForkServer()
    server.start()
    plan = Plan(targets=(train.qualname,), folder=str(SOLUTIONS), seed=0)
    worker = service.worker_for(plan, server=server)
    try:
        assert worker.preload == train.preload
        worker.start_soon()  # as `grader check` does: forked before the fork server preloads
        (result,) = service.run(plan, worker).results
        assert result.outcome == "passed", result.data
        assert worker.has_preloaded(train.preload)
        assert worker.generation == 2  # the first worker was replaced, not reused
    finally:
        worker.close()
        server.close()


@pytest.mark.parametrize("server", ["shared", None], ids=["fork-server", "portable"])
def test_a_worker_that_died_between_calls_is_replaced_quietly(tmp_path, server):
    (tmp_path / "probe.py").write_text(PROBE, "utf-8")
    worker = Worker(tmp_path, server=server)
    try:
        first = worker.request({"op": "ping"}, 30)["value"]
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while worker.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        second = worker.request({"op": "ping"}, 30)["value"]  # no WorkerDied: a new worker
        assert second != first
        assert _has(worker, "sys") is True
    finally:
        worker.close()


def test_a_fork_server_that_missed_a_reply_is_abandoned_not_misread(tmp_path):
    """A reply that comes after its request timed out would answer the next request (a spawn
    handed an old pid): the fork server is dropped instead, and workers start without it."""
    (tmp_path / "probe.py").write_text(PROBE, "utf-8")
    server = ForkServer()
    server.start()
    try:
        assert server._ask({"op": "poll", "pid": os.getpid()})["code"] is None  # ready
        try:
            server._ask({"op": "preload", "modules": ["torch._dynamo"]}, timeout=0.01)
        except OSError:
            pass
        assert not server.alive()
        worker = Worker(tmp_path, server=server)
        assert _has(worker, "sys") is True  # a fresh interpreter, not a confused fork
        assert worker.request({"op": "ping"}, 30)["value"] == worker.proc.pid
        worker.close()
    finally:
        server.close()


def test_imports_already_made_freeze_nothing():
    # A warm verdict process calls heavy_imports.load for every job: freezing again would make
    # the previous job's uncollected garbage permanent, a leak that grows with every student.
    import gc

    from grader import heavy_imports

    heavy_imports.load("wave")
    frozen = gc.get_freeze_count()
    cycle: list = []
    cycle.append(cycle)
    heavy_imports.load("wave")
    assert gc.get_freeze_count() == frozen
    assert gc.isenabled()
    with heavy_imports.paused():
        assert not gc.isenabled()
    assert gc.isenabled() and gc.get_freeze_count() > frozen  # the cycle, among others
