"""The properties each exercise must satisfy: one package per chapter, one pytest module per
exercise (``<chapter>/<exercise>.py``), and modules a chapter's exercises share.

Check modules set ``CHAPTER = "chapterNN"`` and mark every test with
``@pytest.mark.exercise(name)``; they use the ``learner`` fixture to call the learner's code in
the isolated worker and ``grader.compare`` to judge what comes back.
"""

from __future__ import annotations

from typing import Any

import pytest


def budget(examples: int) -> pytest.MarkDecorator:
    """Decorator: ``examples`` Hypothesis examples for this property. It is a ``budget`` mark:
    the plugin (``grader.plugin.configure_property``) applies it, times the run's factor
    (``--thorough``: ten times as many), through ``hypothesis.settings`` at collection."""
    return pytest.mark.budget(max(1, examples))


def fresh(args: tuple, count: int = 8, seed: int = 0, grow: tuple | None = None) -> Any:
    """``inputs`` for ``grader.compare.tell_apart``: ``count`` argument tuples like ``args``
    with every tensor given new values of the same dtype and device (small integers, then
    eighths, then values below zero, in turn), everything else kept. Known mistakes that agree
    on a shrunk input (a constant kernel is its own flip) rarely agree on these. ``grow``: per
    argument, what to add to each axis of that tensor (an int for every axis, or one per
    axis) in the second half of the tuples: a 1 x 1 kernel is its own flip whatever its value."""

    def inputs() -> Any:
        for i in range(count):
            more = grow if grow is not None and i >= count // 2 else (0,) * len(args)
            yield tuple(_new_values(a, i, seed * 100 + j, more[j]) for j, a in enumerate(args))

    return inputs


def _new_values(x: Any, i: int, seed: int, grow: Any = 0) -> Any:
    import torch

    if not isinstance(x, torch.Tensor):
        return x
    extra = (grow,) * x.dim() if isinstance(grow, int) else tuple(grow)
    shape = tuple(n + e for n, e in zip(x.shape, extra, strict=True))
    gen = torch.Generator().manual_seed(seed * 1000 + i)
    values = torch.randint(-4, 5, shape, generator=gen).double()
    if i % 3 == 1:
        values = torch.randint(-64, 65, shape, generator=gen) / 8.0
    elif i % 3 == 2:
        values = -values.abs() - 1.0
    return values.to(x.dtype).to(x.device)
