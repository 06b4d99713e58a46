"""matplotlib is the extra ``plot`` (README, "What gets installed"): without it ``grader train``
still trains, prints every epoch and exits 0, and says how to get the plot, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support import ROOT


@pytest.mark.slow
def test_train_without_matplotlib_says_how_to_get_the_plot(tmp_path):
    blocked = tmp_path / "blocked" / "matplotlib"
    blocked.mkdir(parents=True)
    (blocked / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'matplotlib'\", name='matplotlib')\n")
    env = {**os.environ, "NO_COLOR": "1",
           "PYTHONPATH": os.pathsep.join([str(blocked.parent), os.environ.get("PYTHONPATH", "")])}
    env.pop("GRADER_SOLUTIONS", None)
    plot = tmp_path / "curves.png"
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "--lang", "en", "train", "lenet", "--epochs", "1",
         "--data", "synthetic", "--solutions", "--train-size", "128", "--test-size", "64",
         "--batch-size", "64", "--plot", str(plot)],
        capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "epoch  train loss  train acc  test acc" in proc.stdout
    assert "no plot: matplotlib is not installed (pip install matplotlib, or the plot " \
        'extra: pip install "convgrade[plot]")' in proc.stderr
    assert not plot.exists()
    assert "Traceback" not in proc.stdout + proc.stderr
