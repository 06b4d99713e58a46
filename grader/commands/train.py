"""``grader train lenet``: train the learner's LeNet with the learner's ``train`` and plot it.

The learner's code runs in a child process (``python -I`` with the graded folder first on
``sys.path``, like the grading worker), so a crash or an exception in it becomes a clear
message here, not a traceback. The child builds ``lenet()``, applies ``init_weights`` (as d2l's
``train_ch6`` does), loads the data and calls ``train``. It watches the net's outputs through a
forward hook to draw a progress bar with the running loss and accuracy, and measures the time
spent in training batches (d2l's examples/sec). It sends the history ``train`` returned back in
a JSON file; this process prints the summary and draws the three curves as d2l's animator does.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MODULE = "chapter23_lenet"
SERIES = ("train_loss", "train_acc", "test_acc")
LEGEND = ("train loss", "train acc", "test acc")
_BOOT = "import sys; sys.path.append({root!r}); from grader.commands.train import child_main; " \
        "child_main()"


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "train", help="train your LeNet with your train() and plot loss and accuracy",
        description="Train lenet() from chapter23_lenet.py with your init_weights() and "
                    "train(), show progress, print loss / train acc / test acc per epoch and "
                    "examples/sec, and write a PNG plot of the three curves. The default data "
                    "is a small synthetic 28x28 ten-class set made on the fly (no download); "
                    "--data fashion-mnist uses the files `grader data fashion-mnist` fetches.")
    p.add_argument("model", choices=["lenet"], help="the network to train")
    p.add_argument("--data", choices=["synthetic", "fashion-mnist"], default="synthetic",
                   help="training data (default: synthetic)")
    p.add_argument("--data-dir", metavar="DIR",
                   help="folder with the Fashion-MNIST files (default: $GRADER_DATA_DIR/"
                        "fashion-mnist, else ~/.cache/convgrade/fashion-mnist)")
    p.add_argument("--epochs", type=int, default=10, help="number of epochs (default: 10)")
    p.add_argument("--lr", type=float, default=0.9, help="learning rate (default: 0.9)")
    p.add_argument("--batch-size", type=int, default=256, help="batch size (default: 256)")
    p.add_argument("--device", default="auto", metavar="auto|cpu|cuda",
                   help="where to train (default: auto = CUDA when available)")
    p.add_argument("--solutions", action="store_true",
                   help="train the reference solutions/ instead of your exercises/")
    p.add_argument("--exercises", metavar="DIR", help="use chapter23_lenet.py from DIR")
    p.add_argument("--train-size", type=int, default=10000, metavar="N",
                   help="synthetic data: training examples (default: 10000)")
    p.add_argument("--test-size", type=int, default=2000, metavar="N",
                   help="synthetic data: test examples (default: 2000)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed for the initial weights, the shuffling and the synthetic data")
    p.add_argument("--plot", metavar="FILE", default="lenet-training.png",
                   help="where to write the plot (default: lenet-training.png)")
    p.add_argument("--lang", choices=("en", "zh"), default=argparse.SUPPRESS)
    p.set_defaults(func=cmd_train)


def cmd_train(args: Any) -> int:
    from grader.cli import EXIT_FAILED, EXIT_OK, UsageError, _lang, graded_folder
    from grader.messages import t

    lang = _lang(args)
    for name in ("epochs", "batch_size", "train_size", "test_size"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1, "
                             f"not {getattr(args, name)}",
                             f"--{name.replace('_', '-')} 至少为 1，而不是 {getattr(args, name)}")
    if not args.lr > 0:
        raise UsageError(f"--lr must be positive, not {args.lr}",
                         f"--lr 必须为正数，而不是 {args.lr}")
    if args.device not in ("auto", "cpu", "cuda"):
        raise UsageError(f"--device must be auto, cpu or cuda, not {args.device!r}",
                         f"--device 只能是 auto、cpu 或 cuda，而不是 {args.device!r}")
    folder, _ = graded_folder(args)
    if not (folder / f"{MODULE}.py").is_file():
        raise UsageError(t("train.no_file", lang, file=f"{MODULE}.py", folder=str(folder)))
    data_dir = None
    if args.data == "fashion-mnist":
        from grader.data import DataError, default_dir, find_files

        data_dir = Path(args.data_dir).expanduser().resolve() if args.data_dir \
            else default_dir()
        try:
            find_files(data_dir)
        except DataError as exc:
            print(f"grader: {exc.render(lang)}", file=sys.stderr)
            return EXIT_FAILED
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise UsageError("--device cuda: CUDA is not available on this machine "
                             "(use --device cpu or auto)",
                             "--device cuda：这台机器上没有可用的 CUDA"
                             "（请使用 --device cpu 或 auto）")
    plot = Path(args.plot).expanduser().resolve()
    with tempfile.TemporaryDirectory(prefix="grader-train-") as tmp:
        result_file = Path(tmp) / "result.json"
        config = {"folder": str(folder), "data": args.data,
                  "data_dir": str(data_dir) if data_dir else None, "epochs": args.epochs,
                  "lr": args.lr, "batch_size": args.batch_size, "device": args.device,
                  "train_size": args.train_size, "test_size": args.test_size,
                  "seed": args.seed, "lang": lang, "result": str(result_file)}
        root = str(Path(__file__).resolve().parent.parent.parent)
        cmd = [sys.executable, "-I", "-c", _BOOT.format(root=root), json.dumps(config)]
        print(t("train.start", lang, folder=str(folder), data=args.data, epochs=args.epochs,
                lr=args.lr, batch_size=args.batch_size), flush=True)
        try:
            proc = subprocess.run(cmd, cwd=str(folder), stdin=subprocess.DEVNULL)
        except KeyboardInterrupt:
            print(t("train.interrupted", lang), file=sys.stderr)
            return 130
        try:
            result = json.loads(result_file.read_text("utf-8"))
        except (OSError, ValueError):
            result = None
    if result is None:
        from grader.client import describe_exit

        how = describe_exit(proc.returncode if proc.returncode else None)
        print(t("train.died", lang, how=how[1] if lang == "zh" else how[0]), file=sys.stderr)
        return EXIT_FAILED
    if "error" in result:
        print(t(result["error"], lang, **result.get("data", {})), file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK if report(result, plot, lang) else EXIT_FAILED


def report(result: dict, plot: Path, lang: str) -> bool:
    """Print the summary of a finished run and write the plot; False when train's history is
    not what the contract says (the run still counts as done: the plot uses what was seen)."""
    from grader.messages import t

    history = result.get("history")
    ok = history is not None
    if ok:
        print(t("train.table_head", lang))
        for epoch, values in enumerate(zip(*(history[k] for k in SERIES), strict=True), start=1):
            print(f"  {epoch:5d}  {values[0]:10.4f}  {values[1]:9.3f}  {values[2]:8.3f}")
        last = [history[k][-1] for k in SERIES]
        print(t("train.final", lang, loss=last[0], train_acc=last[1], test_acc=last[2]))
    else:
        print(t("train.bad_history", lang, got=result.get("history_repr", "?")), file=sys.stderr)
    if result.get("seconds"):
        print(t("train.speed", lang, speed=result["examples"] / result["seconds"],
                device=result["device"]))
    try:
        draw(result, plot)
    except ImportError:
        print(t("train.no_matplotlib", lang), file=sys.stderr)
    else:
        print(t("train.plot", lang, file=str(plot)))
    return ok


def draw(result: dict, path: Path) -> None:
    """d2l's animator at the end of training: train loss and train accuracy five times per
    epoch (running averages), test accuracy once per epoch; x is the epoch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = result.get("points", [])
    history = result.get("history")
    epochs = result["epochs"]
    fig, ax = plt.subplots(figsize=(3.5, 2.5))
    xs = [p[0] for p in points]
    loss = [p[1] for p in points]
    acc = [p[2] for p in points]
    tests: list[tuple[float, float]] = []
    if history is not None:
        # the epoch's last point: what train returned (equal to the running values when right)
        for e in range(epochs):
            x = e + 1.0
            if x in xs:
                i = xs.index(x)
                loss[i], acc[i] = history["train_loss"][e], history["train_acc"][e]
            tests.append((x, history["test_acc"][e]))
    else:
        tests = [tuple(p) for p in result.get("tests", [])]
    ax.plot(xs, loss, "-", label=LEGEND[0])
    ax.plot(xs, acc, "m--", label=LEGEND[1])
    ax.plot([x for x, _ in tests], [v for _, v in tests], "g-.", label=LEGEND[2])
    ax.set_xlabel("epoch")
    ax.set_xlim(1, max(epochs, 1.0001))
    ax.grid(True)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150)
    plt.close(fig)


# -- the child process: runs the learner's code ---------------------------------------------------

class LearnerFailed(Exception):
    def __init__(self, key: str, **data: Any) -> None:
        super().__init__(key)
        self.key = key
        self.data = data


class Progress:
    """A progress bar on stderr: redrawn in place on a terminal, five lines per epoch when the
    output goes to a file or a pipe (d2l's animator updates five times per epoch too)."""

    WIDTH = 24

    def __init__(self, epochs: int, batches: int, lang: str, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.epochs, self.batches, self.lang = epochs, batches, lang
        self.last_draw = 0.0

    def update(self, epoch: int, done: int, loss: float | None, acc: float | None) -> None:
        from grader.messages import t

        fraction = done / self.batches if self.batches else 1.0
        filled = int(round(fraction * self.WIDTH))
        line = (f"{t('train.epoch', self.lang)} {epoch}/{self.epochs} "
                f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {fraction:4.0%} "
                f"{done}/{self.batches}")
        if loss is not None:
            line += f"  loss {loss:.4f}  train acc {acc:.3f}"
        if self.tty:
            now = time.monotonic()
            if now - self.last_draw > 0.1 or done == self.batches:
                self.last_draw = now
                self.stream.write("\r" + line.ljust(100)[:100].rstrip() + "   ")
                self.stream.flush()
        elif done in checkpoints(self.batches):
            self.stream.write(line + "\n")
            self.stream.flush()

    def epoch_done(self, epoch: int, loss: float | None, acc: float | None,
                   test_acc: float | None, speed: float | None) -> None:
        from grader.messages import t

        line = f"{t('train.epoch', self.lang)} {epoch}/{self.epochs}:"
        if loss is not None:
            line += f" loss {loss:.4f}, train acc {acc:.3f}"
        if test_acc is not None:
            line += f", test acc {test_acc:.3f}"
        if speed:
            line += f" ({speed:.0f} {t('train.per_second', self.lang)})"
        self.stream.write(("\r" + " " * 104 + "\r" if self.tty else "") + line + "\n")
        self.stream.flush()


def checkpoints(batches: int) -> set[int]:
    """Batches (1-based counts) after which d2l's animator adds a point: every fifth of an
    epoch, and the last batch."""
    step = max(batches // 5, 1)
    return {i + 1 for i in range(batches) if (i + 1) % step == 0 or i == batches - 1}


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


def learner_call(folder: str, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call learner code; turn what it raises into a ``LearnerFailed`` with the learner's
    frames of the traceback only."""
    import traceback

    try:
        return fn(*args, **kwargs)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SystemExit from learner code included
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if os.path.realpath(f.filename).startswith(folder + os.sep)]
        if isinstance(exc, NotImplementedError) and frames:
            raise LearnerFailed("train.not_started", name=what) from None
        for f in frames:
            f.filename = os.path.basename(f.filename)
        raise LearnerFailed("train.raised", call=what, type=type(exc).__name__,
                            message=str(exc)[:2000],
                            traceback="".join(traceback.format_list(frames))[-4000:]) from None


def child_main() -> None:
    config = json.loads(sys.argv[1])
    try:
        result = child_run(config)
    except LearnerFailed as failed:
        result = {"error": failed.key, "data": failed.data}
    except KeyboardInterrupt:
        os._exit(130)
    Path(config["result"]).write_text(json.dumps(result), "utf-8")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def child_run(config: dict) -> dict:
    import importlib

    import torch

    from grader import data
    from grader.messages import t

    folder = os.path.realpath(config["folder"])
    lang = config["lang"]
    sys.path.insert(0, folder)
    sys.argv = ["learner"]
    device = config["device"]
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(device)
    torch.manual_seed(config["seed"])
    module = learner_call(folder, f"import {MODULE}", importlib.import_module, MODULE)
    for name in ("lenet", "init_weights", "train"):
        if not callable(getattr(module, name, None)):
            raise LearnerFailed("train.missing", name=name, file=f"{MODULE}.py")
    net = learner_call(folder, "lenet()", module.lenet)
    if not isinstance(net, torch.nn.Module):
        raise LearnerFailed("train.not_module", got=type(net).__name__)
    try:
        learner_call(folder, "net.apply(init_weights)", net.apply, module.init_weights)
    except LearnerFailed as failed:
        if failed.key != "train.not_started":
            raise
        print(t("train.no_init", lang), file=sys.stderr, flush=True)
    try:
        if config["data"] == "synthetic":
            train_iter, test_iter = data.load_data_synthetic(
                config["batch_size"], train_size=config["train_size"],
                test_size=config["test_size"], seed=config["seed"])
        else:
            train_iter, test_iter = data.load_data_fashion_mnist(config["batch_size"],
                                                                 root=config["data_dir"])
    except data.DataError as exc:
        raise LearnerFailed(exc.key, **exc.data) from None
    batches = len(train_iter)
    progress = Progress(config["epochs"], batches, lang)
    watch = Watch(progress, batches)
    handle = net.register_forward_hook(watch.hook)
    print(t("train.data", lang, train=len(train_iter.dataset), test=len(test_iter.dataset),
            batches=batches, device=str(device)), file=sys.stderr, flush=True)
    history = learner_call(folder, "train(net, train_iter, test_iter, num_epochs, lr, device)",
                           module.train, net, Reiterable(train_iter, watch.train_batches),
                           Reiterable(test_iter, watch.test_batches), config["epochs"],
                           config["lr"], device)
    handle.remove()
    watch.finish_epoch()
    clean = plain_history(history, config["epochs"])
    return {"history": clean, "history_repr": repr(history)[:300],
            "points": watch.points, "tests": watch.tests, "epochs": config["epochs"],
            "seconds": watch.train_seconds, "examples": watch.train_examples,
            "device": str(device)}


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
