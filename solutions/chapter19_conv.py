"""Chapter 19 — Convolutions for images (d2l 6.2, 图像卷积).

A convolutional layer computes a *cross-correlation*: a small kernel slides over the input and,
at every position, the window under it is multiplied elementwise with the kernel and summed.
With an input of shape (n_h, n_w) and a kernel of shape (k_h, k_w), the kernel fits in
(n_h - k_h + 1) x (n_w - k_w + 1) positions ("valid" mode, no padding):

    Y[i, j] = sum_{a < k_h, b < k_w} X[i + a, j + b] * K[a, b]

Deep-learning frameworks call this operation "convolution" although the kernel is not flipped;
the mathematician's convolution flips it on both axes first (``conv2d_true`` below). Since the
kernel is learned, the difference does not matter for a network, but it matters for these
exercises: the checks compare with ``torch.nn.functional.conv2d``, which does not flip.

Run ``grader check chapter19`` to grade this file.
"""

import torch
from torch import nn


def corr2d(X, K):
    """2-D cross-correlation of ``X`` (n_h, n_w) with ``K`` (k_h, k_w), valid mode.

    Returns a floating tensor of shape (n_h - k_h + 1, n_w - k_w + 1) whose entry (i, j) is
    ``(X[i:i + k_h, j:j + k_w] * K).sum()``.

    Book example::

        >>> X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
        >>> K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
        >>> corr2d(X, K)
        tensor([[19., 25.],
                [37., 43.]])

    (19 = 0·0 + 1·1 + 3·2 + 4·3.) From scratch: no ``F.conv2d`` or ``nn.Conv2d``.
    """
    # BEGIN SOLUTION
    h, w = K.shape
    # d2l writes torch.zeros(...); device=X.device keeps the result where the input is (GPU).
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), device=X.device)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
    # END SOLUTION


class Conv2D(nn.Module):
    """A 2-D convolutional layer built on ``corr2d``: ``forward(x) = corr2d(x, weight) + bias``.

    ``kernel_size`` is a (k_h, k_w) pair. The layer has two learnable parameters, registered as
    ``nn.Parameter`` so that autograd and optimisers see them:

    - ``weight``: shape ``kernel_size`` (d2l initialises it with ``torch.rand``),
    - ``bias``: shape ``(1,)``, broadcast over the output (d2l uses ``torch.zeros(1)``).

    Example::

        >>> conv = Conv2D((1, 2))
        >>> conv.weight.shape, conv.bias.shape
        (torch.Size([1, 2]), torch.Size([1]))
        >>> conv(torch.ones(6, 8)).shape
        torch.Size([6, 7])
    """

    def __init__(self, kernel_size):
        super().__init__()
        # BEGIN SOLUTION
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))
        # END SOLUTION

    def forward(self, x):
        # BEGIN SOLUTION
        return corr2d(x, self.weight) + self.bias
        # END SOLUTION


def corr1d(x, k):
    """1-D cross-correlation of ``x`` (n,) with ``k`` (k,), valid mode: shape (n - k + 1,).

    ``y[i] = sum_{a < k} x[i + a] * k[a]``. Example: ``corr1d([0, 1, 2, 3], [1, 2])`` gives
    ``[2, 5, 8]`` (0·1 + 1·2, 1·1 + 2·2, 2·1 + 3·2). From scratch.
    """
    # BEGIN SOLUTION
    w = k.shape[0]
    y = torch.zeros(x.shape[0] - w + 1, device=x.device)
    for i in range(y.shape[0]):
        y[i] = (x[i:i + w] * k).sum()
    return y
    # END SOLUTION


def corr3d(X, K):
    """3-D cross-correlation of ``X`` (n_d, n_h, n_w) with ``K`` (k_d, k_h, k_w), valid mode.

    Output shape (n_d - k_d + 1, n_h - k_h + 1, n_w - k_w + 1); entry (d, i, j) is
    ``(X[d:d + k_d, i:i + k_h, j:j + k_w] * K).sum()``. From scratch.

    Note: with loops this is three nested ``for``; ``X.unfold`` on each axis gives all windows at
    once if you want a vectorised version.
    """
    # BEGIN SOLUTION
    d, h, w = K.shape
    Y = torch.zeros((X.shape[0] - d + 1, X.shape[1] - h + 1, X.shape[2] - w + 1),
                    device=X.device)
    for a in range(Y.shape[0]):
        for i in range(Y.shape[1]):
            for j in range(Y.shape[2]):
                Y[a, i, j] = (X[a:a + d, i:i + h, j:j + w] * K).sum()
    return Y
    # END SOLUTION


def conv2d_true(X, K):
    """True (mathematical) 2-D convolution, valid mode: the kernel is flipped on BOTH axes.

    ``Y[i, j] = sum_{a, b} X[i + a, j + b] * K[k_h - 1 - a, k_w - 1 - b]``, which is
    ``corr2d(X, K flipped up-down and left-right)``. Same shape as ``corr2d``.

    Example: with K = [[0, 1], [2, 3]] the flipped kernel is [[3, 2], [1, 0]], so on the book's
    X = [[0, 1, 2], [3, 4, 5], [6, 7, 8]] the result is [[5, 11], [23, 29]]. From scratch.
    """
    # BEGIN SOLUTION
    return corr2d(X, torch.flip(K, dims=(0, 1)))
    # END SOLUTION


def edge_kernel():
    """The 1x2 kernel that detects vertical edges in d2l's black-and-white image.

    In the book's 6x8 image, 1 is white and 0 is black. Cross-correlating with the kernel must
    give +1 where white turns to black (left to right), -1 where black turns to white, and 0
    elsewhere::

        >>> X = torch.ones((6, 8))
        >>> X[:, 2:6] = 0
        >>> corr2d(X, edge_kernel())[0]
        tensor([ 0.,  1.,  0.,  0.,  0., -1.,  0.])

    Return a floating tensor of shape (1, 2).
    """
    # BEGIN SOLUTION
    return torch.tensor([[1.0, -1.0]])
    # END SOLUTION


def learn_kernel(X, Y, kernel_size, lr=3e-2, num_epochs=10, init=None):
    """Learn a bias-free kernel K such that ``corr2d(X, K)`` approximates ``Y``.

    Gradient descent by hand on the summed squared error::

        loss(K) = ((corr2d(X, K) - Y) ** 2).sum()
        K <- K - lr * d loss / d K          (one full step per epoch, num_epochs times)

    Start from ``init`` (a tensor of shape ``kernel_size``) or, when ``init`` is None, from a
    random kernel: ``torch.randn(kernel_size)``, or ``nn.Conv2d(1, 1, kernel_size,
    bias=False)``'s own initialisation as the book does. Do not modify ``init``: start from a
    copy, ``init.clone()``. Return the learned kernel, shape ``kernel_size``, detached from
    autograd. Reset the gradient after every step: autograd *adds* new gradients to ``.grad``.

    On d2l's edge image (X above, Y = corr2d(X, [[1, -1]])) ten epochs with lr = 3e-2 land near
    [[1, -1]]. You may use autograd, ``nn.Conv2d`` or your ``corr2d`` here.
    """
    # BEGIN SOLUTION
    K = torch.randn(kernel_size, device=X.device) if init is None else init.detach().clone()
    K.requires_grad_(True)
    for _ in range(num_epochs):
        loss = ((corr2d(X, K) - Y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            K -= lr * K.grad
        K.grad.zero_()
    return K.detach()
    # END SOLUTION
