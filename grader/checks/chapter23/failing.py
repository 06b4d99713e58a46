"""How chapter 23's checks fail with their own reasons, and describe what they got."""

from __future__ import annotations

from typing import Any

import torch

from grader import wire
from grader.compare import said
from grader.outcomes import Mismatch


def fail(reason: str, call: Any, inputs: list, diagnosis: dict | None = None,
         **params: Any) -> None:
    """Raise a wrong answer: ``reason`` a key of ``grader/texts`` filled with ``params``;
    ``diagnosis`` one sentence (``said(key, ...)``) naming the known mistake, if one."""
    raise Mismatch("mismatch", reason=reason, params=params,
                   diagnosis=[diagnosis] if diagnosis else None,
                   shape_why=None, call=call, inputs=inputs, expected=None, actual=None)


def type_name(x: Any) -> Any:
    """What ``x`` is, for a message: its type, or a tensor's shape in words."""
    if isinstance(x, wire.Opaque):
        return x.type_name
    if isinstance(x, wire.ModuleInfo):
        return x.type_name
    if isinstance(x, torch.Tensor):
        return said("chapter23.failing.tensor", shape=str(tuple(x.shape)))
    return "None" if x is None else type(x).__name__
