"""The from-scratch rule, enforced inside the learner's worker, in two layers.

1. **The dispatcher** (``install``, process-wide): before any learner module is imported, the
   worker registers a Python kernel (``torch.library``) on every PyTorch operator overload whose
   name says convolution or pooling (``FORBIDDEN``), in every namespace (``aten``, ``quantized``,
   ``mkldnn``…): on each backend key that has a kernel, or on ``CompositeImplicitAutograd`` for
   the composite ones (``conv2d``, ``max_pool2d``… which decompose into the others). Each kernel
   calls the original one unless the guard is armed; while a from-scratch exercise runs it is,
   and the first such call is remembered and stopped. The dispatcher is below every way in:
   another thread, TorchScript (``torch.jit.script``), ``torch.ops.aten``, an autograd or
   inference-mode call, a tensor subclass. The same layer counts matrix products (``mm``,
   ``bmm``, ``addmm``…, and NumPy's product functions) for the one-matrix-product rule; a NumPy
   call that computes no product counts nothing.
2. **A TorchFunctionMode** (``FromScratchGuard``, the calling thread only) sees the call as the
   learner wrote it, so the verdict can name ``torch.nn.functional.conv2d`` rather than the
   ``aten::convolution`` it becomes.

The guard's state lives in closures, not in a module attribute a learner could set by name; after
every guarded call the worker asks ``Dispatch.intact()``, which arms a canary and checks that
the kernels still fire and the registrations are unchanged: a guard switched off or replaced is
reported as ``forbidden`` too. What remains possible (ctypes into libtorch, ``torch._C``
internals, the garbage collector reaching the closures) is in the README's threat model.
"""

from __future__ import annotations

import re
import sys
import threading
import warnings
from typing import Any

from torch.overrides import TorchFunctionMode

from grader.learner_frames import place_line

# conv1d/2d/3d, conv_transpose*, conv_tbc, convolution, _convolution, mkldnn/cudnn convolutions,
# and every *pool* operator (max, avg, adaptive, lp, fractional, unpool).
FORBIDDEN = re.compile(r"conv(\d|_|olution)|pool")
# Operators matching FORBIDDEN that are not convolution or pooling (an allocator's pool).
NOT_FORBIDDEN = frozenset({"inductor::_alloc_from_pool"})

# Operators that compute a matrix product, as the dispatcher sees them (``matmul``, ``@``,
# ``einsum``, ``tensordot``, ``linear`` decompose into these).
PRODUCT_OPS = frozenset({"mm", "bmm", "addmm", "addbmm", "baddbmm", "mv", "addmv", "dot", "vdot",
                         "_addmm_activation"})
NUMPY_PRODUCTS = ("dot", "matmul", "tensordot", "einsum", "inner", "vdot")

# Backend keys a forbidden operator may have a kernel on (those missing from this build are
# skipped).
BACKEND_KEYS = ("CPU", "CUDA", "QuantizedCPU", "QuantizedCUDA", "SparseCPU", "SparseCUDA",
                "MkldnnCPU", "MPS", "XPU", "HIP")


class ForbiddenCall(BaseException):
    """Raised into the learner's code; a BaseException so ``except Exception`` cannot hide it."""


def operator_name(func: Any) -> str:
    name = getattr(func, "__name__", None) or repr(func)
    module = getattr(func, "__module__", None) or ""
    if "_ops" in module or type(func).__name__.startswith("OpOverload"):
        qualified = getattr(func, "_qualified_op_name", None)  # a packet: aten::convolution
        if qualified is None and isinstance(getattr(func, "namespace", None), str):
            qualified = f"{func.namespace}::{name}"  # an overload: convolution.default
        return f"torch.ops.{(qualified or name).replace('::', '.')}"
    try:
        from torch.overrides import resolve_name

        resolved = resolve_name(func)
    except Exception:
        resolved = None
    return resolved or f"torch.{name}"


def learner_place(learner_files: Any, depth: int = 1) -> dict | None:
    """The innermost frame of the learner's own code in this thread, as plain data (``file``,
    ``line``, ``function``, ``source``: what a verdict names), or None."""
    frame = sys._getframe(depth)
    while frame is not None:
        if learner_files(frame.f_code.co_filename):
            import linecache

            source = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
            return {"file": frame.f_code.co_filename.replace("\\", "/").rsplit("/", 1)[-1],
                    "line": frame.f_lineno, "function": frame.f_code.co_name,
                    "source": source[:160]}
        frame = frame.f_back
    return None


def hit_reply(call: str, place: dict | None) -> dict:
    """A forbidden call as a reply carries it: the operator, where (``at``: plain data for
    the verdict's sentence; ``where``: the same as one line)."""
    return {"call": call, "where": place_line(place), "at": place}


def matching_ops() -> list[str]:
    """Every registered operator overload ("ns::name.overload") that is convolution or pooling."""
    import torch

    return sorted(n for n in torch._C._dispatch_get_all_op_names()
                  if n not in NOT_FORBIDDEN and FORBIDDEN.search(n.split("::", 1)[1].lower()))


def _product_ops() -> list[str]:
    import torch

    return sorted(n for n in torch._C._dispatch_get_all_op_names()
                  if n.startswith("aten::") and n[6:].split(".")[0] in PRODUCT_OPS)


def _keys() -> list[Any]:
    import torch

    return [getattr(torch._C.DispatchKey, k) for k in BACKEND_KEYS
            if hasattr(torch._C.DispatchKey, k)]


class Dispatch:
    """The handle the worker keeps on the dispatcher layer (made by ``install``)."""

    def __init__(self, arm: Any, disarm: Any, intact: Any, covered: dict[str, list[str]],
                 libraries: list[Any]) -> None:
        self.libraries = libraries  # the registrations last as long as these objects
        self.arm = arm  # arm(learner_files): start a guarded call
        self.disarm = disarm  # disarm() -> (hit or None, {(thread id, product): count})
        self.intact = intact  # intact() -> bool: the kernels still fire, nothing replaced
        self.covered = covered  # {operator overload: [dispatch keys with our kernel]}


def install() -> Dispatch:
    """Register the guard's kernels (once per process, before any learner code runs)."""
    import torch

    lock = threading.Lock()
    # One mutable cell shared by every kernel; no module attribute names it.
    cell: dict[str, Any] = {"armed": False, "hit": None, "products": {}, "files": None,
                            "canary": None, "dummy": None}
    libs: dict[str, Any] = {}
    covered: dict[str, list[str]] = {}
    K = torch._C.DispatchKey

    def lib_for(ns: str) -> Any:
        if ns not in libs:
            libs[ns] = torch.library.Library(ns, "IMPL")
        return libs[ns]

    def forbidden_kernel(op: str, kernel: Any) -> Any:
        def run(keyset: Any, *args: Any, **kwargs: Any) -> Any:
            if cell["armed"]:
                if cell["canary"] is not None:  # the canary's own probe: seen, not computed
                    cell["canary"].add(op)
                    return cell["dummy"]
                with lock:
                    if cell["hit"] is None:
                        files = cell["files"]
                        cell["hit"] = hit_reply(
                            "torch.ops." + op.split(".")[0].replace("::", "."),
                            learner_place(files, 2) if files else None)
                raise ForbiddenCall(op)
            return kernel.call_boxed(keyset, *args, **kwargs)
        return run

    def product_kernel(op: str, short: str, kernel: Any) -> Any:
        def run(keyset: Any, *args: Any, **kwargs: Any) -> Any:
            if cell["armed"]:
                if cell["canary"] is not None:
                    cell["canary"].add(op)
                else:
                    key = (threading.get_ident(), short)
                    with lock:
                        cell["products"][key] = cell["products"].get(key, 0) + 1
            return kernel.call_boxed(keyset, *args, **kwargs)
        return run

    def register(op: str, make: Any) -> None:
        ns, rest = op.split("::", 1)
        keys: list[str] = []
        try:
            composite = torch._C._dispatch_has_kernel_for_dispatch_key(
                op, K.CompositeImplicitAutograd)
        except RuntimeError:
            return
        if composite:
            try:
                kernel = torch._C._dispatch_get_computed_kernel_for_dispatch_key(op, K.AutogradCPU)
                lib_for(ns).impl(rest, make(op, kernel), "CompositeImplicitAutograd",
                                 with_keyset=True)
                keys.append("CompositeImplicitAutograd")
            except RuntimeError:
                pass
        else:
            for key in _keys():
                try:
                    if not torch._C._dispatch_has_computed_kernel_for_dispatch_key(op, key.name):
                        continue
                    kernel = torch._C._dispatch_get_computed_kernel_for_dispatch_key(op, key)
                    lib_for(ns).impl(rest, make(op, kernel), key.name, with_keyset=True)
                    keys.append(key.name)
                except RuntimeError:
                    continue
        covered[op] = keys

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "overriding a previously registered kernel"
        for op in matching_ops():
            register(op, forbidden_kernel)
        for op in _product_ops():
            short = op[6:].split(".")[0]
            register(op, lambda o, k, s=short: product_kernel(o, s, k))
    _wrap_numpy(cell, lock)
    fingerprint = _fingerprint(covered)
    checked = [0.0]  # when the registrations were last compared (it takes ~20 ms)

    def arm(learner_files: Any) -> None:
        with lock:
            cell.update(armed=True, hit=None, products={}, files=learner_files, canary=None)

    def disarm() -> tuple[dict | None, dict[tuple[int, str], int]]:
        with lock:
            hit, products = cell["hit"], dict(cell["products"])
            cell.update(armed=False, hit=None, products={}, files=None, canary=None)
        return hit, products

    # The canary: the lowest convolution, pooling and product overloads, resolved once, on
    # tensors made once. A forbidden kernel that sees the canary records itself and returns
    # the probe's stand-in result (``dummy``) instead of computing or raising: a probe then
    # costs one pass through the dispatcher (about 5 µs instead of 15), after every guarded call.
    aten = torch.ops.aten
    canary_ops = (aten.convolution.default, aten.avg_pool2d.default,
                  aten.max_pool2d_with_indices.default, aten.mm.default)
    wanted = frozenset(op.name() for op in canary_ops)
    x = torch.ones(1, 1, 2, 2)
    m = x[0, 0]
    conv, avg, mx, mm = canary_ops
    probes = ((conv, (x, x, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1), x),
              (avg, (x, [2, 2]), x), (mx, (x, [2, 2]), (x, x)), (mm, (m, m), m))

    def intact() -> bool:
        seen: set[str] = set()
        with lock:
            cell.update(armed=True, canary=seen)
        try:
            for op, args, dummy in probes:
                cell["dummy"] = dummy
                op(*args)
        except (Exception, ForbiddenCall):  # noqa: BLE001  (a kernel broken or replaced)
            return False
        finally:
            with lock:
                cell.update(armed=False, canary=None, dummy=None)
        if not wanted <= seen:
            return False
        import time

        now = time.monotonic()
        if now - checked[0] < 1.0:
            return True
        checked[0] = now
        return _fingerprint(covered) == fingerprint

    return Dispatch(arm, disarm, intact, covered, list(libs.values()))


def _fingerprint(covered: dict[str, list[str]]) -> int:
    """A hash of the dispatcher's registrations for the guarded operators: a kernel the learner
    registered over ours changes it."""
    import torch

    return hash(tuple(torch._C._dispatch_dump(op) for op in covered))


def _wrap_numpy(cell: dict, lock: Any) -> None:
    """Count NumPy's matrix products as products (``numpy.dot``…); ``a @ b`` on arrays is not
    seen (the README says so)."""
    try:
        import numpy
    except ImportError:
        return
    for name in NUMPY_PRODUCTS:
        original = getattr(numpy, name, None)
        if original is None:
            continue

        def wrapper(*args: Any, _original: Any = original, _name: str = f"numpy.{name}",
                    **kwargs: Any) -> Any:
            if cell["armed"] and cell["canary"] is None:
                key = (threading.get_ident(), _name)
                with lock:
                    cell["products"][key] = cell["products"].get(key, 0) + 1
            return _original(*args, **kwargs)

        wrapper.__name__ = name
        wrapper.__doc__ = getattr(original, "__doc__", None)
        setattr(numpy, name, wrapper)


# -- the calling thread's view: names as the learner wrote them ---------------------------------

# Matrix products as the learner writes them (``@`` is Tensor.__matmul__).
PRODUCTS = frozenset({"matmul", "__matmul__", "__rmatmul__", "mm", "bmm", "einsum", "tensordot",
                      "linear", "addmm", "baddbmm", "mv", "inner", "dot"})


def _kind(func: Any) -> Any:
    """FORBIDDEN for a ready-made convolution or pooling operator, a product's name for a
    matrix product, else None."""
    name = getattr(func, "__name__", "") or ""
    if FORBIDDEN.search(name.lower()):
        return FORBIDDEN
    return name if name in PRODUCTS else None


def merge_products(calling: dict[str, int], dispatched: dict[tuple[int, str], int],
                   thread: int) -> dict[str, int]:
    """The matrix products one call made: in the calling thread, as the learner wrote them
    (``calling``, from the mode) or as the dispatcher saw them, whichever saw more (TorchScript
    is seen by the dispatcher only; a tiny ``einsum`` may compute without any ``mm``); in every
    other thread, as the dispatcher saw them."""
    here: dict[str, int] = {}
    others: dict[str, int] = {}
    for (tid, name), count in dispatched.items():
        into = here if tid == thread else others
        into[name] = into.get(name, 0) + count
    merged = dict(calling) if sum(calling.values()) >= sum(here.values()) else here
    for name, count in others.items():
        merged[name] = merged.get(name, 0) + count
    return merged


_KINDS: dict = {}


class FromScratchGuard(TorchFunctionMode):
    """Active while a from-scratch exercise runs; remembers the first forbidden call."""

    def __init__(self, learner_files: Any) -> None:
        super().__init__()
        self.learner_files = learner_files
        self.hit: dict | None = None
        self.products: dict[str, int] = {}  # matrix products called, by name (this thread)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        try:
            kind = _KINDS[func]
        except (KeyError, TypeError):  # first sight, or unhashable
            kind = _kind(func)
            try:
                _KINDS[func] = kind
            except TypeError:
                pass
        if kind is not None and kind is not FORBIDDEN:
            self.products[kind] = self.products.get(kind, 0) + 1
        elif kind is FORBIDDEN:
            if self.hit is None:
                self.hit = hit_reply(operator_name(func), learner_place(self.learner_files, 2))
            raise ForbiddenCall(self.hit["call"])
        return func(*args, **(kwargs or {}))
