"""Where the learner's code was when a call ran out of time.

The verdict process gives every request a budget (``budget`` in the request) and kills the
worker when it passes. Shortly before that, a thread of the worker's (``Deadline``) looks at
the stack of the thread serving the request and sends the learner's frames in it
(``grader.learner_frames``) as a ``where`` reply; the verdict process keeps the last one and
names the line in the ``timeout`` verdict. No signal and no fork are involved, so it works the
same on the fork server's workers, on the portable path (Windows included) and in the sandbox.

A ``where`` is never sent after the request's reply: the serving thread disarms the deadline
(under the same lock the watchdog sends with) before it replies. Learner code that holds the
interpreter's lock the whole time (one endless call into C) keeps the watchdog from running:
then no ``where`` comes, and the verdict is the plain timeout.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any

# The watchdog looks this long before the budget runs out (at most a fifth of it).
MARGIN = 0.5


def look_at(budget: float) -> float:
    """Seconds after a request's start at which to look where it is."""
    return budget - min(MARGIN, budget / 5)


class Deadline:
    """A watchdog for the thread that serves requests (the one that creates it)."""

    def __init__(self, send: Callable[[dict], None],
                 locate: Callable[[Any], list[dict]]) -> None:
        self._send = send  # sends one reply (thread-safe)
        self._locate = locate  # a frame -> the learner's frames, as plain data
        self._ident = threading.get_ident()
        self._cond = threading.Condition()
        self._when: float | None = None  # when to look, for the request being served
        self._wakes_at: float | None = None  # when the watchdog wakes next (None: when told)
        self._thread: threading.Thread | None = None

    def arm(self, budget: Any) -> None:
        """Look where the request is at ``look_at(budget)`` from now (no budget: never)."""
        if not isinstance(budget, (int, float)) or not 0 < budget < float("inf"):
            return
        with self._cond:
            self._when = when = time.monotonic() + look_at(float(budget))
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="grader-deadline",
                                                daemon=True)
                self._thread.start()
            # Requests come thousands a second: the watchdog is woken only when it would
            # sleep past this one's time, otherwise it finds it when it wakes.
            if self._wakes_at is None or self._wakes_at > when:
                self._cond.notify()

    def disarm(self) -> None:
        """The request is done: no ``where`` for it from now on (once this returns, none is
        being sent either: the watchdog sends holding the lock)."""
        with self._cond:
            self._when = None

    def _watch(self) -> None:
        with self._cond:
            while True:
                when = self._when
                if when is None:
                    self._wakes_at = None
                    self._cond.wait()
                    continue
                left = when - time.monotonic()
                if left > 0:
                    self._wakes_at = when
                    self._cond.wait(left)
                    continue
                self._when = None
                try:
                    frames = self._locate(sys._current_frames().get(self._ident))
                    if frames:
                        self._send({"status": "where", "frames": frames})
                except Exception:  # noqa: BLE001  (the plain timeout verdict then)
                    pass
