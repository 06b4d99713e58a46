"""Chapter 20 — Padding and stride (d2l 7.3, 填充和步幅).

A valid cross-correlation shrinks its input: an (n_h, n_w) input and a (k_h, k_w) kernel give
(n_h - k_h + 1) x (n_w - k_w + 1) outputs. Two hyper-parameters control the output's size:

- **padding** adds rows and columns of zeros around the input before the kernel slides over
  it. With an odd kernel k, padding (k - 1) / 2 on each side keeps the size ("same" padding),
  which is why CNNs favour odd kernels such as 3 and 5.
- **stride** moves the window by s rows (or columns) at a time instead of 1, so only every s-th
  position is computed and the output is about s times smaller.

Every argument below that describes one axis may be an int (the same on both axes) or an
(h, w) pair, as in ``nn.Conv2d``; ``padding`` counts the rows/columns added on EACH side.

Run ``grader check chapter20`` to grade this file.
"""

import torch
from torch import nn  # noqa: F401  (used in the examples; handy for experiments)


def _pair(x):
    """``(x, x)`` for an int, the ``(h, w)`` pair itself otherwise (a given helper)."""
    if isinstance(x, int):
        return (x, x)
    h, w = x
    return (h, w)


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    """The (h, w) output shape of a 2-D convolution, exactly what ``nn.Conv2d`` produces.

    Each argument is an int or an (h, w) pair; ``padding`` is added on EACH side. d2l writes
    the formula with p_h the TOTAL number of padded rows (top plus bottom):

        out_h = floor((n_h - k_h + p_h + s_h) / s_h)

    PyTorch's documentation writes it with p the padding on each side, so p_h = 2p:

        out = floor((n + 2p - k) / s) + 1

    They agree because adding s inside the floor adds exactly 1 outside it:
    floor((a + s) / s) = floor(a / s) + 1 with a = n + 2p - k. Read the numerator as "how far
    the window's top-left corner can move"; dividing by s and flooring counts the steps, and + 1
    counts the starting position. Return a tuple of two Python ints (use ``//``, not ``/``).

    Impossible configurations raise ``ValueError`` with a message that says what is wrong:
    a size < 1 (input or kernel), a stride < 1, a padding < 0, or a kernel larger than the
    padded input (n + 2p < k) on either axis.

    Examples from the book, on an 8 x 8 input::

        >>> conv_output_shape(8, 3, padding=1)                        # Conv2d(1, 1, 3, padding=1)
        (8, 8)
        >>> conv_output_shape(8, (5, 3), padding=(2, 1))
        (8, 8)
        >>> conv_output_shape(8, 3, padding=1, stride=2)
        (4, 4)
        >>> conv_output_shape(8, (3, 5), padding=(0, 1), stride=(3, 4))
        (2, 2)

    (Last one: rows floor((8 + 0 - 3) / 3) + 1 = 2, columns floor((8 + 2 - 5) / 4) + 1 = 2.)
    """
    # TODO: your code here
    raise NotImplementedError


def pad2d(X, padding):
    """Zero-pad a 2-D tensor ``X`` (h, w) by ``padding`` rows/columns on EACH side.

    ``padding`` is an int or a (p_h, p_w) pair; the result has shape (h + 2 p_h, w + 2 p_w), the
    same dtype and device as ``X``, zeros around and ``X`` in the middle::

        >>> pad2d(torch.ones(2, 3), (1, 2))
        tensor([[0., 0., 0., 0., 0., 0., 0.],
                [0., 0., 1., 1., 1., 0., 0.],
                [0., 0., 1., 1., 1., 0., 0.],
                [0., 0., 0., 0., 0., 0., 0.]])

    Build a new tensor: do not modify ``X``. (``torch.nn.functional.pad(X, (p_w, p_w, p_h,
    p_h))`` does the same in one call; note its order: last axis first.)
    """
    # TODO: your code here
    raise NotImplementedError


def corr2d_strided(X, K, padding=0, stride=1):
    """2-D cross-correlation of ``X`` (n_h, n_w) with ``K`` (k_h, k_w), with padding and stride.

    Pad ``X`` with zeros (``padding`` on each side), then slide the window by s_h rows and s_w
    columns: entry (i, j) of the result is

        (X_padded[i * s_h : i * s_h + k_h, j * s_w : j * s_w + k_w] * K).sum()

    and the result's shape is ``conv_output_shape(X.shape, K.shape, padding, stride)``. This is
    what ``F.conv2d`` computes on the same input (from scratch here: no ``F.conv2d``).

    Book examples (d2l figures 7.3.1 and 7.3.2)::

        >>> X = torch.arange(9.0).reshape(3, 3)           # [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
        >>> K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
        >>> corr2d_strided(X, K, padding=1)       # 3 + 2 - 2 + 1 = 4 positions per axis
        tensor([[ 0.,  3.,  8.,  4.],
                [ 9., 19., 25., 10.],
                [21., 37., 43., 16.],
                [ 6.,  7.,  8.,  0.]])
        >>> corr2d_strided(X, K, padding=1, stride=(3, 2))   # rows 0 and 3, columns 0 and 2
        tensor([[0., 8.],
                [6., 8.]])

    (The top-left entry sees only padding and X[0, 0]: 0*0 + 0*1 + 0*2 + 0*3 = 0.)
    """
    # TODO: your code here
    raise NotImplementedError


def comp_conv2d(conv2d, X):
    """d2l's helper: apply a 2-D convolution layer to a single 2-D input ``X`` (h, w).

    ``nn.Conv2d`` expects (batch size, channels, height, width), so add two dimensions of size
    1 in front, apply the layer, and remove them again: the result is 2-D::

        >>> X = torch.rand(size=(8, 8))
        >>> comp_conv2d(nn.Conv2d(1, 1, kernel_size=3, padding=1), X).shape
        torch.Size([8, 8])
        >>> comp_conv2d(nn.Conv2d(1, 1, kernel_size=3, padding=1, stride=2), X).shape
        torch.Size([4, 4])

    Any PyTorch operation may be used here.
    """
    # TODO: your code here
    raise NotImplementedError
