"""Chapter 21 checks: cross-correlation with multiple input and output channels, 1 x 1 kernels.

References are ``F.conv2d`` in float64, computed here. Channel counts run from 1 to 4 with
c_i = c_o and c_i != c_o both drawn, so that summing versus averaging, the first channel only,
the stacking axis and the order of a reshaped weight matrix all show.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F
from hypothesis import example, given
from hypothesis import strategies as st

from grader.checks import budget, fresh
from grader.compare import Mistake, expect_tensor, tell_apart
from grader.outcomes import Mismatch
from grader.strategies import input_and_kernel, once, place, tensors

CHAPTER = "chapter21"

MULTI_IN_SHAPE = ("one output channel of (n_h - k_h + 1, n_w - k_w + 1): the input channels are "
                  "summed into it",
                  "一个形状为 (n_h - k_h + 1, n_w - k_w + 1) 的输出通道："
                  "各输入通道的结果相加到其中")
MULTI_OUT_SHAPE = ("(c_o, n_h - k_h + 1, n_w - k_w + 1): one output channel per kernel K[o], "
                   "stacked on axis 0",
                   "(c_o, n_h - k_h + 1, n_w - k_w + 1)：每个卷积核 K[o] 对应一个输出通道，"
                   "在第 0 维上堆叠")

BOOK_X = [[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]],
          [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]
BOOK_K = [[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]]


def ref_multi(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """X (c_i, h, w) with K (c_o, c_i, k_h, k_w) -> (c_o, h', w'), float64."""
    return F.conv2d(X.double()[None], K.double())[0]


def multi_in_mistakes(X: torch.Tensor, K: torch.Tensor) -> list[Mistake]:
    """Classic wrong versions of corr2d_multi_in (K has shape (c_i, k_h, k_w))."""
    per_channel = torch.stack([ref_multi(x[None], k[None, None])[0]
                               for x, k in zip(X, K, strict=True)])
    c_i = X.shape[0]
    out = [Mistake(per_channel,
                   "you returned one map per input channel; SUM them into a single output "
                   "channel.",
                   "你为每个输入通道各返回了一张图；应把它们相加成一个输出通道。")]
    if c_i > 1:
        out += [Mistake(per_channel.mean(0),
                        "you averaged over the input channels; the channels are SUMMED.",
                        "你对输入通道求了平均；应该对通道求和。"),
                Mistake(per_channel[0],
                        "your result uses only the first input channel; add the "
                        "cross-correlations of all channels.",
                        "你的结果只用了第一个输入通道；应把所有通道的互相关结果相加。"),
                Mistake(per_channel[-1],
                        "your result is the last channel's only: did the loop overwrite "
                        "instead of adding (Y = ... instead of Y += ...)?",
                        "你的结果只有最后一个通道：循环中是否用了赋值而不是累加（Y = ... 而不是 "
                        "Y += ...）？"),
                Mistake(ref_multi(X, K.flip(0)[None])[0],
                        "channel c of X must meet slice c of K; your channels are paired in "
                        "reverse.",
                        "X 的第 c 个通道应与 K 的第 c 个切片配对；你的通道配对顺序反了。")]
    out.append(Mistake(ref_multi(X, K.flip((1, 2))[None])[0],
                       "your result equals the true convolution: cross-correlation does not "
                       "flip the kernel.", "你的结果等于真正的卷积：互相关运算不翻转卷积核。"))
    return out


def multi_out_mistakes(X: torch.Tensor, K: torch.Tensor) -> list[Mistake]:
    """Classic wrong versions of corr2d_multi_in_out (K has shape (c_o, c_i, k_h, k_w))."""
    ref = ref_multi(X, K)
    c_o, c_i = K.shape[:2]
    out = [Mistake(ref.permute(1, 0, 2), "you stacked the output channels on axis 1; stack "
                   "them on axis 0: torch.stack([...], 0).",
                   "你在第 1 维上堆叠了输出通道；应在第 0 维上堆叠：torch.stack([...], 0)。"),
           Mistake(ref.permute(1, 2, 0), "you stacked the output channels on the last axis; "
                   "stack them on axis 0: torch.stack([...], 0).",
                   "你在最后一维上堆叠了输出通道；应在第 0 维上堆叠：torch.stack([...], 0)。"),
           Mistake(ref.sum(0), "you added the output channels together; each kernel K[o] gives "
                   "its own output channel.",
                   "你把各输出通道加在了一起；每个卷积核 K[o] 都应给出自己的输出通道。")]
    if c_i > 1:
        out += [Mistake(ref / c_i, "you averaged over the input channels; the channels are "
                        "SUMMED.", "你对输入通道求了平均；应该对通道求和。"),
                Mistake(ref_multi(X[:1], K[:, :1]),
                        "your result uses only the first input channel; add the "
                        "cross-correlations of all input channels.",
                        "你的结果只用了第一个输入通道；应把所有输入通道的互相关结果相加。")]
    if c_i == c_o and c_i > 1:
        out.append(Mistake(ref_multi(X, K.transpose(0, 1)),
                           "you swapped K's first two axes: K has shape (c_o, c_i, k_h, k_w), "
                           "K[o] holds the kernels of output channel o.",
                           "你交换了 K 的前两个轴：K 的形状是 (c_o, c_i, k_h, k_w)，"
                           "K[o] 是输出通道 o 的卷积核。"))
    return out


def abs_scale(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    return ref_multi(X.abs(), K.abs())


def further_calls(learner: Any, X: torch.Tensor, K: torch.Tensor, mistakes: Any,
                  grow: tuple) -> Any:
    """The learner's function and ``mistakes(X, K)`` on new values of X and K's shapes, then
    on larger ones (``grow``: what each axis gains)."""
    return tell_apart(lambda X, K: (learner.call(X, K), mistakes(X, K)),
                      fresh((X, K), grow=grow))


@once
def _out_channels(c_i: int, most: int) -> st.SearchStrategy:
    """As many output channels as input channels (often), or any number up to ``most``."""
    return st.one_of(st.just(c_i), st.integers(1, most))


@st.composite
def channel_problems(draw: Any, max_channels: int = 4, out_channels: bool = True,
                     max_side: int = 5, one_by_one: bool = False) -> tuple:
    """X (c_i, h, w) and K ((c_o,) c_i, k_h, k_w), c_i and c_o from 1 to ``max_channels``."""
    c_i = draw(st.integers(1, max_channels))
    c_o = draw(_out_channels(c_i, max_channels))
    lead = (c_o, c_i) if out_channels else (c_i,)
    if one_by_one:
        X = draw(tensors((c_i,) + tuple(draw(st.integers(1, max_side)) for _ in range(2))))
        return X, draw(tensors(lead + (1, 1)))
    return draw(input_and_kernel(ndim=2, max_side=max_side, lead=(c_i,), kernel_lead=lead))


# -- corr2d_multi_in ----------------------------------------------------------------------------

def check_multi_in(learner: Any, X: torch.Tensor, K: torch.Tensor) -> None:
    expect_tensor(learner.call(X, K), ref_multi(X, K[None])[0], call="corr2d_multi_in(X, K)",
                  inputs=[("X", X), ("K", K)], scale=abs_scale(X, K[None])[0],
                  shape_why=MULTI_IN_SHAPE, mistakes=multi_in_mistakes(X, K),
                  further=further_calls(learner, X, K, multi_in_mistakes,
                                                ((1, 2, 2), (1, 1, 1))))


@pytest.mark.exercise("corr2d_multi_in")
def test_corr2d_multi_in_book_example(learner):
    X, K = place((torch.tensor(BOOK_X), torch.tensor(BOOK_K)), learner.device)
    check_multi_in(learner, X, K)


@pytest.mark.exercise("corr2d_multi_in")
@budget(30)
@given(channel_problems(out_channels=False))
@example((torch.arange(1.0, 25.0).reshape(3, 2, 4), -torch.arange(6.0).reshape(3, 2, 1)))
def test_corr2d_multi_in_matches_conv2d(learner, xk):
    X, K = place(xk, learner.device)
    check_multi_in(learner, X, K)


# -- corr2d_multi_in_out ------------------------------------------------------------------------

def check_multi_in_out(learner: Any, X: torch.Tensor, K: torch.Tensor) -> None:
    expect_tensor(learner.call(X, K), ref_multi(X, K), call="corr2d_multi_in_out(X, K)",
                  inputs=[("X", X), ("K", K)], scale=abs_scale(X, K),
                  shape_why=MULTI_OUT_SHAPE, mistakes=multi_out_mistakes(X, K),
                  further=further_calls(learner, X, K, multi_out_mistakes,
                                                ((1, 2, 2), (1, 1, 1, 1))))


@pytest.mark.exercise("corr2d_multi_in_out")
def test_corr2d_multi_in_out_book_example(learner):
    X, K = torch.tensor(BOOK_X), torch.tensor(BOOK_K)
    K = torch.stack((K, K + 1, K + 2), 0)
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


# -- corr2d_multi_in_out_1x1 --------------------------------------------------------------------

def one_by_one_mistakes(X: torch.Tensor, K: torch.Tensor) -> list[Mistake]:
    c_i, h, w = X.shape
    c_o = K.shape[0]
    x = X.double().reshape(c_i, h * w)
    k = K.double().reshape(-1)
    out = [Mistake((k.reshape(c_i, c_o).t() @ x).reshape(c_o, h, w),
                   "your weight matrix is K reshaped to (c_i, c_o) and transposed, which "
                   "scrambles the weights: K's axes are (c_o, c_i, 1, 1), so "
                   "K.reshape(c_o, c_i) is the matrix, row o for output channel o.",
                   "你的权重矩阵是把 K 变形为 (c_i, c_o) 再转置，这打乱了权重：K 的轴是 "
                   "(c_o, c_i, 1, 1)，所以 K.reshape(c_o, c_i) 才是所需矩阵，"
                   "第 o 行对应输出通道 o。")]
    if c_i == c_o:
        out.append(Mistake((k.reshape(c_o, c_i).t() @ x).reshape(c_o, h, w),
                           "you used the transposed weight matrix: Y = K.reshape(c_o, c_i) @ X, "
                           "row o of the matrix holds output channel o's weights.",
                           "你用了转置后的权重矩阵：Y = K.reshape(c_o, c_i) @ X，"
                           "矩阵的第 o 行是输出通道 o 的权重。"))
    if h * w > 1:
        out.append(Mistake((k.reshape(c_o, c_i) @ X.double().reshape(h * w, c_i).t())
                           .reshape(c_o, h, w),
                           "you reshaped X to (h * w, c_i), which scrambles the pixels: X's axes "
                           "are (c_i, h, w), so X.reshape(c_i, h * w) puts channel c in row c.",
                           "你把 X 变形为 (h * w, c_i)，这打乱了像素：X 的轴是 (c_i, h, w)，"
                           "所以 X.reshape(c_i, h * w) 才让通道 c 位于第 c 行。"))
    return out + multi_out_mistakes(X, K)


def check_1x1(learner: Any, X: torch.Tensor, K: torch.Tensor) -> None:
    expect_tensor(learner.call(X, K), ref_multi(X, K), call="corr2d_multi_in_out_1x1(X, K)",
                  inputs=[("X", X), ("K", K)], scale=abs_scale(X, K),
                  shape_why=("(c_o, h, w): a 1 x 1 kernel keeps the height and width",
                             "(c_o, h, w)：1 x 1 卷积核不改变高和宽"),
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
        raise Mismatch("ch21.one_matmul", call="corr2d_multi_in_out_1x1(X, K)", got=got,
                       shape=tuple(X.shape), kernel=tuple(K.shape))


@pytest.mark.exercise("corr2d_multi_in_out_1x1")
def test_corr2d_multi_in_out_1x1_examples(learner):
    X = torch.arange(8.0).reshape(2, 2, 2)
    K = torch.tensor([1.0, 10.0]).reshape(1, 2, 1, 1)
    check_1x1(learner, *place((X, K), learner.device))
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
