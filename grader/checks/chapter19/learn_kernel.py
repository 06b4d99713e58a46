"""learn_kernel: gradient descent step by step against autograd's, the book's edge image, and a
random start when init is None."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from grader.checks import budget, fresh
from grader.checks.chapter19.correlation import d2l_edge_image, ref_corr
from grader.compare import Mistake, expect_tensor, said, tell_apart
from grader.outcomes import Mismatch
from grader.strategies import input_and_kernel, place, tensors

if TYPE_CHECKING:
    from grader.learner import Learner

CHAPTER = "chapter19"

KERNEL_SHAPE = said("chapter19.learn_kernel.shape")
NOT_DETACHED = {"expected": said("chapter19.learn_kernel.detached"),
                "got": said("chapter19.learn_kernel.requires_grad")}


def reference_descent(X, Y, init, lr, num_epochs):
    K = init.double().clone().requires_grad_(True)
    for _ in range(num_epochs):
        loss = ((ref_corr(X, K) - Y.double()) ** 2).sum()
        (grad,) = torch.autograd.grad(loss, K)
        K = (K - lr * grad).detach().requires_grad_(True)
    return K.detach()


def largest_curvature(X: torch.Tensor, kernel_size: tuple[int, int]) -> float:
    """Largest eigenvalue of the summed squared error's Hessian, 2 WᵀW (W: the windows)."""
    W = F.unfold(X.double()[None, None], kernel_size)[0].t()
    return float(torch.linalg.eigvalsh(2 * W.t() @ W).max()) if W.numel() else 0.0


@st.composite
def descent_problems(draw):
    X, K = draw(input_and_kernel(ndim=2, max_side=5))
    kernel_size = tuple(K.shape)
    Y = draw(tensors(tuple(ref_corr(X, K).shape)))
    init = draw(tensors(kernel_size))
    # A step below 1/curvature keeps gradient descent contracting, so float32 and float64
    # trajectories stay together and any difference is the learner's, not rounding's.
    fraction = draw(st.sampled_from([0.05, 0.2, 0.45]))
    lr = fraction / max(largest_curvature(X, kernel_size), 1.0)
    epochs = draw(st.integers(1, 6))
    return X, Y, kernel_size, lr, epochs, init


def not_detached(call: Any, inputs: list) -> Mismatch:
    return Mismatch("mismatch", reason="mm.value", params=NOT_DETACHED,
                    diagnosis=[said("chapter19.learn_kernel.mistake.not_detached")],
                    shape_why=None, call=call, inputs=inputs, expected=None, actual=None)


@pytest.mark.exercise("learn_kernel")
@budget(15)
@given(descent_problems())
def test_learn_kernel_follows_gradient_descent(learner, problem):
    X, Y, kernel_size, lr, epochs, init = problem
    X, Y, init = place((X, Y, init), learner.device)
    got = learner.call(X, Y, kernel_size, lr, epochs, init)
    expected = reference_descent(X, Y, init, lr, epochs)
    inputs = [("X", X), ("Y", Y), ("kernel_size", kernel_size), ("lr", lr),
              ("num_epochs", epochs), ("init", init)]
    scale = max(1.0, float(init.abs().max()), float(expected.abs().max()))
    expect_tensor(got, expected, call="learn_kernel(X, Y, kernel_size, lr, num_epochs, init)",
                  inputs=inputs, scale=scale * 10, shape_why=KERNEL_SHAPE,
                  mistakes=descent_mistakes(X, Y, init, lr, epochs),
                  further=tell_apart(lambda X, Y, init: descend_again(learner, X, Y, init, epochs),
                                     fresh((X, Y, init), grow=(2, 1, 1))))
    if getattr(got, "requires_grad", False):
        raise not_detached("learn_kernel(...)", inputs)


def descend_again(learner: Learner, X: torch.Tensor, Y: torch.Tensor, init: torch.Tensor,
                  epochs: int) -> tuple[Any, list[Mistake]]:
    """learn_kernel and its known mistakes on another problem, with a step that converges."""
    lr = 0.2 / max(largest_curvature(X, tuple(init.shape)), 1.0)
    return (learner.call(X, Y, tuple(init.shape), lr, epochs, init),
            descent_mistakes(X, Y, init, lr, epochs))


def descent_mistakes(X, Y, init, lr, epochs) -> list[Mistake]:
    def run(step):
        K = init.double().clone()
        acc = torch.zeros_like(K)
        for _ in range(epochs):
            Kg = K.clone().requires_grad_(True)
            loss = ((ref_corr(X, Kg) - Y.double()) ** 2).sum()
            (grad,) = torch.autograd.grad(loss, Kg)
            K, acc = step(K, grad, acc)
        return K

    n = Y.numel()
    mistakes = [
        Mistake(run(lambda K, g, a: (K - lr * (a + g), a + g)),
                "chapter19.learn_kernel.mistake.accumulated_gradients"),
        Mistake(run(lambda K, g, a: (K + lr * g, a)),
                "chapter19.learn_kernel.mistake.gradient_ascent"),
        Mistake(run(lambda K, g, a: (K - lr * g / n, a)) if n > 1 else None,
                "chapter19.learn_kernel.mistake.mean_squared_error"),
        Mistake(run(lambda K, g, a: (K - lr * g / 2, a)),
                "chapter19.learn_kernel.mistake.half_squared_error"),
        Mistake(init.double(), "chapter19.learn_kernel.mistake.did_not_move"),
    ]
    return [m for m in mistakes if m.value is not None]


@pytest.mark.exercise("learn_kernel")
def test_learn_kernel_on_d2l_edges(learner):
    X = d2l_edge_image(learner.device)
    Y = ref_corr(X, torch.tensor([[1.0, -1.0]], device=learner.device)).float()
    got = learner.call(X, Y, (1, 2))
    inputs = [("X", X), ("Y", Y), ("kernel_size", (1, 2))]
    target = torch.tensor([[1.0, -1.0]], device=learner.device)
    if isinstance(got, torch.Tensor) and tuple(got.shape) == (1, 2) and \
            float((got.detach().double() - target.double().cpu()).abs().max()) < 0.5:
        return
    expect_tensor(got, target, call=said("chapter19.learn_kernel.edges_call"),
                  inputs=inputs, scale=1e4, shape_why=KERNEL_SHAPE)
    raise Mismatch("mismatch", reason="mm.value",
                   params={"expected": said("chapter19.learn_kernel.near_edge_kernel"),
                           "got": [[round(float(v), 4) for v in got.reshape(-1).tolist()]]},
                   diagnosis=None, shape_why=None, call="learn_kernel(X, Y, (1, 2))",
                   inputs=inputs, expected=None, actual=None)


def edge_loss(X: torch.Tensor, Y: torch.Tensor, K: torch.Tensor) -> float:
    return float(((ref_corr(X.cpu(), K.detach().cpu()) - Y.double().cpu()) ** 2).sum())


def expect_kernel(got: Any, kernel_size: tuple[int, int], call: str, inputs: list,
                  device: str) -> None:
    """A tensor of shape kernel_size on the inputs' device, floating, finite, detached."""
    expect_tensor(got, torch.zeros(kernel_size, device=device), call=call, inputs=inputs,
                  scale=1e12, shape_why=KERNEL_SHAPE)
    if getattr(got, "requires_grad", False):
        raise not_detached(call, inputs)


def rounded(K: torch.Tensor) -> list:
    return [[round(float(v), 4) for v in row] for row in K.detach().cpu().reshape(K.shape[0], -1)]


def start_mismatch(call: Any, inputs: list, expected: Any, got: Any) -> Mismatch:
    return Mismatch("mismatch", reason="mm.value", params={"expected": expected, "got": got},
                    diagnosis=[said("chapter19.learn_kernel.mistake.not_random_start")],
                    shape_why=None, call=call, inputs=inputs, expected=None, actual=None)


@pytest.mark.exercise("learn_kernel")
def test_learn_kernel_starts_from_a_random_kernel(learner):
    """init=None: a random start of any distribution (torch.randn, or nn.Conv2d's own
    initialisation as the book does), not a constant, another one at every call; from it,
    gradient descent lowers the loss. The start is seen with lr=0, and the same start is
    descended from by a call after the same torch.manual_seed."""
    X = d2l_edge_image(learner.device)
    Y = ref_corr(X, torch.tensor([[1.0, -1.0]], device=learner.device)).float()
    size = (1, 2)
    still = [("X", X), ("Y", Y), ("kernel_size", size), ("lr", 0.0), ("num_epochs", 1)]
    call = "learn_kernel(X, Y, (1, 2), lr=0.0, num_epochs=1)"
    starts = [learner.probe("seeded_call", X, Y, size, 0.0, 1, seed=seed, shown=(call, still))
              for seed in (1, 2)]
    for start in starts:
        expect_kernel(start, size, call, still, str(X.device))
    first, second = (s.detach().double().cpu() for s in starts)
    if bool((first == first.reshape(-1)[0]).all()):
        raise start_mismatch(call, still, said("chapter19.learn_kernel.a_random_kernel"),
                             said("chapter19.learn_kernel.constant_kernel",
                                  kernel=str(rounded(first))))
    if torch.equal(first, second):
        raise start_mismatch(said("chapter19.learn_kernel.called_twice", call=call), still,
                             said("chapter19.learn_kernel.new_kernel_every_call"),
                             said("chapter19.learn_kernel.same_kernel_twice",
                                  kernel=str(rounded(first))))
    moved = "learn_kernel(X, Y, (1, 2))  (lr=3e-2, num_epochs=10)"
    inputs = [("X", X), ("Y", Y), ("kernel_size", size)]
    learned = learner.probe("seeded_call", X, Y, size, seed=1, shown=(moved, inputs))
    expect_kernel(learned, size, moved, inputs, str(X.device))
    before, after = edge_loss(X, Y, starts[0]), edge_loss(X, Y, learned)
    if not after < before:
        raise Mismatch("mismatch", reason="mm.value",
                       params={"expected": said("chapter19.learn_kernel.loss_below_start",
                                                before=before, start=str(rounded(first))),
                               "got": said("chapter19.learn_kernel.loss_of",
                                           after=after, kernel=str(rounded(learned)))},
                       diagnosis=[said("chapter19.learn_kernel.mistake.loss_not_lowered")],
                       shape_why=None, call=moved, inputs=inputs, expected=None, actual=None)
