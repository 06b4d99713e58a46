"""pad2d's mutants (edits of the reference, or other programs) and alternatives."""

from tests.variants import Variant, edit

DTYPE = "dtype=X.dtype, device=X.device"

VARIANTS = [
    Variant("float64 result for a float32 input", edit(DTYPE, "dtype=torch.float64"), "failed",
            "keeps the input's dtype"),
    # the contract promises X's dtype: visible only on an input that is not float32
    Variant("always float32 (torch.zeros without dtype)", edit(DTYPE, "device=X.device"),
            "failed", "keeps the input's dtype"),
    Variant("F.pad of X.float()", """
def pad2d(X, padding):
    p_h, p_w = _pair(padding)
    return torch.nn.functional.pad(X.float(), (p_w, p_w, p_h, p_h))
""", "failed", "keeps the input's dtype"),
    Variant("top and left only",
            (edit("(h + 2 * p_h, w + 2 * p_w)", "(h + p_h, w + p_w)"),
             edit("Y[p_h:p_h + h, p_w:p_w + w] = X", "Y[p_h:, p_w:] = X")),
            "failed", "top and the left only"),
    Variant("F.pad with the axes swapped", """
def pad2d(X, padding):
    p_h, p_w = _pair(padding)
    return torch.nn.functional.pad(X, (p_h, p_h, p_w, p_w))
""", "failed", "axes swapped"),
    Variant("padding shared between the two sides", """
def pad2d(X, padding):
    p_h, p_w = _pair(padding)
    return torch.nn.functional.pad(X, (p_w // 2, p_w - p_w // 2, p_h // 2, p_h - p_h // 2))
""", "failed", "as the total"),
    Variant("int padding only", """
def pad2d(X, padding):
    Y = torch.zeros((X.shape[0] + 2 * padding, X.shape[1] + 2 * padding))
    Y[padding:padding + X.shape[0], padding:padding + X.shape[1]] = X
    return Y
""", "error", "TypeError"),
    # alternatives
    Variant("F.pad", """
def pad2d(X, padding):
    p_h, p_w = _pair(padding)
    return torch.nn.functional.pad(X, (p_w, p_w, p_h, p_h))
"""),
    Variant("torch.cat of zero blocks", """
def pad2d(X, padding):
    p_h, p_w = _pair(padding)
    side = X.new_zeros((X.shape[0], p_w))
    X = torch.cat([side, X, side], dim=1)
    top = X.new_zeros((p_h, X.shape[1]))
    return torch.cat([top, X, top], dim=0)
"""),
    Variant("new_zeros and a slice", """
def pad2d(X, padding):
    p_h, p_w = (padding, padding) if isinstance(padding, int) else padding
    Y = X.new_zeros((X.shape[0] + 2 * p_h, X.shape[1] + 2 * p_w))
    Y[p_h:Y.shape[0] - p_h, p_w:Y.shape[1] - p_w] = X
    return Y
"""),
    Variant("NumPy np.pad", """
def pad2d(X, padding):
    import numpy as np
    p_h, p_w = _pair(padding)
    return torch.from_numpy(np.pad(X.numpy(), ((p_h, p_h), (p_w, p_w))))
"""),
]
