"""Chapter 19: plausible wrong learner code must fail with the right outcome, correct code in
other styles must pass. All variants are graded in one batch (see tests/support.py)."""

from __future__ import annotations

import pytest

from tests.support import (
    assert_alternative_passes,
    assert_chinese,
    assert_mutant_caught,
    assert_no_two_diagnoses,
    assert_one_diagnosis,
    case_id,
    grade_batch,
    variant_jobs,
    variant_results,
)

MODULE = "chapter19_conv"

# (exercise, label, replacement source, expected outcome, text the output must contain)
MUTANTS = [
    ("corr2d", "off-by-one output shape", """
def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h, X.shape[1] - w))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
""", "failed", "expected shape"),
    ("corr2d", "one position short in the loops", """
def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0] - 1):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
""", "failed", "largest difference"),
    ("corr2d", "flipped kernel", """
def corr2d(X, K):
    K = torch.flip(K, dims=(0, 1))
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
""", "failed", "true convolution"),
    ("corr2d", "square kernels only", """
def corr2d(X, K):
    h = w = K.shape[0]
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
""", "failed", ""),
    ("corr2d", "mean instead of sum", """
def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).mean()
    return Y
""", "failed", "mean"),
    ("corr2d", "integer output", """
def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), dtype=torch.int64)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
""", "failed", "floating-point"),
    ("corr2d", "windows multiplied in place (mutates X)", """
def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i:i + h, j:j + w]
            window *= K
            Y[i, j] = window.sum()
    return Y
""", "failed", ""),
    ("corr2d", "correct values but X modified afterwards", """
def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    X.add_(1)
    return Y
""", "failed", "modified its input X"),
    ("corr2d", "rows and columns swapped", """
def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K.t().reshape(h, w)).sum()
    return Y
""", "failed", ""),
    ("corr2d", "returns a NumPy array", """
def corr2d(X, K):
    import numpy as np
    x, k = X.numpy(), K.numpy()
    h, w = k.shape
    Y = np.zeros((x.shape[0] - h + 1, x.shape[1] - w + 1), dtype=np.float32)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (x[i:i + h, j:j + w] * k).sum()
    return Y
""", "failed", "torch.Tensor"),
    ("corr2d", "F.conv2d", """
def corr2d(X, K):
    import torch.nn.functional as F
    return F.conv2d(X[None, None], K[None, None])[0, 0]
""", "forbidden", "torch.nn.functional.conv2d"),
    ("corr2d", "nn.Conv2d module", """
def corr2d(X, K):
    conv = nn.Conv2d(1, 1, K.shape, bias=False)
    conv.weight.data = K[None, None].clone()
    return conv(X[None, None])[0, 0].detach()
""", "forbidden", "conv2d"),
    ("corr2d", "conv reached through getattr", """
def corr2d(X, K):
    op = getattr(torch, "con" + "v2d")
    return op(X[None, None], K[None, None])[0, 0]
""", "forbidden", "conv2d"),
    ("corr2d", "conv swallowed by a bare except", """
def corr2d(X, K):
    try:
        return torch.nn.functional.conv2d(X[None, None], K[None, None])[0, 0]
    except:
        pass
    h, w = K.shape
    return X[: X.shape[0] - h + 1, : X.shape[1] - w + 1] * 0
""", "forbidden", "conv2d"),
    ("corr2d", "raises on rectangular input", """
def corr2d(X, K):
    assert X.shape[0] == X.shape[1], "square only"
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
""", "error", "AssertionError: square only"),
    ("Conv2D", "forward ignores the bias", """
class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return corr2d(x, self.weight)
""", "failed", "ignores the bias"),
    ("Conv2D", "forward through .item() (no gradient reaches the weight)", """
class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        h, w = self.weight.shape
        Y = torch.zeros((x.shape[0] - h + 1, x.shape[1] - w + 1))
        for i in range(Y.shape[0]):
            for j in range(Y.shape[1]):
                Y[i, j] = (x[i:i + h, j:j + w] * self.weight).sum().item()
        return Y + self.bias
""", "failed", "cut the graph"),
    ("Conv2D", "bias is a plain tensor, not a parameter", """
class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = torch.zeros(1)

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias
""", "failed", "nn.Parameter"),
    ("Conv2D", "weight with the kernel's shape transposed", """
class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size[::-1]))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias
""", "failed", ""),
    ("Conv2D", "weight detached in forward (no gradient)", """
class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return corr2d(x, self.weight.detach()) + self.bias
""", "failed", "weight.grad"),
    ("Conv2D", "bias with the kernel's shape", """
class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(kernel_size))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias[0, 0]
""", "failed", ""),
    ("corr1d", "flipped kernel", """
def corr1d(x, k):
    k = k.flip(0)
    w = k.shape[0]
    return torch.stack([(x[i:i + w] * k).sum() for i in range(x.shape[0] - w + 1)])
""", "failed", "true convolution"),
    ("corr1d", "off by one", """
def corr1d(x, k):
    w = k.shape[0]
    return torch.stack([(x[i:i + w] * k).sum() for i in range(x.shape[0] - w)] + [x[:0].sum()])
""", "failed", ""),
    ("corr3d", "depth window of one plane", """
def corr3d(X, K):
    d, h, w = K.shape
    Y = torch.zeros((X.shape[0] - d + 1, X.shape[1] - h + 1, X.shape[2] - w + 1))
    for a in range(Y.shape[0]):
        for i in range(Y.shape[1]):
            for j in range(Y.shape[2]):
                Y[a, i, j] = (X[a, i:i + h, j:j + w] * K[0]).sum()
    return Y
""", "failed", ""),
    ("corr3d", "F.conv3d", """
def corr3d(X, K):
    return torch.nn.functional.conv3d(X[None, None], K[None, None])[0, 0]
""", "forbidden", "conv3d"),
    ("conv2d_true", "no flip", """
def conv2d_true(X, K):
    return corr2d(X, K)
""", "failed", "cross-correlation"),
    ("conv2d_true", "flip on one axis", """
def conv2d_true(X, K):
    return corr2d(X, torch.flip(K, dims=(1,)))
""", "failed", "left-right only"),
    ("conv2d_true", "transposed kernel", """
def conv2d_true(X, K):
    return corr2d(X, K.t().contiguous()) if K.shape[0] == K.shape[1] else corr2d(X, K.flip((0, 1)).t().t())
""", "failed", ""),
    ("edge_kernel", "signs reversed", """
def edge_kernel():
    return torch.tensor([[-1.0, 1.0]])
""", "failed", "signs are reversed"),
    ("edge_kernel", "integer kernel", """
def edge_kernel():
    return torch.tensor([[1, -1]])
""", "failed", "floating-point"),
    ("edge_kernel", "vector, not 1x2", """
def edge_kernel():
    return torch.tensor([1.0, -1.0])
""", "failed", "expected shape (1, 2)"),
    ("learn_kernel", "missing gradient reset", """
def learn_kernel(X, Y, kernel_size, lr=3e-2, num_epochs=10, init=None):
    K = torch.randn(kernel_size) if init is None else init.clone()
    K.requires_grad_(True)
    for _ in range(num_epochs):
        loss = ((corr2d(X, K) - Y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            K -= lr * K.grad
    return K.detach()
""", "failed", "reset K.grad"),
    ("learn_kernel", "gradient ascent", """
def learn_kernel(X, Y, kernel_size, lr=3e-2, num_epochs=10, init=None):
    K = torch.randn(kernel_size) if init is None else init.clone()
    K.requires_grad_(True)
    for _ in range(num_epochs):
        loss = ((corr2d(X, K) - Y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            K += lr * K.grad
        K.grad.zero_()
    return K.detach()
""", "failed", "gradient ascent"),
    ("learn_kernel", "mean squared error", """
def learn_kernel(X, Y, kernel_size, lr=3e-2, num_epochs=10, init=None):
    K = torch.randn(kernel_size) if init is None else init.clone()
    K.requires_grad_(True)
    for _ in range(num_epochs):
        loss = ((corr2d(X, K) - Y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            K -= lr * K.grad
        K.grad.zero_()
    return K.detach()
""", "failed", "mean squared error"),
    ("learn_kernel", "half the squared error (d2l's squared_loss)", """
def learn_kernel(X, Y, kernel_size, lr=3e-2, num_epochs=10, init=None):
    K = torch.randn(kernel_size) if init is None else init.clone()
    K.requires_grad_(True)
    for _ in range(num_epochs):
        loss = ((corr2d(X, K) - Y) ** 2 / 2).sum()
        loss.backward()
        with torch.no_grad():
            K -= lr * K.grad
        K.grad.zero_()
    return K.detach()
""", "failed", "half the squared error"),
    ("learn_kernel", "init ignored", """
def learn_kernel(X, Y, kernel_size, lr=3e-2, num_epochs=10, init=None):
    K = torch.randn(kernel_size, requires_grad=True)
    for _ in range(num_epochs):
        loss = ((corr2d(X, K) - Y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            K -= lr * K.grad
        K.grad.zero_()
    return K.detach()
""", "failed", ""),
    ("learn_kernel", "lr hard-coded", """
def learn_kernel(X, Y, kernel_size, lr=3e-2, num_epochs=10, init=None):
    K = torch.randn(kernel_size) if init is None else init.clone()
    K.requires_grad_(True)
    for _ in range(num_epochs):
        loss = ((corr2d(X, K) - Y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            K -= 3e-2 * K.grad
        K.grad.zero_()
    return K.detach()
""", "failed", ""),
    ("learn_kernel", "one epoch too many", """
def learn_kernel(X, Y, kernel_size, lr=3e-2, num_epochs=10, init=None):
    K = torch.randn(kernel_size) if init is None else init.clone()
    K.requires_grad_(True)
    for _ in range(num_epochs + 1):
        loss = ((corr2d(X, K) - Y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            K -= lr * K.grad
        K.grad.zero_()
    return K.detach()
""", "failed", ""),
    ("learn_kernel", "updates init in place", """
def learn_kernel(X, Y, kernel_size, lr=3e-2, num_epochs=10, init=None):
    K = torch.randn(kernel_size) if init is None else init
    for _ in range(num_epochs):
        Kg = K.detach().requires_grad_(True)
        loss = ((corr2d(X, Kg) - Y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            K -= lr * Kg.grad
    return K.detach()
""", "failed", "modified its input init"),
    # init=None: any random start counts, but a constant one, or the same one every call, not
    ("learn_kernel", "starts from zeros when init is None", """
def learn_kernel(X, Y, kernel_size, lr=3e-2, num_epochs=10, init=None):
    K = torch.zeros(kernel_size) if init is None else init.clone()
    K.requires_grad_(True)
    for _ in range(num_epochs):
        loss = ((corr2d(X, K) - Y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            K -= lr * K.grad
        K.grad.zero_()
    return K.detach()
""", "failed", "random kernel"),
    ("learn_kernel", "seeds the generator itself", """
def learn_kernel(X, Y, kernel_size, lr=3e-2, num_epochs=10, init=None):
    torch.manual_seed(0)
    K = torch.randn(kernel_size) if init is None else init.clone()
    K.requires_grad_(True)
    for _ in range(num_epochs):
        loss = ((corr2d(X, K) - Y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            K -= lr * K.grad
        K.grad.zero_()
    return K.detach()
""", "failed", "new random kernel at every call"),
    ("learn_kernel", "a random start, but gradient ascent when init is None", """
def learn_kernel(X, Y, kernel_size, lr=3e-2, num_epochs=10, init=None):
    sign = 1.0 if init is None else -1.0
    K = torch.randn(kernel_size) if init is None else init.clone()
    K.requires_grad_(True)
    for _ in range(num_epochs):
        loss = ((corr2d(X, K) - Y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            K += sign * lr * K.grad
        K.grad.zero_()
    return K.detach()
""", "failed", ""),
    ("learn_kernel", "returns a tensor that still requires grad", """
def learn_kernel(X, Y, kernel_size, lr=3e-2, num_epochs=10, init=None):
    K = torch.randn(kernel_size) if init is None else init.clone()
    K.requires_grad_(True)
    for _ in range(num_epochs):
        loss = ((corr2d(X, K) - Y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            K -= lr * K.grad
        K.grad.zero_()
    return K
""", "failed", "detach"),
]

ALTERNATIVES = [
    ("corr2d", "d2l's code exactly", """
def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
"""),
    ("corr2d", "unfold", """
def corr2d(X, K):
    h, w = K.shape
    windows = X.unfold(0, h, 1).unfold(1, w, 1)
    return (windows * K).sum(dim=(-1, -2))
"""),
    ("corr2d", "einsum over F.unfold", """
def corr2d(X, K):
    import torch.nn.functional as F
    h, w = K.shape
    cols = F.unfold(X[None, None], (h, w))[0]
    return torch.einsum("k,kp->p", K.reshape(-1), cols).reshape(X.shape[0] - h + 1, X.shape[1] - w + 1)
"""),
    ("corr2d", "shifted slices", """
def corr2d(X, K):
    h, w = K.shape
    oh, ow = X.shape[0] - h + 1, X.shape[1] - w + 1
    Y = X.new_zeros((oh, ow))
    for a in range(h):
        for b in range(w):
            Y = Y + K[a, b] * X[a:a + oh, b:b + ow]
    return Y
"""),
    ("corr2d", "NumPy in float64", """
def corr2d(X, K):
    import numpy as np
    x, k = X.numpy().astype(np.float64), K.numpy().astype(np.float64)
    h, w = k.shape
    out = np.array([[np.sum(x[i:i + h, j:j + w] * k) for j in range(x.shape[1] - w + 1)]
                    for i in range(x.shape[0] - h + 1)]).reshape(x.shape[0] - h + 1, x.shape[1] - w + 1)
    return torch.from_numpy(out)
"""),
    ("Conv2D", "register_parameter and randn", """
class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.register_parameter("weight", nn.Parameter(torch.randn(*kernel_size)))
        self.register_parameter("bias", nn.Parameter(torch.zeros(1)))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias
"""),
    ("corr1d", "unfold", """
def corr1d(x, k):
    return (x.unfold(0, k.shape[0], 1) * k).sum(-1)
"""),
    ("corr1d", "NumPy correlate", """
def corr1d(x, k):
    import numpy as np
    return torch.from_numpy(np.correlate(x.numpy(), k.numpy(), mode="valid").copy())
"""),
    ("corr3d", "unfold and einsum", """
def corr3d(X, K):
    d, h, w = K.shape
    windows = X.unfold(0, d, 1).unfold(1, h, 1).unfold(2, w, 1)
    return torch.einsum("abcxyz,xyz->abc", windows, K)
"""),
    ("conv2d_true", "explicit flipped indices", """
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
    ("conv2d_true", "NumPy [::-1, ::-1]", """
def conv2d_true(X, K):
    return corr2d(X, torch.from_numpy(K.numpy()[::-1, ::-1].copy()))
"""),
    ("edge_kernel", "float64", """
def edge_kernel():
    return torch.tensor([[1.0, -1.0]], dtype=torch.float64)
"""),
    ("learn_kernel", "d2l's nn.Conv2d loop", """
def learn_kernel(X, Y, kernel_size, lr=3e-2, num_epochs=10, init=None):
    conv2d = nn.Conv2d(1, 1, kernel_size=kernel_size, bias=False)
    if init is not None:
        conv2d.weight.data = init.clone().reshape((1, 1) + tuple(kernel_size))
    else:
        conv2d.weight.data = torch.randn((1, 1) + tuple(kernel_size))
    X = X.reshape((1, 1) + X.shape)
    Y = Y.reshape((1, 1) + Y.shape)
    for i in range(num_epochs):
        Y_hat = conv2d(X)
        l = (Y_hat - Y) ** 2
        conv2d.zero_grad()
        l.sum().backward()
        conv2d.weight.data[:] -= lr * conv2d.weight.grad
    return conv2d.weight.data.reshape(kernel_size).clone()
"""),
    # d2l 6.2.4 as the book has it: the layer keeps its own initialisation when init is None
    ("learn_kernel", "the book's nn.Conv2d with its own initialisation", """
def learn_kernel(X, Y, kernel_size, lr=3e-2, num_epochs=10, init=None):
    conv2d = nn.Conv2d(1, 1, kernel_size=kernel_size, bias=False)
    if init is not None:
        conv2d.weight.data = init.clone().reshape((1, 1) + tuple(kernel_size))
    X = X.reshape((1, 1) + X.shape)
    Y = Y.reshape((1, 1) + Y.shape)
    for i in range(num_epochs):
        Y_hat = conv2d(X)
        l = (Y_hat - Y) ** 2
        conv2d.zero_grad()
        l.sum().backward()
        conv2d.weight.data[:] -= lr * conv2d.weight.grad
    return conv2d.weight.data.reshape(kernel_size)
"""),
    ("learn_kernel", "torch.rand start, K = K - lr * grad", """
def learn_kernel(X, Y, kernel_size, lr=3e-2, num_epochs=10, init=None):
    K = (torch.rand(kernel_size) * 2 - 1) if init is None else init.clone()
    for _ in range(num_epochs):
        K = K.detach().requires_grad_(True)
        ((corr2d(X, K) - Y) ** 2).sum().backward()
        K = K - lr * K.grad
    return K.detach()
"""),
    ("learn_kernel", "gradient by hand, no autograd", """
def learn_kernel(X, Y, kernel_size, lr=3e-2, num_epochs=10, init=None):
    K = torch.randn(kernel_size) if init is None else init.clone()
    for _ in range(num_epochs):
        R = corr2d(X, K) - Y
        K = K - lr * 2 * corr2d(X, R)
    return K
"""),
]


ONE_DIAGNOSIS = [
    # Issue 18: each matched two known mistakes on its shrunk input ("... Or: ..."); a search
    # over further inputs now tells them apart.
    ("Conv2D", "forward ignores the bias", "your forward ignores the bias."),
    ("conv2d_true", "flip on one axis",
     "you flipped the kernel left-right only; flip it up-down too."),
]


_id = case_id


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    cases, jobs = variant_jobs(tmp_path_factory, MODULE, "chapter19", MUTANTS, ALTERNATIVES)
    return variant_results(cases, grade_batch(jobs), "chapter19")


@pytest.mark.slow
@pytest.mark.parametrize("case", MUTANTS, ids=_id)
def test_mutant_is_caught(graded, case):
    assert_mutant_caught(graded, case)


@pytest.mark.slow
@pytest.mark.parametrize("case", ALTERNATIVES, ids=_id)
def test_alternative_passes(graded, case):
    assert_alternative_passes(graded, case)


def test_learn_kernel_hint_says_to_clone_init():
    """The hint is read as code: "start from init, requires_grad=True" leads to
    K = init; K.requires_grad_(True), which then modifies init in place."""
    from grader.catalog import load

    exercise = load().exercise("chapter19.learn_kernel")
    assert "init.clone()" in exercise.hints("en")[-1] and "init.clone()" in exercise.hints("zh")[-1]


@pytest.mark.slow
@pytest.mark.parametrize("case", ONE_DIAGNOSIS, ids=lambda c: f"{c[0]}: {c[1]}")
def test_mutant_gets_one_diagnosis(graded, case):
    assert_one_diagnosis(graded, case)


@pytest.mark.slow
def test_no_mutant_gets_two_diagnoses(graded):
    assert_no_two_diagnoses(graded)


@pytest.mark.slow
def test_chinese_failure_output(graded):
    """Issue 18: every failure reads as Chinese under --lang zh (the same verdicts)."""
    assert_chinese(graded)
