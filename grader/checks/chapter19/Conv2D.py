"""Conv2D: its parameters (the book's kernel size among them), and its forward pass and
gradients against PyTorch's."""

from __future__ import annotations

import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as st
from torch import nn

from grader.checks import budget, fresh
from grader.checks.book import calls
from grader.checks.chapter19.correlation import (
    VALID_SHAPE,
    abs_scale,
    corr_mistakes,
    ref_corr,
)
from grader.compare import Mistake, expect_equal, expect_tensor, said, tell_apart
from grader.outcomes import Mismatch
from grader.strategies import input_and_kernel, place, tensors

CHAPTER = "chapter19"

BOOK_EXAMPLES = """
>>> conv = Conv2D((1, 2))
>>> conv.weight.shape, conv.bias.shape
(torch.Size([1, 2]), torch.Size([1]))
>>> conv(torch.ones(6, 8)).shape
torch.Size([6, 7])
"""


class ReferenceConv2D(nn.Module):
    """What the examples need of a Conv2D: its parameters' shapes and a forward pass (zeros,
    so that reading the examples draws nothing from the verdict process's generator)."""

    def __init__(self, kernel_size: tuple[int, int]) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ref_corr(x, self.weight) + self.bias


#: The kernel sizes the book's examples build a Conv2D with: fixed cases of the parameters' check.
BOOK_KERNEL_SIZES = [tuple(args[0]) for args, _ in calls(BOOK_EXAMPLES, "Conv2D", ReferenceConv2D)]

kernel_sizes = st.tuples(st.integers(1, 4), st.integers(1, 4))


def book_kernel_sizes(test):
    for kernel_size in BOOK_KERNEL_SIZES:
        test = example(kernel_size)(test)
    return test


@pytest.mark.exercise("Conv2D")
@budget(5)
@given(kernel_sizes)
@book_kernel_sizes
def test_conv2d_parameters(learner, kernel_size):
    handle, _ = learner.new(kernel_size)
    params = learner.probe("parameters", handle=handle)
    call = f"Conv2D({kernel_size})"
    got = {name: tuple(p.shape) for name, p in params.items()}
    expect_equal(got, {"weight": kernel_size, "bias": (1,)}, call=call,
                 inputs=[("kernel_size", kernel_size)],
                 why=said("chapter19.Conv2D.parameters"))


def conv2d_mistakes(X: torch.Tensor, K: torch.Tensor) -> list[Mistake]:
    return [Mistake(ref_corr(X, K), "chapter19.Conv2D.mistake.no_bias")] + corr_mistakes(X, K)


@pytest.mark.exercise("Conv2D")
@budget(15)
@given(input_and_kernel(ndim=2, max_side=5), st.data())
def test_conv2d_forward_and_gradients(learner, xk, data):
    X, K = xk
    b = data.draw(tensors((1,)).filter(lambda t: float(t.abs()) > 0.1), label="bias")
    G = data.draw(tensors(tuple(ref_corr(X, K).shape)), label="grad_output")
    X, K, b, G = place((X, K, b, G), learner.device)
    handle, _ = learner.new(tuple(K.shape))
    inputs = [("x", X), ("weight", K), ("bias", b)]
    got = learner.probe("forward_backward", {"weight": K, "bias": b}, X, G, handle=handle,
                        shown=(said("chapter19.Conv2D.forward_backward",
                                    size=str(tuple(K.shape))),
                               inputs + [("grad_output", G)]))

    def forward(X: torch.Tensor, K: torch.Tensor, b: torch.Tensor, G: torch.Tensor) -> tuple:
        handle, _ = learner.new(tuple(K.shape))
        out = learner.probe("forward_backward", {"weight": K, "bias": b}, X, G, handle=handle,
                            shown=(f"Conv2D({tuple(K.shape)})(x)", [("x", X)]))
        return out["output"], conv2d_mistakes(X, K)

    expect_tensor(got["output"], ref_corr(X, K) + b.double(), call="Conv2D.forward(x)",
                  inputs=inputs, scale=abs_scale(X, K) + b.double().abs(),
                  shape_why=VALID_SHAPE, mistakes=conv2d_mistakes(X, K),
                  further=tell_apart(forward, fresh((X, K, b, G), grow=(2, 1, 0, 1))))
    grads = got["grads"]
    inputs_g = inputs + [("grad_output", G)]
    for name, expected, scale in (
            ("weight", ref_corr(X, G), abs_scale(X, G)),
            ("bias", G.double().sum().reshape(1), G.double().abs().sum().reshape(1))):
        if grads.get(name) is None:
            raise Mismatch(
                "mismatch", reason="mm.value",
                params={"expected": said("chapter19.Conv2D.a_gradient", name=name),
                        "got": said("chapter19.Conv2D.no_gradient")},
                diagnosis=[said("chapter19.Conv2D.mistake.graph_cut", name=name)],
                shape_why=None, call=grad_call(name), inputs=inputs_g,
                expected=None, actual=None)
        expect_tensor(grads.get(name), expected, call=grad_call(name),
                      inputs=inputs_g, scale=scale,
                      shape_why=said("chapter19.Conv2D.grad_shape"))


def grad_call(name: str) -> dict:
    return said("chapter19.Conv2D.grad_after_backward", name=name)
