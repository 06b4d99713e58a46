"""Modules a check hands to the learner's code, as ``grader.wire.ModuleSpec``s, and their twins
built here.

A check names a network as specs (``sequential(layer("Linear", 16, 6), layer("Sigmoid"))``):
the worker builds it from torch.nn classes and a state dict, and ``build`` builds the same
module in the verdict process for the reference. A spec reads well in a message
(``Linear(16, 6)``), not as a state dict. Learner modules come back as ``wire.ModuleInfo``
descriptions; ``describe`` gives the same description of a module built here.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from grader import wire


@dataclasses.dataclass(frozen=True, repr=False)
class Spec(wire.ModuleSpec):
    """A ModuleSpec that reads well in a message (``Linear(16, 6)``), not as a state dict."""

    label: str = ""

    def __repr__(self) -> str:
        return self.label or self.path.rpartition(".")[2]


def layer(name: str, *args: Any, **kwargs: Any) -> Spec:
    """``torch.nn.<name>(*args, **kwargs)``, labelled as it is written."""
    words = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return Spec(f"torch.nn.{name}", args, kwargs, None, label=f"{name}({', '.join(words)})")


def sequential(*layers: Spec) -> Spec:
    """``nn.Sequential`` of ``layers``."""
    return Spec("torch.nn.Sequential", tuple(layers), {}, None,
                label="nn.Sequential(" + ", ".join(s.label for s in layers) + ")")


def build(spec: wire.ModuleSpec) -> Any:
    """The spec's module, built here (the reference's twin of what the worker builds)."""
    import torch
    from torch import nn

    cls = getattr(nn, spec.path.rpartition(".")[2])
    args = tuple(build(a) if isinstance(a, wire.ModuleSpec) else a for a in spec.args)
    module = cls(*args, **spec.kwargs)
    if spec.state is not None:
        with torch.no_grad():
            module.load_state_dict(spec.state)
    return module


def with_state(spec: Spec, module: Any) -> Spec:
    """``spec`` carrying ``module``'s state dict (a copy): the worker's module gets its weights."""
    return dataclasses.replace(spec, state={k: v.detach().clone()
                                            for k, v in module.state_dict().items()})


def describe(module: Any) -> wire.ModuleInfo:
    """A module as the verdict process sees a learner's: a ModuleInfo."""
    return wire.decode(wire.encode(module))
