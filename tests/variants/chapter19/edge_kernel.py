"""edge_kernel's mutants (edits of the reference) and alternatives."""

from tests.variants import Variant, edit

VARIANTS = [
    Variant("signs reversed", edit("[[1.0, -1.0]]", "[[-1.0, 1.0]]"), "failed",
            "signs are reversed"),
    Variant("integer kernel", edit("[[1.0, -1.0]]", "[[1, -1]]"), "failed", "floating-point"),
    Variant("vector, not 1x2", edit("[[1.0, -1.0]]", "[1.0, -1.0]"), "failed",
            "expected shape (1, 2)"),
    # alternatives
    Variant("float64", """
def edge_kernel():
    return torch.tensor([[1.0, -1.0]], dtype=torch.float64)
"""),
]
