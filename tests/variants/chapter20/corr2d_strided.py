"""corr2d_strided's mutants (edits of the reference, or other programs) and alternatives."""

from tests.variants import Variant, edit

SHAPE = "conv_output_shape(tuple(X.shape), tuple(K.shape), padding, stride)"
STRIDES = "s_h, s_w = _pair(stride)"

VARIANTS = [
    # every style of passing the arguments gets its own cases: a signature in the wrong order
    # shows only when padding and stride are passed by position
    Variant("stride before padding in the signature",
            edit("def corr2d_strided(X, K, padding=0, stride=1):",
                 "def corr2d_strided(X, K, stride=1, padding=0):"),
            "failed"),
    Variant("padding ignored",
            (edit(SHAPE, "conv_output_shape(tuple(X.shape), tuple(K.shape), 0, stride)"),
             edit("    X = pad2d(X, padding)\n", "")),
            "failed", "ignores the padding"),
    Variant("padding on one side", """
def corr2d_strided(X, K, padding=0, stride=1):
    k_h, k_w = K.shape
    s_h, s_w = _pair(stride)
    p_h, p_w = _pair(padding)
    Xp = torch.zeros((X.shape[0] + p_h, X.shape[1] + p_w))
    Xp[p_h:, p_w:] = X
    out_h, out_w = (Xp.shape[0] - k_h) // s_h + 1, (Xp.shape[1] - k_w) // s_w + 1
    Y = torch.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            Y[i, j] = (Xp[i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w] * K).sum()
    return Y
""", "failed", "top and the left only"),
    Variant("stride of the rows used for both axes",
            (edit(STRIDES, "s_h = s_w = _pair(stride)[0]"),
             edit(SHAPE, "conv_output_shape(tuple(X.shape), tuple(K.shape), padding, s_h)")),
            "failed", "stride on one axis only"),
    Variant("stride ignored",
            (edit(STRIDES, "s_h, s_w = 1, 1"),
             edit(SHAPE, "conv_output_shape(tuple(X.shape), tuple(K.shape), padding, 1)")),
            "failed", "ignores the stride"),
    Variant("forgotten + 1", """
def corr2d_strided(X, K, padding=0, stride=1):
    k_h, k_w = K.shape
    s_h, s_w = _pair(stride)
    Xp = pad2d(X, padding)
    out_h, out_w = (Xp.shape[0] - k_h) // s_h, (Xp.shape[1] - k_w) // s_w
    Y = torch.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            Y[i, j] = (Xp[i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w] * K).sum()
    return Y
""", "failed", "one row and one column short"),
    Variant("ceil instead of floor", """
def corr2d_strided(X, K, padding=0, stride=1):
    import math
    k_h, k_w = K.shape
    s_h, s_w = _pair(stride)
    Xp = pad2d(X, padding)
    out_h = math.ceil((Xp.shape[0] - k_h) / s_h) + 1
    out_w = math.ceil((Xp.shape[1] - k_w) / s_w) + 1
    Y = torch.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = Xp[i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w]
            Y[i, j] = (window * K[:window.shape[0], :window.shape[1]]).sum()
    return Y
""", "failed", "expected shape"),
    Variant("flipped kernel",
            edit("    k_h, k_w = K.shape\n", "    K = torch.flip(K, dims=(0, 1))\n    k_h, k_w = K.shape\n"),
            "failed", "true convolution"),
    Variant("F.conv2d", """
def corr2d_strided(X, K, padding=0, stride=1):
    import torch.nn.functional as F
    return F.conv2d(X[None, None], K[None, None], padding=padding, stride=stride)[0, 0]
""", "forbidden", "conv2d"),
    # alternatives
    Variant("unfold and einsum", """
def corr2d_strided(X, K, padding=0, stride=1):
    k_h, k_w = K.shape
    s_h, s_w = _pair(stride)
    Xp = pad2d(X, padding)
    windows = Xp.unfold(0, k_h, s_h).unfold(1, k_w, s_w)
    return torch.einsum("ijab,ab->ij", windows, K)
"""),
    Variant("full correlation, then every s-th position", """
def corr2d_strided(X, K, padding=0, stride=1):
    k_h, k_w = K.shape
    s_h, s_w = _pair(stride)
    Xp = pad2d(X, padding)
    oh, ow = Xp.shape[0] - k_h + 1, Xp.shape[1] - k_w + 1
    full = Xp.new_zeros((oh, ow))
    for a in range(k_h):
        for b in range(k_w):
            full = full + K[a, b] * Xp[a:a + oh, b:b + ow]
    return full[::s_h, ::s_w]
"""),
    Variant("NumPy in float64", """
def corr2d_strided(X, K, padding=0, stride=1):
    import numpy as np
    p_h, p_w = _pair(padding)
    s_h, s_w = _pair(stride)
    x = np.pad(X.numpy().astype(np.float64), ((p_h, p_h), (p_w, p_w)))
    k = K.numpy().astype(np.float64)
    rows = range(0, x.shape[0] - k.shape[0] + 1, s_h)
    cols = range(0, x.shape[1] - k.shape[1] + 1, s_w)
    out = np.array([[np.sum(x[i:i + k.shape[0], j:j + k.shape[1]] * k) for j in cols]
                    for i in rows]).reshape(len(rows), len(cols))
    return torch.from_numpy(out)
"""),
]
