"""corr2d_multi_in_out_1x1: mutants (a reshape of the reference changed; right values from
more or fewer than one matrix product) and alternatives in other styles."""

from grader.outcomes import ERROR, FAILED, FORBIDDEN
from tests.variants import Variant, edit

VARIANTS = [
    Variant("weight reshaped to (c_i, c_o) and transposed",
            edit("K = K.reshape((c_o, c_i))", "K = K.reshape((c_i, c_o)).T"),
            FAILED, "scrambles the weights",
            diagnosis="your weight matrix is K reshaped to (c_i, c_o) and transposed, which "
                      "scrambles the weights: K's axes are (c_o, c_i, 1, 1), so K.reshape(c_o, c_i)"
                      " is the matrix, row o for output channel o."),
    Variant("X reshaped to (h * w, c_i)",
            edit("X = X.reshape((c_i, h * w))", "X = X.reshape((h * w, c_i)).T"),
            FAILED, "scrambles the pixels",
            diagnosis="you reshaped X to (h * w, c_i), which scrambles the pixels: X's axes are "
                      "(c_i, h, w), so X.reshape(c_i, h * w) puts channel c in row c."),
    Variant("transposed weight matrix",
            edit("K = K.reshape((c_o, c_i))", "K = K.reshape((c_o, c_i)).T"),
            ERROR, "RuntimeError"),
    Variant("channels averaged", edit("Y = torch.matmul(K, X)", "Y = torch.matmul(K, X) / c_i"),
            FAILED, "averaged over the input channels",
            diagnosis="you averaged over the input channels; the channels are SUMMED."),
    Variant("F.conv2d", """
def corr2d_multi_in_out_1x1(X, K):
    return torch.nn.functional.conv2d(X[None], K)[0]
""", FORBIDDEN, "conv2d"),
    # "Computed as one matrix multiplication" (the contract): right values by other means fail.
    Variant("broadcast multiply and sum, no matrix product", """
def corr2d_multi_in_out_1x1(X, K):
    return (K[:, :, 0, 0, None, None] * X[None]).sum(1)
""", FAILED, "returns the right values, but not from ONE matrix multiplication"),
    Variant("one matrix product per output channel", """
def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    X2 = X.reshape(c_i, h * w)
    return torch.stack([(K[o, :, 0, 0] @ X2).reshape(h, w) for o in range(K.shape[0])])
""", FAILED, "ONE matrix multiplication"),
    Variant("reuses corr2d_multi_in_out", """
def corr2d_multi_in_out_1x1(X, K):
    return corr2d_multi_in_out(X, K)
""", FAILED, "ONE matrix multiplication"),
    Variant("einsum", """
def corr2d_multi_in_out_1x1(X, K):
    return torch.einsum("oc,chw->ohw", K[:, :, 0, 0], X)
"""),
    Variant("NumPy tensordot", """
def corr2d_multi_in_out_1x1(X, K):
    import numpy as np
    return torch.from_numpy(np.tensordot(K.numpy()[:, :, 0, 0], X.numpy(), axes=(1, 0)))
"""),
    Variant("flatten, permute, matmul", """
def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    pixels = X.permute(1, 2, 0).reshape(h * w, c_i)
    Y = pixels @ K.flatten(1).T
    return Y.T.reshape(-1, h, w)
"""),
]
