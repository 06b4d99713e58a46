"""ruff (configured in pyproject.toml) is part of the suite: lint errors fail CI."""

from __future__ import annotations

import shutil
import subprocess

from tests.support import ROOT


def test_ruff_is_clean():
    ruff = shutil.which("ruff")
    assert ruff, "ruff is in the test extra: pip install -e '.[test]'"
    proc = subprocess.run([ruff, "check", "grader", "tests", "benchmarks"], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
