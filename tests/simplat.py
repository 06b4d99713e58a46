"""An interpreter that simulates Windows or macOS on Linux, for the portable-path tests.

``tests/platform_sim/sitecustomize.py`` (a copy of ``../shared/tools/platform_sim``) removes the
Unix-only APIs as the project's code would find them on Windows (``SIMPLAT=win``) or refuses
SOCK_SEQPACKET as macOS does (``SIMPLAT=mac``). It must load in every process, including workers
started with ``python -I`` (which ignores PYTHONPATH), so it goes where ``-I`` still looks: the
site-packages of a small virtual environment whose only other content is a ``.pth`` line adding
this interpreter's own site-packages (torch, the editable grader). Nothing in the grader knows
about it: the launcher probes what it finds, as it would on those systems.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

SIM = Path(__file__).with_name("platform_sim") / "sitecustomize.py"


def make_interpreter(where: Path) -> Path:
    """A venv in ``where`` whose every process runs the simulation; its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True,
                   capture_output=True)
    python = where / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    dirs = [d for d in site.getsitepackages() if os.path.isdir(d)]
    (Path(purelib) / "zz_grader_host.pth").write_text(
        f"import site; list(map(site.addsitedir, {dirs!r}))\n", "utf-8")
    shutil.copy(SIM, Path(purelib) / "sitecustomize.py")
    return python


def env(mode: str) -> dict:
    return {**os.environ, "SIMPLAT": mode, "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"}
