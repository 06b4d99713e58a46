"""The reference for train(): d2l's train_ch6 in float64, and the classic mistakes it can
imitate (``reference_train(problem, variant)``), on a ``TrainProblem``: a net given as a spec
with its weights, train and test batches, epochs and learning rate."""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from grader.checks.chapter23.batches import Batches
from grader.module_specs import Spec, build

SEED = 0  # the probes seed torch with this before calling the learner's code
MARGIN = 1e-4  # logits closer than this may rank differently in float32: either answer counts


@dataclasses.dataclass
class TrainProblem:
    spec: Spec
    train: Batches
    test: Batches
    epochs: int
    lr: float


@dataclasses.dataclass
class Trained:
    history: dict[str, list[float]]
    state: dict[str, torch.Tensor]
    slack: dict[str, list[float]]  # accuracy that near-ties could move, per epoch


def count_right(y_hat: torch.Tensor, y: torch.Tensor) -> tuple[int, int]:
    """(correct predictions, predictions within MARGIN of changing)."""
    top2 = y_hat.detach().topk(2, dim=1).values
    close = int(((top2[:, 0] - top2[:, 1]) < MARGIN).sum())
    return int((y_hat.argmax(dim=1) == y).sum()), close


def reference_train(p: TrainProblem, variant: str = "") -> Trained:
    """d2l's train_ch6 in float64 (``variant`` names a classic mistake to imitate)."""
    if variant == "reinit":  # d2l's train_ch6 starts with net.apply(init_weights)
        net32 = build(p.spec)
        torch.manual_seed(SEED)
        for m in net32.modules():
            if type(m) in (nn.Linear, nn.Conv2d):
                nn.init.xavier_uniform_(m.weight)
        net = net32.double()
    else:
        net = build(p.spec).double()
    if variant == "untouched":
        return Trained({}, {k: v.clone() for k, v in net.state_dict().items()}, {})
    # Plain minibatch SGD, written out: the same float64 arithmetic as torch.optim.SGD (no
    # momentum: p -= lr * p.grad), without the second that torch.optim's first step spends
    # importing torch._dynamo.
    params = list(net.parameters())
    loss = nn.CrossEntropyLoss(reduction="sum" if variant == "sum_loss" else "mean")
    hist: dict[str, list[float]] = {"train_loss": [], "train_acc": [], "test_acc": []}
    slack: dict[str, list[float]] = {"train_acc": [], "test_acc": []}
    for _ in range(p.epochs):
        net.train()
        loss_sum, right, close, n, batch_accs, batch_losses = 0.0, 0, 0, 0, [], []
        for X, y in p.train:
            X = X.double()
            if variant != "no_zero_grad":
                for param in params:
                    param.grad = None
            y_hat = net(X)
            batch_loss = loss(y_hat, y)
            batch_loss.backward()
            with torch.no_grad():
                for param in params:
                    if param.grad is not None:
                        param.add_(param.grad, alpha=-p.lr)
            with torch.no_grad():
                if variant == "acc_after_step":
                    y_hat = net(X)
                r, c = count_right(y_hat, y)
            loss_sum += float(batch_loss) * X.shape[0]
            right, close, n = right + r, close + c, n + X.shape[0]
            batch_accs.append(r / X.shape[0])
            batch_losses.append(float(batch_loss))
        hist["train_loss"].append(sum(batch_losses) / len(batch_losses)
                                  if variant == "batch_mean_loss" else loss_sum / n)
        hist["train_acc"].append(sum(batch_accs) / len(batch_accs)
                                 if variant == "batch_mean_acc" else right / n)
        slack["train_acc"].append(close / n)
        test_right, test_close, test_n, test_accs = 0, 0, 0, []
        net.train(variant == "test_train_mode")
        with torch.no_grad():
            for X, y in (p.train if variant == "test_on_train" else p.test):
                r, c = count_right(net(X.double()), y)
                test_right, test_close, test_n = test_right + r, test_close + c, test_n + len(y)
                test_accs.append(r / len(y))
        hist["test_acc"].append(sum(test_accs) / len(test_accs)
                                if variant == "batch_mean_acc" else test_right / test_n)
        slack["test_acc"].append(test_close / test_n)
    return Trained(hist, {k: v.clone() for k, v in net.state_dict().items()}, slack)
