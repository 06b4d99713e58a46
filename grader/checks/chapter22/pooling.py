"""What chapter 22's checks share: PyTorch's pooling as the reference, inputs of any sign, and
for ``max_pool2d`` and ``avg_pool2d`` (one check for both, by mode) the problems, the fixed
cases and the known mistakes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from hypothesis import strategies as st

from grader.checks import fresh
from grader.compare import Mistake, expect_tensor, said, tell_apart
from grader.strategies import as_pair, int_or_pair, once, place, shapes, tensors

if TYPE_CHECKING:
    from grader.learner import Learner


def pytorch_pool(mode: str, X: torch.Tensor, kernel: Any, stride: Any = None, padding: Any = 0,
                 **extra: Any) -> torch.Tensor | None:
    """F.max_pool2d / F.avg_pool2d in float64, or None where PyTorch refuses the arguments."""
    op = F.max_pool2d if mode == "max" else F.avg_pool2d
    try:
        return op(X.double(), as_pair(kernel), None if stride is None else as_pair(stride),
                  as_pair(padding), **extra)
    except RuntimeError:
        return None


def _pad(X: torch.Tensor, pads: tuple[int, int, int, int], value: float) -> torch.Tensor:
    return F.pad(X.double(), pads, value=value)


@once
def signed_arrays(shape: tuple[int, ...]) -> st.SearchStrategy:
    """Any values, or all negative ones (where a zero border would win a max)."""
    return st.one_of(tensors(shape), tensors(shape).map(lambda t: -t.abs() - 0.5))


# -- max_pool2d, avg_pool2d ---------------------------------------------------------------------

def pooling_mistakes(mode: str, X: torch.Tensor, kernel: Any, stride: Any,
                     padding: Any) -> list[Mistake]:
    (k_h, k_w), (p_h, p_w) = as_pair(kernel), as_pair(padding)
    s_h, s_w = as_pair(kernel if stride is None else stride)
    fill = float("-inf") if mode == "max" else 0.0
    out = []
    if mode == "max":
        out.append(Mistake(pytorch_pool("max", _pad(X, (p_w, p_w, p_h, p_h), 0.0), kernel,
                                        stride),
                           "chapter22.max_pool2d.mistake.zero_padding"))
    else:
        out.append(Mistake(pytorch_pool("avg", X, kernel, stride, padding,
                                        count_include_pad=False),
                           "chapter22.avg_pool2d.mistake.real_cells_only"))
        out.append(Mistake(pytorch_pool("avg", X, kernel, stride, padding) * (k_h * k_w),
                           "chapter22.pooling.mistake.window_sum"))
    if stride is None:
        out.append(Mistake(pytorch_pool(mode, X, kernel, 1, padding),
                           "chapter22.pooling.mistake.stride_one"))
    out += [Mistake(pytorch_pool(mode, X, kernel, one, padding),
                    "chapter22.pooling.mistake.stride_on_one_axis")
            for one in ((s_h, 1), (1, s_w), (s_h, s_h), (s_w, s_w))]
    out += [
        Mistake(pytorch_pool(mode, X, kernel, stride, 0),
                "chapter22.pooling.mistake.padding_ignored"),
        Mistake(pytorch_pool(mode, _pad(X, (p_w, 0, p_h, 0), fill), kernel, stride),
                "chapter22.pooling.mistake.padded_top_left_only"),
        Mistake(pytorch_pool(mode, _pad(X, (0, p_w, 0, p_h), fill), kernel, stride),
                "chapter22.pooling.mistake.padded_bottom_right_only"),
        Mistake(pytorch_pool(mode, X, (k_w, k_h), None if stride is None else (s_h, s_w),
                             padding),
                "chapter22.pooling.mistake.window_axes_swapped"),
    ]
    if mode == "max":
        out.append(Mistake(pytorch_pool("avg", X, kernel, stride, padding),
                           "chapter22.max_pool2d.mistake.mean_not_maximum"))
    else:
        out.append(Mistake(pytorch_pool("max", X, kernel, stride, padding),
                           "chapter22.avg_pool2d.mistake.maximum_not_mean"))
    return [m for m in out if m.value is not None]


def check_pooling(learner: Learner, mode: str, X: torch.Tensor, kernel: Any, stride: Any = None,
                  padding: Any = 0, style: str = "keywords") -> None:
    if style == "positional":
        args, kwargs = (X, kernel, stride, padding), {}
    else:  # keywords, leaving out the defaults
        args, kwargs = (X, kernel), {}
        if stride is not None:
            kwargs["stride"] = stride
        if padding != 0:
            kwargs["padding"] = padding
    name = f"{mode}_pool2d"
    expect_tensor(learner.call(*args, **kwargs), pytorch_pool(mode, X, kernel, stride, padding),
                  call=f"{name}(X, pool_size, stride, padding)",
                  inputs=[("X", X), ("pool_size", kernel), ("stride", stride),
                          ("padding", padding)],
                  scale=pytorch_pool("max", X.abs(), kernel, stride, padding),
                  shape_why=said("chapter22.pooling.shape"),
                  mistakes=pooling_mistakes(mode, X, kernel, stride, padding),
                  further=tell_apart(lambda *a: (learner.call(*a),
                                                 pooling_mistakes(mode, *a)),
                                     lambda: other_pooling(X, kernel, stride, padding)))


def other_pooling(X: torch.Tensor, kernel: Any, stride: Any, padding: Any, count: int = 12,
                  seed: int = 0) -> Any:
    """(X, pool_size, stride, padding) with new values, then other strides and paddings (each
    axis its own, as PyTorch allows: padding at most half the window) on a larger input."""
    import random

    rng = random.Random(seed)
    for i, (Y,) in enumerate(fresh((X,), count=count, seed=seed)()):
        if i < 4:
            yield Y, kernel, stride, padding
            continue
        k = (rng.randint(2, 4), rng.randint(2, 4))
        p = (rng.randint(0, k[0] // 2), rng.randint(0, k[1] // 2))
        s = None if i % 3 == 0 else (rng.randint(1, 3), rng.randint(1, 3))
        Y = torch.randint(-4, 5, tuple(Y.shape[:-2]) + (7, 8)).to(Y)
        yield (-Y.abs() - 1 if i % 2 else Y), k, s, p


def fixed_cases(device: str) -> list[tuple]:
    """Always-run cases for what random search meets too rarely to be a reliable verdict:
    stride=None with a non-square window (the default stride is the whole (k_h, k_w)), a
    batch of several multi-channel examples with distinct values (N and C kept apart), and
    padding next to values far below zero (only -inf padding is right for max there; a finite
    fill value or reflected values are not: the values go down to -3e30, below any fill a
    learner would pick other than -inf or the smallest float), and a batch whose axes are all
    reversed in memory (strides of N and C that do not follow from the shape)."""
    shuffled = (torch.arange(2 * 2 * 5 * 6, dtype=torch.float32) * 7 % 31).reshape(2, 2, 5, 6)
    rect = torch.arange(42, dtype=torch.float32).reshape(1, 1, 6, 7) % 9
    deep = -6.0 - (torch.arange(30, dtype=torch.float32) * 3 % 5).reshape(1, 5, 6)
    abyss = -1e30 * (1.0 + (torch.arange(40, dtype=torch.float32) * 3 % 5) / 2).reshape(2, 4, 5)
    # the same values with every axis reversed in memory: strides of N and C not from the shape
    backwards = shuffled.permute(3, 2, 1, 0).contiguous().permute(3, 2, 1, 0)
    cases = [(rect, (1, 2), None, 0), (rect, (3, 2), None, 0), (rect, (3, 2), None, (1, 1)),
             (shuffled, 2, None, 0), (shuffled, 3, 2, 1), (shuffled, (2, 3), (1, 2), (1, 0)),
             (deep, 2, 1, 1), (deep, 3, None, 1), (deep, (2, 3), (2, 1), (1, 1)),
             (abyss, 2, 1, 1), (abyss, (3, 2), None, (1, 0)), (backwards, 2, None, 0),
             (backwards, (2, 3), (1, 2), 0)]
    return [(place(X, device), k, s, p) for X, k, s, p in cases]


@once
def _paddings(k: tuple[int, int]) -> st.SearchStrategy:
    """Padding PyTorch's pooling accepts for window ``k``: at most half the window."""
    return st.one_of(st.just(0), st.integers(0, min(k) // 2),
                     st.tuples(st.integers(0, k[0] // 2), st.integers(0, k[1] // 2)))


STRIDES = st.one_of(st.none(), int_or_pair(st.integers(1, 4)))
LEADS = st.one_of(shapes(1, max_side=3), shapes(2, max_side=2))  # (C,) or (N, C)


@st.composite
def pooling_problems(draw: Any) -> tuple:
    """(X, pool_size, stride, padding) that PyTorch's pooling accepts."""
    kernel = draw(int_or_pair(st.integers(1, 4)))
    k = as_pair(kernel)
    padding = draw(_paddings(k))
    stride = draw(STRIDES)
    p = as_pair(padding)
    hw = tuple(draw(st.integers(max(1, k_a - 2 * p_a), 7)) for k_a, p_a in zip(k, p, strict=True))
    lead = draw(LEADS)
    X = draw(signed_arrays(lead + hw))
    return X, kernel, stride, padding


#: How the arguments are passed: every style gets its own fixed cases and examples (drawn per
#: example, one style could go untried, and with it a signature whose order is wrong).
STYLES = ("keywords", "positional")
