"""What chapter 21's checks share: the reference, the problems (X and K with 1 to 4 input and
output channels) and the known mistakes of several output channels, which
``corr2d_multi_in_out`` and ``corr2d_multi_in_out_1x1`` both meet."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from hypothesis import strategies as st

from grader.checks import fresh
from grader.compare import Mistake, tell_apart
from grader.strategies import input_and_kernel, once, tensors

if TYPE_CHECKING:
    from grader.learner import Learner


def ref_multi(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """X (c_i, h, w) with K (c_o, c_i, k_h, k_w) -> (c_o, h', w'), float64."""
    return F.conv2d(X.double()[None], K.double())[0]


def multi_out_mistakes(X: torch.Tensor, K: torch.Tensor) -> list[Mistake]:
    """Classic wrong versions of corr2d_multi_in_out (K has shape (c_o, c_i, k_h, k_w))."""
    ref = ref_multi(X, K)
    c_o, c_i = K.shape[:2]
    out = [Mistake(ref.permute(1, 0, 2), "chapter21.channels.mistake.stacked_on_axis_1"),
           Mistake(ref.permute(1, 2, 0), "chapter21.channels.mistake.stacked_on_last_axis"),
           Mistake(ref.sum(0), "chapter21.channels.mistake.output_channels_added")]
    if c_i > 1:
        out += [Mistake(ref / c_i, "chapter21.channels.mistake.channels_averaged"),
                Mistake(ref_multi(X[:1], K[:, :1]),
                        "chapter21.channels.mistake.first_input_channel_only")]
    if c_i == c_o and c_i > 1:
        out.append(Mistake(ref_multi(X, K.transpose(0, 1)),
                           "chapter21.channels.mistake.kernel_axes_swapped"))
    return out


def abs_scale(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    return ref_multi(X.abs(), K.abs())


def further_calls(learner: Learner, X: torch.Tensor, K: torch.Tensor, mistakes: Any,
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
