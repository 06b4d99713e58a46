"""corr2d_multi_in_out: mutants (the reference's stack changed) and alternatives in other
styles."""

from grader.outcomes import FAILED
from tests.variants import Variant, edit

STACK = "return torch.stack([corr2d_multi_in(X, k) for k in K], 0)"

VARIANTS = [
    Variant("stacked on axis 1",
            edit(STACK, "return torch.stack([corr2d_multi_in(X, k) for k in K], 1)"),
            FAILED, "stacked the output channels on axis 1",
            diagnosis="you stacked the output channels on axis 1; stack them on axis 0: "
                      "torch.stack([...], 0)."),
    Variant("stacked on the last axis",
            edit(STACK, "return torch.stack([corr2d_multi_in(X, k) for k in K], -1)"),
            FAILED, "on the last axis",
            diagnosis="you stacked the output channels on the last axis; stack them on axis 0: "
                      "torch.stack([...], 0)."),
    Variant("output channels concatenated (cat, not stack)",
            edit(STACK, "return torch.cat([corr2d_multi_in(X, k) for k in K], 0)"),
            FAILED, "expected shape"),
    Variant("input channels averaged",
            edit(STACK, "return torch.stack([sum(corr2d(x, kk) for x, kk in zip(X, k)) "
                        "/ X.shape[0] for k in K], 0)"),
            FAILED, "averaged over the input channels",
            diagnosis="you averaged over the input channels; the channels are SUMMED."),
    Variant("only the first input channel",
            edit(STACK, "return torch.stack([corr2d(X[0], k[0]) for k in K], 0)"),
            FAILED, "only the first input channel",
            diagnosis="your result uses only the first input channel; add the cross-correlations of"
                      " all input channels."),
    Variant("output channels summed", edit(STACK, "return sum(corr2d_multi_in(X, k) for k in K)"),
            FAILED, "added the output channels together",
            diagnosis="you added the output channels together; each kernel K[o] gives its own "
                      "output channel."),
    Variant("kernel axes swapped",
            edit(STACK, "return torch.stack([corr2d_multi_in(X, k) for k in K.transpose(0, 1)], "
                        "0)"),
            FAILED),
    Variant("broadcast shifted slices", """
def corr2d_multi_in_out(X, K):
    c_o, c_i, k_h, k_w = K.shape
    oh, ow = X.shape[1] - k_h + 1, X.shape[2] - k_w + 1
    Y = X.new_zeros((c_o, oh, ow))
    for a in range(k_h):
        for b in range(k_w):
            Y = Y + (K[:, :, a, b, None, None] * X[None, :, a:a + oh, b:b + ow]).sum(1)
    return Y
"""),
    Variant("F.unfold and matmul", """
def corr2d_multi_in_out(X, K):
    import torch.nn.functional as F
    c_o, c_i, k_h, k_w = K.shape
    cols = F.unfold(X[None], (k_h, k_w))[0]
    return (K.reshape(c_o, -1) @ cols).reshape(c_o, X.shape[1] - k_h + 1, X.shape[2] - k_w + 1)
"""),
]
