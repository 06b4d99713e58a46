"""corr2d's mutants (edits of the reference, or other programs) and alternatives."""

from tests.variants import Variant, edit

LOOP = "            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()\n"

VARIANTS = [
    Variant("off-by-one output shape",
            edit("(X.shape[0] - h + 1, X.shape[1] - w + 1)", "(X.shape[0] - h, X.shape[1] - w)"),
            "failed", "expected shape"),
    Variant("one position short in the loops",
            edit("for i in range(Y.shape[0]):", "for i in range(Y.shape[0] - 1):"),
            "failed", "largest difference"),
    Variant("flipped kernel",
            edit("    h, w = K.shape\n", "    K = torch.flip(K, dims=(0, 1))\n    h, w = K.shape\n"),
            "failed", "true convolution"),
    Variant("square kernels only", edit("h, w = K.shape", "h = w = K.shape[0]"), "failed"),
    Variant("mean instead of sum", edit(LOOP, LOOP.replace(".sum()", ".mean()")),
            "failed", "mean"),
    Variant("integer output", edit("device=X.device)", "device=X.device, dtype=torch.int64)"),
            "failed", "floating-point"),
    Variant("windows multiplied in place (mutates X)",
            edit(LOOP, "            window = X[i:i + h, j:j + w]\n"
                       "            window *= K\n"
                       "            Y[i, j] = window.sum()\n"),
            "failed"),
    Variant("correct values but X modified afterwards",
            edit("    return Y\n", "    X.add_(1)\n    return Y\n"),
            "failed", "modified its input X"),
    Variant("correct values but X changed through a NumPy view (no version counter sees it)",
            edit("    return Y\n", "    X.numpy()[0, 0] += 1\n    return Y\n"),
            "failed", "modified its input X"),
    Variant("correct values but X's data replaced",
            edit("    return Y\n", "    X.data = X.data[:1].clone()\n    return Y\n"),
            "failed", "modified its input X"),
    Variant("rows and columns swapped",
            edit(LOOP, LOOP.replace("* K)", "* K.t().reshape(h, w))")), "failed"),
    Variant("returns a NumPy array", """
def corr2d(X, K):
    import numpy as np
    x, k = X.numpy(), K.numpy()
    h, w = k.shape
    Y = np.zeros((x.shape[0] - h + 1, x.shape[1] - w + 1), dtype=np.float32)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (x[i:i + h, j:j + w] * k).sum()
    return Y
""", "failed", "torch.Tensor"),
    Variant("F.conv2d", """
def corr2d(X, K):
    import torch.nn.functional as F
    return F.conv2d(X[None, None], K[None, None])[0, 0]
""", "forbidden", "torch.nn.functional.conv2d"),
    Variant("nn.Conv2d module", """
def corr2d(X, K):
    conv = nn.Conv2d(1, 1, K.shape, bias=False)
    conv.weight.data = K[None, None].clone()
    return conv(X[None, None])[0, 0].detach()
""", "forbidden", "conv2d"),
    Variant("conv reached through getattr", """
def corr2d(X, K):
    op = getattr(torch, "con" + "v2d")
    return op(X[None, None], K[None, None])[0, 0]
""", "forbidden", "conv2d"),
    Variant("conv swallowed by a bare except", """
def corr2d(X, K):
    try:
        return torch.nn.functional.conv2d(X[None, None], K[None, None])[0, 0]
    except:
        pass
    h, w = K.shape
    return X[: X.shape[0] - h + 1, : X.shape[1] - w + 1] * 0
""", "forbidden", "conv2d"),
    Variant("raises on rectangular input",
            edit("    h, w = K.shape\n",
                 '    assert X.shape[0] == X.shape[1], "square only"\n    h, w = K.shape\n'),
            "error", "AssertionError: square only"),
    # alternatives
    Variant("d2l's code exactly", """
def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
"""),
    Variant("unfold", """
def corr2d(X, K):
    h, w = K.shape
    windows = X.unfold(0, h, 1).unfold(1, w, 1)
    return (windows * K).sum(dim=(-1, -2))
"""),
    Variant("einsum over F.unfold", """
def corr2d(X, K):
    import torch.nn.functional as F
    h, w = K.shape
    cols = F.unfold(X[None, None], (h, w))[0]
    return torch.einsum("k,kp->p", K.reshape(-1), cols).reshape(X.shape[0] - h + 1, X.shape[1] - w + 1)
"""),
    Variant("shifted slices", """
def corr2d(X, K):
    h, w = K.shape
    oh, ow = X.shape[0] - h + 1, X.shape[1] - w + 1
    Y = X.new_zeros((oh, ow))
    for a in range(h):
        for b in range(w):
            Y = Y + K[a, b] * X[a:a + oh, b:b + ow]
    return Y
"""),
    Variant("NumPy in float64", """
def corr2d(X, K):
    import numpy as np
    x, k = X.numpy().astype(np.float64), K.numpy().astype(np.float64)
    h, w = k.shape
    out = np.array([[np.sum(x[i:i + h, j:j + w] * k) for j in range(x.shape[1] - w + 1)]
                    for i in range(x.shape[0] - h + 1)]).reshape(x.shape[0] - h + 1, x.shape[1] - w + 1)
    return torch.from_numpy(out)
"""),
]
