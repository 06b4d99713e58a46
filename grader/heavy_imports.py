"""Importing torch, pytest and Hypothesis with the cyclic garbage collector paused.

``import torch`` makes a few hundred thousand long-lived objects and next to no garbage, yet the
collector walks all of them again and again while they are being made: here it is a tenth of
``import torch`` and a third of ``import torch._dynamo`` (0.86 → 0.54 CPU-seconds, which a
sandboxed student pays for chapter 23's ``train``), and a full collection in the middle of
grading costs 0.1 s instead of 0.015 s. So every process of the grader imports what it needs
with the collector paused (``paused``), then ``gc.freeze()``s what exists (the permanent
generation: never scanned again, and never written to by the collector, which keeps a fork's
pages shared with its fork server) and lets it run again. Garbage made after that is collected
as usual; learner code always runs with the collector on (``grader.worker`` turns it on before
the first learner module is imported, in a fork too).
"""

from __future__ import annotations

import gc
import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Pause the collector for the block; at its end freeze what exists and resume it (if it
    was on: a fork server keeps it off)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_on:
            gc.enable()


def load(*names: str) -> None:
    """Import ``names`` with the collector paused (``paused``). Nothing happens when all are
    imported already: a warm verdict process grading job after job must not freeze each job's
    leftovers (garbage not yet collected would never be)."""
    missing = [name for name in names if name not in sys.modules]
    if not missing:
        return
    with paused():
        for name in missing:
            importlib.import_module(name)


def import_each(names: tuple[str, ...] | list[str]) -> None:
    """Import ``names`` ahead of the learner's code that will (``torch._dynamo``, which
    torch.optim's first step imports): one that fails is left for the learner's call to
    meet. The fork server's ``preload`` and a fresh worker's setup."""
    for name in names:
        try:
            importlib.import_module(name)
        except BaseException:  # noqa: BLE001  (SystemExit at import included)
            pass
