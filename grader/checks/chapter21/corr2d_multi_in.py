"""corr2d_multi_in(X, K): X (c_i, h, w), K (c_i, k_h, k_w), the channels' correlations summed
into one output channel. Checked on the book's example and against ``F.conv2d``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import torch
from hypothesis import example, given

from grader.checks import book, budget
from grader.checks.chapter21.channels import abs_scale, channel_problems, further_calls, ref_multi
from grader.compare import Mistake, expect_tensor, said
from grader.strategies import place

if TYPE_CHECKING:
    from grader.learner import Learner

CHAPTER = "chapter21"

BOOK_EXAMPLES = """
>>> X = torch.tensor([[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]],
...                   [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]])
>>> K = torch.tensor([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]])
>>> corr2d_multi_in(X, K)
tensor([[ 56.,  72.],
        [104., 120.]])
"""


def reference(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    return ref_multi(X, K[None])[0]


def multi_in_mistakes(X: torch.Tensor, K: torch.Tensor) -> list[Mistake]:
    """Classic wrong versions of corr2d_multi_in (K has shape (c_i, k_h, k_w))."""
    per_channel = torch.stack([ref_multi(x[None], k[None, None])[0]
                               for x, k in zip(X, K, strict=True)])
    c_i = X.shape[0]
    out = [Mistake(per_channel, "chapter21.corr2d_multi_in.mistake.one_map_per_channel")]
    if c_i > 1:
        out += [Mistake(per_channel.mean(0), "chapter21.channels.mistake.channels_averaged"),
                Mistake(per_channel[0], "chapter21.corr2d_multi_in.mistake.first_channel_only"),
                Mistake(per_channel[-1], "chapter21.corr2d_multi_in.mistake.last_channel_only"),
                Mistake(ref_multi(X, K.flip(0)[None])[0],
                        "chapter21.corr2d_multi_in.mistake.paired_in_reverse")]
    out.append(Mistake(ref_multi(X, K.flip((1, 2))[None])[0],
                       "chapter21.corr2d_multi_in.mistake.true_convolution"))
    return out


def check_multi_in(learner: Learner, X: torch.Tensor, K: torch.Tensor) -> None:
    expect_tensor(learner.call(X, K), reference(X, K), call="corr2d_multi_in(X, K)",
                  inputs=[("X", X), ("K", K)], scale=abs_scale(X, K[None])[0],
                  shape_why=said("chapter21.corr2d_multi_in.shape"),
                  mistakes=multi_in_mistakes(X, K),
                  further=further_calls(learner, X, K, multi_in_mistakes,
                                        ((1, 2, 2), (1, 1, 1))))


@pytest.mark.exercise("corr2d_multi_in")
def test_corr2d_multi_in_book_example(learner):
    for args, kwargs in book.calls(BOOK_EXAMPLES, "corr2d_multi_in", reference):
        (X, K), _ = book.on_device(args, kwargs, learner.device)
        check_multi_in(learner, X, K)


@pytest.mark.exercise("corr2d_multi_in")
@budget(30)
@given(channel_problems(out_channels=False))
@example((torch.arange(1.0, 25.0).reshape(3, 2, 4), -torch.arange(6.0).reshape(3, 2, 1)))
def test_corr2d_multi_in_matches_conv2d(learner, xk):
    X, K = place(xk, learner.device)
    check_multi_in(learner, X, K)
