"""avg_pool2d(X, pool_size, stride=None, padding=0): PyTorch's average pooling (padded zeros
counted) on (C, H, W) or (N, C, H, W), with the arguments passed by keyword and by position.
Checked on the book's examples, fixed cases and against ``F.avg_pool2d``."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given

from grader.checks import budget
from grader.checks.chapter22.pooling import (
    STYLES,
    book_input,
    check_pooling,
    fixed_cases,
    pooling_problems,
)
from grader.strategies import place

CHAPTER = "chapter22"


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
