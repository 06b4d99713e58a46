"""train's mutants and alternatives."""

from __future__ import annotations

from tests.variants import Variant, edit
from tests.variants.chapter23._d2l import D2L_HELPERS, D2L_TRAIN, EVAL_WITH_GRAD
from tests.variants.chapter23._texts import english

TEST_ACC = 'history["test_acc"].append(evaluate_accuracy(net, test_iter, device))'
TRAIN_LOSS = 'history["train_loss"].append(loss_sum / n)'
TRAIN_ACC = 'history["train_acc"].append(correct / n)'
SUMS = "loss_sum, correct, n = 0.0, 0, 0"
LAST_SUM = "                n += X.shape[0]\n"


def own_accuracy_loop(eval_mode: bool) -> str:
    """A test-accuracy loop of train's own instead of evaluate_accuracy."""
    if eval_mode:
        return """
def _test_accuracy(net, data_iter):
    net.eval()
    right = total = 0
    with torch.inference_mode():
        for X, y in data_iter:
            right += (net(X).argmax(dim=1) == y).sum().item()
            total += len(y)
    return right / total
"""
    return """
def _test_accuracy(net, data_iter):
    right = total = 0
    with torch.no_grad():
        for X, y in data_iter:
            right += int((net(X).argmax(dim=1) == y).sum())
            total += len(y)
    return right / total
"""


VARIANTS = [
    Variant("missing zero_grad", edit("            optimizer.zero_grad()\n", ""),
            "failed", "zero_grad",
            diagnosis=english("chapter23.train.mistake.no_zero_grad")),
    Variant("summed loss", edit("    loss = nn.CrossEntropyLoss()\n",
                                "    loss = nn.CrossEntropyLoss(reduction='sum')\n"),
            "failed", "summed loss",
            diagnosis=english("chapter23.train.mistake.sum_loss")),
    Variant("accuracy averaged per batch",
            (edit(SUMS, "loss_sum, correct, n, accs = 0.0, 0, 0, []"),
             edit(LAST_SUM, LAST_SUM + "                accs.append("
                  "int((y_hat.argmax(dim=1) == y).sum()) / X.shape[0])\n"),
             edit(TRAIN_ACC, 'history["train_acc"].append(sum(accs) / len(accs))')),
            "failed", "per-batch accuracies",
            diagnosis=english("chapter23.train.mistake.batch_mean_acc")),
    Variant("loss averaged per batch",
            (edit(SUMS, "loss_sum, correct, n, losses = 0.0, 0, 0, []"),
             edit(LAST_SUM, LAST_SUM + "                losses.append(float(l))\n"),
             edit(TRAIN_LOSS, 'history["train_loss"].append(sum(losses) / len(losses))')),
            "failed", "per-batch losses",
            diagnosis=english("chapter23.train.mistake.batch_mean_loss")),
    Variant("re-initialises the net",
            edit("    net.to(device)\n", "    net.apply(init_weights)\n    net.to(device)\n"),
            "failed", "re-initialised",
            diagnosis=english("chapter23.train.mistake.reinit")),
    Variant("trains a copy",
            edit("    net.to(device)\n",
                 "    import copy\n    net = copy.deepcopy(net)\n    net.to(device)\n"),
            "failed", "was not trained",
            diagnosis=english("chapter23.train.mistake.untouched")),
    Variant("test accuracy on the training data",
            edit(TEST_ACC, TEST_ACC.replace("test_iter", "train_iter")),
            "failed", "train_iter",
            diagnosis=english("chapter23.train.mistake.test_on_train")),
    Variant("accuracy after the update",
            edit("int((y_hat.argmax(dim=1) == y).sum())", "int((net(X).argmax(dim=1) == y).sum())"),
            "failed", "after the update",
            diagnosis=english("chapter23.train.mistake.acc_after_step")),
    Variant("lr hard-coded", edit("    optimizer = torch.optim.SGD(net.parameters(), lr=lr)\n",
                                  "    optimizer = torch.optim.SGD(net.parameters(), lr=0.9)\n"),
            "failed", "",
            diagnosis=english("chapter23.train.mistake.first_epoch_differs")),
    # reviewer's find: evaluate_accuracy leaves the net in eval mode for the next epochs
    Variant("never calls net.train()", edit("        net.train()\n", ""), "failed", "net.train()"),
    Variant("history of the last epoch only",
            edit("    return history\n",
                 "    return {k: v[-1:] for k, v in history.items()}\n"),
            "failed", "one number per epoch"),
    # Issue 16: classes of misses found with code written apart from the suite.
    Variant("test accuracy as a tensor",
            edit(TEST_ACC, 'history["test_acc"].append(torch.tensor('
                           'evaluate_accuracy(net, test_iter, device)))'),
            "failed", ".item()",
            diagnosis=english("chapter23.floats.item_hint")),
    Variant("train loss as a 0-d tensor",
            edit(TRAIN_LOSS, 'history["train_loss"].append(torch.tensor(loss_sum / n))'),
            "failed", "history['train_loss'][0]",
            diagnosis=english("chapter23.floats.item_hint")),
    Variant("test accuracy computed in training mode",
            edit(TEST_ACC, 'history["test_acc"].append(_test_accuracy(net, test_iter))'),
            "failed", "training mode", also={"_test_accuracy": own_accuracy_loop(eval_mode=False)},
            diagnosis=english("chapter23.train.mistake.test_train_mode")),

    # alternatives
    Variant("d2l's train_ch6 with Accumulator", D2L_TRAIN, also=D2L_HELPERS),
    Variant("NumPy floats in the history",
            edit("    return history\n", "    import numpy as np\n"
                 "    return {k: [np.float64(v) for v in vs] for k, vs in history.items()}\n")),
    Variant("zero_grad after step, .item() sums, float64 bookkeeping", """
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
    # train is not blamed for the calls its evaluate_accuracy makes
    Variant("d2l's train_ch6, with an evaluate_accuracy that keeps autograd on", D2L_TRAIN,
            also={**D2L_HELPERS, "evaluate_accuracy": EVAL_WITH_GRAD}),
    Variant("its own evaluation loop, in eval mode without gradients",
            edit(TEST_ACC, 'history["test_acc"].append(_test_accuracy(net, test_iter))'),
            also={"_test_accuracy": own_accuracy_loop(eval_mode=True)}),
]
