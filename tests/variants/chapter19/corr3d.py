"""corr3d's mutants (edits of the reference, or other programs) and alternatives."""

from tests.variants import Variant, edit

VARIANTS = [
    Variant("depth window of one plane",
            edit("(X[a:a + d, i:i + h, j:j + w] * K).sum()", "(X[a, i:i + h, j:j + w] * K[0]).sum()"),
            "failed"),
    Variant("F.conv3d", """
def corr3d(X, K):
    return torch.nn.functional.conv3d(X[None, None], K[None, None])[0, 0]
""", "forbidden", "conv3d"),
    # alternatives
    Variant("unfold and einsum", """
def corr3d(X, K):
    d, h, w = K.shape
    windows = X.unfold(0, d, 1).unfold(1, h, 1).unfold(2, w, 1)
    return torch.einsum("abcxyz,xyz->abc", windows, K)
"""),
]
