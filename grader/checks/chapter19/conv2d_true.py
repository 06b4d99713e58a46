"""conv2d_true: a fixed example, and the correlation with the kernel flipped on both axes."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given

from grader.checks import budget
from grader.checks.chapter19.correlation import (
    VALID_SHAPE,
    abs_scale,
    further_calls,
    ref_corr,
)
from grader.compare import Mistake, expect_tensor
from grader.strategies import input_and_kernel, place

CHAPTER = "chapter19"


def true_conv_mistakes(X: torch.Tensor, K: torch.Tensor) -> list[Mistake]:
    return [Mistake(ref_corr(X, K), "chapter19.conv2d_true.mistake.cross_correlation"),
            Mistake(ref_corr(X, K.flip((0,))), "chapter19.conv2d_true.mistake.up_down_only"),
            Mistake(ref_corr(X, K.flip((1,))), "chapter19.conv2d_true.mistake.left_right_only"),
            Mistake(ref_corr(X, K.t()) if K.shape[0] == K.shape[1] else None,
                    "chapter19.conv2d_true.mistake.transposed")]
    # (the transpose is defined for a square kernel only: a value of None never matches)


@pytest.mark.exercise("conv2d_true")
def test_conv2d_true_example(learner):
    X = place(torch.arange(9.0).reshape(3, 3), learner.device)
    K = place(torch.tensor([[0.0, 1.0], [2.0, 3.0]]), learner.device)
    expect_tensor(learner.call(X, K), torch.tensor([[5.0, 11.0], [23.0, 29.0]],
                                                   device=learner.device),
                  call="conv2d_true(X, K)", inputs=[("X", X), ("K", K)],
                  shape_why=VALID_SHAPE, mistakes=true_conv_mistakes(X, K),
                  further=further_calls(learner, X, K, true_conv_mistakes))


@pytest.mark.exercise("conv2d_true")
@budget(25)
@given(input_and_kernel(ndim=2))
def test_conv2d_true_flips_both_axes(learner, xk):
    X, K = place(xk, learner.device)
    expect_tensor(learner.call(X, K), ref_corr(X, K.flip((0, 1))), call="conv2d_true(X, K)",
                  inputs=[("X", X), ("K", K)], scale=abs_scale(X, K), shape_why=VALID_SHAPE,
                  mistakes=true_conv_mistakes(X, K),
                  further=further_calls(learner, X, K, true_conv_mistakes))
