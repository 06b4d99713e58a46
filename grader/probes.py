"""Grader code that runs inside the learner's worker, next to the learner's objects.

Checks reach a learner object's internals through these (``learner.probe(name, ...)``): they
take the object and plain data and return plain data. They decide nothing; the verdict process
compares what they return. Keep them small: anything here runs where learner code runs.
"""

from __future__ import annotations

from typing import Any, Callable

import torch

REGISTRY: dict[str, Callable[..., Any]] = {}


def probe(fn: Callable[..., Any]) -> Callable[..., Any]:
    REGISTRY[fn.__name__] = fn
    return fn


@probe
def parameters(obj: Any) -> dict[str, Any]:
    """The object's registered parameters, name -> tensor (empty if it is not a Module)."""
    if not isinstance(obj, torch.nn.Module):
        return {}
    return {name: p.detach().clone() for name, p in obj.named_parameters()}


@probe
def forward_backward(obj: Any, params: dict[str, Any], x: Any, grad_out: Any) -> dict:
    """Load ``params`` into the module, run ``obj(x)``, backpropagate ``grad_out``.

    Returns the output and each parameter's gradient (None where none arrived)."""
    named = dict(obj.named_parameters())
    with torch.no_grad():
        for name, value in params.items():
            named[name].copy_(value)
    for p in named.values():
        p.grad = None
    y = obj(x)
    grads: dict[str, Any] = {}
    if isinstance(y, torch.Tensor) and y.requires_grad and tuple(y.shape) == tuple(grad_out.shape):
        y.backward(grad_out)
        grads = {name: (None if p.grad is None else p.grad.detach().clone())
                 for name, p in named.items()}
    return {"output": y.detach() if isinstance(y, torch.Tensor) else y, "grads": grads}
