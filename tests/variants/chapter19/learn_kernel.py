"""learn_kernel's mutants (edits of the reference, or other programs) and alternatives."""

from tests.variants import Variant, edit

START = "K = torch.randn(kernel_size, device=X.device) if init is None else init.detach().clone()"
LOSS = "loss = ((corr2d(X, K) - Y) ** 2).sum()"
STEP = "K -= lr * K.grad"

VARIANTS = [
    Variant("missing gradient reset", edit("        K.grad.zero_()\n", ""), "failed",
            "reset K.grad"),
    Variant("gradient ascent", edit(STEP, "K += lr * K.grad"), "failed", "gradient ascent"),
    Variant("mean squared error", edit(LOSS, "loss = ((corr2d(X, K) - Y) ** 2).mean()"),
            "failed", "mean squared error"),
    Variant("half the squared error (d2l's squared_loss)",
            edit(LOSS, "loss = ((corr2d(X, K) - Y) ** 2 / 2).sum()"),
            "failed", "half the squared error"),
    Variant("init ignored", edit(START, "K = torch.randn(kernel_size, device=X.device)"),
            "failed"),
    Variant("lr hard-coded", edit(STEP, "K -= 3e-2 * K.grad"), "failed"),
    Variant("one epoch too many", edit("range(num_epochs)", "range(num_epochs + 1)"), "failed"),
    Variant("updates init in place", """
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
    Variant("starts from zeros when init is None",
            edit("torch.randn(kernel_size, device=X.device)",
                 "torch.zeros(kernel_size, device=X.device)"),
            "failed", "random kernel"),
    Variant("seeds the generator itself",
            edit("    " + START, "    torch.manual_seed(0)\n    " + START),
            "failed", "new random kernel at every call"),
    Variant("a random start, but gradient ascent when init is None",
            (edit("    " + START, "    sign = 1.0 if init is None else -1.0\n    " + START),
             edit(STEP, "K += sign * lr * K.grad")),
            "failed"),
    Variant("returns a tensor that still requires grad", edit("return K.detach()", "return K"),
            "failed", "detach"),
    # alternatives
    Variant("d2l's nn.Conv2d loop", """
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
    Variant("the book's nn.Conv2d with its own initialisation", """
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
    Variant("torch.rand start, K = K - lr * grad", """
def learn_kernel(X, Y, kernel_size, lr=3e-2, num_epochs=10, init=None):
    K = (torch.rand(kernel_size) * 2 - 1) if init is None else init.clone()
    for _ in range(num_epochs):
        K = K.detach().requires_grad_(True)
        ((corr2d(X, K) - Y) ** 2).sum().backward()
        K = K - lr * K.grad
    return K.detach()
"""),
    Variant("gradient by hand, no autograd", """
def learn_kernel(X, Y, kernel_size, lr=3e-2, num_epochs=10, init=None):
    K = torch.randn(kernel_size) if init is None else init.clone()
    for _ in range(num_epochs):
        R = corr2d(X, K) - Y
        K = K - lr * 2 * corr2d(X, R)
    return K
"""),
]
