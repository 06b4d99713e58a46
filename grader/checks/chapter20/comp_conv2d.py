"""comp_conv2d: the book's layers (and two more of d2l 7.3's), and drawn layers and inputs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from grader.checks import budget
from grader.checks.book import calls
from grader.compare import Mistake, expect_tensor, said
from grader.strategies import as_pair, int_or_pair, place, tensors
from grader.wire import ModuleSpec

if TYPE_CHECKING:
    from grader.learner import Learner

CHAPTER = "chapter20"

BOOK_EXAMPLES = """
>>> X = torch.rand(size=(8, 8))
>>> comp_conv2d(nn.Conv2d(1, 1, kernel_size=3, padding=1), X).shape
torch.Size([8, 8])
>>> comp_conv2d(nn.Conv2d(1, 1, kernel_size=3, padding=1, stride=2), X).shape
torch.Size([4, 4])
"""

#: d2l 7.3's other two layers on the 8 x 8 input (kernel_size, padding, stride), beyond the
#: book's examples above: 8 x 8 and 2 x 2.
MORE_LAYERS = (((5, 3), (2, 1), 1), ((3, 5), (0, 1), (3, 4)))


class Shown(str):
    """A description shown as it is in messages (no quotes)."""

    def __repr__(self) -> str:
        return str(self)


def reference(conv2d: Any, X: torch.Tensor) -> torch.Tensor:
    return conv2d(X[None, None])[0, 0]


def book_layers() -> list[tuple[Any, Any, Any, tuple]]:
    """(kernel_size, padding, stride, the input's shape) of each layer the book's examples
    apply, an int where both axes agree; read with the generator's state put back (the
    examples draw the layers' weights and X)."""
    def one(pair: tuple) -> Any:
        return pair[0] if pair[0] == pair[1] else tuple(pair)

    with torch.random.fork_rng(devices=[]):
        return [(one(conv.kernel_size), one(conv.padding), one(conv.stride), tuple(X.shape))
                for (conv, X), _ in calls(BOOK_EXAMPLES, "comp_conv2d", reference)]


def conv_layer(learner: Learner, kernel_size: Any, padding: Any, stride: Any, weight: torch.Tensor,
               bias: torch.Tensor | None) -> tuple[ModuleSpec, str]:
    """An nn.Conv2d(1, 1, ...) with these weights, built in the learner's worker."""
    kwargs = {"kernel_size": kernel_size, "padding": padding, "stride": stride,
              "bias": bias is not None, "device": learner.device}
    state = {"weight": weight} if bias is None else {"weight": weight, "bias": bias}
    text = f"nn.Conv2d(1, 1, kernel_size={kernel_size!r}, padding={padding!r}, " \
           f"stride={stride!r}{'' if bias is not None else ', bias=False'})"
    return ModuleSpec("torch.nn.Conv2d", (1, 1), kwargs, state), text


def check_comp(learner: Learner, X: torch.Tensor, kernel_size: Any, padding: Any, stride: Any,
               weight: torch.Tensor, bias: torch.Tensor | None) -> None:
    spec, text = conv_layer(learner, kernel_size, padding, stride, weight, bias)
    x = X.double().cpu()[None, None]
    ref = F.conv2d(x, weight.double(), None if bias is None else bias.double(),
                   padding=as_pair(padding), stride=as_pair(stride))[0, 0]
    scale = F.conv2d(x.abs(), weight.double().abs(), None if bias is None else
                     bias.double().abs(), padding=as_pair(padding), stride=as_pair(stride))[0, 0]
    inputs = [("conv2d", Shown(text)), ("conv2d.weight", weight)]
    if bias is not None:
        inputs.append(("conv2d.bias", bias))
    inputs.append(("X", X))
    expect_tensor(learner.call(spec, X), ref.to(X.device), call="comp_conv2d(conv2d, X)",
                  inputs=inputs, scale=scale, shape_why=said("chapter20.comp_conv2d.shape"),
                  mistakes=[Mistake(ref[None, None], "chapter20.comp_conv2d.mistake.batch_kept"),
                            Mistake(ref[None], "chapter20.comp_conv2d.mistake.batch_kept")])


@pytest.mark.exercise("comp_conv2d")
def test_comp_conv2d_book_examples(learner):
    # the book's layers, then d2l 7.3's other two, on an 8 x 8 input of small integers
    gen = torch.Generator().manual_seed(0)
    layers = book_layers()
    shape = layers[0][3]
    X = place(torch.randint(-4, 5, shape, generator=gen).float(), learner.device)
    for kernel_size, padding, stride in [layer[:3] for layer in layers] + list(MORE_LAYERS):
        k_h, k_w = as_pair(kernel_size)
        weight = torch.randint(-3, 4, (1, 1, k_h, k_w), generator=gen).float()
        bias = torch.randint(-3, 4, (1,), generator=gen).float()
        check_comp(learner, X, kernel_size, padding, stride, weight, bias)


@st.composite
def layers_and_inputs(draw: Any) -> tuple:
    kernel_size = draw(int_or_pair(st.integers(1, 4)))
    padding = draw(int_or_pair(st.integers(0, 2)))
    stride = draw(int_or_pair(st.integers(1, 3)))
    k, p = as_pair(kernel_size), as_pair(padding)
    n = tuple(draw(st.integers(max(1, k_a - 2 * p_a), 7)) for k_a, p_a in zip(k, p, strict=True))
    weight = draw(tensors((1, 1) + k))
    bias = draw(st.one_of(st.none(), tensors((1,))))
    return draw(tensors(n)), kernel_size, padding, stride, weight, bias


@pytest.mark.exercise("comp_conv2d")
@budget(15)
@given(layers_and_inputs())
def test_comp_conv2d_applies_the_layer(learner, case):
    X, kernel_size, padding, stride, weight, bias = case
    check_comp(learner, place(X, learner.device), kernel_size, padding, stride, weight, bias)
