"""corr2d_multi_in_out(X, K): K (c_o, c_i, k_h, k_w), one output channel per kernel K[o],
stacked on axis 0. Checked on the book's example and against ``F.conv2d``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import torch
from hypothesis import example, given

from grader.checks import book, budget
from grader.checks.chapter21.channels import (
    abs_scale,
    channel_problems,
    further_calls,
    multi_out_mistakes,
    ref_multi,
)
from grader.compare import expect_tensor, said
from grader.strategies import place

if TYPE_CHECKING:
    from grader.learner import Learner

CHAPTER = "chapter21"

#: The book's: X and K of corr2d_multi_in's example, K stacked with K + 1 and K + 2.
BOOK_EXAMPLES = """
>>> X = torch.tensor([[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]],
...                   [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]])
>>> K = torch.tensor([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]])
>>> K = torch.stack((K, K + 1, K + 2), 0)
>>> corr2d_multi_in_out(X, K)
tensor([[[ 56.,  72.],
         [104., 120.]],
        [[ 76., 100.],
         [148., 172.]],
        [[ 96., 128.],
         [192., 224.]]])
"""


def check_multi_in_out(learner: Learner, X: torch.Tensor, K: torch.Tensor) -> None:
    expect_tensor(learner.call(X, K), ref_multi(X, K), call="corr2d_multi_in_out(X, K)",
                  inputs=[("X", X), ("K", K)], scale=abs_scale(X, K),
                  shape_why=said("chapter21.corr2d_multi_in_out.shape"),
                  mistakes=multi_out_mistakes(X, K),
                  further=further_calls(learner, X, K, multi_out_mistakes,
                                        ((1, 2, 2), (1, 1, 1, 1))))


@pytest.mark.exercise("corr2d_multi_in_out")
def test_corr2d_multi_in_out_book_example(learner):
    for (X, K), _ in book.calls(BOOK_EXAMPLES, "corr2d_multi_in_out", ref_multi):
        X, K = place((X, K), learner.device)
        check_multi_in_out(learner, X, K)


@pytest.mark.exercise("corr2d_multi_in_out")
@budget(30)
@given(channel_problems())
@example((torch.arange(1.0, 25.0).reshape(2, 3, 4),
          torch.arange(-6.0, 12.0).reshape(3, 2, 3, 1)))
@example((torch.arange(1.0, 25.0).reshape(2, 3, 4),  # a rectangular (2, 3) output per channel
          torch.arange(-12.0, 12.0).reshape(3, 2, 2, 2)))
def test_corr2d_multi_in_out_matches_conv2d(learner, xk):
    X, K = place(xk, learner.device)
    check_multi_in_out(learner, X, K)
