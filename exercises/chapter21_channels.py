"""Chapter 21 — Multiple input and multiple output channels (d2l 7.4, 多输入多输出通道).

Images have channels (red, green, blue), and every convolutional layer produces several
channels of its own. With c_i input channels, an input has shape (c_i, n_h, n_w):

- **multiple inputs**: the kernel has one (k_h, k_w) slice per input channel, shape
  (c_i, k_h, k_w). Each channel is cross-correlated with its own slice and the c_i results are
  SUMMED into one output channel.
- **multiple outputs**: c_o such kernels, stacked into shape (c_o, c_i, k_h, k_w), give c_o
  output channels: the output has shape (c_o, n_h - k_h + 1, n_w - k_w + 1).
- a **1 x 1 convolution** looks at one pixel at a time: it mixes the channels of each pixel
  with the same (c_o, c_i) matrix, i.e. it is a fully connected layer applied at every pixel.

These exercises build on ``corr2d`` from chapter 19, imported from your own
``chapter19_conv.py`` as d2l does. Run ``grader check chapter21`` to grade this file.
"""

import torch
from chapter19_conv import corr2d


def corr2d_multi_in(X, K):
    """Cross-correlation with multiple input channels: X (c_i, n_h, n_w), K (c_i, k_h, k_w).

    Returns (n_h - k_h + 1, n_w - k_w + 1): the SUM over channels c of corr2d(X[c], K[c]).

        Y[i, j] = sum_c sum_{a, b} X[c, i + a, j + b] * K[c, a, b]

    Book example::

        >>> X = torch.tensor([[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]],
        ...                   [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]])
        >>> K = torch.tensor([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]])
        >>> corr2d_multi_in(X, K)
        tensor([[ 56.,  72.],
                [104., 120.]])

    (56 = 19 from channel 0 plus 37 from channel 1.) From scratch: use your ``corr2d``.
    """
    # TODO: your code here
    raise NotImplementedError


def corr2d_multi_in_out(X, K):
    """Cross-correlation with multiple input AND output channels.

    X (c_i, n_h, n_w), K (c_o, c_i, k_h, k_w) -> (c_o, n_h - k_h + 1, n_w - k_w + 1): output
    channel o is ``corr2d_multi_in(X, K[o])``, and the c_o results are stacked on axis 0.

    Book example: X and K of ``corr2d_multi_in``'s example, K stacked with K + 1 and K + 2
    into shape (3, 2, 2, 2)::

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

    The first output channel is ``corr2d_multi_in``'s result. From scratch.
    """
    # TODO: your code here
    raise NotImplementedError


def corr2d_multi_in_out_1x1(X, K):
    """A 1 x 1 convolution as ONE matrix multiplication: X (c_i, h, w), K (c_o, c_i, 1, 1).

    Each pixel's c_i values are mixed into c_o values by the (c_o, c_i) matrix in K:

        Y[o, i, j] = sum_c K[o, c, 0, 0] * X[c, i, j]

    so, with the pixels as columns, Y = K.reshape(c_o, c_i) @ X.reshape(c_i, h * w),
    reshaped back to (c_o, h, w). The result equals ``corr2d_multi_in_out(X, K)``.

    Example::

        >>> X = torch.arange(8.0).reshape(2, 2, 2)      # c_i = 2
        >>> K = torch.tensor([1.0, 10.0]).reshape(1, 2, 1, 1)
        >>> corr2d_multi_in_out_1x1(X, K)               # X[0] + 10 * X[1]
        tensor([[[40., 51.],
                 [62., 73.]]])

    Mind the axis order when reshaping: ``K.reshape(c_o, c_i)`` keeps row o = output channel o.
    From scratch: ``torch.matmul`` / ``@``, no ``F.conv2d``.
    """
    # TODO: your code here
    raise NotImplementedError
