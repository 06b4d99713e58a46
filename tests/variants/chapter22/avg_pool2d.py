"""avg_pool2d: mutants (the reference's stride, reduction or padding changed; other programs a
review found) and alternatives in other styles."""

from grader.outcomes import ERROR, FAILED, FORBIDDEN
from tests.variants import Variant, edit

MEAN = "window.mean(dim=(-2, -1))"

VARIANTS = [
    Variant("padding before stride in the signature",
            edit("stride=None, padding=0", "padding=0, stride=None"), ERROR, "raised TypeError"),
    Variant("average excluding the padding", """
def avg_pool2d(X, pool_size, stride=None, padding=0):
    k_h, k_w = _pair(pool_size)
    s_h, s_w = (k_h, k_w) if stride is None else _pair(stride)
    p_h, p_w = _pair(padding)
    *lead, h, w = X.shape
    padded = torch.zeros((*lead, h + 2 * p_h, w + 2 * p_w))
    real = torch.zeros((h + 2 * p_h, w + 2 * p_w))
    padded[..., p_h:p_h + h, p_w:p_w + w] = X
    real[p_h:p_h + h, p_w:p_w + w] = 1
    out_h, out_w = (h + 2 * p_h - k_h) // s_h + 1, (w + 2 * p_w - k_w) // s_w + 1
    Y = torch.zeros((*lead, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            rows, cols = slice(i * s_h, i * s_h + k_h), slice(j * s_w, j * s_w + k_w)
            Y[..., i, j] = padded[..., rows, cols].sum((-2, -1)) / real[rows, cols].sum()
    return Y
""", FAILED, "number of real",
            diagnosis="you divided each window by the number of real (unpadded) cells; PyTorch's "
                      "default (count_include_pad=True) divides by k_h * k_w, padded zeros "
                      "included."),
    Variant("stride defaults to 1",
            edit("(k_h, k_w) if stride is None", "(1, 1) if stride is None"),
            FAILED, "stride=None means",
            diagnosis="your stride is 1, but stride=None means the window size (non-overlapping "
                      "windows), as in nn.MaxPool2d / nn.AvgPool2d."),
    Variant("window sums", edit(MEAN, "window.sum(dim=(-2, -1))"), FAILED, "sum",
            diagnosis="your result is each window's sum; average pooling takes the mean."),
    Variant("max instead of mean",
            (edit("torch.zeros((*lead, h + 2 * p_h, w + 2 * p_w)",
                  "torch.full((*lead, h + 2 * p_h, w + 2 * p_w), float('-inf')"),
             edit(MEAN, "window.amax(dim=(-2, -1))")),
            FAILED, "maximum",
            diagnosis="your result is the maximum of each window; this exercise takes the mean."),
    Variant("F.avg_pool2d", """
def avg_pool2d(X, pool_size, stride=None, padding=0):
    return torch.nn.functional.avg_pool2d(X, pool_size, stride, padding)
""", FORBIDDEN, "avg_pool2d"),
    # Found by a review with code the authors had not seen: each passed on some seeds before
    # the always-run cases in grader/checks/chapter22/pooling.py (fixed_cases) existed.
    Variant("default stride from the first axis only", """
import torch.nn.functional as F
def avg_pool2d(X, pool_size, stride=None, padding=0):
    k_h, k_w = _pair(pool_size)
    if stride is None:
        stride = k_h          # bug: default stride from the first axis only
    s_h, s_w = _pair(stride)
    p_h, p_w = _pair(padding)
    Xp = F.pad(X, (p_w, p_w, p_h, p_h))
    return Xp.unfold(-2, k_h, s_h).unfold(-2, k_w, s_w).mean(dim=(-2, -1))
""", FAILED,
            diagnosis="you applied the stride on one axis only (or one axis's stride to both): "
                      "stride=(s_h, s_w) moves the window s_h rows down and s_w columns right."),
    Variant("batch and channel swapped on the way back", """
import torch.nn.functional as F
def avg_pool2d(X, pool_size, stride=None, padding=0):
    k_h, k_w = _pair(pool_size)
    s_h, s_w = _pair(stride) if stride is not None else (k_h, k_w)
    p_h, p_w = _pair(padding)
    lead = X.shape[:-2]
    x = X.reshape(-1, *X.shape[-2:])
    Y = F.pad(x, (p_w, p_w, p_h, p_h)).unfold(-2, k_h, s_h).unfold(-2, k_w, s_w).mean(dim=(-2, -1))
    if len(lead) == 2:
        return Y.reshape(lead[1], lead[0], *Y.shape[-2:]).transpose(0, 1)
    return Y.reshape(*lead, *Y.shape[-2:])
""", FAILED),
    Variant("F.pad and unfold", """
def avg_pool2d(X, pool_size, stride=None, padding=0):
    import torch.nn.functional as F
    k_h, k_w = _pair(pool_size)
    s_h, s_w = (k_h, k_w) if stride is None else _pair(stride)
    p_h, p_w = _pair(padding)
    padded = F.pad(X, (p_w, p_w, p_h, p_h))
    return padded.unfold(-2, k_h, s_h).unfold(-2, k_w, s_w).mean((-2, -1))
"""),
    Variant("einsum with a ones kernel", """
def avg_pool2d(X, pool_size, stride=None, padding=0):
    import torch.nn.functional as F
    k_h, k_w = _pair(pool_size)
    s_h, s_w = (k_h, k_w) if stride is None else _pair(stride)
    p_h, p_w = _pair(padding)
    windows = F.pad(X, (p_w, p_w, p_h, p_h)).unfold(-2, k_h, s_h).unfold(-2, k_w, s_w)
    weights = X.new_ones((k_h, k_w)) / (k_h * k_w)
    return torch.einsum("...ab,ab->...", windows, weights)
"""),
]
