"""Chapter 22 checks: d2l's pool2d, and max/average pooling with PyTorch's semantics.

References are ``F.max_pool2d`` / ``F.avg_pool2d`` in float64, computed here, on (C, H, W) and
(N, C, H, W) inputs, with default strides, per-axis pairs and padding up to what PyTorch allows
(half the window). Inputs are sometimes all negative, so that padding with zeros shows in a max.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from grader.checks import budget, fresh
from grader.compare import Mistake, expect_tensor, tell_apart
from grader.strategies import as_pair, int_or_pair, once, place, shapes, tensors, up_to

CHAPTER = "chapter22"

POOL_SHAPE = ("per axis floor((n + 2p - k) / s) + 1, and the stride defaults to the window size",
              "每个轴为 floor((n + 2p - k) / s) + 1，且步幅默认等于窗口大小")
D2L_SHAPE = ("(n_h - p_h + 1, n_w - p_w + 1): d2l's pool2d moves the window by 1, without "
             "padding", "(n_h - p_h + 1, n_w - p_w + 1)：d2l 的 pool2d 每次移动 1，且没有填充")


def _pool(mode: str, X: torch.Tensor, kernel: Any, stride: Any = None, padding: Any = 0,
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


# -- pool2d -------------------------------------------------------------------------------------

def d2l_pool(X: torch.Tensor, pool_size: tuple[int, int], mode: str, stride: Any = 1
             ) -> torch.Tensor | None:
    """pool2d's reference: PyTorch's pooling of a 2-D input, stride 1, no padding."""
    out = _pool(mode, X[None], pool_size, stride)
    return None if out is None else out[0]


def loop_pool(X: torch.Tensor, pool_size: tuple[int, int], mode: str) -> torch.Tensor:
    """d2l's loop, also where the window does not fit (an empty result, as the loop gives)."""
    p_h, p_w = pool_size
    x = X.double().cpu()
    Y = torch.zeros((max(0, x.shape[0] - p_h + 1), max(0, x.shape[1] - p_w + 1)),
                    dtype=torch.float64)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = x[i:i + p_h, j:j + p_w]
            Y[i, j] = window.max() if mode == "max" else window.mean()
    return Y


def pool2d_mistakes(X: torch.Tensor, pool_size: tuple[int, int], mode: str) -> list[Mistake]:
    p_h, p_w = pool_size
    other = "avg" if mode == "max" else "max"
    out = [Mistake(d2l_pool(X, pool_size, other),
                   f"your result is the {'mean' if other == 'avg' else 'maximum'} of each "
                   f"window, but mode={mode!r} asks for the "
                   f"{'maximum' if mode == 'max' else 'mean'}.",
                   f"你的结果是每个窗口的{'平均值' if other == 'avg' else '最大值'}，但 "
                   f"mode={mode!r} 要求的是{'最大值' if mode == 'max' else '平均值'}。")]
    if p_h != p_w:
        out.append(Mistake(loop_pool(X, (p_w, p_h), mode),
                           "your window has the axes swapped: pool_size=(p_h, p_w) spans p_h rows "
                           "and p_w columns.",
                           "你的窗口把两个轴弄反了：pool_size=(p_h, p_w) 覆盖 p_h 行、p_w 列。"))
    if mode == "avg":
        out.append(Mistake(d2l_pool(X, pool_size, "avg") * (p_h * p_w),
                           "your result is each window's sum; average pooling takes the mean.",
                           "你的结果是每个窗口的和；平均汇聚取的是平均值。"))
    out.append(Mistake(d2l_pool(X, pool_size, mode, stride=None),
                       "your windows do not overlap (stride = window size); d2l's pool2d moves "
                       "the window by 1.",
                       "你的窗口互不重叠（步幅等于窗口大小）；d2l 的 pool2d 每次只移动 1。"))
    return [m for m in out if m.value is not None]


def check_pool2d(learner: Any, X: torch.Tensor, pool_size: tuple[int, int],
                 mode: str | None) -> None:
    args = (X, pool_size) if mode is None else (X, pool_size, mode)
    mode = mode or "max"
    inputs = [("X", X), ("pool_size", pool_size), ("mode", mode)]
    expect_tensor(learner.call(*args), d2l_pool(X, pool_size, mode),
                  call="pool2d(X, pool_size)" if len(args) == 2 else "pool2d(X, pool_size, mode)",
                  inputs=inputs, scale=d2l_pool(X.abs(), pool_size, "max"), shape_why=D2L_SHAPE,
                  mistakes=pool2d_mistakes(X, pool_size, mode),
                  further=tell_apart(lambda Y: (learner.call(Y, *args[1:]),
                                                pool2d_mistakes(Y, pool_size, mode)),
                                     fresh((X,), grow=(2,))))


#: Every mode gets its own cases and its own examples: a mode drawn per example may go
#: untried at some seeds, and the book's windows all sum to multiples of 4 (an integer
#: division of the sum passes there). None is the default mode, 'max'.
MODES = (None, "max", "avg")


def pool2d_cases(device: str) -> list[tuple[torch.Tensor, tuple[int, int]]]:
    """Fixed inputs beyond the book's: windows whose sums do not divide evenly (and negative
    ones, where floor and truncation differ), a rectangular window, non-integer values."""
    odd = torch.tensor([[1.0, 2.0, 0.0, -3.0], [4.0, -1.0, 2.0, 5.0], [0.0, 3.0, -2.0, 1.0]])
    fractions = torch.arange(20, dtype=torch.float32).reshape(4, 5) * 0.375 - 2.5
    return [(place(odd, device), (2, 2)), (place(odd, device), (2, 3)),
            (place(fractions, device), (3, 2)), (place(fractions, device), (1, 1))]


@pytest.mark.exercise("pool2d")
@pytest.mark.parametrize("mode", MODES, ids=["default", "max", "avg"])
def test_pool2d_book_examples(learner, mode):
    X = place(torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]), learner.device)
    check_pool2d(learner, X, (2, 2), mode)  # max [[4, 5], [7, 8]]; avg [[2, 3], [5, 6]]
    for X, pool_size in pool2d_cases(learner.device):
        check_pool2d(learner, X, pool_size, mode)


@st.composite
def pool2d_problems(draw: Any) -> tuple:
    n = draw(shapes(2))
    pool_size = tuple(draw(up_to(side)) for side in n)
    return draw(signed_arrays(n)), pool_size


@once
def signed_arrays(shape: tuple[int, ...]) -> st.SearchStrategy:
    """Any values, or all negative ones (where a zero border would win a max)."""
    return st.one_of(tensors(shape), tensors(shape).map(lambda t: -t.abs() - 0.5))


@pytest.mark.exercise("pool2d")
@pytest.mark.parametrize("mode", MODES, ids=["default", "max", "avg"])
@budget(12)
@given(pool2d_problems())
def test_pool2d_matches_pytorch(learner, mode, problem):
    X, pool_size = problem
    check_pool2d(learner, place(X, learner.device), pool_size, mode)


# -- max_pool2d, avg_pool2d ---------------------------------------------------------------------

def pooling_mistakes(mode: str, X: torch.Tensor, kernel: Any, stride: Any,
                     padding: Any) -> list[Mistake]:
    (k_h, k_w), (p_h, p_w) = as_pair(kernel), as_pair(padding)
    s_h, s_w = as_pair(kernel if stride is None else stride)
    fill = float("-inf") if mode == "max" else 0.0
    other = "avg" if mode == "max" else "max"
    out = []
    if mode == "max":
        out.append(Mistake(_pool("max", _pad(X, (p_w, p_w, p_h, p_h), 0.0), kernel, stride),
                           "you padded with zeros: max-pooling pads with -inf, so a padded cell "
                           "never wins (here your zeros beat negative values).",
                           "你用 0 做了填充：最大汇聚用 -inf 填充，填充的位置永远不会成为最大值"
                           "（这里你的 0 比负数大）。"))
    else:
        out.append(Mistake(_pool("avg", X, kernel, stride, padding, count_include_pad=False),
                           "you divided each window by the number of real (unpadded) cells; "
                           "PyTorch's default (count_include_pad=True) divides by k_h * k_w, "
                           "padded zeros included.",
                           "你用每个窗口中真实（非填充）元素的个数做除数；PyTorch 的默认设置 "
                           "（count_include_pad=True）除以 k_h * k_w，包括填充的零。"))
        out.append(Mistake(_pool("avg", X, kernel, stride, padding) * (k_h * k_w),
                           "your result is each window's sum; average pooling takes the mean.",
                           "你的结果是每个窗口的和；平均汇聚取的是平均值。"))
    if stride is None:
        out.append(Mistake(_pool(mode, X, kernel, 1, padding),
                           "your stride is 1, but stride=None means the window size "
                           "(non-overlapping windows), as in nn.MaxPool2d / nn.AvgPool2d.",
                           "你的步幅是 1，但 stride=None 表示步幅等于窗口大小（窗口互不重叠），"
                           "与 nn.MaxPool2d / nn.AvgPool2d 相同。"))
    one_axis = ("you applied the stride on one axis only (or one axis's stride to both): "
                "stride=(s_h, s_w) moves the window s_h rows down and s_w columns right.",
                "你只在一个轴上应用了步幅（或把一个轴的步幅用在了两个轴上）：stride=(s_h, s_w) "
                "表示窗口每次向下移动 s_h 行、向右移动 s_w 列。")
    out += [Mistake(_pool(mode, X, kernel, one, padding), *one_axis)
            for one in ((s_h, 1), (1, s_w), (s_h, s_h), (s_w, s_w))]
    out += [
        Mistake(_pool(mode, X, kernel, stride, 0), "your result ignores the padding.",
                "你的结果忽略了填充。"),
        Mistake(_pool(mode, _pad(X, (p_w, 0, p_h, 0), fill), kernel, stride),
                "you padded the top and the left only; padding goes on EACH side.",
                "你只在上方和左侧填充了；填充应加在每一侧。"),
        Mistake(_pool(mode, _pad(X, (0, p_w, 0, p_h), fill), kernel, stride),
                "you padded the bottom and the right only; padding goes on EACH side.",
                "你只在下方和右侧填充了；填充应加在每一侧。"),
        Mistake(_pool(mode, X, (k_w, k_h), None if stride is None else (s_h, s_w), padding),
                "your window has the axes swapped: pool_size=(k_h, k_w) spans k_h rows and k_w "
                "columns.", "你的窗口把两个轴弄反了：pool_size=(k_h, k_w) 覆盖 k_h 行、k_w 列。"),
        Mistake(_pool(other, X, kernel, stride, padding),
                f"your result is the {'mean' if other == 'avg' else 'maximum'} of each window; "
                f"this exercise takes the {'maximum' if mode == 'max' else 'mean'}.",
                f"你的结果是每个窗口的{'平均值' if other == 'avg' else '最大值'}；本练习要求"
                f"{'最大值' if mode == 'max' else '平均值'}。"),
    ]
    return [m for m in out if m.value is not None]


def check_pooling(learner: Any, mode: str, X: torch.Tensor, kernel: Any, stride: Any = None,
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
    expect_tensor(learner.call(*args, **kwargs), _pool(mode, X, kernel, stride, padding),
                  call=f"{name}(X, pool_size, stride, padding)",
                  inputs=[("X", X), ("pool_size", kernel), ("stride", stride),
                          ("padding", padding)],
                  scale=_pool("max", X.abs(), kernel, stride, padding), shape_why=POOL_SHAPE,
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


def book_input(device: str) -> torch.Tensor:
    return place(torch.arange(16, dtype=torch.float32).reshape((1, 1, 4, 4)), device)


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


@pytest.mark.exercise("max_pool2d")
@pytest.mark.parametrize("style", STYLES)
def test_max_pool2d_book_examples(learner, style):
    X = book_input(learner.device)
    check_pooling(learner, "max", X, 3, style=style)  # [[[[10]]]]
    check_pooling(learner, "max", X, 3, 2, 1, style)  # [[[[5, 7], [13, 15]]]]
    check_pooling(learner, "max", X, (2, 3), (2, 3), (0, 1), style)  # [[[[5, 7], [13, 15]]]]
    check_pooling(learner, "max", torch.cat((X, X + 1), 1), 3, 2, 1, style)  # two channels
    check_pooling(learner, "max", X[0], 3, 2, 1, style)  # (C, H, W)
    check_pooling(learner, "max", -1.0 - X, 3, 2, 1, style)  # all negative: pad with -inf
    for X, kernel, stride, padding in fixed_cases(learner.device):
        check_pooling(learner, "max", X, kernel, stride, padding, style)


@pytest.mark.exercise("max_pool2d")
@pytest.mark.parametrize("style", STYLES)
@budget(18)
@given(pooling_problems())
def test_max_pool2d_matches_pytorch(learner, style, problem):
    X, kernel, stride, padding = problem
    check_pooling(learner, "max", place(X, learner.device), kernel, stride, padding, style)


@pytest.mark.exercise("avg_pool2d")
@pytest.mark.parametrize("style", STYLES)
def test_avg_pool2d_examples(learner, style):
    X = book_input(learner.device)
    check_pooling(learner, "avg", X, 2, style=style)  # [[[[2.5, 4.5], [10.5, 12.5]]]]
    check_pooling(learner, "avg", X, 3, 2, 1, style)  # [[[[10, 24], [51, 90]]]] / 9
    check_pooling(learner, "avg", torch.cat((X, X + 1), 1)[0], (2, 3), (2, 3), (0, 1), style)
    for X, kernel, stride, padding in fixed_cases(learner.device):
        check_pooling(learner, "avg", X, kernel, stride, padding, style)


@pytest.mark.exercise("avg_pool2d")
@pytest.mark.parametrize("style", STYLES)
@budget(18)
@given(pooling_problems())
def test_avg_pool2d_matches_pytorch(learner, style, problem):
    X, kernel, stride, padding = problem
    check_pooling(learner, "avg", place(X, learner.device), kernel, stride, padding, style)
