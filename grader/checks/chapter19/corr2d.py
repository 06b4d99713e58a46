"""corr2d: the book's example, and PyTorch's conv2d on drawn inputs."""

from __future__ import annotations

import pytest
import torch
from hypothesis import example, given

from grader.checks import budget
from grader.checks.book import calls
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

BOOK_EXAMPLES = """
>>> X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
>>> K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
>>> corr2d(X, K)
tensor([[19., 25.],
        [37., 43.]])
"""


@pytest.mark.exercise("corr2d")
def test_corr2d_book_example(learner):
    for args, _ in calls(BOOK_EXAMPLES, "corr2d", ref_corr):
        X, K = place(args, learner.device)
        expect_tensor(learner.call(X, K), ref_corr(X, K), call="corr2d(X, K)",
                      inputs=[("X", X), ("K", K)], shape_why=VALID_SHAPE,
                      mistakes=corr_mistakes(X, K),
                      further=further_calls(learner, X, K, corr_mistakes))


@pytest.mark.exercise("corr2d")
@budget(30)
@given(input_and_kernel(ndim=2))
@example((torch.arange(15.0).reshape(3, 5) % 7 - 3,  # a rectangular (2, 4) output
          torch.tensor([[1.0, -2.0], [3.0, 0.0]])))
def test_corr2d_matches_conv2d(learner, xk):
    X, K = place(xk, learner.device)
    expect_tensor(learner.call(X, K), ref_corr(X, K), call="corr2d(X, K)",
                  inputs=[("X", X), ("K", K)], scale=abs_scale(X, K), shape_why=VALID_SHAPE,
                  mistakes=corr_mistakes(X, K), further=further_calls(learner, X, K, corr_mistakes))
