"""``grader train lenet``: runs offline on synthetic data, shows progress, prints the epochs and
examples/sec, writes the plot; the learner's failures become clear messages, not tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from grader import data
from grader.commands.train import checkpoints, plain_history
from tests.support import EXERCISES, ROOT, make_folder

MODULE = "chapter23_lenet"
SMALL = ["--train-size", "192", "--test-size", "64", "--batch-size", "64"]


def train(args, cwd=ROOT, timeout=300):
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GRADER_SOLUTIONS", None)
    return subprocess.run([sys.executable, "-m", "grader", "--lang", "en", "train", "lenet",
                           *args], capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env=env)


def assert_no_traceback(proc):
    assert "Traceback (most recent call last)" not in proc.stdout + proc.stderr, proc.stderr


@pytest.mark.slow
def test_two_epochs_offline_with_progress_and_plot(tmp_path):
    plot = tmp_path / "curves.png"
    proc = train(["--epochs", "2", "--data", "synthetic", "--solutions", *SMALL,
                  "--plot", str(plot)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    err, out = proc.stderr, proc.stdout
    # progress: five points per epoch when not on a terminal, then a line per epoch
    assert "epoch 1/2 [" in err and "epoch 2/2 [" in err and "100% 3/3" in err
    assert "epoch 1/2: loss" in err and "test acc" in err
    assert "epoch  train loss  train acc  test acc" in out
    assert "examples/sec on cpu" in out
    assert f"Plot written to {plot}" in out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert_no_traceback(proc)


@pytest.mark.slow
def test_fashion_mnist_from_idx_files(tmp_path):
    rng = np.random.default_rng(0)
    for split, n in (("train", 96), ("t10k", 32)):
        data.write_idx(tmp_path / f"{split}-images-idx3-ubyte.gz",
                       rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        data.write_idx(tmp_path / f"{split}-labels-idx1-ubyte.gz",
                       rng.integers(0, 10, n, dtype=np.uint8))
    proc = train(["--epochs", "1", "--data", "fashion-mnist", "--data-dir", str(tmp_path),
                  "--batch-size", "32", "--solutions", "--plot", str(tmp_path / "p.png")])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "96 training and 32 test examples, 3 batches per epoch" in proc.stderr
    assert (tmp_path / "p.png").exists()


def test_missing_fashion_mnist_says_how_to_get_it(tmp_path):
    proc = train(["--data", "fashion-mnist", "--data-dir", str(tmp_path), "--solutions"])
    assert proc.returncode == 1
    assert f"grader data fashion-mnist --dir {tmp_path}" in proc.stderr
    assert_no_traceback(proc)


@pytest.mark.slow
def test_stubs_are_not_started(tmp_path):
    folder = make_folder(tmp_path / "stubs", MODULE, base=EXERCISES)
    proc = train(["--epochs", "1", "--exercises", str(folder), *SMALL])
    assert proc.returncode == 1
    assert "lenet() still raises NotImplementedError" in proc.stderr
    assert_no_traceback(proc)


@pytest.mark.slow
def test_learner_exception_is_a_clear_message(tmp_path):
    folder = make_folder(tmp_path / "v", MODULE, {"train": """
def train(net, train_iter, test_iter, num_epochs, lr, device=None):
    for X, y in train_iter:
        raise ValueError("boom")
""", "init_weights": """
def init_weights(module):
    raise NotImplementedError
"""})
    proc = train(["--epochs", "1", "--exercises", str(folder), *SMALL])
    assert proc.returncode == 1
    assert "init_weights is not written yet" in proc.stderr
    assert "raised ValueError: boom" in proc.stderr
    assert 'chapter23_lenet.py", line' in proc.stderr and "grader/" not in proc.stderr
    assert_no_traceback(proc)


@pytest.mark.slow
def test_crash_and_bad_history(tmp_path):
    crash = make_folder(tmp_path / "crash", MODULE, {"train": """
def train(net, train_iter, test_iter, num_epochs, lr, device=None):
    import os, signal
    os.kill(os.getpid(), signal.SIGKILL)
"""})
    proc = train(["--epochs", "1", "--exercises", str(crash), *SMALL])
    assert proc.returncode == 1
    assert "the training process died: it was killed by SIGKILL" in proc.stderr
    assert_no_traceback(proc)
    bad = make_folder(tmp_path / "bad", MODULE, {"train": """
def train(net, train_iter, test_iter, num_epochs, lr, device=None):
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    for _ in range(num_epochs):
        for X, y in train_iter:
            optimizer.zero_grad()
            nn.CrossEntropyLoss()(net(X), y).backward()
            optimizer.step()
        evaluate_accuracy(net, test_iter)
    return [0.5]
"""})
    proc = train(["--epochs", "1", "--exercises", str(bad), *SMALL,
                  "--plot", str(tmp_path / "bad.png")])
    assert proc.returncode == 1
    assert "train() returned [0.5]" in proc.stderr
    assert "epoch 1/1: loss" in proc.stderr  # measured while it ran
    assert (tmp_path / "bad.png").exists()


def test_usage_errors():
    proc = train(["--epochs", "0", "--solutions"])
    assert proc.returncode == 2 and "--epochs must be at least 1" in proc.stderr


def test_checkpoints_follow_d2l_animator():
    assert checkpoints(10) == {2, 4, 6, 8, 10}
    assert checkpoints(3) == {1, 2, 3}
    assert checkpoints(235) == {47, 94, 141, 188, 235}


def test_plain_history():
    assert plain_history({"train_loss": [1], "train_acc": [0.5], "test_acc": [0.25]}, 1) == \
        {"train_loss": [1.0], "train_acc": [0.5], "test_acc": [0.25]}
    assert plain_history({"train_loss": [1]}, 1) is None
    assert plain_history([1, 2], 2) is None


@pytest.mark.slow
def test_train_warns_when_the_learners_train_did_not_pass_its_check(tmp_path):
    import json
    import shutil

    shutil.copytree(ROOT / "solutions", tmp_path / "exercises")
    proc = train(["--epochs", "1", *SMALL, "--plot", str(tmp_path / "p.png")], cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "has not been checked yet" in proc.stderr
    (tmp_path / ".grader").mkdir(exist_ok=True)
    (tmp_path / ".grader" / "last.json").write_text(json.dumps({"chapter23.train": "failed"}))
    proc = train(["--epochs", "1", *SMALL, "--plot", str(tmp_path / "p.png")], cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "did not pass its last check (failed)" in proc.stderr
    (tmp_path / ".grader" / "last.json").write_text(json.dumps({"chapter23.train": "passed"}))
    proc = train(["--epochs", "1", *SMALL, "--plot", str(tmp_path / "p.png")], cwd=tmp_path)
    assert "note:" not in proc.stderr, proc.stderr
