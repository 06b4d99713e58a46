"""The declared Pythons (3.10-3.13): a smoke run without torch on each interpreter that can be had
here (pyenv's, or ``pythonX.Y`` on PATH): ``--help``, ``list``, ``hint`` (English and Chinese),
the catalog and the messages. The grader's light dependencies (rich and what it needs; tomli on
3.10) are pure Python and are lent from this interpreter's site-packages, so nothing is
downloaded. An interpreter that is absent is skipped, saying so."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import ROOT

VERSIONS = ["3.10", "3.11", "3.12", "3.13"]
PURE = ["rich", "markdown_it", "mdurl", "pygments"]


def find_python(version: str) -> str | None:
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for found in sorted(pyenv.glob(f"{version}.*"), reverse=True):
        if (found / "bin" / "python").exists():
            return str(found / "bin" / "python")
    return shutil.which(f"python{version}")


def lend(names: list[str], where: Path) -> None:
    for name in names:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            pytest.skip(f"{name} is not installed here to lend")
        shutil.copytree(list(spec.submodule_search_locations)[0], where / name,
                        ignore=shutil.ignore_patterns("__pycache__"))


SMOKE = """
from grader import catalog, text
cat = catalog.load()
assert len([e for ch in cat.chapters for e in ch.exercises]) == 22
assert all(text.t("outcome.passed", lang) for lang in ("en", "zh"))
import sys
assert "torch" not in sys.modules
print("ok", sys.version_info[:2])
"""


@pytest.mark.parametrize("version", VERSIONS)
def test_smoke_without_torch(version, tmp_path):
    python = find_python(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine (pyenv or python{version} on PATH)")
    names = PURE + (["tomli"] if version == "3.10" else [])
    if version == "3.10" and importlib.util.find_spec("tomli") is None:
        pytest.skip("tomli (the catalog's TOML reader before 3.11) is not installed here to lend")
    lend(names, tmp_path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(tmp_path)]),
           "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUTF8": "0"}
    env.pop("GRADER_SOLUTIONS", None)
    run = dict(capture_output=True, text=True, encoding="utf-8", env=env, cwd=ROOT, timeout=120)
    out = subprocess.run([python, "-c", SMOKE], **run)
    assert out.returncode == 0 and "ok" in out.stdout, out.stdout + out.stderr
    for args, text in [(["--help"], "check"), (["--lang", "en", "list"], "chapter19.corr2d"),
                       (["--lang", "en", "hint", "chapter19.corr2d", "--all"], "K"),
                       (["--lang", "zh", "hint", "chapter19.corr2d", "--all"], "不要翻转")]:
        # --all: every level, and no hint state written into the project the test runs in
        out = subprocess.run([python, "-m", "grader", *args], **run)
        assert out.returncode == 0, (args, out.stdout, out.stderr)
        assert text in out.stdout, (args, out.stdout)
        assert "Traceback" not in out.stderr, out.stderr
