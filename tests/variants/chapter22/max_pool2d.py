"""max_pool2d: mutants (the reference's padding, stride or output size changed; other programs
a review found) and alternatives in other styles."""

from grader.outcomes import ERROR, FAILED, FORBIDDEN
from tests.variants import Variant, edit

FILL = "float('-inf')"
DEFAULT_STRIDE = "(k_h, k_w) if stride is None else _pair(stride)"
PADDED = "(*lead, h + 2 * p_h, w + 2 * p_w)"
INSIDE = "padded[..., p_h:p_h + h, p_w:p_w + w] = X"
OUT_H = "out_h = (h + 2 * p_h - k_h) // s_h + 1"
OUT_W = "out_w = (w + 2 * p_w - k_w) // s_w + 1"

VARIANTS = [
    Variant("padding before stride in the signature",
            edit("stride=None, padding=0", "padding=0, stride=None"), ERROR, "raised TypeError"),
    Variant("zero padding", edit(FILL, "0.0"), FAILED, "padded with zeros",
            diagnosis="you padded with zeros: max-pooling pads with -inf, so a padded cell never "
                      "wins (here your zeros beat negative values)."),
    # reviewer's finds: any finite fill is wrong below it; inputs never went below -10.5
    Variant("padded with -1e9", edit(FILL, "-1e9"), FAILED),
    Variant("padded with -100", edit(FILL, "-100.0"), FAILED),
    Variant("as_strided: H/W strides from X.stride(), N/C strides from the shape", """
def max_pool2d(X, pool_size, stride=None, padding=0):
    import torch.nn.functional as F
    k_h, k_w = _pair(pool_size)
    s_h, s_w = (k_h, k_w) if stride is None else _pair(stride)
    p_h, p_w = _pair(padding)
    if p_h or p_w:
        X = F.pad(X, (p_w, p_w, p_h, p_h), value=float('-inf'))
    *lead, H, W = X.shape
    oh, ow = (H - k_h) // s_h + 1, (W - k_w) // s_w + 1
    a, b = X.stride()[-2:]
    lead_strides = []
    acc = H * W
    for n in reversed(lead):
        lead_strides.insert(0, acc)
        acc *= n
    win = X.as_strided((*lead, oh, ow, k_h, k_w), (*lead_strides, s_h * a, s_w * b, a, b))
    return win.amax((-2, -1))
""", ERROR, "out of bounds"),
    Variant("stride defaults to 1",
            edit(DEFAULT_STRIDE, "(1, 1) if stride is None else _pair(stride)"),
            FAILED, "stride=None means",
            diagnosis="your stride is 1, but stride=None means the window size (non-overlapping "
                      "windows), as in nn.MaxPool2d / nn.AvgPool2d."),
    Variant("padding ignored",
            (edit(PADDED, "(*lead, h, w)"), edit(INSIDE, "padded[..., :, :] = X"),
             edit(OUT_H, "out_h = (h - k_h) // s_h + 1"),
             edit(OUT_W, "out_w = (w - k_w) // s_w + 1")),
            FAILED, "ignores the padding",
            diagnosis="your result ignores the padding."),
    Variant("padding at the top and left only",
            (edit(PADDED, "(*lead, h + p_h, w + p_w)"), edit(INSIDE, "padded[..., p_h:, p_w:] = X"),
             edit(OUT_H, "out_h = (h + p_h - k_h) // s_h + 1"),
             edit(OUT_W, "out_w = (w + p_w - k_w) // s_w + 1")),
            FAILED, "top and the left only",
            diagnosis="you padded the top and the left only; padding goes on EACH side."),
    Variant("stride of the rows on both axes",
            edit(DEFAULT_STRIDE, "(k_h, k_h) if stride is None else (_pair(stride)[0],) * 2"),
            FAILED, "one axis only",
            diagnosis="you applied the stride on one axis only (or one axis's stride to both): "
                      "stride=(s_h, s_w) moves the window s_h rows down and s_w columns right."),
    Variant("ceil instead of floor",
            (edit(OUT_H, "out_h = -(-(h + 2 * p_h - k_h) // s_h) + 1"),
             edit(OUT_W, "out_w = -(-(w + 2 * p_w - k_w) // s_w) + 1")),
            FAILED, "expected shape"),
    Variant("4-D input only", """
def max_pool2d(X, pool_size, stride=None, padding=0):
    k_h, k_w = _pair(pool_size)
    s_h, s_w = (k_h, k_w) if stride is None else _pair(stride)
    p_h, p_w = _pair(padding)
    n, c, h, w = X.shape
    padded = torch.full((n, c, h + 2 * p_h, w + 2 * p_w), float('-inf'))
    padded[:, :, p_h:p_h + h, p_w:p_w + w] = X
    out_h, out_w = (h + 2 * p_h - k_h) // s_h + 1, (w + 2 * p_w - k_w) // s_w + 1
    Y = torch.zeros((n, c, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            Y[:, :, i, j] = padded[:, :, i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w].amax((2, 3))
    return Y
""", ERROR, "ValueError"),
    Variant("F.max_pool2d", """
def max_pool2d(X, pool_size, stride=None, padding=0):
    import torch.nn.functional as F
    return F.max_pool2d(X, pool_size, stride, padding)
""", FORBIDDEN, "max_pool2d"),
    Variant("nn.MaxPool2d module", """
def max_pool2d(X, pool_size, stride=None, padding=0):
    from torch import nn
    return nn.MaxPool2d(pool_size, stride, padding)(X)
""", FORBIDDEN, "pool"),
    # Found by a review with code the authors had not seen: each passed on some seeds before
    # the always-run cases in grader/checks/chapter22/pooling.py (fixed_cases) existed.
    Variant("default stride from the first axis only", """
import torch.nn.functional as F
def max_pool2d(X, pool_size, stride=None, padding=0):
    k_h, k_w = _pair(pool_size)
    if stride is None:
        stride = k_h          # bug: default stride from the first axis only
    s_h, s_w = _pair(stride)
    p_h, p_w = _pair(padding)
    Xp = F.pad(X, (p_w, p_w, p_h, p_h), value=float('-inf'))
    return Xp.unfold(-2, k_h, s_h).unfold(-2, k_w, s_w).amax(dim=(-2, -1))
""", FAILED,
            diagnosis="you applied the stride on one axis only (or one axis's stride to both): "
                      "stride=(s_h, s_w) moves the window s_h rows down and s_w columns right."),
    Variant("padded with a finite -5", """
import torch.nn.functional as F
def max_pool2d(X, pool_size, stride=None, padding=0):
    # pads with -5: wins only where a whole window of real values is below -5
    k_h, k_w = _pair(pool_size)
    s_h, s_w = _pair(stride) if stride is not None else (k_h, k_w)
    p_h, p_w = _pair(padding)
    Xp = F.pad(X, (p_w, p_w, p_h, p_h), value=-5.0)
    return Xp.unfold(-2, k_h, s_h).unfold(-2, k_w, s_w).amax(dim=(-2, -1))
""", FAILED),
    Variant("reflect padding", """
import torch.nn.functional as F
def max_pool2d(X, pool_size, stride=None, padding=0):
    k_h, k_w = _pair(pool_size)
    s_h, s_w = _pair(stride) if stride is not None else (k_h, k_w)
    p_h, p_w = _pair(padding)
    x = X if X.dim() == 4 else X[None]
    if p_h or p_w:
        x = F.pad(x, (p_w, p_w, p_h, p_h), mode='reflect') if min(x.shape[-2:]) > max(p_h, p_w) else F.pad(x, (p_w, p_w, p_h, p_h), mode='replicate')
    Y = x.unfold(-2, k_h, s_h).unfold(-2, k_w, s_w).amax(dim=(-2, -1))
    return Y if X.dim() == 4 else Y[0]
""", FAILED),
    Variant("batch and channel swapped on the way back", """
import torch.nn.functional as F
def max_pool2d(X, pool_size, stride=None, padding=0):
    # wrong only for 4-D input with N>1 and C>1: mixes up batch and channel on the way back
    k_h, k_w = _pair(pool_size)
    s_h, s_w = _pair(stride) if stride is not None else (k_h, k_w)
    p_h, p_w = _pair(padding)
    lead = X.shape[:-2]
    x = X.reshape(-1, *X.shape[-2:])
    Xp = F.pad(x, (p_w, p_w, p_h, p_h), value=float('-inf'))
    Y = Xp.unfold(-2, k_h, s_h).unfold(-2, k_w, s_w).amax(dim=(-2, -1))
    if len(lead) == 2:
        return Y.reshape(lead[1], lead[0], *Y.shape[-2:]).transpose(0, 1)
    return Y.reshape(*lead, *Y.shape[-2:])
""", FAILED),
    Variant("padded with the smallest float32 (as good as -inf for finite inputs)",
            edit(FILL, "torch.finfo(torch.float32).min")),
    Variant("F.pad with -inf and unfold", """
def max_pool2d(X, pool_size, stride=None, padding=0):
    import torch.nn.functional as F
    k_h, k_w = _pair(pool_size)
    s_h, s_w = (k_h, k_w) if stride is None else _pair(stride)
    p_h, p_w = _pair(padding)
    padded = F.pad(X, (p_w, p_w, p_h, p_h), value=float('-inf'))
    return padded.unfold(-2, k_h, s_h).unfold(-2, k_w, s_w).amax((-2, -1))
"""),
    Variant("max over strided shifted slices", """
def max_pool2d(X, pool_size, stride=None, padding=0):
    k_h, k_w = _pair(pool_size)
    s_h, s_w = (k_h, k_w) if stride is None else _pair(stride)
    p_h, p_w = _pair(padding)
    h, w = X.shape[-2:]
    padded = X.new_full(X.shape[:-2] + (h + 2 * p_h, w + 2 * p_w), float('-inf'))
    padded[..., p_h:p_h + h, p_w:p_w + w] = X
    out_h, out_w = (h + 2 * p_h - k_h) // s_h + 1, (w + 2 * p_w - k_w) // s_w + 1
    Y = None
    for a in range(k_h):
        for b in range(k_w):
            part = padded[..., a:a + s_h * (out_h - 1) + 1:s_h, b:b + s_w * (out_w - 1) + 1:s_w]
            Y = part if Y is None else torch.maximum(Y, part)
    return Y.clone()
"""),
    Variant("NumPy, one channel at a time", """
def max_pool2d(X, pool_size, stride=None, padding=0):
    import numpy as np
    k_h, k_w = _pair(pool_size)
    s_h, s_w = (k_h, k_w) if stride is None else _pair(stride)
    p_h, p_w = _pair(padding)
    x = X.numpy()
    flat = x.reshape((-1,) + x.shape[-2:])
    flat = np.pad(flat, ((0, 0), (p_h, p_h), (p_w, p_w)), constant_values=-np.inf)
    out_h = (flat.shape[1] - k_h) // s_h + 1
    out_w = (flat.shape[2] - k_w) // s_w + 1
    out = np.empty((flat.shape[0], out_h, out_w), dtype=x.dtype)
    for c in range(flat.shape[0]):
        for i in range(out_h):
            for j in range(out_w):
                out[c, i, j] = flat[c, i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w].max()
    return torch.from_numpy(out.reshape(x.shape[:-2] + (out_h, out_w)))
"""),
]
