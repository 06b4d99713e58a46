"""edge_kernel: d2l's [[1, -1]], and what it does on the book's edge image."""

from __future__ import annotations

import pytest
import torch

from grader.checks.chapter19.correlation import d2l_edge_image, ref_corr
from grader.compare import Mistake, expect_tensor, said

CHAPTER = "chapter19"

#: The book's image (1 white, 0 black) and what the kernel finds on it; the check grades the
#: kernel on this image (``d2l_edge_image`` is the same X).
BOOK_EXAMPLES = """
>>> X = torch.ones((6, 8))
>>> X[:, 2:6] = 0
>>> corr2d(X, edge_kernel())[0]
tensor([ 0.,  1.,  0.,  0.,  0., -1.,  0.])
"""


@pytest.mark.exercise("edge_kernel")
def test_edge_kernel(learner):
    K = learner.call()
    expected = torch.tensor([[1.0, -1.0]], device=learner.device)
    expect_tensor(K, expected.cpu(), call="edge_kernel()", inputs=[], device="cpu",
                  shape_why=said("chapter19.edge_kernel.shape"),
                  mistakes=[Mistake(-expected.cpu(),
                                    "chapter19.edge_kernel.mistake.signs_reversed")])


@pytest.mark.exercise("edge_kernel")
def test_edge_kernel_on_d2l_image(learner):
    K = learner.call().to(learner.device)
    X = d2l_edge_image(learner.device)
    row = torch.tensor([0.0, 1.0, 0.0, 0.0, 0.0, -1.0, 0.0], device=learner.device)
    expect_tensor(ref_corr(X, K).float(), row.expand(6, 7), call="corr2d(X, edge_kernel())",
                  inputs=[("X", X)])
    expect_tensor(ref_corr(X.t(), K).float(), torch.zeros(8, 5, device=learner.device),
                  call=said("chapter19.edge_kernel.transposed_image"),
                  inputs=[("X.t()", X.t())])
