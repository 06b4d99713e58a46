"""corr2d_strided: the book's figures, and F.conv2d with padding and stride on drawn inputs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from grader.checks import budget, fresh
from grader.checks.book import calls
from grader.checks.chapter20.padding_stride import (
    SHAPE_WHY,
    STYLES,
    padded_bottom_right,
    padded_top_left,
    stride_on_one_axis,
)
from grader.compare import Mistake, expect_tensor, tell_apart
from grader.strategies import as_pair, int_or_pair, once, place, shapes, tensors

if TYPE_CHECKING:
    from grader.learner import Learner

CHAPTER = "chapter20"

BOOK_EXAMPLES = """
>>> X = torch.arange(9.0).reshape(3, 3)
>>> K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
>>> corr2d_strided(X, K, padding=1)
tensor([[ 0.,  3.,  8.,  4.],
        [ 9., 19., 25., 10.],
        [21., 37., 43., 16.],
        [ 6.,  7.,  8.,  0.]])
>>> corr2d_strided(X, K, padding=1, stride=(3, 2))
tensor([[0., 8.],
        [6., 8.]])
"""


def ref_conv(X: torch.Tensor, K: torch.Tensor, padding: Any = 0, stride: Any = 1
             ) -> torch.Tensor | None:
    """F.conv2d in float64, or None where it is undefined (the kernel does not fit)."""
    try:
        return F.conv2d(X.double()[None, None], K.double()[None, None],
                        padding=as_pair(padding), stride=as_pair(stride))[0, 0]
    except RuntimeError:
        return None


def strided_mistakes(X: torch.Tensor, K: torch.Tensor, padding: Any, stride: Any
                     ) -> list[Mistake]:
    p_h, p_w = as_pair(padding)
    s_h, s_w = as_pair(stride)
    ref = ref_conv(X, K, padding, stride)
    out = [
        Mistake(ref_conv(X, K.flip((0, 1)), padding, stride),
                "chapter20.corr2d_strided.mistake.true_convolution"),
        Mistake(ref_conv(X, K, 0, stride), "chapter20.corr2d_strided.mistake.ignores_padding"),
        padded_top_left(ref_conv(F.pad(X, (p_w, 0, p_h, 0)), K, 0, stride)),
        padded_bottom_right(ref_conv(F.pad(X, (0, p_w, 0, p_h)), K, 0, stride)),
        Mistake(ref_conv(X, K, (p_w, p_h), stride),
                "chapter20.corr2d_strided.mistake.padding_axes_swapped"),
        Mistake(ref_conv(X, K, padding, 1), "chapter20.corr2d_strided.mistake.ignores_stride"),
        Mistake(ref_conv(X, K, padding, (s_w, s_h)),
                "chapter20.corr2d_strided.mistake.stride_axes_swapped"),
    ]
    out += [stride_on_one_axis(ref_conv(X, K, padding, one))
            for one in ((s_h, 1), (1, s_w), (s_h, s_h), (s_w, s_w))]
    if ref is not None and min(ref.shape) > 1:
        out.append(Mistake(ref[:-1, :-1], "chapter20.corr2d_strided.mistake.one_short"))
    return [m for m in out if m.value is not None]


def check_strided(learner: Learner, X: torch.Tensor, K: torch.Tensor, padding: Any, stride: Any,
                  style: str = "positional") -> None:
    if style == "positional":
        args, kwargs = (X, K, padding, stride), {}
    else:
        args, kwargs = (X, K), {}
        if padding != 0:
            kwargs["padding"] = padding
        if stride != 1:
            kwargs["stride"] = stride
    expect_tensor(learner.call(*args, **kwargs), ref_conv(X, K, padding, stride),
                  call="corr2d_strided(X, K, padding, stride)",
                  inputs=[("X", X), ("K", K), ("padding", padding), ("stride", stride)],
                  scale=ref_conv(X.abs(), K.abs(), padding, stride), shape_why=SHAPE_WHY,
                  mistakes=strided_mistakes(X, K, padding, stride),
                  further=tell_apart(lambda *a: (learner.call(*a), strided_mistakes(*a)),
                                     lambda: other_strided(X, K)))


def other_strided(X: torch.Tensor, K: torch.Tensor, count: int = 12, seed: int = 0) -> Any:
    """New values of X and K's shapes, with other paddings and strides (each axis its own)."""
    import random

    rng = random.Random(seed)
    for i, (Y, L) in enumerate(fresh((X, K), count=count, seed=seed)()):
        padding = (rng.randint(0, 2), rng.randint(0, 2)) if i % 2 else (0, 0)
        stride = (rng.randint(1, 3), rng.randint(1, 3))
        if i % 4 == 3:  # a larger input, so that strides and paddings have room to differ
            Y = torch.randint(-4, 5, (Y.shape[0] + 3, Y.shape[1] + 4)).to(Y)
        if all(Y.shape[a] + 2 * padding[a] >= L.shape[a] for a in range(2)):
            yield Y, L, padding, stride


@pytest.mark.exercise("corr2d_strided")
@pytest.mark.parametrize("style", STYLES)
def test_corr2d_strided_book_examples(learner, style):
    for args, kwargs in calls(BOOK_EXAMPLES, "corr2d_strided", ref_conv):
        X, K = place(args, learner.device)
        check_strided(learner, X, K, kwargs.get("padding", 0), kwargs.get("stride", 1),
                      style=style)
    check_strided(learner, X, K, 0, 1, style=style)  # no padding, no stride
    check_strided(learner, X, K, (0, 1), 2, style=style)  # padding and stride both set


@once
def _kernel_side(room: int) -> st.SearchStrategy:
    return st.one_of(st.integers(1, min(room, 5)), st.just(room))


@st.composite
def strided_problems(draw: Any) -> tuple:
    padding = draw(int_or_pair(st.integers(0, 2)))
    stride = draw(int_or_pair(st.integers(1, 4)))
    n = draw(shapes(2, max_side=7))
    p_h, p_w = as_pair(padding)
    room = (n[0] + 2 * p_h, n[1] + 2 * p_w)
    # Kernels up to 5, or exactly as large as the padded input.
    k = tuple(draw(_kernel_side(r)) for r in room)
    return draw(tensors(n)), draw(tensors(k)), padding, stride


@pytest.mark.exercise("corr2d_strided")
@pytest.mark.parametrize("style", STYLES)
@budget(18)
@given(strided_problems())
def test_corr2d_strided_matches_conv2d(learner, style, problem):
    X, K, padding, stride = problem
    X, K = place((X, K), learner.device)
    check_strided(learner, X, K, padding, stride, style)
