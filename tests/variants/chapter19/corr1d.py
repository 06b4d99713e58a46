"""corr1d's mutants (edits of the reference) and alternatives."""

from tests.variants import Variant, edit

VARIANTS = [
    Variant("flipped kernel", edit("    w = k.shape[0]\n", "    k = k.flip(0)\n    w = k.shape[0]\n"),
            "failed", "true convolution"),
    # the last output left at zero: the right shape, one value wrong
    Variant("off by one", edit("for i in range(y.shape[0]):", "for i in range(y.shape[0] - 1):"),
            "failed"),
    # alternatives
    Variant("unfold", """
def corr1d(x, k):
    return (x.unfold(0, k.shape[0], 1) * k).sum(-1)
"""),
    Variant("NumPy correlate", """
def corr1d(x, k):
    import numpy as np
    return torch.from_numpy(np.correlate(x.numpy(), k.numpy(), mode="valid").copy())
"""),
]
