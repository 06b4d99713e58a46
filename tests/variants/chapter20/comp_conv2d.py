"""comp_conv2d's mutants (edits of the reference) and alternatives."""

from tests.variants import Variant, edit

RETURN = "return Y.reshape(Y.shape[2:])"

VARIANTS = [
    Variant("batch and channel dimensions kept", edit(RETURN, "return Y"), "failed",
            "batch and channel dimensions"),
    Variant("squeeze() also drops size-1 output axes", edit(RETURN, "return Y.squeeze()"),
            "failed", "expected shape"),
    Variant("channel dimension only",
            (edit("X = X.reshape((1, 1) + X.shape)", "X = X.reshape((1,) + X.shape)"),
             edit(RETURN, "return Y")),
            "failed", "batch and channel dimensions"),
    # alternatives
    Variant("indexing", """
def comp_conv2d(conv2d, X):
    return conv2d(X[None, None])[0, 0]
"""),
    Variant("unsqueeze and squeeze with axes", """
def comp_conv2d(conv2d, X):
    return conv2d(X.unsqueeze(0).unsqueeze(0)).squeeze(0).squeeze(0).detach()
"""),
]
