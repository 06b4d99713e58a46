"""The learner's side of ``grader train``: runs in the worker (``grader.worker``, op ``train``).

It builds the learner's ``lenet()``, applies ``init_weights`` (as d2l's ``train_ch6`` does), loads
the data and calls the learner's ``train``. It watches the net's outputs through a forward hook to
report progress (running loss and accuracy, d2l's animator's five points per epoch) and measures
the time spent in training batches (d2l's examples/sec); progress goes to the verdict side as
``event`` replies (``emit``), which ``grader.commands.train`` draws. A learner call that raises
becomes the worker's usual reply (``not_implemented`` or ``raised``, by the worker's one rule),
with the call named.
"""

from __future__ import annotations

import time
from typing import Any

MODULE = "chapter23_lenet"
SERIES = ("train_loss", "train_acc", "test_acc")


class CallFailed(Exception):
    """A learner call raised: ``reply`` is the worker's reply for it, with ``call`` added."""

    def __init__(self, reply: dict) -> None:
        super().__init__(reply.get("status"))
        self.reply = reply


def checkpoints(batches: int) -> set[int]:
    """Batches (1-based counts) after which d2l's animator adds a point: every fifth of an
    epoch, and the last batch."""
    step = max(batches // 5, 1)
    return {i + 1 for i in range(batches) if (i + 1) % step == 0 or i == batches - 1}


class Progress:
    """Sends progress to the verdict side: ``update`` per batch, ``epoch_done`` per epoch."""

    def __init__(self, emit: Any, batches: int) -> None:
        self.emit = emit
        self.marks = checkpoints(batches)
        self.last = 0.0

    def update(self, epoch: int, done: int, loss: float | None, acc: float | None) -> None:
        now = time.monotonic()
        if now - self.last > 0.1 or done in self.marks:
            self.last = now
            self.emit({"kind": "batch", "epoch": epoch, "done": done, "loss": loss,
                       "acc": acc})

    def epoch_done(self, epoch: int, loss: float | None, acc: float | None,
                   test_acc: float | None, speed: float | None) -> None:
        self.emit({"kind": "epoch", "epoch": epoch, "loss": loss, "acc": acc,
                   "test_acc": test_acc, "speed": speed})


class Watch:
    """Measures what the learner's train does, without relying on it: running loss and
    accuracy from the net's outputs (a forward hook) and the time spent in training batches."""

    def __init__(self, progress: Progress, batches: int) -> None:
        self.progress = progress
        self.batches = batches
        self.phase = "idle"
        self.epoch = 0
        self.y: Any = None
        self.seen = True
        self.reset()
        self.points: list[tuple[float, float, float]] = []
        self.tests: list[tuple[float, float]] = []
        self.train_seconds = 0.0
        self.train_examples = 0
        self.epoch_open = False

    def reset(self) -> None:
        self.loss_sum, self.right, self.n, self.done = 0.0, 0, 0, 0
        self.test_right, self.test_n = 0, 0
        self.epoch_seconds, self.epoch_examples = 0.0, 0

    def hook(self, module: Any, inputs: Any, output: Any) -> None:
        import torch
        import torch.nn.functional as F

        if self.seen or not isinstance(output, torch.Tensor) or output.dim() != 2:
            return
        y = self.y
        if output.shape[0] != y.shape[0]:
            return
        self.seen = True
        with torch.no_grad():
            logits = output.detach().float()
            y = y.to(logits.device)
            right = int((logits.argmax(dim=1) == y).sum())
            if self.phase == "train":
                self.loss_sum += float(F.cross_entropy(logits, y, reduction="sum"))
                self.right += right
                self.n += y.shape[0]
            elif self.phase == "test":
                self.test_right += right
                self.test_n += y.shape[0]

    def train_batches(self, loader: Any) -> Any:
        self.finish_epoch()
        self.epoch += 1
        self.epoch_open = True
        self.reset()
        self.phase = "train"
        for X, y in loader:
            self.y, self.seen = y, False
            started = time.perf_counter()
            yield X, y
            self.epoch_seconds += time.perf_counter() - started
            self.epoch_examples += y.shape[0]
            self.done += 1
            loss, acc = self.running()
            self.progress.update(self.epoch, self.done, loss, acc)
            if self.done in checkpoints(self.batches) and loss is not None:
                self.points.append((self.epoch - 1 + self.done / self.batches, loss, acc))
        self.phase = "after-train"

    def test_batches(self, loader: Any) -> Any:
        previous, self.phase = self.phase, "test"
        for X, y in loader:
            self.y, self.seen = y, False
            yield X, y
        self.phase = previous
        if self.epoch_open and previous == "after-train":
            self.finish_epoch()

    def running(self) -> tuple[float | None, float | None]:
        return (self.loss_sum / self.n, self.right / self.n) if self.n else (None, None)

    def finish_epoch(self) -> None:
        if not self.epoch_open:
            return
        self.epoch_open = False
        self.train_seconds += self.epoch_seconds
        self.train_examples += self.epoch_examples
        test = self.test_right / self.test_n if self.test_n else None
        if test is not None:
            self.tests.append((float(self.epoch), test))
        loss, acc = self.running()
        speed = self.epoch_examples / self.epoch_seconds if self.epoch_seconds else None
        self.progress.epoch_done(self.epoch, loss, acc, test, speed)


class Reiterable:
    """An iterable that hands each pass over ``loader`` to ``watch`` (a new pass per epoch)."""

    def __init__(self, loader: Any, through: Any) -> None:
        self.loader, self.through = loader, through

    def __iter__(self) -> Any:
        return self.through(self.loader)

    def __len__(self) -> int:
        return len(self.loader)


def run(config: dict, worker: Any, emit: Any) -> dict:
    """Train the learner's LeNet as ``config`` says; the history and what was measured."""
    import torch

    from grader import data

    def call(what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # SystemExit from learner code included
            raise CallFailed({**worker.raised(exc), "call": what}) from None

    torch.set_num_threads(worker.default_threads)  # training is not the checks' tiny tensors
    device = config["device"]
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(device)
    torch.manual_seed(config["seed"])
    module = call(f"import {MODULE}", worker.load, MODULE)
    for name in ("lenet", "init_weights", "train"):
        if not callable(getattr(module, name, None)):
            return {"error": "train.missing", "data": {"name": name, "file": f"{MODULE}.py"}}
    net = call("lenet()", module.lenet)
    if not isinstance(net, torch.nn.Module):
        return {"error": "train.not_module", "data": {"got": type(net).__name__}}
    try:
        call("net.apply(init_weights)", net.apply, module.init_weights)
    except CallFailed as failed:
        if failed.reply.get("status") != "not_implemented":
            raise
        emit({"kind": "note", "key": "train.no_init"})
    try:
        if config["data"] == "synthetic":
            train_iter, test_iter = data.load_data_synthetic(
                config["batch_size"], train_size=config["train_size"],
                test_size=config["test_size"], seed=config["seed"])
        else:
            train_iter, test_iter = data.load_data_fashion_mnist(config["batch_size"],
                                                                 root=config["data_dir"])
    except data.DataError as exc:
        return {"error": exc.key, "data": exc.data}
    batches = len(train_iter)
    progress = Progress(emit, batches)
    watch = Watch(progress, batches)
    handle = net.register_forward_hook(watch.hook)
    emit({"kind": "data", "train": len(train_iter.dataset), "test": len(test_iter.dataset),
          "batches": batches, "device": str(device)})
    history = call("train(net, train_iter, test_iter, num_epochs, lr, device)", module.train,
                   net, Reiterable(train_iter, watch.train_batches),
                   Reiterable(test_iter, watch.test_batches), config["epochs"], config["lr"],
                   device)
    handle.remove()
    watch.finish_epoch()
    return {"history": plain_history(history, config["epochs"]),
            "history_repr": repr(history)[:300], "points": watch.points, "tests": watch.tests,
            "epochs": config["epochs"], "seconds": watch.train_seconds,
            "examples": watch.train_examples, "device": str(device)}


def plain_history(history: Any, epochs: int) -> dict[str, list[float]] | None:
    """``train``'s result as plain floats, or None when it is not the contract's dict."""
    if not isinstance(history, dict):
        return None
    out = {}
    for key in SERIES:
        values = history.get(key)
        if not isinstance(values, (list, tuple)) or len(values) != epochs:
            return None
        try:
            out[key] = [float(v) for v in values]
        except (TypeError, ValueError, RuntimeError):
            return None
    return out
