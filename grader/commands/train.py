"""``grader train lenet``: train the learner's LeNet with the learner's ``train`` and plot it.

The learner's code runs in the grading worker (``grader.worker``, op ``train``; its learner
side is ``grader.training``): the same runner, audit hook, traceback filter and rule for "not
started" as grading, so a crash or an exception in it becomes a clear message here, not a
traceback. The worker streams progress (running loss and accuracy, examples/sec) as events that
this process draws, and returns the history ``train`` returned; this process prints the summary
and draws the three curves as d2l's animator does.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from grader.outcomes import PASSED
from grader.project import add_lang_option
from grader.text import t
from grader.training import MODULE, SERIES, checkpoints, plain_history  # noqa: F401

LEGEND = ("train loss", "train acc", "test acc")
NO_LIMIT = 7 * 24 * 3600.0  # a training run takes as long as it takes; Ctrl-C stops it


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
    add_lang_option(p)
    p.set_defaults(func=cmd_train)


def cmd_train(args: Any) -> int:
    from grader.errors import EXIT_FAILED, EXIT_OK, UsageError
    from grader.project import check_device_name, cuda_usable, default_lang, graded_folder

    lang = default_lang(args)
    for name in ("epochs", "batch_size", "train_size", "test_size"):
        if getattr(args, name) < 1:
            raise UsageError("train.at_least_one", option=f"--{name.replace('_', '-')}",
                             value=getattr(args, name))
    if not args.lr > 0:
        raise UsageError("train.lr", lr=args.lr)
    check_device_name(args.device)
    folder, root = graded_folder(args)
    if not (folder / f"{MODULE}.py").is_file():
        raise UsageError("train.no_file", file=f"{MODULE}.py", folder=str(folder))
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
    cuda_usable(args.device)
    plot = Path(args.plot).expanduser().resolve()
    config = {"data": args.data, "data_dir": str(data_dir) if data_dir else None,
              "epochs": args.epochs, "lr": args.lr, "batch_size": args.batch_size,
              "device": args.device, "train_size": args.train_size,
              "test_size": args.test_size, "seed": args.seed}
    print(t("train.start", lang, folder=str(folder), data=args.data, epochs=args.epochs,
            lr=args.lr, batch_size=args.batch_size), flush=True)
    warn_unchecked(root, folder, lang)
    reply = run_in_worker(folder, config, lang)
    if reply is None:
        return 130
    status = reply.get("status")
    if status == "died":
        print(t("train.died", lang, how=reply["how"]), file=sys.stderr)
        return EXIT_FAILED
    if status == "not_implemented":
        print(t("train.not_started", lang, name=reply.get("call", "")), file=sys.stderr)
        return EXIT_FAILED
    if status in ("raised", "import_failed"):
        print(t("train.raised", lang, call=reply.get("call", ""), type=reply.get("type"),
                message=reply.get("message"), traceback=reply.get("traceback", "")),
              file=sys.stderr)
        return EXIT_FAILED
    if status != "ok":
        print(t("train.died", lang, how=str(reply.get("message") or status)), file=sys.stderr)
        return EXIT_FAILED
    from grader import wire

    result = wire.decode(reply.get("value"))
    if "error" in result:
        print(t(result["error"], lang, **result.get("data", {})), file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK if report(result, plot, lang) else EXIT_FAILED


def warn_unchecked(root: Path | None, folder: Path, lang: str) -> None:
    """Say so when the learner's ``train`` did not pass its last check (or has none): the
    curves of a wrong ``train`` teach the wrong thing."""
    from grader import project

    if root is None or folder != (root / "exercises").resolve():
        return  # the solutions, or a folder grader check keeps no state for
    outcome = project.load_state(root).get("chapter23.train")
    if outcome != PASSED:
        key = "train.unchecked" if outcome is None else "train.check_failed"
        print(t(key, lang, outcome=t(f"outcome.{outcome}", lang) if outcome else ""),
              file=sys.stderr, flush=True)


def run_in_worker(folder: Path, config: dict, lang: str) -> dict | None:
    """Train in the learner's worker (the same runner, audit hook and limits as grading),
    drawing its progress here; the worker's final reply (``status`` ``died`` with ``how``
    when it died), or None after Ctrl-C."""
    from grader import project
    from grader.launcher import how_it_ended
    from grader.worker_client import Worker, WorkerDied, WorkerTimeout

    worker = Worker(folder, forbidden_dirs=project.solutions_dirs(project.find_root()),
                    memory_limit_mb=None, server=None)

    def echo(chunk: bytes) -> None:  # the learner's own prints, as they come
        sys.stderr.write(chunk.decode("utf-8", "replace"))
        sys.stderr.flush()

    worker.echo = echo
    bar = ProgressBar(config["epochs"], lang)
    try:
        return worker.request({"op": "train", "config": config}, NO_LIMIT, on_event=bar.event)
    except KeyboardInterrupt:
        print(t("train.interrupted", lang), file=sys.stderr)
        return None
    except (WorkerDied, WorkerTimeout) as exc:
        return {"status": "died",
                "how": how_it_ended(getattr(exc, "returncode", None))}
    finally:
        worker.close()


class ProgressBar:
    """The worker's progress events on stderr: a bar redrawn in place on a terminal, five
    lines per epoch when the output goes to a file or a pipe (d2l's animator updates five times
    per epoch too)."""

    WIDTH = 24

    def __init__(self, epochs: int, lang: str, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.epochs, self.lang = epochs, lang
        self.batches = 0
        self.marks: set[int] = set()

    def event(self, event: dict) -> None:
        kind = event.get("kind")
        if kind == "data":
            self.batches = int(event["batches"])
            self.marks = checkpoints(self.batches)
            self.write(t("train.data", self.lang, train=event["train"], test=event["test"],
                          batches=event["batches"], device=event["device"]) + "\n")
        elif kind == "note":
            self.write(t(str(event["key"]), self.lang) + "\n")
        elif kind == "batch":
            self.update(event["epoch"], event["done"], event.get("loss"), event.get("acc"))
        elif kind == "epoch":
            self.epoch_done(event["epoch"], event.get("loss"), event.get("acc"),
                            event.get("test_acc"), event.get("speed"))

    def write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def update(self, epoch: int, done: int, loss: float | None, acc: float | None) -> None:
        fraction = done / self.batches if self.batches else 1.0
        filled = int(round(fraction * self.WIDTH))
        line = (f"{t('train.epoch', self.lang)} {epoch}/{self.epochs} "
                f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {fraction:4.0%} "
                f"{done}/{self.batches}")
        if loss is not None:
            line += f"  loss {loss:.4f}  train acc {acc:.3f}"
        if self.tty:
            self.write("\r" + line.ljust(100)[:100].rstrip() + "   ")
        elif done in self.marks:
            self.write(line + "\n")

    def epoch_done(self, epoch: int, loss: float | None, acc: float | None,
                   test_acc: float | None, speed: float | None) -> None:
        line = f"{t('train.epoch', self.lang)} {epoch}/{self.epochs}:"
        if loss is not None:
            line += f" loss {loss:.4f}, train acc {acc:.3f}"
        if test_acc is not None:
            line += f", test acc {test_acc:.3f}"
        if speed:
            line += f" ({speed:.0f} {t('train.per_second', self.lang)})"
        self.write(("\r" + " " * 104 + "\r" if self.tty else "") + line + "\n")


def report(result: dict, plot: Path, lang: str) -> bool:
    """Print the summary of a finished run and write the plot; False when train's history is
    not what the contract says (the run still counts as done: the plot uses what was seen)."""

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
