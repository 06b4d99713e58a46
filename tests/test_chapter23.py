"""Chapter 23: plausible wrong learner code must fail with the right outcome, correct code in
other styles must pass, the reference solutions pass and the stubs are not started. All variants
are graded in one batch (see tests/support.py)."""

from __future__ import annotations

import ast

import pytest
import torch

from tests.support import (
    EXERCISES,
    SOLUTIONS,
    assert_alternative_passes,
    assert_chinese,
    assert_mutant_caught,
    case_id,
    diagnosis_lines,
    grade,
    grade_batch,
    make_folder,
    variant_jobs,
    variant_results,
)

MODULE = "chapter23_lenet"
EXERCISE_NAMES = ("lenet", "layer_shapes", "init_weights", "evaluate_accuracy", "train")

# d2l's helpers, for variants written the book's way.
D2L_HELPERS = """
class Accumulator:
    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def __getitem__(self, idx):
        return self.data[idx]


def accuracy(y_hat, y):
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())
"""


def d2l_train(*changes: tuple[str, str]) -> str:
    """d2l's train_ch6 (no init, no plots), with some lines changed."""
    code = """
def train(net, train_iter, test_iter, num_epochs, lr, device=None):
    if device is None:
        device = next(iter(net.parameters())).device
    net.to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    history = {"train_loss": [], "train_acc": [], "test_acc": []}
    for epoch in range(num_epochs):
        metric = Accumulator(3)
        net.train()
        for i, (X, y) in enumerate(train_iter):
            optimizer.zero_grad()
            X, y = X.to(device), y.to(device)
            y_hat = net(X)
            l = loss(y_hat, y)
            l.backward()
            optimizer.step()
            with torch.no_grad():
                metric.add(l * X.shape[0], accuracy(y_hat, y), X.shape[0])
        history["train_loss"].append(metric[0] / metric[2])
        history["train_acc"].append(metric[1] / metric[2])
        history["test_acc"].append(evaluate_accuracy(net, test_iter))
    return history
""" + D2L_HELPERS
    for old, new in changes:
        assert old in code, old
        code = code.replace(old, new)
    return code


def lenet_with(old: str, new: str) -> str:
    code = """
def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))
"""
    assert old in code, old
    return code.replace(old, new)


EVAL_LOOP = """
def evaluate_accuracy(net, data_iter, device=None):
    net.eval()
    if device is None:
        device = next(net.parameters()).device
    correct, total = 0, 0
    with torch.no_grad():
        for X, y in data_iter:
            X, y = X.to(device), y.to(device)
            correct += int((net(X).argmax(dim=1) == y).sum())
            total += y.numel()
    return correct / total
"""


def eval_with(old: str, new: str) -> str:
    assert old in EVAL_LOOP, old
    return EVAL_LOOP.replace(old, new)


# (exercise, label, replacement source, expected outcome, text the output must contain)
MUTANTS = [
    ("lenet", "ReLU instead of sigmoid",
     lenet_with("nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid()",
                "nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU()"),
     "failed", "sigmoid"),
    ("lenet", "max pooling",
     lenet_with("nn.AvgPool2d(kernel_size=2, stride=2),\n        nn.Conv2d",
                "nn.MaxPool2d(kernel_size=2, stride=2),\n        nn.Conv2d"),
     "failed", "average pooling"),
    ("lenet", "no padding in the first convolution",
     lenet_with("nn.Conv2d(1, 6, kernel_size=5, padding=2)", "nn.Conv2d(1, 6, kernel_size=5)"),
     "failed", "padding=2"),
    ("lenet", "wrong Linear sizes",
     lenet_with("nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),\n        nn.Linear(120, 84)",
                "nn.Linear(16 * 5 * 5, 100), nn.Sigmoid(),\n        nn.Linear(100, 84)"),
     "failed", "400, 120"),
    ("lenet", "no Flatten",
     lenet_with("        nn.Flatten(),\n", ""), "failed", "expected Flatten"),
    ("lenet", "built in float64: the message names lenet()(X), not the grader's probe",
     lenet_with("nn.Linear(84, 10))", "nn.Linear(84, 10)).double()"),
     "error", "lenet()(X), then backward raised RuntimeError"),
    ("lenet", "last sigmoid after the output layer",
     lenet_with("nn.Linear(84, 10))", "nn.Linear(84, 10), nn.Sigmoid())"),
     "failed", "no more layers"),
    ("lenet", "class whose forward skips a sigmoid", """
class _LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
            nn.Linear(120, 84), nn.Sigmoid(),
            nn.Linear(84, 10))

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            if i != 1:
                x = layer(x)
        return x


def lenet():
    return _LeNet()
""", "failed", "wrong values"),
    ("layer_shapes", "records the input shapes", """
def layer_shapes(net, input_shape=(1, 1, 28, 28)):
    X = torch.rand(size=input_shape)
    out = []
    for layer in net:
        out.append((layer.__class__.__name__, tuple(X.shape)))
        X = layer(X)
    return out
""", "failed", "into each layer"),
    ("layer_shapes", "shapes as lists", """
def layer_shapes(net, input_shape=(1, 1, 28, 28)):
    X = torch.rand(size=input_shape)
    out = []
    for layer in net:
        X = layer(X)
        out.append((layer.__class__.__name__, list(X.shape)))
    return out
""", "failed", "tuple of ints"),
    ("layer_shapes", "drops the batch dimension", """
def layer_shapes(net, input_shape=(1, 1, 28, 28)):
    X = torch.rand(size=input_shape)
    out = []
    for layer in net:
        X = layer(X)
        out.append((layer.__class__.__name__, tuple(X.shape[1:])))
    return out
""", "failed", "batch dimension"),
    ("layer_shapes", "hard-coded d2l table", """
def layer_shapes(net, input_shape=(1, 1, 28, 28)):
    return [("Conv2d", (1, 6, 28, 28)), ("Sigmoid", (1, 6, 28, 28)),
            ("AvgPool2d", (1, 6, 14, 14)), ("Conv2d", (1, 16, 10, 10)),
            ("Sigmoid", (1, 16, 10, 10)), ("AvgPool2d", (1, 16, 5, 5)), ("Flatten", (1, 400)),
            ("Linear", (1, 120)), ("Sigmoid", (1, 120)), ("Linear", (1, 84)),
            ("Sigmoid", (1, 84)), ("Linear", (1, 10))]
""", "failed", "entry 1"),
    ("layer_shapes", "str(layer) as the name", """
def layer_shapes(net, input_shape=(1, 1, 28, 28)):
    X = torch.rand(size=input_shape)
    out = []
    for layer in net:
        X = layer(X)
        out.append((str(layer), tuple(X.shape)))
    return out
""", "failed", "names are not"),
    ("init_weights", "also overwrites biases", """
def init_weights(module):
    if type(module) in (nn.Linear, nn.Conv2d):
        nn.init.xavier_uniform_(module.weight)
        nn.init.zeros_(module.bias)
""", "failed", "biases alone"),
    ("init_weights", "Xavier normal", """
def init_weights(module):
    if type(module) in (nn.Linear, nn.Conv2d):
        nn.init.xavier_normal_(module.weight)
""", "failed", "xavier-normal"),
    ("init_weights", "Linear only", """
def init_weights(module):
    if type(module) == nn.Linear:
        nn.init.xavier_uniform_(module.weight)
""", "failed", "was not initialised"),
    ("init_weights", "normal with std 0.01 (d2l's MLP init)", """
def init_weights(module):
    if type(module) in (nn.Linear, nn.Conv2d):
        nn.init.normal_(module.weight, std=0.01)
""", "failed", "not spread uniformly"),
    ("init_weights", "PyTorch's default init", """
def init_weights(module):
    if type(module) in (nn.Linear, nn.Conv2d):
        module.reset_parameters()
""", "failed", "default initialisation"),
    ("init_weights", "ReLU gain", """
def init_weights(module):
    if type(module) in (nn.Linear, nn.Conv2d):
        nn.init.xavier_uniform_(module.weight, gain=nn.init.calculate_gain("relu"))
""", "failed", "sqrt(2)"),
    ("init_weights", "every module with a weight", """
def init_weights(module):
    if hasattr(module, "weight") and module.weight is not None:
        with torch.no_grad():
            fan_in = module.weight[0].numel()
            w = module.weight
            fan_out = w.shape[0] * w[0, 0].numel() if w.dim() > 1 else 1
            a = (6 / (fan_in + fan_out)) ** 0.5
            module.weight.uniform_(-a, a)
""", "failed", "batchnorm2d"),
    ("evaluate_accuracy", "accuracy averaged per batch", """
def evaluate_accuracy(net, data_iter, device=None):
    net.eval()
    if device is None:
        device = next(net.parameters()).device
    accs = []
    with torch.no_grad():
        for X, y in data_iter:
            X, y = X.to(device), y.to(device)
            accs.append(float((net(X).argmax(dim=1) == y).float().mean()))
    return sum(accs) / len(accs)
""", "failed", "per-batch accuracies"),
    ("evaluate_accuracy", "argmax on the wrong axis",
     eval_with("net(X).argmax(dim=1)", "net(X).argmax(dim=0)"), "error", "argmax(dim=0)"),
    ("evaluate_accuracy", "no net.eval()", eval_with("    net.eval()\n", ""),
     "failed", "net.eval()"),
    ("evaluate_accuracy", "returns the count", eval_with("return correct / total",
                                                         "return correct"),
     "failed", "number of correct"),
    ("evaluate_accuracy", "returns a tensor", eval_with("return correct / total",
                                                        "return torch.tensor(correct / total)"),
     "failed", "python float"),
    ("evaluate_accuracy", "divides by batches x first batch size", """
def evaluate_accuracy(net, data_iter, device=None):
    net.eval()
    if device is None:
        device = next(net.parameters()).device
    correct, batches, size = 0, 0, None
    with torch.no_grad():
        for X, y in data_iter:
            X, y = X.to(device), y.to(device)
            size = size or len(y)
            correct += int((net(X).argmax(dim=1) == y).sum())
            batches += 1
    return correct / (batches * size)
""", "failed", "batch size"),
    ("train", "missing zero_grad", d2l_train(("            optimizer.zero_grad()\n", "")),
     "failed", "zero_grad"),
    ("train", "summed loss", d2l_train(("nn.CrossEntropyLoss()",
                                        "nn.CrossEntropyLoss(reduction='sum')")),
     "failed", "summed loss"),
    ("train", "accuracy averaged per batch", d2l_train(
        ("metric = Accumulator(3)", "metric, accs = Accumulator(3), []"),
        ("optimizer.step()",
         "optimizer.step()\n            accs.append(accuracy(y_hat, y) / len(y))"),
        ("metric[1] / metric[2]", "sum(accs) / len(accs)")),
     "failed", "per-batch accuracies"),
    ("train", "loss averaged per batch", d2l_train(
        ("metric = Accumulator(3)", "metric, losses = Accumulator(3), []"),
        ("optimizer.step()", "optimizer.step()\n            losses.append(float(l))"),
        ("metric[0] / metric[2]", "sum(losses) / len(losses)")),
     "failed", "per-batch losses"),
    ("train", "re-initialises the net", d2l_train((
        "    net.to(device)\n",
        "    net.apply(init_weights)\n    net.to(device)\n")),
     "failed", "re-initialised"),
    ("train", "trains a copy", d2l_train((
        "    net.to(device)\n",
        "    import copy\n    net = copy.deepcopy(net)\n    net.to(device)\n")),
     "failed", "was not trained"),
    ("train", "test accuracy on the training data", d2l_train((
        "evaluate_accuracy(net, test_iter)", "evaluate_accuracy(net, train_iter)")),
     "failed", "train_iter"),
    ("train", "accuracy after the update", d2l_train((
        "accuracy(y_hat, y), X.shape[0]", "accuracy(net(X), y), X.shape[0]")),
     "failed", "after the update"),
    ("train", "lr hard-coded", d2l_train(("lr=lr", "lr=0.9")), "failed", ""),
    # reviewer's find: evaluate_accuracy leaves the net in eval mode for the next epochs
    ("train", "never calls net.train()", d2l_train(("        net.train()\n", "")),
     "failed", "net.train()"),
    ("train", "history of the last epoch only", d2l_train((
        "    return history", "    return {k: v[-1:] for k, v in history.items()}")),
     "failed", "one number per epoch"),
]

SHARED_SIGMOID_LENET = """
def lenet():
    act = nn.Sigmoid()  # one module at four positions
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), act, nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), act, nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), act, nn.Linear(120, 84), act,
        nn.Linear(84, 10))
"""

# The Chinese course's lecture-23 code: a Reshape layer first.
LECTURE_LENET = """
class Reshape(torch.nn.Module):
    def forward(self, x):
        return x.view(-1, 1, 28, 28)


def lenet():
    return torch.nn.Sequential(
        Reshape(), nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))
"""

# d2l 1.0's LeNet: lazy layers, shapes found on the first forward pass.
LAZY_LENET = """
def lenet():
    return nn.Sequential(
        nn.LazyConv2d(6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.LazyConv2d(16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.LazyLinear(120), nn.Sigmoid(),
        nn.LazyLinear(84), nn.Sigmoid(),
        nn.LazyLinear(10))
"""

# An evaluation that keeps autograd on (evaluate_accuracy's mistake, not train's).
EVAL_WITH_GRAD = EVAL_LOOP.replace("    with torch.no_grad():\n", "    if True:\n")

# Issue 16: classes of misses found with code written apart from the suite.
MUTANTS += [
    ("lenet", "a reshape to the wrong image size first", LECTURE_LENET.replace(
        "x.view(-1, 1, 28, 28)", "x.view(-1, 1, 56, 14)"), "failed", "only reshapes the batch"),
    ("lenet", "an extra sigmoid before the first convolution", lenet_with(
        "nn.Sequential(\n", "nn.Sequential(\n        nn.Sigmoid(),\n"),
        "failed", "layer 1 is sigmoid"),
    ("lenet", "one sigmoid module reused, one position left out", SHARED_SIGMOID_LENET.replace(
        "nn.Conv2d(6, 16, kernel_size=5), act,", "nn.Conv2d(6, 16, kernel_size=5),"),
     "failed", "expected Sigmoid"),
    ("lenet", "lazy layers, a wrong width", LAZY_LENET.replace("LazyLinear(120), nn.Sigmoid(),\n"
                                                               "        nn.LazyLinear(84)",
                                                               "LazyLinear(100), nn.Sigmoid(),\n"
                                                               "        nn.LazyLinear(84)"),
     "failed", "400, 120"),
    ("init_weights", "class-name substring test", """
def init_weights(module):
    name = type(module).__name__
    if "Conv" in name or "Linear" in name:
        nn.init.xavier_uniform_(module.weight)
""", "failed", "only nn.linear and nn.conv2d"),
    ("init_weights", "every convolution (_ConvNd) and Linear", """
def init_weights(module):
    if isinstance(module, (nn.Linear, nn.modules.conv._ConvNd)):
        nn.init.xavier_uniform_(module.weight)
""", "failed", "leave conv1d alone"),
    ("evaluate_accuracy", "autograd on while predicting", EVAL_WITH_GRAD, "failed", "no_grad"),
    ("evaluate_accuracy", "a 0-d tensor from .mean()", """
def evaluate_accuracy(net, data_iter, device=None):
    net.eval()
    device = device or next(net.parameters()).device
    with torch.no_grad():
        preds, labels = zip(*[(net(X.to(device)).argmax(-1), y.to(device)) for X, y in data_iter])
    return (torch.cat(preds) == torch.cat(labels)).float().mean()
""", "failed", ".item()"),
    ("train", "test accuracy as a tensor", d2l_train((
        "history[\"test_acc\"].append(evaluate_accuracy(net, test_iter))",
        "history[\"test_acc\"].append(torch.tensor(evaluate_accuracy(net, test_iter)))")),
     "failed", ".item()"),
    ("train", "train loss as a 0-d tensor", d2l_train((
        "history[\"train_loss\"].append(metric[0] / metric[2])",
        "history[\"train_loss\"].append(torch.tensor(metric[0] / metric[2]))")),
     "failed", "history['train_loss'][0]"),
    ("train", "test accuracy computed in training mode", d2l_train((
        "evaluate_accuracy(net, test_iter)", "_test_accuracy(net, test_iter)")) + """

def _test_accuracy(net, data_iter):
    right = total = 0
    with torch.no_grad():
        for X, y in data_iter:
            right += int((net(X).argmax(dim=1) == y).sum())
            total += len(y)
    return right / total
""", "failed", "training mode"),
]

# Only visible where the net can live on another device than the data.
CUDA_MUTANTS = [
    ("evaluate_accuracy", "ignores device=None (data stays on the cpu)", """
def evaluate_accuracy(net, data_iter, device=None):
    net.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for X, y in data_iter:
            if device is not None:
                X, y = X.to(device), y.to(device)
            correct += int((net(X).argmax(dim=1) == y.to(X.device)).sum())
            total += y.numel()
    return correct / total
""", "error", ""),
]

# Found by a review with code the authors had not seen.
MUTANTS += [
    ("lenet", "the same module-level network on every call", """
def lenet():
    # not fresh: the first network is kept and returned by every later call
    if not hasattr(lenet, "net"):
        lenet.net = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
            nn.Linear(120, 84), nn.Sigmoid(),
            nn.Linear(84, 10))
    return lenet.net
""", "failed", "new network"),
    ("evaluate_accuracy", "right when the true class has probability > 0.5", """
def evaluate_accuracy(net, data_iter, device=None):
    # counts a prediction right when the true class gets probability > 0.5
    net.eval()
    if device is None:
        device = next(net.parameters()).device
    correct, total = 0, 0
    with torch.no_grad():
        for X, y in data_iter:
            p = torch.softmax(net(X.to(device)), dim=1)
            correct += (p.gather(1, y.to(device)[:, None]) > 0.5).sum().item()
            total += len(y)
    return correct / total
""", "failed", ""),
]


ALTERNATIVES = [
    ("evaluate_accuracy", "puts the caller's mode back afterwards", eval_with(
        "    net.eval()\n", "    was_training = net.training\n    net.eval()\n").replace(
        "    return correct / total", "    net.train(was_training)\n    return correct / total")),
    ("lenet", "OrderedDict-named Sequential", """
def lenet():
    from collections import OrderedDict
    return nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(1, 6, kernel_size=5, padding=2)), ("act1", nn.Sigmoid()),
        ("pool1", nn.AvgPool2d(kernel_size=2, stride=2)),
        ("conv2", nn.Conv2d(6, 16, kernel_size=5)), ("act2", nn.Sigmoid()),
        ("pool2", nn.AvgPool2d(kernel_size=2, stride=2)),
        ("flatten", nn.Flatten()),
        ("fc1", nn.Linear(400, 120)), ("act3", nn.Sigmoid()),
        ("fc2", nn.Linear(120, 84)), ("act4", nn.Sigmoid()),
        ("fc3", nn.Linear(84, 10))]))
"""),
    ("lenet", "a class holding an nn.Sequential", """
class _LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
            nn.Linear(120, 84), nn.Sigmoid(),
            nn.Linear(84, 10))

    def forward(self, X):
        return self.net(X)


def lenet():
    return _LeNet()
"""),
    ("lenet", "blocks, tuples and default strides", """
def lenet():
    def block(c_in, c_out, padding):
        return nn.Sequential(nn.Conv2d(c_in, c_out, (5, 5), padding=padding), nn.Sigmoid(),
                             nn.AvgPool2d(2))
    return nn.Sequential(block(1, 6, (2, 2)), block(6, 16, 0), nn.Flatten(start_dim=1),
                         nn.Sequential(nn.Linear(400, 120), nn.Sigmoid(), nn.Linear(120, 84),
                                       nn.Sigmoid()),
                         nn.Linear(84, 10))
"""),
    ("lenet", "padding='same'", lenet_with("nn.Conv2d(1, 6, kernel_size=5, padding=2)",
                                           "nn.Conv2d(1, 6, kernel_size=5, padding='same')")),
    ("layer_shapes", "d2l's loop with print", """
def layer_shapes(net, input_shape=(1, 1, 28, 28)):
    X = torch.rand(size=input_shape, dtype=torch.float32)
    shapes = []
    for layer in net:
        X = layer(X)
        print(layer.__class__.__name__, 'output shape: \\t', X.shape)
        shapes.append((type(layer).__name__, X.shape))
    return shapes
"""),
    ("layer_shapes", "named_children and a list comprehension", """
def layer_shapes(net, input_shape=(1, 1, 28, 28)):
    X = torch.rand(input_shape)
    rows = []
    for _, layer in net.named_children():
        X = layer(X)
        rows.append(X.shape)
    return [(type(m).__name__, tuple(int(s) for s in shape))
            for m, shape in zip(net.children(), rows)]
"""),
    ("init_weights", "isinstance", """
def init_weights(module):
    if isinstance(module, (nn.Linear, nn.Conv2d)):
        torch.nn.init.xavier_uniform_(module.weight)
"""),
    ("init_weights", "the bound by hand", """
def init_weights(m):
    if type(m) == nn.Linear or type(m) == nn.Conv2d:
        fan_out, fan_in = m.weight.shape[0], m.weight.shape[1]
        receptive = m.weight[0, 0].numel()
        a = (6.0 / (fan_in * receptive + fan_out * receptive)) ** 0.5
        with torch.no_grad():
            m.weight.uniform_(-a, a)
"""),
    ("evaluate_accuracy", "d2l's Accumulator code", """
def evaluate_accuracy(net, data_iter, device=None):
    if isinstance(net, nn.Module):
        net.eval()
        if not device:
            device = next(iter(net.parameters())).device
    metric = Accumulator(2)
    with torch.no_grad():
        for X, y in data_iter:
            if isinstance(X, list):
                X = [x.to(device) for x in X]
            else:
                X = X.to(device)
            y = y.to(device)
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]
""" + D2L_HELPERS),
    ("evaluate_accuracy", "concatenated predictions", """
def evaluate_accuracy(net, data_iter, device=None):
    net.eval()
    device = device or next(net.parameters()).device
    with torch.no_grad():
        preds, labels = zip(*[(net(X.to(device)).argmax(-1), y.to(device)) for X, y in data_iter])
    return (torch.cat(preds) == torch.cat(labels)).float().mean().item()
"""),
    ("evaluate_accuracy", "NumPy mean of the hits", """
def evaluate_accuracy(net, data_iter, device=None):
    import numpy as np
    net.eval()
    device = device or next(net.parameters()).device
    hits = []
    with torch.no_grad():
        for X, y in data_iter:
            hits.extend((net(X.to(device)).argmax(dim=1) == y.to(device)).tolist())
    return np.mean(hits)
"""),
    ("train", "d2l's train_ch6 with Accumulator", d2l_train()),
    ("train", "NumPy floats in the history", d2l_train(
        ("    return history", "    import numpy as np\n"
         "    return {k: [np.float64(v) for v in vs] for k, vs in history.items()}"))),
    ("train", "zero_grad after step, .item() sums, float64 bookkeeping", """
def train(net, train_iter, test_iter, num_epochs, lr, device=None):
    device = device or next(net.parameters()).device
    net = net.to(device)
    opt = torch.optim.SGD(net.parameters(), lr)
    ce = nn.CrossEntropyLoss()
    out = {"train_loss": [], "train_acc": [], "test_acc": []}
    for _ in range(num_epochs):
        net.train()
        total_loss = torch.zeros((), dtype=torch.float64)
        right = n = 0
        for X, y in train_iter:
            X, y = X.to(device), y.to(device)
            logits = net(X)
            l = ce(logits, y)
            l.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            total_loss += l.detach().double().cpu() * len(y)
            right += (logits.argmax(1) == y).sum().item()
            n += len(y)
        out["train_loss"].append(total_loss.item() / n)
        out["train_acc"].append(right / n)
        out["test_acc"].append(evaluate_accuracy(net, test_iter, device))
    return out
"""),
]


ALTERNATIVES += [
    ("lenet", "one sigmoid module reused at every position", SHARED_SIGMOID_LENET),
    ("lenet", "one pooling module reused", """
def lenet():
    pool = nn.AvgPool2d(kernel_size=2, stride=2)
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), pool,
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), pool,
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(), nn.Linear(120, 84),
        nn.Sigmoid(), nn.Linear(84, 10))
"""),
    ("lenet", "the lecture's Reshape layer first", LECTURE_LENET),
    ("lenet", "d2l 1.0's lazy layers", LAZY_LENET),
    ("init_weights", "d2l's type(m) == test", """
def init_weights(m):
    if type(m) == nn.Linear or type(m) == nn.Conv2d:
        nn.init.xavier_uniform_(m.weight)
"""),
    ("evaluate_accuracy", "torch.inference_mode()", eval_with("torch.no_grad()",
                                                              "torch.inference_mode()")),
    ("evaluate_accuracy", "torch.set_grad_enabled(False)", eval_with(
        "torch.no_grad()", "torch.set_grad_enabled(False)")),
    # train is not blamed for the calls its evaluate_accuracy makes
    ("train", "d2l's train_ch6, with an evaluate_accuracy that keeps autograd on",
     d2l_train() + EVAL_WITH_GRAD),
    ("train", "its own evaluation loop, in eval mode without gradients", d2l_train((
        "evaluate_accuracy(net, test_iter)", "_test_accuracy(net, test_iter)")) + """

def _test_accuracy(net, data_iter):
    net.eval()
    right = total = 0
    with torch.inference_mode():
        for X, y in data_iter:
            right += (net(X).argmax(dim=1) == y).sum().item()
            total += len(y)
    return right / total
"""),
]


def definitions(code: str) -> dict[str, str]:
    """Top-level functions and classes of ``code``, name -> source."""
    tree = ast.parse(code)
    lines = code.splitlines(keepends=True)
    return {node.name: "".join(lines[node.lineno - 1:node.end_lineno]) for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


_id = case_id


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    cases, jobs = variant_jobs(tmp_path_factory, MODULE, "chapter23", MUTANTS, ALTERNATIVES,
                               definitions=definitions)
    jobs.append((SOLUTIONS, ["chapter23"]))
    jobs.append((make_folder(tmp_path_factory.mktemp("stubs"), MODULE, base=EXERCISES),
                 ["chapter23"]))
    results = grade_batch(jobs)
    out = variant_results(cases, results, "chapter23")
    out["solutions"], out["stubs"] = results[-2], results[-1]
    return out


@pytest.mark.slow
@pytest.mark.parametrize("case", MUTANTS, ids=_id)
def test_mutant_is_caught(graded, case):
    assert_mutant_caught(graded, case)


@pytest.mark.slow
@pytest.mark.parametrize("case", ALTERNATIVES, ids=_id)
def test_alternative_passes(graded, case):
    assert_alternative_passes(graded, case)


@pytest.mark.slow
@pytest.mark.parametrize("name", EXERCISE_NAMES)
def test_solution_passes_and_stub_is_not_started(graded, name):
    assert graded["solutions"][f"chapter23.{name}"][0] == "passed", \
        graded["solutions"][f"chapter23.{name}"][1]
    assert graded["stubs"][f"chapter23.{name}"][0] == "not_started", \
        graded["stubs"][f"chapter23.{name}"][1]


@pytest.mark.slow
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU: on the CPU the net and "
                    "the data are always on the same device")
@pytest.mark.parametrize("case", CUDA_MUTANTS, ids=_id)
def test_cuda_mutant_is_caught(tmp_path, case):
    exercise, label, code, outcome, text = case
    folder = make_folder(tmp_path / "v", MODULE, definitions(code))
    result = grade(folder, [f"chapter23.{exercise}"], extra=["--device", "cuda"])
    assert f"chapter23.{exercise}" in result, result
    got_outcome, output = result[f"chapter23.{exercise}"]
    assert got_outcome == outcome, output
    assert text.lower() in output.lower(), output


@pytest.mark.slow
def test_chinese_failure_output(graded):
    """Issue 18: every failure reads as Chinese under --lang zh (the same verdicts)."""
    assert_chinese(graded)


@pytest.mark.slow
def test_no_mutant_gets_two_diagnoses(graded):
    """"Or" only where no further input tells two known mistakes apart: none of the mutants."""
    two = {key: lines for key, value in graded.items() if isinstance(key, tuple)
           and (lines := diagnosis_lines(value[1])) and " Or: " in lines[0]}
    assert not two, two
