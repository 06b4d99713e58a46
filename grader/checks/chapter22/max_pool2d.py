"""max_pool2d(X, pool_size, stride=None, padding=0): PyTorch's max-pooling on (C, H, W) or
(N, C, H, W), with the arguments passed by keyword and by position. Checked on the book's
examples, fixed cases and against ``F.max_pool2d``."""

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
>>> max_pool2d(X, 3)
tensor([[[[10.]]]])
>>> max_pool2d(X, 3, padding=1, stride=2)
tensor([[[[ 5.,  7.],
          [13., 15.]]]])
>>> max_pool2d(X, (2, 3), stride=(2, 3), padding=(0, 1))
tensor([[[[ 5.,  7.],
          [13., 15.]]]])
"""


@pytest.mark.exercise("max_pool2d")
@pytest.mark.parametrize("style", STYLES)
def test_max_pool2d_book_examples(learner, style):
    for (X, kernel), kw in calls(BOOK_EXAMPLES, "max_pool2d", partial(pytorch_pool, "max")):
        X = place(X, learner.device)
        check_pooling(learner, "max", X, kernel, kw.get("stride"), kw.get("padding", 0), style)
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
