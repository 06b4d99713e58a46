"""pool2d(X, pool_size, mode='max'): d2l's pooling of a 2-D input, stride 1, no padding, in
every mode (the default, 'max', 'avg'). Checked on the book's examples, fixed cases and against
PyTorch's pooling."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from grader.checks import book, budget, fresh
from grader.checks.chapter22.pooling import pytorch_pool, signed_arrays
from grader.compare import Mistake, expect_tensor, said, tell_apart
from grader.strategies import place, shapes, up_to

if TYPE_CHECKING:
    from grader.learner import Learner

CHAPTER = "chapter22"

BOOK_EXAMPLES = """
>>> X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
>>> pool2d(X, (2, 2))
tensor([[4., 5.],
        [7., 8.]])
>>> pool2d(X, (2, 2), 'avg')
tensor([[2., 3.],
        [5., 6.]])
"""


def d2l_pool(X: torch.Tensor, pool_size: tuple[int, int], mode: str, stride: Any = 1
             ) -> torch.Tensor | None:
    """pool2d's reference: PyTorch's pooling of a 2-D input, stride 1, no padding."""
    out = pytorch_pool(mode, X[None], pool_size, stride)
    return None if out is None else out[0]


def reference(X: torch.Tensor, pool_size: tuple[int, int], mode: str = "max") -> torch.Tensor:
    return d2l_pool(X, pool_size, mode)


def loop_pool(X: torch.Tensor, pool_size: tuple[int, int], mode: str) -> torch.Tensor:
    """d2l's loop, also where the window does not fit (an empty result, as the loop gives)."""
    p_h, p_w = pool_size
    x = X.double().cpu()
    Y = torch.zeros((max(0, x.shape[0] - p_h + 1), max(0, x.shape[1] - p_w + 1)),
                    dtype=torch.float64)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = x[i:i + p_h, j:j + p_w]
            Y[i, j] = window.max() if mode == "max" else window.mean()
    return Y


def pool2d_mistakes(X: torch.Tensor, pool_size: tuple[int, int], mode: str) -> list[Mistake]:
    p_h, p_w = pool_size
    if mode == "max":
        out = [Mistake(d2l_pool(X, pool_size, "avg"),
                       "chapter22.pool2d.mistake.mean_for_max")]
    else:
        out = [Mistake(d2l_pool(X, pool_size, "max"),
                       "chapter22.pool2d.mistake.maximum_for_avg")]
    if p_h != p_w:
        out.append(Mistake(loop_pool(X, (p_w, p_h), mode),
                           "chapter22.pool2d.mistake.window_axes_swapped"))
    if mode == "avg":
        out.append(Mistake(d2l_pool(X, pool_size, "avg") * (p_h * p_w),
                           "chapter22.pooling.mistake.window_sum"))
    out.append(Mistake(d2l_pool(X, pool_size, mode, stride=None),
                       "chapter22.pool2d.mistake.windows_do_not_overlap"))
    return [m for m in out if m.value is not None]


def check_pool2d(learner: Learner, X: torch.Tensor, pool_size: tuple[int, int],
                 mode: str | None) -> None:
    args = (X, pool_size) if mode is None else (X, pool_size, mode)
    mode = mode or "max"
    inputs = [("X", X), ("pool_size", pool_size), ("mode", mode)]
    expect_tensor(learner.call(*args), d2l_pool(X, pool_size, mode),
                  call="pool2d(X, pool_size)" if len(args) == 2 else "pool2d(X, pool_size, mode)",
                  inputs=inputs, scale=d2l_pool(X.abs(), pool_size, "max"),
                  shape_why=said("chapter22.pool2d.shape"),
                  mistakes=pool2d_mistakes(X, pool_size, mode),
                  further=tell_apart(lambda Y: (learner.call(Y, *args[1:]),
                                                pool2d_mistakes(Y, pool_size, mode)),
                                     fresh((X,), grow=(2,))))


#: Every mode gets its own cases and its own examples: a mode drawn per example may go
#: untried at some seeds, and the book's windows all sum to multiples of 4 (an integer
#: division of the sum passes there). None is the default mode, 'max'.
MODES = (None, "max", "avg")


def book_inputs(device: str) -> list[tuple[torch.Tensor, tuple[int, int]]]:
    """The (X, pool_size) of the book's calls, each once: graded in every mode."""
    out: list[tuple[torch.Tensor, tuple[int, int]]] = []
    for args, _ in book.calls(BOOK_EXAMPLES, "pool2d", reference):
        X, pool_size = args[:2]
        if not any(p == pool_size and torch.equal(Y, X) for Y, p in out):
            out.append((X, pool_size))
    return [(place(X, device), pool_size) for X, pool_size in out]


def pool2d_cases(device: str) -> list[tuple[torch.Tensor, tuple[int, int]]]:
    """Fixed inputs beyond the book's: windows whose sums do not divide evenly (and negative
    ones, where floor and truncation differ), a rectangular window, non-integer values."""
    odd = torch.tensor([[1.0, 2.0, 0.0, -3.0], [4.0, -1.0, 2.0, 5.0], [0.0, 3.0, -2.0, 1.0]])
    fractions = torch.arange(20, dtype=torch.float32).reshape(4, 5) * 0.375 - 2.5
    return [(place(odd, device), (2, 2)), (place(odd, device), (2, 3)),
            (place(fractions, device), (3, 2)), (place(fractions, device), (1, 1))]


@pytest.mark.exercise("pool2d")
@pytest.mark.parametrize("mode", MODES, ids=["default", "max", "avg"])
def test_pool2d_book_examples(learner, mode):
    for X, pool_size in book_inputs(learner.device) + pool2d_cases(learner.device):
        check_pool2d(learner, X, pool_size, mode)


@st.composite
def pool2d_problems(draw: Any) -> tuple:
    n = draw(shapes(2))
    pool_size = tuple(draw(up_to(side)) for side in n)
    return draw(signed_arrays(n)), pool_size


@pytest.mark.exercise("pool2d")
@pytest.mark.parametrize("mode", MODES, ids=["default", "max", "avg"])
@budget(12)
@given(pool2d_problems())
def test_pool2d_matches_pytorch(learner, mode, problem):
    X, pool_size = problem
    check_pool2d(learner, place(X, learner.device), pool_size, mode)
