"""Hypothesis strategies every check draws from (one place, like minitorch's ``strategies``).

Tensors are small (checks must feel instant and counterexamples must be readable), float32, and
come in two flavours: integer-valued (exact arithmetic, readable, shrinks to zeros and ones) and
non-integers with negatives (multiples of 1/256, exact in float32), in contiguous or transposed
memory layouts. Shapes include size-1 axes and kernels as large as the input.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st

MAX_SIDE = 6


#: Integer values in the order they shrink to: 0, 1, -1, 2, -2, ... (one byte each).
_ZIGZAG = np.array([0, 1, -1, 2, -2, 3, -3, 4, -4], dtype=np.float32)
#: Non-integer values lie on a grid of 1/256 in [-10, 10]: exact in float32 (so any summation
#: order gives the same answer), never integers all of them, and short to print.
_GRID = 256
_STEPS = 10 * _GRID + 1


def _ints(raw: bytes, shape: tuple[int, ...]) -> np.ndarray:
    return _ZIGZAG[np.frombuffer(raw, np.uint8) % len(_ZIGZAG)].reshape(shape)


def _floats(raw: bytes, shape: tuple[int, ...]) -> np.ndarray:
    u = np.frombuffer(raw, "<u2").astype(np.int64)
    sign = np.where(u & 1, -1.0, 1.0)
    return (sign * ((u >> 1) % _STEPS) / _GRID).astype(np.float32).reshape(shape)


@functools.cache
def _tensors(shape: tuple[int, ...]) -> st.SearchStrategy:
    """float32 tensors of ``shape``: integer-valued in [-4, 4], or multiples of 1/256 in
    [-10, 10]; for two or more axes, sometimes in another memory layout (``_relayout``).

    Every element comes from one ``st.binary`` draw (a byte, or two, per element) instead of a
    draw per element: four times cheaper to generate, and Hypothesis still shrinks it element by
    element, to zeros first, then to the small integers (the integer flavour is tried first)."""
    size = int(np.prod(shape, dtype=np.int64))
    ints = st.binary(min_size=size, max_size=size).map(lambda raw: _ints(raw, shape))
    floats = st.binary(min_size=2 * size, max_size=2 * size).map(lambda raw: _floats(raw, shape))
    values = st.one_of(ints, floats).map(torch.from_numpy)
    if len(shape) < 2:
        return values
    # Sometimes the same values in another memory layout (minitorch's non-contiguous strides):
    # the last two axes transposed, or, with three axes or more, every axis in reverse order
    # (channels and batch too: as_strided with N/C strides computed from the shape shows).
    layouts = st.integers(0, 2 if len(shape) >= 3 else 1)
    return st.tuples(values, layouts).map(lambda vl: _relayout(*vl))


def _relayout(t: torch.Tensor, layout: int) -> torch.Tensor:
    """The same values with another stride order: 0 as is, 1 the last two axes swapped in
    memory, 2 every axis reversed in memory."""
    if layout == 1:
        return t.transpose(-1, -2).contiguous().transpose(-1, -2)
    if layout == 2:
        order = tuple(reversed(range(t.dim())))
        return t.permute(order).contiguous().permute(order)
    return t


def tensors(shape: tuple[int, ...]) -> st.SearchStrategy:
    """float32 tensors of ``shape`` (see ``_tensors``). Strategies are built once per shape:
    Hypothesis validates and analyses every new strategy object, which costs more than drawing
    from it."""
    return _tensors(tuple(int(n) for n in shape))


def once(factory: Any) -> Any:
    """Build a strategy once per distinct arguments (which must be hashable). Composite
    strategies and helpers called inside other draws would otherwise make new strategy objects
    for every example, and Hypothesis validates and analyses each new one."""
    return functools.cache(factory)


@once
@st.composite
def shapes(draw: Any, ndim: int, min_side: int = 1, max_side: int = MAX_SIDE) -> tuple[int, ...]:
    return tuple(draw(st.integers(min_side, max_side)) for _ in range(ndim))


@once
def up_to(side: int) -> st.SearchStrategy:
    """A size from 1 to ``side``, with ``side`` itself often (a window as large as the input)."""
    return st.one_of(st.integers(1, side), st.just(side))


@once
@st.composite
def input_and_kernel(draw: Any, ndim: int = 2, max_side: int = MAX_SIDE,
                     lead: tuple[int, ...] = (), kernel_lead: tuple[int, ...] | None = None
                     ) -> tuple[torch.Tensor, torch.Tensor]:
    """An input and a kernel that fits it on every axis (as large as the input included).

    ``lead`` prefixes the input's shape (e.g. channels); ``kernel_lead`` the kernel's (defaults
    to ``lead``)."""
    n = draw(shapes(ndim, max_side=max_side))
    # Any size up to the input's (Hypothesis tries the bounds, 1 and the full side, often):
    # a kernel as large as the input gives a 1 x 1 output, which hides layout mistakes.
    k = tuple(draw(st.integers(1, side)) for side in n)
    x = draw(tensors(tuple(lead) + n))
    kern = draw(tensors(tuple(lead if kernel_lead is None else kernel_lead) + k))
    return x, kern


def place(x: Any, device: str) -> Any:
    """Move a tensor (or a tuple of them) to the device being graded."""
    if isinstance(x, tuple):
        return tuple(place(v, device) for v in x)
    return x.to(device) if isinstance(x, torch.Tensor) else x


@once
def int_or_pair(elements: st.SearchStrategy) -> st.SearchStrategy:
    """A size argument as PyTorch takes it: one int for both axes, or an (h, w) tuple."""
    return st.one_of(elements, st.tuples(elements, elements))


def as_pair(x: Any) -> tuple[int, int]:
    """(x, x) for an int, the (h, w) tuple itself otherwise."""
    return (x, x) if isinstance(x, int) else (int(x[0]), int(x[1]))
