"""pad2d: the book's example, the input's dtype kept, and F.pad on drawn inputs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from grader.checks import budget, fresh
from grader.checks.book import calls
from grader.checks.chapter20.padding_stride import padded_bottom_right, padded_top_left
from grader.compare import Mistake, expect_tensor, said, tell_apart
from grader.outcomes import Mismatch
from grader.strategies import as_pair, int_or_pair, place, shapes, tensors

if TYPE_CHECKING:
    from grader.learner import Learner

CHAPTER = "chapter20"

BOOK_EXAMPLES = """
>>> pad2d(torch.ones(2, 3), (1, 2))
tensor([[0., 0., 0., 0., 0., 0., 0.],
        [0., 0., 1., 1., 1., 0., 0.],
        [0., 0., 1., 1., 1., 0., 0.],
        [0., 0., 0., 0., 0., 0., 0.]])
"""


def ref_pad(X: torch.Tensor, padding: Any) -> torch.Tensor:
    p_h, p_w = as_pair(padding)
    return F.pad(X.double(), (p_w, p_w, p_h, p_h))


def pad_mistakes(X: torch.Tensor, padding: Any) -> list[Mistake]:
    p_h, p_w = as_pair(padding)
    x = X.double()
    out = [Mistake(x, "chapter20.pad2d.mistake.not_padded"),
           Mistake(F.pad(x, (p_h, p_h, p_w, p_w)), "chapter20.pad2d.mistake.axes_swapped"),
           padded_top_left(F.pad(x, (p_w, 0, p_h, 0))),
           padded_bottom_right(F.pad(x, (0, p_w, 0, p_h))),
           Mistake(F.pad(x, (p_w // 2, p_w - p_w // 2, p_h // 2, p_h - p_h // 2)),
                   "chapter20.pad2d.mistake.padding_as_total")]
    return out


def other_paddings(X: torch.Tensor, seed: int = 0) -> Any:
    """X with new values and paddings of two different sides (0 to 3)."""
    import random

    rng = random.Random(seed)
    for i, (Y,) in enumerate(fresh((X,), count=8, seed=seed)()):
        yield Y, (rng.randint(0, 3), rng.randint(0, 3)) if i else (2, 3)


def check_pad(learner: Learner, X: torch.Tensor, padding: Any) -> None:
    got = learner.call(X, padding)
    expect_tensor(got, ref_pad(X, padding), call="pad2d(X, padding)",
                  inputs=[("X", X), ("padding", padding)],
                  shape_why=said("chapter20.pad2d.shape"),
                  mistakes=pad_mistakes(X, padding), floating=X.dtype.is_floating_point,
                  further=tell_apart(lambda X, padding: (learner.call(X, padding),
                                                         pad_mistakes(X, padding)),
                                     lambda: other_paddings(X)))
    if got.dtype != X.dtype:  # the values were right: the exercise also keeps the dtype
        raise Mismatch("mismatch", reason="mm.value",
                       params={"expected": f"dtype {X.dtype}", "got": f"dtype {got.dtype}"},
                       diagnosis=[said("chapter20.pad2d.mistake.dtype")],
                       shape_why=None, call="pad2d(X, padding)",
                       inputs=[("X", X), ("padding", padding)], expected=None, actual=None)


@pytest.mark.exercise("pad2d")
def test_pad2d_examples(learner):
    for args, _ in calls(BOOK_EXAMPLES, "pad2d", ref_pad):
        X, padding = args
        check_pad(learner, place(X, learner.device), padding)
    check_pad(learner, place(torch.arange(1.0, 7.0).reshape(2, 3), learner.device), 1)


#: The contract promises X's dtype, so some inputs are not float32: a result built with
#: torch.zeros' default dtype shows on them (a float32 input cannot tell).
PAD_DTYPES = (torch.float64, torch.int64, torch.float16)


@pytest.mark.exercise("pad2d")
@pytest.mark.parametrize("dtype", PAD_DTYPES, ids=str)
def test_pad2d_keeps_the_dtype(learner, dtype):
    X = (torch.arange(1.0, 13.0).reshape(3, 4) * 3 % 7 - 2).to(dtype)
    check_pad(learner, place(X, learner.device), (2, 1))
    check_pad(learner, place(X.t(), learner.device), 1)  # and another memory layout


@pytest.mark.exercise("pad2d")
@budget(20)
@given(st.data())
def test_pad2d_matches_f_pad(learner, data):
    X = data.draw(shapes(2).flatmap(tensors), label="X")
    X = X.to(data.draw(st.sampled_from((torch.float32,) + PAD_DTYPES), label="dtype"))
    padding = data.draw(int_or_pair(st.integers(0, 3)), label="padding")
    check_pad(learner, place(X, learner.device), padding)
