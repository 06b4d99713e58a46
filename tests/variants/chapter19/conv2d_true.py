"""conv2d_true's mutants (edits of the reference, or other programs) and alternatives."""

from tests.variants import Variant, edit

VARIANTS = [
    Variant("no flip", edit("corr2d(X, torch.flip(K, dims=(0, 1)))", "corr2d(X, K)"),
            "failed", "cross-correlation"),
    Variant("flip on one axis", edit("dims=(0, 1)", "dims=(1,)"), "failed", "left-right only",
            diagnosis="you flipped the kernel left-right only; flip it up-down too."),
    Variant("transposed kernel", """
def conv2d_true(X, K):
    return corr2d(X, K.t().contiguous()) if K.shape[0] == K.shape[1] else corr2d(X, K.flip((0, 1)).t().t())
""", "failed"),
    # alternatives
    Variant("explicit flipped indices", """
def conv2d_true(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            for a in range(h):
                for b in range(w):
                    Y[i, j] += X[i + a, j + b] * K[h - 1 - a, w - 1 - b]
    return Y
"""),
    Variant("NumPy [::-1, ::-1]", """
def conv2d_true(X, K):
    return corr2d(X, torch.from_numpy(K.numpy()[::-1, ::-1].copy()))
"""),
]
