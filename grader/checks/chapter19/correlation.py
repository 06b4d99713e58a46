"""What chapter 19's exercises share: the reference cross-correlation (PyTorch's, in float64),
its classic wrong versions, the scale of its rounding error, further inputs to tell agreeing
mistakes apart, and the book's black-and-white edge image."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F

from grader.checks import fresh
from grader.compare import Mistake, said, tell_apart

if TYPE_CHECKING:
    from grader.learner import Learner

VALID_SHAPE = said("chapter19.correlation.shape")


def ref_corr(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """Cross-correlation of any of 1, 2 or 3 dimensions, by PyTorch, in float64."""
    conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[X.dim()]
    return conv(X.double()[None, None], K.double()[None, None])[0, 0]


def corr_mistakes(X: torch.Tensor, K: torch.Tensor) -> list[Mistake]:
    """What the classic wrong versions of a cross-correlation return on this input."""
    dims = tuple(range(K.dim()))
    out = [Mistake(ref_corr(X, K.flip(dims)), "chapter19.correlation.mistake.true_convolution"),
           *[Mistake(ref_corr(X, K.flip((axis,))), "chapter19.correlation.mistake.flipped_axis",
                     axis=axis)
             for axis in dims if K.dim() > 1],
           Mistake(ref_corr(X, K) / K.numel(), "chapter19.correlation.mistake.mean")]
    if K.dim() == 2 and K.shape[0] == K.shape[1]:
        out.append(Mistake(ref_corr(X, K.t()), "chapter19.correlation.mistake.transposed"))
    return out


def abs_scale(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """What each output element is summed from: the scale of its rounding error."""
    return ref_corr(X.abs(), K.abs())


def further_calls(learner: Learner, X: torch.Tensor, K: torch.Tensor, mistakes: Any) -> Any:
    """The learner's function and ``mistakes(X, K)`` on new values of X and K's shapes: what
    tells apart mistakes that agree on the failing input (``grader.compare.tell_apart``)."""
    return tell_apart(lambda X, K: (learner.call(X, K), mistakes(X, K)),
                      fresh((X, K), grow=(2, 1)))


def d2l_edge_image(device: str) -> torch.Tensor:
    """d2l's 6 x 8 image: white (1) with a black (0) band in columns 2 to 5."""
    X = torch.ones((6, 8), device=device)
    X[:, 2:6] = 0
    return X
