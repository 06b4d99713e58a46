"""avg_pool2d(X, pool_size, stride=None, padding=0): PyTorch's average pooling (padded zeros
counted) on (C, H, W) or (N, C, H, W), with the arguments passed by keyword and by position.
Checked on the book's examples, fixed cases and against ``F.avg_pool2d``."""

from __future__ import annotations

from functools import partial

import pytest
import torch
from hypothesis import given

from grader.checks import budget
from grader.checks.book import calls
from grader.checks.chapter22.pooling import (
    STYLES,
    check_pooling,
    fixed_cases,
    pooling_problems,
    pytorch_pool,
)
from grader.strategies import place

CHAPTER = "chapter22"

BOOK_EXAMPLES = """
>>> X = torch.arange(16, dtype=torch.float32).reshape((1, 1, 4, 4))
>>> avg_pool2d(X, 2)
tensor([[[[ 2.5000,  4.5000],
          [10.5000, 12.5000]]]])
>>> avg_pool2d(X, 3, padding=1, stride=2) * 9
tensor([[[[10., 24.],
          [51., 90.]]]])
"""


@pytest.mark.exercise("avg_pool2d")
@pytest.mark.parametrize("style", STYLES)
def test_avg_pool2d_examples(learner, style):
    for (X, kernel), kw in calls(BOOK_EXAMPLES, "avg_pool2d", partial(pytorch_pool, "avg")):
        X = place(X, learner.device)
        check_pooling(learner, "avg", X, kernel, kw.get("stride"), kw.get("padding", 0), style)
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
