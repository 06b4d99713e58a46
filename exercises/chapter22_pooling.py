"""Chapter 22 — Pooling (d2l 7.5, 汇聚层).

A pooling layer slides a window over its input like a convolution, but has no kernel: each
output is the MAXIMUM (max-pooling) or the MEAN (average pooling) of the window. It has no
parameters, works on each channel separately (c channels in, the same c channels out), and
makes the next layers less sensitive to small shifts of the input.

PyTorch's pooling layers take the same window, padding and stride arguments as
``nn.Conv2d`` (an int or an (h, w) pair each, padding on EACH side) with two differences:

- the stride defaults to the window size (non-overlapping windows), not to 1;
- max-pooling pads with -inf (padding never wins a max), while average pooling pads with zeros
  and, by default (``count_include_pad=True``), divides every window by its full size
  p_h * p_w, padded zeros included.

The output size is the convolution's: floor((n + 2p - k) / s) + 1 on each axis.

Run ``grader check chapter22`` to grade this file.
"""

import torch


def _pair(x):
    """``(x, x)`` for an int, the ``(h, w)`` pair itself otherwise (a given helper)."""
    if isinstance(x, int):
        return (x, x)
    h, w = x
    return (h, w)


def pool2d(X, pool_size, mode='max'):
    """d2l's pooling of a 2-D input ``X`` (n_h, n_w): stride 1, no padding.

    ``pool_size`` is a (p_h, p_w) pair and ``mode`` is ``'max'`` or ``'avg'``. The result has
    shape (n_h - p_h + 1, n_w - p_w + 1); entry (i, j) is the max (or the mean) of the window
    ``X[i:i + p_h, j:j + p_w]``.

    Book example::

        >>> X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
        >>> pool2d(X, (2, 2))
        tensor([[4., 5.],
                [7., 8.]])
        >>> pool2d(X, (2, 2), 'avg')
        tensor([[2., 3.],
                [5., 6.]])

    From scratch: no ``F.max_pool2d``, ``nn.MaxPool2d`` or any other pooling operator.
    """
    # TODO: your code here
    raise NotImplementedError


def max_pool2d(X, pool_size, stride=None, padding=0):
    """Max-pooling with PyTorch's semantics (what ``F.max_pool2d`` computes), from scratch.

    ``X`` is (C, H, W) or (N, C, H, W): every channel (of every example) is pooled on its own
    over the last two axes. ``pool_size``, ``stride`` and ``padding`` are ints or (h, w) pairs;
    ``stride=None`` means the window size. Pad with -inf, so a padded cell never wins (with
    all-negative inputs a zero border would); PyTorch allows padding up to half the window.
    Output: (..., floor((H + 2p_h - k_h) / s_h) + 1, floor((W + 2p_w - k_w) / s_w) + 1).

    Book examples::

        >>> X = torch.arange(16, dtype=torch.float32).reshape((1, 1, 4, 4))
        >>> max_pool2d(X, 3)                           # stride 3: one window fits
        tensor([[[[10.]]]])
        >>> max_pool2d(X, 3, padding=1, stride=2)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
        >>> max_pool2d(X, (2, 3), stride=(2, 3), padding=(0, 1))
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])

    With two channels, ``torch.cat((X, X + 1), 1)``, the result has two channels too.
    """
    # TODO: your code here
    raise NotImplementedError


def avg_pool2d(X, pool_size, stride=None, padding=0):
    """Average pooling with PyTorch's semantics (``F.avg_pool2d``'s defaults), from scratch.

    Same arguments and output shape as ``max_pool2d``. Pad with zeros and divide every window
    by k_h * k_w, padded zeros included (``count_include_pad=True``): a corner window that
    covers one real value v and three zeros gives v / 4.

    Example::

        >>> X = torch.arange(16, dtype=torch.float32).reshape((1, 1, 4, 4))
        >>> avg_pool2d(X, 2)
        tensor([[[[ 2.5000,  4.5000],
                  [10.5000, 12.5000]]]])
        >>> avg_pool2d(X, 3, padding=1, stride=2) * 9  # window sums
        tensor([[[[10., 24.],
                  [51., 90.]]]])
    """
    # TODO: your code here
    raise NotImplementedError
