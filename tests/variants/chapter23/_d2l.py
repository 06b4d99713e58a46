"""d2l's own code, for chapter 23's variants written the book's way: its helpers
(``Accumulator``, ``accuracy``), its ``train_ch6`` without init and plots, and an evaluation
loop that keeps autograd on. Not a variant module (the leading underscore)."""

from __future__ import annotations

#: d2l's helpers, as ``Variant.also`` (definitions the variant's code calls).
D2L_HELPERS = {
    "Accumulator": """
class Accumulator:
    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def __getitem__(self, idx):
        return self.data[idx]
""",
    "accuracy": """
def accuracy(y_hat, y):
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())
""",
}

#: d2l's train_ch6 (no init, no plots), with D2L_HELPERS.
D2L_TRAIN = """
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
"""

#: An evaluation that keeps autograd on (evaluate_accuracy's mistake, not train's).
EVAL_WITH_GRAD = """
def evaluate_accuracy(net, data_iter, device=None):
    net.eval()
    if device is None:
        device = next(net.parameters()).device
    correct, total = 0, 0
    if True:
        for X, y in data_iter:
            X, y = X.to(device), y.to(device)
            correct += int((net(X).argmax(dim=1) == y).sum())
            total += y.numel()
    return correct / total
"""
