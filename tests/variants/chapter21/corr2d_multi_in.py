"""corr2d_multi_in: mutants (the reference's sum changed) and alternatives in other styles."""

from grader.outcomes import FAILED, FORBIDDEN
from tests.variants import Variant, edit

SUM = "return sum(corr2d(x, k) for x, k in zip(X, K))"

VARIANTS = [
    Variant("channels averaged",
            edit(SUM, "return sum(corr2d(x, k) for x, k in zip(X, K)) / X.shape[0]"),
            FAILED, "averaged over the input channels",
            diagnosis="you averaged over the input channels; the channels are SUMMED."),
    Variant("only the first channel", edit(SUM, "return corr2d(X[0], K[0])"),
            FAILED, "only the first input channel",
            diagnosis="your result uses only the first input channel; add the cross-correlations of"
                      " all channels."),
    Variant("one map per channel, not summed",
            edit(SUM, "return torch.stack([corr2d(x, k) for x, k in zip(X, K)])"),
            FAILED, "one map per input channel",
            diagnosis="you returned one map per input channel; SUM them into a single output "
                      "channel."),
    Variant("loop overwrites instead of adding",
            edit(SUM, "for x, k in zip(X, K):\n        Y = corr2d(x, k)\n    return Y"),
            FAILED, "last channel",
            diagnosis="your result is the last channel's only: did the loop overwrite instead of "
                      "adding (Y = ... instead of Y += ...)?"),
    Variant("channels paired in reverse", edit("zip(X, K)", "zip(X, K.flip(0))"),
            FAILED, "paired in reverse",
            diagnosis="channel c of X must meet slice c of K; your channels are paired in "
                      "reverse."),
    Variant("F.conv2d", """
def corr2d_multi_in(X, K):
    import torch.nn.functional as F
    return F.conv2d(X[None], K[None])[0, 0]
""", FORBIDDEN, "conv2d"),
    Variant("explicit accumulator", """
def corr2d_multi_in(X, K):
    Y = corr2d(X[0], K[0])
    for c in range(1, X.shape[0]):
        Y = Y + corr2d(X[c], K[c])
    return Y
"""),
    Variant("unfold and einsum, no corr2d", """
def corr2d_multi_in(X, K):
    c, k_h, k_w = K.shape
    windows = X.unfold(1, k_h, 1).unfold(2, k_w, 1)
    return torch.einsum("cijab,cab->ij", windows, K)
"""),
    Variant("NumPy in float64", """
def corr2d_multi_in(X, K):
    import numpy as np
    x, k = X.numpy().astype(np.float64), K.numpy().astype(np.float64)
    c, h, w = k.shape
    oh, ow = x.shape[1] - h + 1, x.shape[2] - w + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[i, j] = np.sum(x[:, i:i + h, j:j + w] * k)
    return torch.from_numpy(out)
"""),
]
