"""corr1d: a fixed example, and PyTorch's conv1d on drawn inputs."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given

from grader.checks import budget
from grader.checks.chapter19.correlation import (
    VALID_SHAPE,
    abs_scale,
    corr_mistakes,
    further_calls,
    ref_corr,
)
from grader.compare import expect_tensor
from grader.strategies import input_and_kernel, place

CHAPTER = "chapter19"


@pytest.mark.exercise("corr1d")
def test_corr1d_example(learner):
    x = place(torch.tensor([0.0, 1.0, 2.0, 3.0]), learner.device)
    k = place(torch.tensor([1.0, 2.0]), learner.device)
    expect_tensor(learner.call(x, k), torch.tensor([2.0, 5.0, 8.0], device=learner.device),
                  call="corr1d(x, k)", inputs=[("x", x), ("k", k)], shape_why=VALID_SHAPE,
                  mistakes=corr_mistakes(x, k), further=further_calls(learner, x, k, corr_mistakes))


@pytest.mark.exercise("corr1d")
@budget(20)
@given(input_and_kernel(ndim=1, max_side=8))
def test_corr1d_matches_conv1d(learner, xk):
    x, k = place(xk, learner.device)
    expect_tensor(learner.call(x, k), ref_corr(x, k), call="corr1d(x, k)",
                  inputs=[("x", x), ("k", k)], scale=abs_scale(x, k), shape_why=VALID_SHAPE,
                  mistakes=corr_mistakes(x, k), further=further_calls(learner, x, k, corr_mistakes))
