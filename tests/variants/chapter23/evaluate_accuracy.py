"""evaluate_accuracy's mutants and alternatives (and one mutant only a GPU shows)."""

from __future__ import annotations

from tests.variants import Variant, edit
from tests.variants.chapter23._d2l import D2L_HELPERS
from tests.variants.chapter23._texts import english

VARIANTS = [
    Variant("accuracy averaged per batch", """
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
""", "failed", "per-batch accuracies",
            diagnosis=english("chapter23.evaluate_accuracy.mistake.batch_mean")),
    Variant("argmax on the wrong axis", edit("y_hat.argmax(dim=1)", "y_hat.argmax(dim=0)"),
            "error", "argmax(dim=0)"),
    Variant("no net.eval()", edit("        net.eval()\n", ""), "failed", "net.eval()"),
    Variant("returns the count", edit("return correct / total", "return correct"),
            "failed", "number of correct",
            diagnosis=english("chapter23.evaluate_accuracy.mistake.count")),
    Variant("returns a tensor",
            edit("return correct / total", "return torch.tensor(correct / total)"),
            "failed", "python float",
            diagnosis=english("chapter23.floats.item_hint")),
    Variant("divides by batches x first batch size", """
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
""", "failed", "batch size",
            diagnosis=english("chapter23.evaluate_accuracy.mistake.batches_times_size")),
    # Issue 16: classes of misses found with code written apart from the suite.
    Variant("autograd on while predicting", edit("    with torch.no_grad():\n", "    if True:\n"),
            "failed", "no_grad",
            diagnosis=english("chapter23.evaluate_accuracy.mistake.autograd_on")),
    Variant("a 0-d tensor from .mean()", """
def evaluate_accuracy(net, data_iter, device=None):
    net.eval()
    device = device or next(net.parameters()).device
    with torch.no_grad():
        preds, labels = zip(*[(net(X.to(device)).argmax(-1), y.to(device)) for X, y in data_iter])
    return (torch.cat(preds) == torch.cat(labels)).float().mean()
""", "failed", ".item()",
            diagnosis=english("chapter23.floats.item_hint")),
    # Found by a review with code the authors had not seen.
    Variant("right when the true class has probability > 0.5", """
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

    # alternatives
    Variant("puts the caller's mode back afterwards",
            (edit("        net.eval()\n", "        was_training = net.training\n        net.eval()\n"),
             edit("    return correct / total",
                  "    net.train(was_training)\n    return correct / total"))),
    Variant("d2l's Accumulator code", """
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
""", also=D2L_HELPERS),
    Variant("concatenated predictions", """
def evaluate_accuracy(net, data_iter, device=None):
    net.eval()
    device = device or next(net.parameters()).device
    with torch.no_grad():
        preds, labels = zip(*[(net(X.to(device)).argmax(-1), y.to(device)) for X, y in data_iter])
    return (torch.cat(preds) == torch.cat(labels)).float().mean().item()
"""),
    Variant("NumPy mean of the hits", """
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
    Variant("torch.inference_mode()", edit("torch.no_grad()", "torch.inference_mode()")),
    Variant("torch.set_grad_enabled(False)",
            edit("torch.no_grad()", "torch.set_grad_enabled(False)")),
]

#: Only visible where the net can live on another device than the data (graded on CUDA by
#: tests/test_chapter23.py when there is a GPU).
CUDA_VARIANTS = [
    Variant("ignores device=None (data stays on the cpu)", """
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
