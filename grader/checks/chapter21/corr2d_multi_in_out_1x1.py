"""corr2d_multi_in_out_1x1(X, K): K (c_o, c_i, 1, 1), computed as ONE matrix multiplication.
Checked on the book's example and its shapes, and against ``F.conv2d``; then the matrix
products the learner's code made are counted."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import torch
from hypothesis import given

from grader.checks import book, budget
from grader.checks.chapter21.channels import (
    abs_scale,
    channel_problems,
    further_calls,
    multi_out_mistakes,
    ref_multi,
)
from grader.compare import Mistake, expect_tensor, said
from grader.outcomes import Mismatch
from grader.strategies import place

if TYPE_CHECKING:
    from grader.learner import Learner

CHAPTER = "chapter21"

BOOK_EXAMPLES = """
>>> X = torch.arange(8.0).reshape(2, 2, 2)      # c_i = 2
>>> K = torch.tensor([1.0, 10.0]).reshape(1, 2, 1, 1)
>>> corr2d_multi_in_out_1x1(X, K)               # X[0] + 10 * X[1]
tensor([[[40., 51.],
         [62., 73.]]])
"""


def one_by_one_mistakes(X: torch.Tensor, K: torch.Tensor) -> list[Mistake]:
    c_i, h, w = X.shape
    c_o = K.shape[0]
    x = X.double().reshape(c_i, h * w)
    k = K.double().reshape(-1)
    out = [Mistake((k.reshape(c_i, c_o).t() @ x).reshape(c_o, h, w),
                   "chapter21.corr2d_multi_in_out_1x1.mistake.weights_scrambled")]
    if c_i == c_o:
        out.append(Mistake((k.reshape(c_o, c_i).t() @ x).reshape(c_o, h, w),
                           "chapter21.corr2d_multi_in_out_1x1.mistake.transposed_weights"))
    if h * w > 1:
        out.append(Mistake((k.reshape(c_o, c_i) @ X.double().reshape(h * w, c_i).t())
                           .reshape(c_o, h, w),
                           "chapter21.corr2d_multi_in_out_1x1.mistake.pixels_scrambled"))
    return out + multi_out_mistakes(X, K)


def check_1x1(learner: Learner, X: torch.Tensor, K: torch.Tensor) -> None:
    expect_tensor(learner.call(X, K), ref_multi(X, K), call="corr2d_multi_in_out_1x1(X, K)",
                  inputs=[("X", X), ("K", K)], scale=abs_scale(X, K),
                  shape_why=said("chapter21.corr2d_multi_in_out_1x1.shape"),
                  mistakes=one_by_one_mistakes(X, K),
                  further=further_calls(learner, X, K, one_by_one_mistakes,
                                        ((1, 1, 1), (1, 1, 0, 0))))
    # The exercise is the identity "1 x 1 convolution = one matrix product" (d2l: Y = K @ X).
    products = dict(learner.last_products)
    in_numpy = products.pop("(numpy)", 0) > 0  # np.dot / np.tensordot cannot be counted here
    used = sum(products.values())
    if used > 1 or (used == 0 and not in_numpy):
        got = ", ".join(f"{n} x{c}" for n, c in sorted(learner.last_products.items())) or "none"
        # The values were right (checked above): what is wrong is how they were computed.
        raise Mismatch("chapter21.corr2d_multi_in_out_1x1.reason.one_matmul", call="corr2d_multi_in_out_1x1(X, K)", got=got,
                       shape=tuple(X.shape), kernel=tuple(K.shape))


@pytest.mark.exercise("corr2d_multi_in_out_1x1")
def test_corr2d_multi_in_out_1x1_examples(learner):
    for args, kwargs in book.calls(BOOK_EXAMPLES, "corr2d_multi_in_out_1x1", ref_multi):
        check_1x1(learner, *book.on_device(args, kwargs, learner.device)[0])
    # The book's shapes: c_i = 3, c_o = 2 on a 3 x 3 image.
    X = torch.arange(27.0).reshape(3, 3, 3) - 13.0
    K = torch.tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]]).reshape(2, 3, 1, 1)
    check_1x1(learner, *place((X, K), learner.device))


@pytest.mark.exercise("corr2d_multi_in_out_1x1")
@budget(30)
@given(channel_problems(one_by_one=True))
def test_corr2d_multi_in_out_1x1_matches_conv2d(learner, xk):
    X, K = place(xk, learner.device)
    check_1x1(learner, X, K)
