"""Grader code that runs inside the learner's worker, next to the learner's objects.

Checks reach a learner object's internals through these (``learner.probe(name, ...)``): they
take the object and plain data and return plain data. They decide nothing; the verdict process
compares what they return. Keep them small: anything here runs where learner code runs.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

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
    if isinstance(x, torch.Tensor) and isinstance(obj, torch.nn.Module):
        obj.to(x.device)  # built on the CPU, as in d2l; graded on x's device
    named = dict(obj.named_parameters())
    with torch.no_grad():
        for name, value in params.items():
            named[name].copy_(value)
    for p in named.values():
        p.grad = None
    y = obj(x)
    grads: dict[str, Any] = {}
    if isinstance(y, torch.Tensor) and y.requires_grad and tuple(y.shape) == tuple(grad_out.shape):
        # The same gradients as y.backward(grad_out) (d/dp of sum(y * G) is J^T G, and the
        # gradient reaching y is 1 * G, exactly), without the half second that backward() with
        # an explicit gradient spends importing sympy the first time.
        (y * grad_out).sum().backward()
        grads = {name: (None if p.grad is None else p.grad.detach().clone())
                 for name, p in named.items()}
    return {"output": y.detach() if isinstance(y, torch.Tensor) else y, "grads": grads}


# -- chapter 23: LeNet, initialisation, accuracy, training --------------------------------------

def _state(module: Any) -> dict[str, Any]:
    return {name: t.detach().clone() for name, t in module.state_dict().items()}


@probe
def to_device(obj: Any, device: str) -> None:
    """Move a module that lives in the worker (a handle) to ``device``."""
    obj.to(device)


@probe
def apply_init(fn: Any, module: Any, seed: int = 0) -> dict[str, Any]:
    """Seed torch, run ``module.apply(fn)`` (how d2l uses an init function); the state after."""
    torch.manual_seed(seed)
    module.apply(fn)
    return _state(module)


@probe
def call_with_net(fn: Any, net: Any, *args: Any, net_device: str | None = None, seed: int = 0,
                  start_mode: str | None = None, **kwargs: Any) -> dict[str, Any]:
    """Put ``net`` on ``net_device`` (and in ``start_mode``: "train" or "eval"), seed torch,
    call ``fn(net, *args, **kwargs)``.

    Returns the result with the net's state dict and training flag after the call, and
    ``modes``: for each call of the net during ``fn`` (up to 10,000), whether it was in
    training mode, whether autograd was recording (a training step, not an evaluation), and
    the exercise that made the call: ``"evaluate_accuracy"`` when the learner's
    ``evaluate_accuracy`` is on the stack (``train`` calls it), else ``fn``'s own name."""
    if net_device is not None:
        net.to(net_device)
    if start_mode is not None:
        net.train(start_mode == "train")
    modes: list[list[Any]] = []
    own = getattr(fn, "__name__", "")
    here = inspect.currentframe()

    def made_by() -> str:
        frame = inspect.currentframe()
        while frame is not None and frame is not here:
            if frame.f_code.co_name == "evaluate_accuracy":
                return "evaluate_accuracy"
            frame = frame.f_back
        return own

    def record(module: Any, inputs: Any) -> None:
        if len(modes) < 10_000:
            modes.append([bool(module.training), bool(torch.is_grad_enabled()), made_by()])

    hook = net.register_forward_pre_hook(record)
    torch.manual_seed(seed)
    try:
        value = fn(net, *args, **kwargs)
    finally:
        hook.remove()
    return {"value": _numbers(value), "state": _state(net), "training": bool(net.training),
            "modes": modes}


def _numbers(value: Any, depth: int = 0) -> Any:
    """NumPy scalars (``np.mean(...)``) as Python numbers, inside lists and dicts too: they
    subclass float, but only plain data crosses the boundary."""
    if type(value).__module__ == "numpy" and getattr(value, "shape", None) == ():
        return value.item()
    if depth < 4 and type(value) in (list, tuple):
        return type(value)(_numbers(v, depth + 1) for v in value)
    if depth < 4 and type(value) is dict:
        return {k: _numbers(v, depth + 1) for k, v in value.items()}
    return value


@probe
def module_tree(obj: Any) -> list[dict[str, Any]] | None:
    """The module and its submodules, described as ``wire.ModuleInfo`` describes them, as a
    flat list (each entry names its parent's index), so that modules whose classes the learner
    defined arrive too; None when ``obj`` is not a Module. Lazy layers are materialised
    first."""
    if not isinstance(obj, torch.nn.Module):
        return None
    materialise(obj)
    nodes: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    # Every position, in order: one module used at several places (an activation) is listed
    # at each of them (named_children() and named_modules() list it once by default).
    for path, m in obj.named_modules(remove_duplicate=False):
        parent, _, name = path.rpartition(".")
        index[path] = len(nodes)
        nodes.append(_node(m, name, index[parent] if path else -1))
    return nodes


def _node(m: Any, name: str, parent: int) -> dict[str, Any]:
    from grader import wire

    hparams = {}
    for key in wire._HPARAMS:
        try:
            if hasattr(m, key):
                hparams[key] = getattr(m, key)
        except Exception:
            pass
    cls = type(m)
    return {"name": name, "parent": parent, "type_name": cls.__name__,
            "qualname": f"{cls.__module__}.{cls.__qualname__}", "hparams": hparams,
            "parameters": {n: p.detach() for n, p in m.named_parameters(recurse=False)},
            "buffers": {n: b.detach() for n, b in m.named_buffers(recurse=False)
                        if b is not None},
            "training": bool(m.training)}


def materialise(net: Any, shape: tuple[int, ...] = (1, 1, 28, 28)) -> None:
    """Give lazy layers (``nn.LazyConv2d``, ``nn.LazyLinear``: d2l 1.0's LeNet) their shapes
    with one forward pass on a batch of ``shape``, as their first use would."""
    lazy = [t for t in list(net.parameters()) + list(net.buffers())
            if torch.nn.parameter.is_lazy(t)]
    if not lazy:
        return
    ready = [t for t in net.parameters() if not torch.nn.parameter.is_lazy(t)]
    device = ready[0].device if ready else lazy[0].device
    with torch.no_grad():
        net(torch.zeros(shape, device=device))


@probe
def leading_reshape(obj: Any) -> dict[str, bool] | None:
    """Is the net's first layer a reshape to (-1, 1, 28, 28) (the lecture's ``Reshape``)?
    Tried on a (2, 1, 28, 28) batch (it must come back unchanged) and on (2, 784) rows."""
    if not isinstance(obj, torch.nn.Module):
        return None
    first = next((m for _, m in obj.named_modules(remove_duplicate=False)
                  if m is not obj and not any(True for _ in m.children())), None)
    if first is None or any(True for _ in first.parameters()) or \
            any(True for _ in first.buffers()):
        return None
    X = torch.arange(2 * 784, dtype=torch.float32).reshape(2, 1, 28, 28)
    try:
        with torch.no_grad():
            same, rows = first(X.clone()), first(X.reshape(2, 784).clone())
    except Exception:
        return {"reshapes": False}
    ok = all(isinstance(y, torch.Tensor) and tuple(y.shape) == (2, 1, 28, 28)
             and bool(torch.equal(y, X)) for y in (same, rows))
    return {"reshapes": ok}


@probe
def fresh_each_call(fn: Any) -> dict[str, bool]:
    """Call a network factory twice: are the results distinct objects with no parameter
    storage in common? (A module-level net returned twice would train the same weights.)"""
    first, second = fn(), fn()
    for net in (first, second):
        if isinstance(net, torch.nn.Module):
            materialise(net)
    ptrs = set()
    if isinstance(first, torch.nn.Module):
        ptrs = {p.data_ptr() for p in first.parameters()}
    shared = isinstance(second, torch.nn.Module) and any(
        p.data_ptr() in ptrs for p in second.parameters())
    return {"same_object": first is second, "shared_parameters": bool(shared)}


@probe
def seeded_call(fn: Any, *args: Any, seed: int = 0, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` after ``torch.manual_seed(seed)``: two calls with one seed start
    from the same random draws (learn_kernel's random start, whatever its distribution)."""
    torch.manual_seed(seed)
    return fn(*args, **kwargs)
