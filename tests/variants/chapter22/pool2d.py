"""pool2d: mutants (the reference's window or reduction changed) and alternatives in other
styles. Every mode gets its own cases: the book's avg windows all divide evenly."""

from grader.outcomes import FAILED, FORBIDDEN
from tests.variants import Variant, edit

WINDOW = "X[i: i + p_h, j: j + p_w]"

VARIANTS = [
    Variant("mode ignored: always max", edit(".mean()", ".max()"), FAILED, "asks for the mean",
            diagnosis="your result is the maximum of each window, but mode='avg' asks for the "
                      "mean."),
    Variant("sum for 'avg'", edit(".mean()", ".sum()"), FAILED, "sum",
            diagnosis="your result is each window's sum; average pooling takes the mean."),
    Variant("integer division of the window sum for 'avg'",
            edit(".mean()", ".sum() // (p_h * p_w)"), FAILED, "wrong values"),
    Variant("'avg' truncated towards zero", """
def pool2d(X, pool_size, mode='max'):
    windows = X.unfold(0, pool_size[0], 1).unfold(1, pool_size[1], 1)
    if mode == 'max':
        return windows.amax((-2, -1))
    return torch.div(windows.sum((-2, -1)), pool_size[0] * pool_size[1], rounding_mode='trunc')
""", FAILED, "wrong values"),
    Variant("non-overlapping windows",
            (edit("(X.shape[0] - p_h + 1, X.shape[1] - p_w + 1)",
                  "(X.shape[0] // p_h, X.shape[1] // p_w)"),
             edit(WINDOW, "X[i * p_h:(i + 1) * p_h, j * p_w:(j + 1) * p_w]", count=2)),
            FAILED, "do not overlap",
            diagnosis="your windows do not overlap (stride = window size); d2l's pool2d moves the "
                      "window by 1."),
    Variant("window axes swapped", edit("p_h, p_w = pool_size", "p_w, p_h = pool_size"),
            FAILED, "axes swapped",
            diagnosis="your window has the axes swapped: pool_size=(p_h, p_w) spans p_h rows and "
                      "p_w columns."),
    Variant("F.max_pool2d", """
def pool2d(X, pool_size, mode='max'):
    import torch.nn.functional as F
    op = F.max_pool2d if mode == 'max' else F.avg_pool2d
    return op(X[None, None], pool_size, stride=1)[0, 0]
""", FORBIDDEN, "max_pool2d"),
    Variant("unfold", """
def pool2d(X, pool_size, mode='max'):
    windows = X.unfold(0, pool_size[0], 1).unfold(1, pool_size[1], 1)
    return windows.amax((-2, -1)) if mode == 'max' else windows.mean((-2, -1))
"""),
    Variant("d2l's code exactly", """
def pool2d(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            if mode == 'max':
                Y[i, j] = X[i: i + p_h, j: j + p_w].max()
            elif mode == 'avg':
                Y[i, j] = X[i: i + p_h, j: j + p_w].mean()
    return Y
"""),
    Variant("NumPy sliding_window_view", """
def pool2d(X, pool_size, mode='max'):
    import numpy as np
    windows = np.lib.stride_tricks.sliding_window_view(X.numpy(), tuple(pool_size))
    reduce = np.max if mode == 'max' else np.mean
    return torch.from_numpy(np.ascontiguousarray(reduce(windows, axis=(-2, -1))))
"""),
]
