"""Chapter 19 checks: cross-correlation, Conv2D, 1-D/3-D correlation, true convolution, the edge
kernel, and learning a kernel by gradient descent.

References come from PyTorch's own operators (``F.conv1d/2d/3d``, autograd) computed here, in
float64, in the verdict process.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F
from hypothesis import example, given
from hypothesis import strategies as st

from grader.checks import budget, fresh
from grader.compare import Mistake, expect_equal, expect_tensor, said, tell_apart
from grader.outcomes import Mismatch
from grader.strategies import input_and_kernel, place, tensors

CHAPTER = "chapter19"

VALID_SHAPE = ("the output has n - k + 1 positions along each axis (valid mode, no padding)",
               "输出在每个轴上有 n - k + 1 个位置（有效模式，无填充）")


def ref_corr(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """Cross-correlation of any of 1, 2 or 3 dimensions, by PyTorch, in float64."""
    conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[X.dim()]
    return conv(X.double()[None, None], K.double()[None, None])[0, 0]


def corr_mistakes(X: torch.Tensor, K: torch.Tensor) -> list[Mistake]:
    """What the classic wrong versions of a cross-correlation return on this input."""
    dims = tuple(range(K.dim()))
    out = [Mistake(ref_corr(X, K.flip(dims)),
                   "your result equals the true convolution: cross-correlation does not flip "
                   "the kernel.",
                   "你的结果等于真正的卷积：互相关运算不翻转卷积核。"),
           *[Mistake(ref_corr(X, K.flip((axis,))),
                     f"your kernel is flipped along axis {axis}: cross-correlation uses K as it "
                     "is, K[a, b] with X[i + a, j + b].",
                     f"你的卷积核沿第 {axis} 个轴翻转了：互相关直接使用 K，K[a, b] 对应 X[i + a, j + b]。")
             for axis in dims if K.dim() > 1],
           Mistake(ref_corr(X, K) / K.numel(),
                   "your result is the mean of each window's products; take the sum.",
                   "你的结果是每个窗口乘积的平均值；应该求和。")]
    if K.dim() == 2 and K.shape[0] == K.shape[1]:
        out.append(Mistake(ref_corr(X, K.t()),
                           "your result equals the correlation with the transposed kernel: "
                           "K[a, b] multiplies X[i + a, j + b] (rows with rows).",
                           "你的结果等于与转置卷积核的互相关：K[a, b] 应与 X[i + a, j + b] 相乘（行对行）。"))
    return out


def abs_scale(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """What each output element is summed from: the scale of its rounding error."""
    return ref_corr(X.abs(), K.abs())


def further_calls(learner: Any, X: torch.Tensor, K: torch.Tensor, mistakes: Any) -> Any:
    """The learner's function and ``mistakes(X, K)`` on new values of X and K's shapes: what
    tells apart mistakes that agree on the failing input (``grader.compare.tell_apart``)."""
    return tell_apart(lambda X, K: (learner.call(X, K), mistakes(X, K)),
                      fresh((X, K), grow=(2, 1)))


# -- corr2d -------------------------------------------------------------------------------------

@pytest.mark.exercise("corr2d")
def test_corr2d_book_example(learner):
    X = place(torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]), learner.device)
    K = place(torch.tensor([[0.0, 1.0], [2.0, 3.0]]), learner.device)
    expected = torch.tensor([[19.0, 25.0], [37.0, 43.0]], device=learner.device)
    expect_tensor(learner.call(X, K), expected, call="corr2d(X, K)",
                  inputs=[("X", X), ("K", K)], shape_why=VALID_SHAPE,
                  mistakes=corr_mistakes(X, K), further=further_calls(learner, X, K, corr_mistakes))


@pytest.mark.exercise("corr2d")
@budget(30)
@given(input_and_kernel(ndim=2))
@example((torch.arange(15.0).reshape(3, 5) % 7 - 3,  # a rectangular (2, 4) output
          torch.tensor([[1.0, -2.0], [3.0, 0.0]])))
def test_corr2d_matches_conv2d(learner, xk):
    X, K = place(xk, learner.device)
    expect_tensor(learner.call(X, K), ref_corr(X, K), call="corr2d(X, K)",
                  inputs=[("X", X), ("K", K)], scale=abs_scale(X, K), shape_why=VALID_SHAPE,
                  mistakes=corr_mistakes(X, K), further=further_calls(learner, X, K, corr_mistakes))


# -- Conv2D -------------------------------------------------------------------------------------

kernel_sizes = st.tuples(st.integers(1, 4), st.integers(1, 4))


@pytest.mark.exercise("Conv2D")
@budget(5)
@given(kernel_sizes)
def test_conv2d_parameters(learner, kernel_size):
    handle, _ = learner.new(kernel_size)
    params = learner.probe("parameters", handle=handle)
    call = f"Conv2D({kernel_size})"
    got = {name: tuple(p.shape) for name, p in params.items()}
    expect_equal(got, {"weight": kernel_size, "bias": (1,)}, call=call,
                 inputs=[("kernel_size", kernel_size)],
                 why=("the layer's parameters, name -> shape: weight has the kernel's shape and "
                      "bias shape (1,); both must be nn.Parameter",
                      "层的参数（名称 -> 形状）：weight 的形状与卷积核相同，bias 的形状为 (1,)；"
                      "两者都必须是 nn.Parameter"))


def conv2d_mistakes(X: torch.Tensor, K: torch.Tensor) -> list[Mistake]:
    return [Mistake(ref_corr(X, K), "your forward ignores the bias.",
                    "你的 forward 忽略了偏置。")] + corr_mistakes(X, K)


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
                        shown=(said(f"Conv2D({tuple(K.shape)})(x), then backward",
                                    f"Conv2D({tuple(K.shape)})(x)，然后反向传播"),
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
                params={"expected": said(f"a gradient for self.{name}", f"self.{name} 的梯度"),
                        "got": said("None: no gradient reached it", "None：没有梯度到达它")},
                diagnosis=(f"your forward leaves autograd on the way from self.{name} to the "
                           "output: .item(), float(...), .tolist(), .numpy(), torch.tensor(...) "
                           "of computed values or .detach() cut the graph. Compute the output "
                           "with tensor operations only.",
                           f"你的 forward 在从 self.{name} 到输出的路径上脱离了自动求导："
                           ".item()、float(...)、.tolist()、.numpy()、用计算结果构造 "
                           "torch.tensor(...) 或 .detach() 都会切断计算图。请只用张量运算计算输出。"),
                shape_why=None, call=grad_call(name), inputs=inputs_g,
                expected=None, actual=None)
        expect_tensor(grads.get(name), expected, call=grad_call(name),
                      inputs=inputs_g, scale=scale,
                      shape_why=("the gradient has the parameter's shape",
                                 "梯度的形状与参数相同"))


def grad_call(name: str) -> dict:
    return said(f"Conv2D.{name}.grad after backward", f"反向传播后的 Conv2D.{name}.grad")


NOT_DETACHED = {"expected": said("a detached tensor (requires_grad=False)",
                                 "分离后的张量（requires_grad=False）"),
                "got": said("a tensor that requires grad", "需要梯度的张量")}


# -- corr1d, corr3d -----------------------------------------------------------------------------

@pytest.mark.exercise("corr1d")
def test_corr1d_example(learner):
    x = place(torch.tensor([0.0, 1.0, 2.0, 3.0]), learner.device)
    k = place(torch.tensor([1.0, 2.0]), learner.device)
    expect_tensor(learner.call(x, k), torch.tensor([2.0, 5.0, 8.0], device=learner.device),
                  call="corr1d(x, k)", inputs=[("x", x), ("k", k)], shape_why=VALID_SHAPE,
                  mistakes=corr_mistakes(x, k), further=further_calls(learner, x, k, corr_mistakes))


@pytest.mark.exercise("corr1d")
@budget(20)
@given(input_and_kernel(ndim=1, max_side=8))
def test_corr1d_matches_conv1d(learner, xk):
    x, k = place(xk, learner.device)
    expect_tensor(learner.call(x, k), ref_corr(x, k), call="corr1d(x, k)",
                  inputs=[("x", x), ("k", k)], scale=abs_scale(x, k), shape_why=VALID_SHAPE,
                  mistakes=corr_mistakes(x, k), further=further_calls(learner, x, k, corr_mistakes))


@pytest.mark.exercise("corr3d")
@budget(20)
@given(input_and_kernel(ndim=3, max_side=4))
def test_corr3d_matches_conv3d(learner, xk):
    X, K = place(xk, learner.device)
    expect_tensor(learner.call(X, K), ref_corr(X, K), call="corr3d(X, K)",
                  inputs=[("X", X), ("K", K)], scale=abs_scale(X, K), shape_why=VALID_SHAPE,
                  mistakes=corr_mistakes(X, K), further=further_calls(learner, X, K, corr_mistakes))


# -- conv2d_true --------------------------------------------------------------------------------

def true_conv_mistakes(X: torch.Tensor, K: torch.Tensor) -> list[Mistake]:
    return [Mistake(ref_corr(X, K), "your result is the cross-correlation: flip the kernel first.",
                    "你的结果是互相关：需要先翻转卷积核。"),
            Mistake(ref_corr(X, K.flip((0,))),
                    "you flipped the kernel up-down only; flip it left-right too.",
                    "你只上下翻转了卷积核；还需要左右翻转。"),
            Mistake(ref_corr(X, K.flip((1,))),
                    "you flipped the kernel left-right only; flip it up-down too.",
                    "你只左右翻转了卷积核；还需要上下翻转。"),
            Mistake(ref_corr(X, K.t()) if K.shape[0] == K.shape[1] else None,
                    "you transposed the kernel; a 180° rotation (flip on both axes) is needed.",
                    "你转置了卷积核；需要的是旋转 180°（两个轴都翻转）。")]
    # (the transpose is defined for a square kernel only: a value of None never matches)


@pytest.mark.exercise("conv2d_true")
def test_conv2d_true_example(learner):
    X = place(torch.arange(9.0).reshape(3, 3), learner.device)
    K = place(torch.tensor([[0.0, 1.0], [2.0, 3.0]]), learner.device)
    expect_tensor(learner.call(X, K), torch.tensor([[5.0, 11.0], [23.0, 29.0]],
                                                   device=learner.device),
                  call="conv2d_true(X, K)", inputs=[("X", X), ("K", K)],
                  shape_why=VALID_SHAPE, mistakes=true_conv_mistakes(X, K),
                  further=further_calls(learner, X, K, true_conv_mistakes))


@pytest.mark.exercise("conv2d_true")
@budget(25)
@given(input_and_kernel(ndim=2))
def test_conv2d_true_flips_both_axes(learner, xk):
    X, K = place(xk, learner.device)
    expect_tensor(learner.call(X, K), ref_corr(X, K.flip((0, 1))), call="conv2d_true(X, K)",
                  inputs=[("X", X), ("K", K)], scale=abs_scale(X, K), shape_why=VALID_SHAPE,
                  mistakes=true_conv_mistakes(X, K),
                  further=further_calls(learner, X, K, true_conv_mistakes))


# -- edge_kernel --------------------------------------------------------------------------------

def d2l_edge_image(device: str) -> torch.Tensor:
    X = torch.ones((6, 8), device=device)
    X[:, 2:6] = 0
    return X


@pytest.mark.exercise("edge_kernel")
def test_edge_kernel(learner):
    K = learner.call()
    expected = torch.tensor([[1.0, -1.0]], device=learner.device)
    expect_tensor(K, expected.cpu(), call="edge_kernel()", inputs=[], device="cpu",
                  shape_why=("a 1x2 kernel: one row, two neighbouring columns",
                             "1x2 的卷积核：一行，两个相邻的列"),
                  mistakes=[Mistake(-expected.cpu(),
                                    "the signs are reversed: white (1) to black (0) must give +1.",
                                    "符号反了：白（1）到黑（0）应该得到 +1。")])


@pytest.mark.exercise("edge_kernel")
def test_edge_kernel_on_d2l_image(learner):
    K = learner.call().to(learner.device)
    X = d2l_edge_image(learner.device)
    row = torch.tensor([0.0, 1.0, 0.0, 0.0, 0.0, -1.0, 0.0], device=learner.device)
    expect_tensor(ref_corr(X, K).float(), row.expand(6, 7), call="corr2d(X, edge_kernel())",
                  inputs=[("X", X)])
    expect_tensor(ref_corr(X.t(), K).float(), torch.zeros(8, 5, device=learner.device),
                  call=said("corr2d(X.t(), edge_kernel())  (horizontal edges are not detected)",
                            "corr2d(X.t(), edge_kernel())（水平边缘不应被检测到）"),
                  inputs=[("X.t()", X.t())])


# -- learn_kernel -------------------------------------------------------------------------------

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
                  inputs=inputs, scale=scale * 10,
                  shape_why=("the learned kernel has the shape kernel_size",
                             "学到的卷积核形状为 kernel_size"),
                  mistakes=descent_mistakes(X, Y, init, lr, epochs),
                  further=tell_apart(lambda X, Y, init: descend_again(learner, X, Y, init, epochs),
                                     fresh((X, Y, init), grow=(2, 1, 1))))
    if getattr(got, "requires_grad", False):
        raise Mismatch("mismatch", reason="mm.value",
                       params=NOT_DETACHED,
                       diagnosis=("return K.detach().", "返回 K.detach()。"), shape_why=None,
                       call="learn_kernel(...)", inputs=inputs, expected=None, actual=None)


def descend_again(learner: Any, X: torch.Tensor, Y: torch.Tensor, init: torch.Tensor,
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
                "your gradients accumulate across epochs: reset K.grad after every step.",
                "你的梯度在迭代周期之间累加了：每一步之后都要把 K.grad 清零。"),
        Mistake(run(lambda K, g, a: (K + lr * g, a)),
                "your kernel moves up the gradient (gradient ascent): subtract lr * grad.",
                "你的卷积核沿梯度方向上升了（梯度上升）：应该减去 lr * grad。"),
        Mistake(run(lambda K, g, a: (K - lr * g / n, a)) if n > 1 else None,
                "your loss is the mean squared error; the exercise uses the sum.",
                "你的损失是均方误差；本练习使用平方误差之和。"),
        Mistake(run(lambda K, g, a: (K - lr * g / 2, a)),
                "your loss is half the squared error (d2l's squared_loss divides by 2); this "
                "exercise uses the sum of (Y_hat - Y) ** 2, as d2l's section 6.2 does.",
                "你的损失是平方误差的一半（d2l 的 squared_loss 除以了 2）；本练习与 d2l 第 6.2 节"
                "一样，使用 (Y_hat - Y) ** 2 之和。"),
        Mistake(init.double(), "your kernel did not move from init.",
                "你的卷积核没有离开初始值。"),
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
    expect_tensor(got, target, call=said("learn_kernel(X, Y, (1, 2))  (init=None, lr=3e-2, "
                                         "10 epochs)", "learn_kernel(X, Y, (1, 2))（init=None，"
                                         "lr=3e-2，10 个迭代周期）"),
                  inputs=inputs, scale=1e4,
                  shape_why=("the learned kernel has the shape kernel_size",
                             "学到的卷积核形状为 kernel_size"))
    raise Mismatch("mismatch", reason="mm.value",
                   params={"expected": said("a kernel within 0.5 of [[1, -1]] after 10 epochs",
                                            "10 个迭代周期后与 [[1, -1]] 相差不超过 0.5 的卷积核"),
                           "got": [[round(float(v), 4) for v in got.reshape(-1).tolist()]]},
                   diagnosis=None, shape_why=None, call="learn_kernel(X, Y, (1, 2))",
                   inputs=inputs, expected=None, actual=None)


def edge_loss(X: torch.Tensor, Y: torch.Tensor, K: torch.Tensor) -> float:
    return float(((ref_corr(X.cpu(), K.detach().cpu()) - Y.double().cpu()) ** 2).sum())


def expect_kernel(got: Any, kernel_size: tuple[int, int], call: str, inputs: list,
                  device: str) -> None:
    """A tensor of shape kernel_size on the inputs' device, floating, finite, detached."""
    expect_tensor(got, torch.zeros(kernel_size, device=device), call=call, inputs=inputs,
                  scale=1e12, shape_why=("the learned kernel has the shape kernel_size",
                                         "学到的卷积核形状为 kernel_size"))
    if getattr(got, "requires_grad", False):
        raise Mismatch("mismatch", reason="mm.value",
                       params=NOT_DETACHED,
                       diagnosis=("return K.detach().", "返回 K.detach()。"), shape_why=None,
                       call=call, inputs=inputs, expected=None, actual=None)


def rounded(K: torch.Tensor) -> list:
    return [[round(float(v), 4) for v in row] for row in K.detach().cpu().reshape(K.shape[0], -1)]


def start_mismatch(call: Any, inputs: list, expected: Any, got: Any) -> Mismatch:
    return Mismatch("mismatch", reason="mm.value", params={"expected": expected, "got": got},
                    diagnosis=("with init=None, start from a random kernel: torch.randn("
                               "kernel_size), or nn.Conv2d(1, 1, kernel_size, bias=False)'s own "
                               "initialisation as the book does; not a constant, and without "
                               "seeding the generator yourself.",
                               "init=None 时应从随机卷积核开始：torch.randn(kernel_size)，或像书中"
                               "那样使用 nn.Conv2d(1, 1, kernel_size, bias=False) 自带的初始化；"
                               "不要用常数，也不要自己设置随机种子。"),
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
        raise start_mismatch(call, still, said("a random kernel", "随机卷积核"),
                             said(f"the constant kernel {rounded(first)}",
                                  f"常数卷积核 {rounded(first)}"))
    if torch.equal(first, second):
        raise start_mismatch(said(call + " called twice", call + "，调用两次"), still,
                             said("a new random kernel at every call", "每次调用都是新的随机卷积核"),
                             said(f"the same kernel {rounded(first)} both times",
                                  f"两次都是同一个卷积核 {rounded(first)}"))
    moved = "learn_kernel(X, Y, (1, 2))  (lr=3e-2, num_epochs=10)"
    inputs = [("X", X), ("Y", Y), ("kernel_size", size)]
    learned = learner.probe("seeded_call", X, Y, size, seed=1, shown=(moved, inputs))
    expect_kernel(learned, size, moved, inputs, str(X.device))
    before, after = edge_loss(X, Y, starts[0]), edge_loss(X, Y, learned)
    if not after < before:
        raise Mismatch("mismatch", reason="mm.value",
                       params={"expected": said(f"a loss below the start's ({before:.4g}, "
                                                f"the start being {rounded(first)})",
                                                f"低于起点的损失（{before:.4g}，起点为 "
                                                f"{rounded(first)}）"),
                               "got": said(f"loss {after:.4g} for {rounded(learned)}",
                                           f"{rounded(learned)} 的损失为 {after:.4g}")},
                       diagnosis=("gradient descent lowers the loss: K -= lr * K.grad, with "
                                  "the gradient of ((corr2d(X, K) - Y) ** 2).sum().",
                                  "梯度下降会降低损失：K -= lr * K.grad，梯度来自 "
                                  "((corr2d(X, K) - Y) ** 2).sum()。"),
                       shape_why=None, call=moved, inputs=inputs, expected=None, actual=None)
