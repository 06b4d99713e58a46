"""What crosses the boundary between the verdict process and the learner's worker.

Values are turned into a tree of plain Python data (None, bool, int, float, str, bytes, tuples,
lists, dicts; a complex number as its two floats) and pickled. The verdict process unpickles
with a loader that refuses every class, so nothing the learner's process sends can run code
where verdicts are computed: a hostile or broken worker can only send data, and data is what
the checks compare.

Tensors travel as raw bytes with dtype, shape, device and grad flags. Modules coming back from the
learner travel as a description (type, hyper-parameters, children, parameters), never as objects.
"""

from __future__ import annotations

import io
import pickle
import sys
from dataclasses import dataclass, field
from typing import Any

# Tags for the tuples that stand for non-plain values. Plain tuples are tagged too, so a learner's
# tuple can never be mistaken for an encoded tensor.
_TUPLE, _TENSOR, _NDARRAY, _MODULE, _OPAQUE, _DTYPE, _SPEC, _HANDLE, _COMPLEX = (
    "tuple", "tensor", "ndarray", "module", "opaque", "dtype", "spec", "handle", "complex")

MAX_DEPTH = 12
MAX_ITEMS = 10_000


@dataclass(frozen=True)
class Opaque:
    """Something the learner returned that is not plain data: its type and a short repr."""

    type_name: str
    text: str

    def __repr__(self) -> str:
        return f"<{self.type_name}: {self.text}>"


@dataclass
class ModuleInfo:
    """A learner's ``nn.Module`` as the verdict process sees it: a description, not an object."""

    type_name: str  # e.g. "Conv2d" (class __name__)
    qualname: str  # e.g. "torch.nn.modules.conv.Conv2d"
    hparams: dict[str, Any]
    children: list[tuple[str, ModuleInfo]]
    parameters: dict[str, Any]  # own parameters only (recurse=False), name -> tensor
    buffers: dict[str, Any]
    training: bool = True

    def flat(self) -> list[ModuleInfo]:
        """Leaf modules in order (what ``nn.Sequential`` runs)."""
        if not self.children:
            return [self]
        out: list[ModuleInfo] = []
        for _, child in self.children:
            out.extend(child.flat())
        return out


@dataclass(frozen=True)
class Handle:
    """An object that lives in the worker (e.g. the learner's Conv2D instance)."""

    id: int
    type_name: str


@dataclass(frozen=True)
class ModuleSpec:
    """Ask the worker to build a module: a torch.nn class (by dotted path), args, state dict."""

    path: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    state: dict | None = None


# Hyper-parameters read from a module when describing it.
_HPARAMS = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
            "groups", "padding_mode", "in_features", "out_features", "ceil_mode",
            "count_include_pad", "divisor_override", "start_dim", "end_dim", "inplace",
            "negative_slope", "p", "output_size", "return_indices")


def encode(value: Any, *, depth: int = 0) -> Any:
    """Turn ``value`` into plain data. Runs in either process; imports torch only if present."""
    if depth > MAX_DEPTH:
        return (_OPAQUE, type(value).__name__, "<nested too deeply>")
    if type(value) is complex:  # pickle builds a complex with builtins.complex: two floats
        return (_COMPLEX, value.real, value.imag)
    if value is None or type(value) in (bool, int, float, str, bytes):
        if isinstance(value, (str, bytes)) and len(value) > 1_000_000:
            value = value[:1_000_000]
        return value
    # Subclasses of plain types must arrive as the plain type: the receiving side refuses
    # every class. np.float64 is a float; an IntEnum an int. (np.int64 is not an int: it
    # travels as a NumPy value below, so "a tuple of ints" stays checkable.)
    if isinstance(value, bool):
        return bool(value)
    for plain in (int, float, complex, str, bytes):
        if isinstance(value, plain):
            return encode(plain(value), depth=depth)
    if isinstance(value, list):
        return [encode(v, depth=depth + 1) for v in value[:MAX_ITEMS]]
    if isinstance(value, tuple):  # torch.Size included: it arrives as a plain tuple
        return (_TUPLE, tuple(encode(v, depth=depth + 1)
                              for v in value[:MAX_ITEMS]))
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, (int, str)) else k:
                encode(v, depth=depth + 1)
                for k, v in list(value.items())[:MAX_ITEMS]}
    if isinstance(value, ModuleSpec):
        return (_SPEC, value.path, encode(value.args), encode(value.kwargs), encode(value.state))
    if isinstance(value, Handle):
        return (_HANDLE, value.id, value.type_name)
    module = type(value).__module__ or ""
    torch = sys.modules.get("torch")
    if torch is not None:  # learner subclasses of Tensor and Module count too
        if isinstance(value, torch.Tensor):
            return _encode_tensor(value)
        if isinstance(value, torch.dtype):
            return (_DTYPE, str(value).removeprefix("torch."))
        if isinstance(value, torch.nn.Module):
            return _encode_module(value, depth)
        if isinstance(value, torch.device):
            return str(value)
    if module == "numpy" or module.startswith("numpy."):
        import numpy as np

        if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
            arr = np.ascontiguousarray(value)
            return (_NDARRAY, arr.dtype.str, tuple(arr.shape), arr.tobytes())
        if isinstance(value, np.generic) and value.dtype.kind in "biufc":
            return (_NDARRAY, value.dtype.str, (), np.asarray(value).tobytes())
    try:
        text = repr(value)[:200]
    except Exception:  # a learner's __repr__ may raise
        text = "<repr failed>"
    return (_OPAQUE, type(value).__name__, text)


def _encode_tensor(t: Any) -> tuple:
    import torch

    # The layout travels as the order of the dimensions in memory (a transposed or permuted
    # tensor arrives transposed or permuted, so code that assumes contiguous input shows).
    order = sorted(range(t.dim()), key=lambda d: (-t.stride(d), d)) if t.dim() > 1 else []
    perm = order if order != list(range(t.dim())) and t.device.type != "meta" else None
    base = t.permute(*perm) if perm else t
    raw = _bytes_in_order(t) if perm is None else None
    if raw is None:
        if t.device.type == "meta":  # no data to send: zeros, and the device says the rest
            flat = torch.zeros(tuple(t.shape), dtype=t.dtype).reshape(-1)
        else:
            # A copy in a fresh contiguous buffer: views (t[::2], one element with an odd
            # stride, expanded tensors) cannot be reinterpreted as bytes in place.
            flat = base.detach().to("cpu").reshape(-1).clone(
                memory_format=torch.contiguous_format)
        if flat.dtype.is_complex:
            view = torch.view_as_real(flat).reshape(-1).view(torch.uint8)
        else:
            view = flat.view(torch.uint8) if flat.numel() else flat.new_empty(0, dtype=torch.uint8)
        raw = view.numpy().tobytes()
    return (_TENSOR, str(t.dtype).removeprefix("torch."), tuple(t.shape),
            raw, str(t.device), bool(t.requires_grad),
            isinstance(t, torch.nn.Parameter),
            None if not t.is_leaf or t.grad is None or t.device.type == "meta"
            else _encode_tensor(t.grad),  # (a non-leaf's .grad warns, and is None)
            tuple(perm) if perm else None)


def _bytes_in_order(t: Any) -> bytes | None:
    """The bytes of a CPU tensor already in memory order, copied out by NumPy in one step (most
    tensors that cross); None where the general copy is needed: another device, complex,
    dtypes NumPy lacks (bfloat16), conjugate or negative views."""
    try:
        if t.device.type != "cpu" or t.dtype.is_complex or not t.is_contiguous():
            return None
        return t.detach().numpy().tobytes()
    except (TypeError, RuntimeError):
        return None


def _encode_module(m: Any, depth: int) -> tuple:
    hparams = {}
    for name in _HPARAMS:
        if hasattr(m, name):
            try:
                hparams[name] = encode(getattr(m, name), depth=depth + 1)
            except Exception:
                pass
    children = [(name, encode(child, depth=depth + 1)) for name, child in m.named_children()]
    # A lazy layer's parameters have no values before its first forward pass: left out.
    from torch.nn.parameter import is_lazy

    params = {n: _encode_tensor(p) for n, p in m.named_parameters(recurse=False)
              if not is_lazy(p)}
    buffers = {n: _encode_tensor(b) for n, b in m.named_buffers(recurse=False)
               if b is not None and not is_lazy(b)}
    cls = type(m)
    return (_MODULE, cls.__name__, f"{cls.__module__}.{cls.__qualname__}", hparams, children,
            params, buffers, bool(m.training))


def decode(value: Any, *, device_map: Any = None, handles: Any = None) -> Any:
    """Rebuild values from plain data. In the verdict process modules come back as ModuleInfo."""
    if isinstance(value, list):
        return [decode(v, device_map=device_map, handles=handles) for v in value]
    if isinstance(value, dict):
        return {k: decode(v, device_map=device_map, handles=handles) for k, v in value.items()}
    if not isinstance(value, tuple) or not value:
        return value
    tag = value[0]
    if tag == _TUPLE:
        return tuple(decode(v, device_map=device_map, handles=handles) for v in value[1])
    if tag == _TENSOR:
        return _decode_tensor(value, device_map)
    if tag == _COMPLEX:
        return complex(float(value[1]), float(value[2]))
    if tag == _NDARRAY:
        import numpy as np

        _, dtype, shape, raw = value
        return np.frombuffer(bytearray(raw), dtype=np.dtype(dtype)).reshape(shape)
    if tag == _DTYPE:
        import torch

        return _dtype(value[1]) if hasattr(torch, value[1]) else Opaque("dtype", value[1])
    if tag == _MODULE:
        _, type_name, qualname, hparams, children, params, buffers, training = value
        return ModuleInfo(type_name, qualname,
                          {k: decode(v) for k, v in hparams.items()},
                          [(n, decode(c)) for n, c in children],
                          {k: _decode_tensor(v, None) for k, v in params.items()},
                          {k: _decode_tensor(v, None) for k, v in buffers.items()},
                          training)
    if tag == _SPEC:
        return _build_module(value, device_map)
    if tag == _HANDLE:
        if handles is not None:
            return handles.get(value[1])
        return Handle(int(value[1]), str(value[2]))
    if tag == _OPAQUE:
        return Opaque(str(value[1]), str(value[2]))
    raise ValueError(f"unknown wire tag {tag!r}")


_DTYPES = ("float16", "bfloat16", "float32", "float64", "complex64", "complex128", "uint8",
           "int8", "int16", "int32", "int64", "bool", "uint16", "uint32", "uint64")


def _dtype(name: str) -> Any:
    import torch

    if name not in _DTYPES:
        raise ValueError(f"unsupported dtype {name!r}")
    return getattr(torch, name)


def _decode_tensor(value: tuple, device_map: Any) -> Any:
    import torch

    _, dtype_name, shape, raw, device, requires_grad, is_param, grad, perm = value
    dtype = _dtype(dtype_name)
    if perm is not None:  # the bytes are the tensor permuted into memory order
        perm = tuple(int(d) for d in perm)
        if sorted(perm) != list(range(len(shape))):
            raise ValueError("malformed tensor layout")
        shape = tuple(shape[d] for d in perm)
    if device_map is not None and device == "meta":
        device = "cpu"
    if dtype.is_complex:
        real = torch.empty(0, dtype=dtype).real.dtype
        flat = torch.frombuffer(bytearray(raw), dtype=real) if raw else torch.empty(0, dtype=real)
        t = torch.view_as_complex(flat.reshape(-1, 2)).reshape(shape)
    else:
        t = (torch.frombuffer(bytearray(raw), dtype=dtype) if raw
             else torch.empty(0, dtype=dtype)).reshape(shape)
    if perm is not None:
        t = t.permute(*[perm.index(d) for d in range(len(perm))])
    target = device_map(device) if device_map else None
    if target is not None and target != "cpu":
        t = t.to(target)
    if is_param:
        t = torch.nn.Parameter(t, requires_grad=requires_grad)
    elif requires_grad and (dtype.is_floating_point or dtype.is_complex):
        t.requires_grad_(True)
    if grad is not None:
        t.grad = _decode_tensor(grad, device_map)
    # Where the tensor was, as the sender saw it (the verdict side compares devices).
    try:
        t._grader_device = device
    except Exception:
        pass
    return t


def _build_module(value: tuple, device_map: Any) -> Any:
    """Worker side: build a torch.nn module the check asked for."""
    import importlib

    _, path, args, kwargs, state = value
    if not path.startswith("torch.nn."):
        raise ValueError(f"refusing to build {path!r}: only torch.nn classes")
    module_name, _, cls_name = path.rpartition(".")
    cls = getattr(importlib.import_module(module_name), cls_name)
    m = cls(*decode(args), **decode(kwargs))
    if state is not None:
        import torch

        with torch.no_grad():
            m.load_state_dict(decode(state))
    return m


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refused to load {module}.{name}: only plain data crosses")


def dumps(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def loads_plain(raw: bytes) -> Any:
    """Unpickle data from an untrusted sender: plain containers and scalars only."""
    return _PlainUnpickler(io.BytesIO(raw)).load()
