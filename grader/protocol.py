"""The messages between the verdict process and the learner's worker, shared by both sides.

Requests (verdict process → worker) are pickled dicts: the worker trusts their sender. Replies
(worker → verdict process) are plain data (``grader.wire``), unpickled with a loader that refuses
every class. Each dict has ``op`` (a request) or ``status`` (a reply); the other keys are below.

Requests:
- ``setup`` (the first message, once): ``folder``, ``forbidden`` (folders the learner's code may
  not open), ``sources`` ({module: (source, filename)} for a notebook's cells, or None),
  ``exercises`` ({module: {function: qualname}}: calls to these are recorded), ``preload``
  (modules to import before the first request: a fresh interpreter's, where no fork server
  imported them ahead).
- ``ping``; ``load`` ``module``; ``call``/``new``/``method``/``probe`` with ``module``, ``name``
  (or ``handle``), ``args``, ``kwargs`` (``wire.encode``d), ``scratch`` (the from-scratch rule),
  ``return_args`` (send the arguments back when the call changed a tensor argument, for the
  verdict process to check against what it sent), ``method`` /
  ``probe`` (their names).
- Every request after the setup carries ``budget``: the seconds the verdict process waits for
  its reply before it kills the worker.
- ``train``: ``config`` (``grader.commands.train``): build, initialise and train the learner's
  net, streaming ``event`` replies.

Replies: ``ready`` (``pid``, ``cuda``); ``ok`` (``value``, and ``products``, ``handle``,
``args_after`` where asked and a tensor argument changed); ``event`` (progress of a long
request; more replies follow);
``where`` (``frames``: the learner's frames, innermost first, each ``file``, ``line``,
``function``, ``source``, sent shortly before the budget runs out; the reply follows, or the
worker is killed);
``not_implemented`` (``function``, ``file``: which stub raised); ``raised`` (``type``, ``message``,
``bases``, ``traceback``: the learner's frames only); ``import_failed`` (as ``raised``);
``missing`` (``what``, ``attribute``); ``not_utf8`` (``file``, ``line``: a learner file in
another encoding); ``forbidden`` (``call``, ``where``). Any reply to a call may carry
``reached``: the other exercises (qualnames) the call went through.
"""

from __future__ import annotations

from typing import Any

# request ops
SETUP, PING, LOAD, CALL, NEW, METHOD, PROBE, TRAIN = (
    "setup", "ping", "load", "call", "new", "method", "probe", "train")
# reply statuses
READY, OK, EVENT, WHERE, NOT_IMPLEMENTED, RAISED, IMPORT_FAILED, MISSING, FORBIDDEN = (
    "ready", "ok", "event", "where", "not_implemented", "raised", "import_failed", "missing",
    "forbidden")


def setup(folder: str, forbidden: tuple[str, ...] | list[str],
          sources: dict[str, tuple[str, str]] | None,
          exercises: dict[str, dict[str, str]] | None = None,
          preload: tuple[str, ...] | list[str] = ()) -> dict[str, Any]:
    return {"op": SETUP, "folder": folder, "forbidden": list(forbidden), "sources": sources,
            "exercises": exercises or {}, "preload": list(preload)}
