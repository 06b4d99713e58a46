"""The from-scratch rule, enforced inside the learner's worker.

A ``TorchFunctionMode`` sees every call into PyTorch's Python API, however the learner reached it:
``F.conv2d``, ``torch.conv2d``, an ``nn.Conv2d`` module, an alias, ``getattr`` with a built string,
``torch.ops.aten.convolution``. The first ready-made convolution or pooling operator stops the call
and is reported as ``forbidden``, with the learner's line that made it.

Plain tensor operations (``unfold``, ``einsum``, ``matmul``, ``F.pad``, slicing) pass through.
This is a rule for learners, not a sandbox: code that deliberately switches the mode off can get
past it (see the threat model in the README).
"""

from __future__ import annotations

import re
import sys
from typing import Any

from torch.overrides import TorchFunctionMode

# conv1d/2d/3d, conv_transpose*, conv_tbc, convolution, _convolution, mkldnn/cudnn convolutions,
# and every *pool* operator (max, avg, adaptive, lp, fractional, unpool).
FORBIDDEN = re.compile(r"conv(\d|_|olution)|pool")


# Operators that compute a matrix product (``@`` is Tensor.__matmul__).
PRODUCTS = frozenset({"matmul", "__matmul__", "__rmatmul__", "mm", "bmm", "einsum", "tensordot",
                      "linear", "addmm", "baddbmm", "mv", "inner", "dot"})


# Leaving torch for NumPy, where a matrix product cannot be seen from here.
TO_NUMPY = frozenset({"numpy", "__array__", "tolist"})


class ForbiddenCall(BaseException):
    """Raised into the learner's code; a BaseException so ``except Exception`` cannot hide it."""


def operator_name(func: Any) -> str:
    name = getattr(func, "__name__", None) or repr(func)
    module = getattr(func, "__module__", None) or ""
    if "_ops" in module or type(func).__name__.startswith("OpOverload"):
        return f"torch.ops.{getattr(func, '_qualified_op_name', name).replace('::', '.')}"
    try:
        from torch.overrides import resolve_name

        resolved = resolve_name(func)
    except Exception:
        resolved = None
    return resolved or f"torch.{name}"


def _kind(func: Any) -> Any:
    """What the guard does with ``func``: None (let it run), FORBIDDEN (stop it), or the key it
    is counted under (a matrix-product operator's name, or "(numpy)")."""
    name = getattr(func, "__name__", "") or ""
    if FORBIDDEN.search(name.lower()):
        return FORBIDDEN
    if name in TO_NUMPY:
        return "(numpy)"
    return name if name in PRODUCTS else None


# Every PyTorch call passes through the guard: classify each operator once.
_KINDS: dict = {}


class FromScratchGuard(TorchFunctionMode):
    """Active while a from-scratch exercise runs; remembers the first forbidden call."""

    def __init__(self, learner_files: Any) -> None:
        super().__init__()
        self.learner_files = learner_files
        self.hit: dict | None = None
        # How often each matrix-product operator was called (checks of "one matrix
        # multiplication" read this; nested calls inside an operator are not seen).
        self.products: dict[str, int] = {}

    def __torch_function__(self, func, types, args=(), kwargs=None):
        try:
            kind = _KINDS[func]
        except (KeyError, TypeError):  # first sight, or unhashable
            kind = _kind(func)
            try:
                _KINDS[func] = kind
            except TypeError:
                pass
        if kind is not None:
            if kind is not FORBIDDEN:
                self.products[kind] = self.products.get(kind, 0) + 1
            else:
                if self.hit is None:
                    self.hit = {"call": operator_name(func), "where": self._learner_line()}
                raise ForbiddenCall(self.hit["call"])
        return func(*args, **(kwargs or {}))

    def _learner_line(self) -> str:
        frame = sys._getframe(1)
        while frame is not None:
            if self.learner_files(frame.f_code.co_filename):
                import linecache

                line = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
                file = frame.f_code.co_filename.rsplit("/", 1)[-1]
                return f"{file}, line {frame.f_lineno}, in {frame.f_code.co_name}: {line}"
            frame = frame.f_back
        return ""
