"""A learner worker's memory limit: how this system keeps one (``memory_mechanism``), and
where nothing enforces it, a watcher that ends the worker when it passes it (``MemoryWatch``).
"""

from __future__ import annotations

import contextlib
import sys
import threading
from typing import Any

from grader.process_tree import kill_tree

MEMORY_POLL = 0.05  # seconds between two looks at a watched worker's resident size


def memory_mechanism() -> str:
    """How a worker's memory limit is kept here: ``job`` (a Windows Job Object), ``rlimit``
    (RLIMIT_DATA, enforced by Linux), ``watch`` (psutil, the resident size: macOS, where
    RLIMIT_DATA is not enforced, and any system without either), or ``none``."""
    if sys.platform == "win32":
        return "job"
    if sys.platform != "darwin":
        try:
            import resource

            if hasattr(resource, "RLIMIT_DATA"):
                return "rlimit"
        except ImportError:
            pass
    try:
        import psutil  # noqa: F401
    except ImportError:
        return "none"
    return "watch"


class MemoryWatch:
    """Kill ``proc``'s tree when its resident size passes ``limit_mb`` (where no limit is
    enforced by the system). ``exceeded`` is set before the kill, so the death reads as the
    memory outcome, not a crash."""

    def __init__(self, proc: Any, limit_mb: int, interval: float = MEMORY_POLL) -> None:
        import psutil

        self.limit = limit_mb * 1024 * 1024
        self.limit_mb = limit_mb
        self.exceeded = False
        self.peak = 0
        self._stop = threading.Event()
        self._interval = interval
        self._psutil = psutil
        try:
            self._root = psutil.Process(proc.pid)
        except psutil.Error:
            self._root = None
        self._proc = proc
        threading.Thread(target=self._run, daemon=True, name="grader-memory-watch").start()

    def resident(self) -> int:
        psutil = self._psutil
        total = 0
        try:
            procs = [self._root, *self._root.children(recursive=True)]
        except psutil.Error:
            return 0
        for p in procs:
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.wait(self._interval) and self._root is not None:
            if self._proc.poll() is not None:
                return
            size = self.resident()
            self.peak = max(self.peak, size)
            if size > self.limit:
                self.exceeded = True
                kill_tree(self._proc, wait=5)
                return

    def stop(self) -> None:
        self._stop.set()
