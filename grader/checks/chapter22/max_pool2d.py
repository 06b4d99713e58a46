"""max_pool2d(X, pool_size, stride=None, padding=0): PyTorch's max-pooling on (C, H, W) or
(N, C, H, W), with the arguments passed by keyword and by position. Checked on the book's
examples, fixed cases and against ``F.max_pool2d``."""

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
