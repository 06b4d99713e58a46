"""Install anywhere (issue 20): the sdist holds what the tests need and its tests import; a wheel
built from that sdist carries the course; installed into a new venv in an empty folder,
``grader --version``, ``grader init course`` and every learner command work from the course
folder, and the solutions the wheel ships stay masked from learner code; every chapter's
notebook, made by that wheel, runs standalone in a kernel of the new venv; a Gradescope bundle
made by that wheel passes a simulated run.

Everything is built offline with this environment's setuptools (the test extra pins >= 77).
The new venv has no packages of its own but the wheel: a ``.pth`` file lends it this
environment's site-packages for torch and the other dependencies (the paths only, so an
editable convgrade installed here is not imported there), and nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import grader
from grader import catalog
from tests.support import ROOT

CH19 = [ex.qualname for ex in catalog.load().chapter("chapter19").exercises]
CHAPTER_FILES = sorted(ch.filename for ch in catalog.load().chapters)
VERSION = grader.__version__


def _run(cmd, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("timeout", 600)
    return subprocess.run(cmd, capture_output=True, text=True, **kwargs)


def _clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "GRADER_SOLUTIONS", "PYTHONHOME", "VIRTUAL_ENV")}
    return {**env, "NO_COLOR": "1", "PYTHONNOUSERSITE": "1", **extra}


@pytest.fixture(scope="module")
def sdist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sdist")
    proc = _run([sys.executable, "-c",
                 "import sys; from setuptools import build_meta; "
                 "print(build_meta.build_sdist(sys.argv[1]))", str(out)], cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (path,) = out.glob("convgrade-*.tar.gz")
    return path


@pytest.fixture(scope="module")
def unpacked(sdist, tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("unpacked")
    with tarfile.open(sdist) as tar:
        tar.extractall(where, filter="data")
    (top,) = where.iterdir()
    return top


@pytest.fixture(scope="module")
def wheel(unpacked, tmp_path_factory) -> Path:
    """A wheel built from the unpacked sdist, as pip does from PyPI."""
    out = tmp_path_factory.mktemp("wheel")
    proc = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                 "--no-index", "-q", "-w", str(out), str(unpacked)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (path,) = out.glob("convgrade-*.whl")
    return path


def test_sdist_holds_what_the_tests_need(sdist):
    with tarfile.open(sdist) as tar:
        names = {name.partition("/")[2] for name in tar.getnames()}
    assert {"pyproject.toml", "setup.py", "README.md", "LICENSE", "MANIFEST.in", ".ci/run",
            "tests/__init__.py", "tests/support.py", "tests/batch_grade.py",
            "tests/test_packaging.py", "tests/data/junit-10.xsd",
            "benchmarks/mutation_score.py", "grader/catalog.toml"} <= names
    for folder in ("exercises", "solutions"):
        assert {f"{folder}/{name}" for name in CHAPTER_FILES} <= names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")
                or n.startswith((".grader/", ".hypothesis/"))]


def _fenced_commands(text: str) -> list[str]:
    return re.findall(r"```(?:bash|powershell|bat)\n(.*?)\n```", text, re.S)


def test_readme_test_command_is_what_ci_runs():
    """The README's quick-start test command is, character for character, .ci/run's."""
    readme = (ROOT / "README.md").read_text("utf-8")
    quick = readme[readme.index("## Quick start"):readme.index("### Without a clone")]
    commands = _fenced_commands(quick)
    ci = [line for line in (ROOT / ".ci" / "run").read_text("utf-8").splitlines()
          if line and not line.startswith(("#", "set ", "cd ", "bash .ci/"))]
    assert len(ci) == 1 and ci[0] in commands, (ci, commands)
    # each Linux/macOS command creates or reuses .venv and installs into it, never into the
    # system Python (PEP 668), and calls python only once the venv is active
    posix = [c for c in commands if c.startswith("python3 ")]
    assert len(posix) == 3
    for command in posix:
        assert command.startswith("python3 -m venv .venv && ")
        assert "pip install" not in command or ". .venv/bin/activate && python -m pip" in \
            command or ".venv/bin/python -m pip" in command
    assert "sudo apt install python3-venv" in quick
    assert "https://download.pytorch.org/whl/cpu" in quick
    windows = [c for c in commands if c.startswith("py -m venv .venv")]
    assert len(windows) == 2  # PowerShell and cmd


@pytest.mark.slow
def test_sdist_tests_import(unpacked):
    """pytest collects every test of the unpacked sdist, importing the sdist's own grader."""
    env = _clean_env()
    proc = _run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist",
                 "-p", "no:cacheprovider"], cwd=unpacked, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert re.search(r"\d+ tests? collected", proc.stdout), proc.stdout[-500:]
    assert "error" not in proc.stdout.lower().split("collected")[-1]
    where = _run([sys.executable, "-c", "import grader, tests.support; print(grader.__file__)"],
                 cwd=unpacked, env=env)
    assert Path(where.stdout.strip()).is_relative_to(unpacked), where.stdout + where.stderr


@pytest.mark.slow
def test_wheel_metadata_and_course(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        metadata = zf.read(f"convgrade-{VERSION}.dist-info/METADATA").decode()
        for name in CHAPTER_FILES:  # the course, byte for byte as in the repository
            for folder in ("exercises", "solutions"):
                assert zf.read(f"grader/course/{folder}/{name}") == \
                    (ROOT / folder / name).read_bytes()
    assert f"convgrade-{VERSION}.dist-info/licenses/LICENSE" in names
    assert f"Version: {VERSION}\n" in metadata
    assert "License-Expression: MIT\n" in metadata
    for classifier in ("Operating System :: Microsoft :: Windows", "Operating System :: MacOS",
                       "Operating System :: POSIX :: Linux",
                       *(f"Programming Language :: Python :: 3.{v}" for v in (10, 11, 12, 13))):
        assert f"Classifier: {classifier}\n" in metadata
    assert "Requires-Python: >=3.10" in metadata
    assert re.search(r"^Requires-Dist: torch>=2\.1$", metadata, re.M)
    assert re.search(r"^Requires-Dist: numpy>=1\.23\.5$", metadata, re.M)  # d2l's pin fits
    assert re.search(r"^Project-URL: ", metadata, re.M)
    assert not [n for n in names if n.startswith(("tests/", "exercises/", "solutions/"))
                or "__pycache__" in n]


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A new venv holding only the wheel (dependencies lent by a .pth file, see above)."""
    base = tmp_path_factory.mktemp("venv")
    env_dir = base / "venv"
    proc = _run([sys.executable, "-m", "venv", str(env_dir)])  # with its own pip (ensurepip)
    assert proc.returncode == 0, proc.stderr
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
    lent = [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))]
    (Path(site.stdout.strip()) / "_convgrade_test_deps.pth").write_text("\n".join(lent) + "\n")
    # --ignore-installed: an editable convgrade in the lent site-packages is not this one
    proc = _run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                 "--ignore-installed", str(wheel)], cwd=base, env=_clean_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return env_dir


def _grader(venv: Path, *args: str, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    script = venv / ("Scripts/grader.exe" if os.name == "nt" else "bin/grader")
    path = f"{script.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return _run([str(script), "--lang", "en", *args], cwd=cwd,
                env=_clean_env(PATH=path, VIRTUAL_ENV=str(venv)), **kwargs)


def _report(path: Path) -> dict[str, str]:
    tests = json.loads(path.read_text("utf-8"))["tests"]
    return {t["name"]: t["extra_data"]["outcome"] for t in tests}


@pytest.mark.slow
def test_wheel_in_a_new_venv_inits_and_grades_a_course(venv, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = _grader(venv, "--version", cwd=empty)
    assert (proc.returncode, proc.stdout.strip()) == (0, f"convgrade {VERSION}"), proc.stderr
    python = venv / "bin" / "python"
    where = _run([str(python), "-c", "import grader; print(grader.__file__)"], cwd=empty,
                 env=_clean_env())
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout + where.stderr

    proc = _grader(venv, "init", "course", cwd=empty)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    course = empty / "course"
    assert sorted(p.name for p in (course / "exercises").iterdir()) == CHAPTER_FILES
    assert (course / ".gitignore").read_text() == ".grader/\n"
    assert "cd course && grader check chapter19" in proc.stdout

    report = tmp_path / "r.json"
    proc = _grader(venv, "check", "chapter19", "--device", "cpu", "--report", str(report),
                   cwd=course)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert _report(report) == dict.fromkeys(CH19, "not_started")
    assert proc.stdout.count("not started") >= len(CH19)

    # the other learner commands, from the course folder
    proc = _grader(venv, "list", cwd=course)
    assert proc.returncode == 0 and "chapter19.corr2d" in proc.stdout, proc.stderr
    proc = _grader(venv, "hint", "chapter19.corr2d", cwd=course)
    assert proc.returncode == 0 and "corr2d" in proc.stdout, proc.stderr
    proc = _grader(venv, "release", "--check", cwd=course)  # the stubs match the solutions
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = _grader(venv, "solution", "chapter19.corr2d", cwd=course)  # locked until it passes
    assert proc.returncode == 1 and "corr2d" in proc.stdout, proc.stdout + proc.stderr
    stub = course / "exercises" / "chapter19_conv.py"
    pristine = stub.read_text("utf-8")
    stub.write_text(pristine.replace("raise NotImplementedError", "return None", 1), "utf-8")
    proc = _grader(venv, "reset", "chapter19", "--yes", cwd=course)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert stub.read_text("utf-8") == pristine
    proc = _grader(venv, "check", "chapter19", "--solutions", "--device", "cpu", "--report",
                   str(report), cwd=course)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _report(report) == dict.fromkeys(CH19, "passed")

    # init never overwrites: a second run keeps the learner's file and says so
    stub.write_text(pristine + "\n# mine\n", "utf-8")
    proc = _grader(venv, "init", "course", cwd=empty)
    assert proc.returncode == 0 and "kept" in proc.stdout, proc.stdout + proc.stderr
    assert stub.read_text("utf-8").endswith("# mine\n")
    proc = _grader(venv, "init", "course/.gitignore", cwd=empty)
    assert proc.returncode == 2 and "not a folder" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_the_solutions_a_wheel_ships_are_masked(venv, tmp_path):
    """Learner code that reads the installed reference solutions is ``forbidden``."""
    proc = _grader(venv, "init", "course", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    course = tmp_path / "course"
    python = venv / "bin" / "python"
    found = _run([str(python), "-c",
                  "from grader.course_files import installed_solutions as s; print(s())"],
                 cwd=tmp_path, env=_clean_env())
    shipped = Path(found.stdout.strip()) / "chapter19_conv.py"
    assert shipped.is_file() and shipped.is_relative_to(venv), found.stdout + found.stderr
    stub = course / "exercises" / "chapter19_conv.py"
    stub.write_text(stub.read_text("utf-8") + f"\nexec(open({str(shipped)!r}).read())\n",
                    "utf-8")
    report = tmp_path / "r.json"
    proc = _grader(venv, "check", "chapter19", "--device", "cpu", "--report", str(report),
                   cwd=course)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert _report(report) == dict.fromkeys(CH19, "forbidden")
    assert "reference solutions" in proc.stdout


def _outputs(cell) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", "".join(o.get("text", "") for o in cell.get("outputs", [])
                                                 if o.get("output_type") == "stream"))


@pytest.mark.slow
def test_every_notebook_runs_standalone_from_the_wheel(venv, tmp_path, monkeypatch):
    """Each chapter's notebook, made by the wheel's ``grader notebook`` in an empty folder,
    runs in a kernel of the new venv (only the wheel): the install cell is skipped, chapter 21
    takes corr2d from the chapter 19 notebook beside it, and alone it says to define corr2d.
    All notebooks run in one kernel session (``%reset -f`` between them), to keep CI cheap."""
    pytest.importorskip("ipykernel")
    nbclient = pytest.importorskip("nbclient")
    import nbformat
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    for flags, out in (((), "solved"), (("--solutions",), "ref")):
        proc = _grader(venv, "notebook", "all", *flags, "--out", out, cwd=tmp_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    names = sorted(p.name for p in (tmp_path / "solved").glob("*.ipynb"))
    assert names == sorted(f"{ch.module}.ipynb" for ch in catalog.load().chapters)
    for name in names:  # a learner who solved every exercise: the stubs with the reference code
        stub = nbformat.read(tmp_path / "solved" / name, 4)
        ref = {c.id: c.source for c in nbformat.read(tmp_path / "ref" / name, 4).cells}
        for cell in stub.cells:
            if cell.id.endswith("-code"):
                cell.source = ref[cell.id]
        nbformat.write(stub, tmp_path / "solved" / name)
    alone = tmp_path / "alone"
    alone.mkdir()
    ch21 = "chapter21_channels.ipynb"
    (alone / ch21).write_bytes((tmp_path / "solved" / ch21).read_bytes())

    spec = tmp_path / "jupyter" / "kernels" / "wheel"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(venv / "bin" / "python"), "-m", "ipykernel_launcher", "-f",
                 "{connection_file}"], "display_name": "wheel", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    km = AsyncKernelManager(kernel_name="wheel")
    env = _clean_env(LC_ALL="C.UTF-8")
    executed = {}
    try:
        for folder, which in ((tmp_path / "solved", names), (alone, [ch21])):
            for name in which:
                nb = nbformat.read(folder / name, 4)
                nb.cells.insert(0, nbformat.v4.new_code_cell(f"%reset -f\n%cd {folder}"))
                nbclient.NotebookClient(nb, km=km, timeout=600, kernel_name="wheel",
                                        resources={"metadata": {"path": str(folder)}}
                                        ).execute(env=env)
                executed[folder.name, name] = {c.get("id"): c for c in nb.cells}
    finally:
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)

    for name in names:
        cells = executed["solved", name]
        assert "%pip install" in cells["install"].source and not _outputs(cells["install"])
        text = _outputs(cells["setup"])
        assert "no exercises/ folder here" in text, text
        checks = [c for c in cells.values() if str(c.get("id")).endswith("-check")]
        assert checks
        for cell in checks:
            out = _outputs(cell)
            verdicts = [line for line in out.splitlines() if line[:1] in "✓✗!·⏱☠⊘"]
            assert verdicts and all("passed" in v for v in verdicts), (name, out)
    assert "corr2d (chapter 19): from chapter19_conv.ipynb" in \
        _outputs(executed["solved", ch21]["setup"])
    cells = executed["alone", ch21]
    assert "Define corr2d in a cell of this notebook" in _outputs(cells["setup"])
    out = _outputs(cells["chapter-check"])
    assert re.search(r"chapter21\.corr2d_multi_in +not started", out), out
    assert "calls corr2d (chapter19_conv.ipynb)" in out
    assert re.search(r"chapter21\.corr2d_multi_in_out_1x1 +passed", out), out

    # the saved notebooks, graded from the command line, the same way
    report = tmp_path / "r.json"
    proc = _grader(venv, "check", str(tmp_path / "solved" / ch21), "--report", str(report),
                   cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = _grader(venv, "check", str(alone / ch21), "--report", str(report), cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert _report(report) == {"chapter21.corr2d_multi_in": "not_started",
                               "chapter21.corr2d_multi_in_out": "not_started",
                               "chapter21.corr2d_multi_in_out_1x1": "passed"}


@pytest.mark.slow
def test_gradescope_bundle_from_the_wheel_passes_a_simulated_run(venv, tmp_path):
    """``grader gradescope`` of an installed wheel: the bundle holds the installed package
    (never its grader/course/) with a pyproject made from the metadata, builds offline, and
    its run_autograder grades a submission against a simulated /autograder tree (setup.sh's
    downloads skipped: the bundle's copy of the grader goes on PYTHONPATH)."""
    from tests.support import make_folder
    from tests.test_gradescope import autograder_tree

    zip_path = tmp_path / "autograder.zip"
    proc = _grader(venv, "gradescope", "chapter19", "--out", str(zip_path), "--timeout", "300",
                   cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with zipfile.ZipFile(zip_path) as zf:
        names = zf.namelist()
        pyproject = zf.read("convgrade/pyproject.toml").decode()
    assert {"setup.sh", "run_autograder", "convgrade/LICENSE", "convgrade/README.md",
            "convgrade/grader/cli.py", "convgrade/grader/catalog.toml"} <= set(names)
    assert not [n for n in names if "/course/" in n or "solutions" in n
                or n.startswith("exercises/") or "__pycache__" in n]
    assert f'version = "{VERSION}"' in pyproject
    root = autograder_tree(tmp_path, zip_path)
    python = str(venv / "bin" / "python")
    # built as setup.sh's pip does (with this environment's setuptools >= 77: the new venv's
    # own may be older, and pip's build isolation would download one)
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                  "--no-index", "-q", "-w", str(tmp_path / "wheels"),
                  str(root / "source" / "convgrade")], env=_clean_env())
    assert built.returncode == 0, built.stdout + built.stderr
    make_folder(root / "submission", "chapter19_conv")
    env = _clean_env(AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=python,
                     PYTHONPATH=str(root / "source" / "convgrade"))
    proc = _run(["bash", str(root / "run_autograder")], env=env, cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((root / "results" / "results.json").read_text("utf-8"))
    assert (data["score"], data["max_score"]) == (8.0, 8.0), data
    assert [t["name"] for t in data["tests"]] == CH19
