"""corr3d: PyTorch's conv3d on drawn inputs."""

from __future__ import annotations

import pytest
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


@pytest.mark.exercise("corr3d")
@budget(20)
@given(input_and_kernel(ndim=3, max_side=4))
def test_corr3d_matches_conv3d(learner, xk):
    X, K = place(xk, learner.device)
    expect_tensor(learner.call(X, K), ref_corr(X, K), call="corr3d(X, K)",
                  inputs=[("X", X), ("K", K)], scale=abs_scale(X, K), shape_why=VALID_SHAPE,
                  mistakes=corr_mistakes(X, K), further=further_calls(learner, X, K, corr_mistakes))
