"""``grader gradescope``: the bundle's content (torch pinned, only the grading dependencies, no
course files), its setup.sh (with a stand-in python3: nothing is downloaded), and its run_autograder against a simulated /autograder tree in a temporary folder,
with the bundle's own copy of the grader on PYTHONPATH."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile

import pytest

from grader import catalog, cli, notebooks
from grader.commands import gradescope
from grader.outcomes import OUTCOMES
from tests.support import ROOT, SOLUTIONS, make_folder, replace_definitions

CH19 = [ex.qualname for ex in catalog.load().chapter("chapter19").exercises]
WRONG_EDGE = {"edge_kernel": """
def edge_kernel():
    return torch.tensor([[-1.0, 1.0]])
"""}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    path = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    assert cli.main(["--lang", "en", "gradescope", "chapter19", "--out", str(path),
                     "--timeout", "300"]) == 0
    return path


def autograder_tree(base, bundle):
    """What Gradescope lays out: the zip unpacked in source/, run_autograder beside it."""
    root = base / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    for name in ("run_autograder", "source/setup.sh", "source/run_autograder"):
        (root / name).chmod(0o755)  # extractall drops permission bits
    return root


def run_autograder(root):
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable,
           "PYTHONPATH": str(root / "source" / "convgrade"), "NO_COLOR": "1"}
    env.pop("GRADER_SOLUTIONS", None)
    return subprocess.run(["bash", str(root / "run_autograder")], capture_output=True, text=True,
                          timeout=600, env=env, cwd=root)


def test_bundle_content(bundle):
    with zipfile.ZipFile(bundle) as zf:
        names = zf.namelist()
        infos = {i.filename: i for i in zf.infolist()}
        config = json.loads(zf.read("config.json"))
        setup = zf.read("setup.sh").decode()
        runner = zf.read("run_autograder").decode()
    assert {"setup.sh", "run_autograder", "config.json", "constraints.txt", "requirements.txt",
            "convgrade/pyproject.toml", "convgrade/LICENSE",
            "convgrade/grader/cli.py", "convgrade/grader/catalog.toml",
            "convgrade/grader/checks/chapter19/corr2d.py",
            "convgrade/grader/gradescope/autograde.py"} <= set(names)
    # the reference solutions and the stubs never travel; neither do caches
    assert not [n for n in names if n.startswith(("solutions/", "exercises/"))
                or "/solutions/" in n or "__pycache__" in n or n.endswith(".pyc")]
    for name in ("setup.sh", "run_autograder"):
        assert stat.S_IMODE(infos[name].external_attr >> 16) == 0o755
    assert config["targets"] == ["chapter19"] and config["timeout"] == 300
    assert 'pip install --no-cache-dir -c "$HERE/constraints.txt" torch --index-url ' \
        "https://download.pytorch.org/whl/cpu" in setup
    assert "${AUTOGRADER_ROOT:-/autograder}" in runner
    subprocess.run(["bash", "-n", "-c", setup], check=True)
    subprocess.run(["bash", "-n", "-c", runner], check=True)


def test_bundle_pins_torch_and_installs_only_what_grading_needs(bundle):
    with zipfile.ZipFile(bundle) as zf:
        constraints = zf.read("constraints.txt").decode()
        requirements = zf.read("requirements.txt").decode().splitlines()
    assert constraints == f"torch=={gradescope.TESTED_TORCH}\n"
    names = {re.match(r"[A-Za-z0-9._-]+", line).group(0).lower() for line in requirements}
    assert {"torch", "numpy", "pytest", "hypothesis", "rich"} <= names
    # neither the test extra, nor the plot extra, nor what only `grader watch` uses
    assert not names & {"pytest-xdist", "nbclient", "ipykernel", "ruff", "lxml", "matplotlib",
                        "setuptools", "watchdog"}


def test_bundle_pins_the_torch_ci_tests():
    """setup.sh's pin is the release .ci/run installs: the one the suite passed with."""
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert f"torch=={gradescope.TESTED_TORCH} " in ci


def test_bundle_never_carries_the_course_a_wheel_ships(tmp_path, monkeypatch):
    """An installed wheel has grader/course/{exercises,solutions}: they stay out of the zip."""
    package = tmp_path / "project" / "grader"
    shutil.copytree(ROOT / "grader", package,
                    ignore=shutil.ignore_patterns("__pycache__", "course"))
    for folder in ("exercises", "solutions"):
        (package / "course" / folder).mkdir(parents=True)
        shutil.copy(ROOT / folder / "chapter19_conv.py", package / "course" / folder)
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    monkeypatch.setattr(gradescope, "package_sources",
                        lambda: gradescope.PackageSource(package, pyproject, None, None))
    names = list(gradescope.bundle_files(["chapter19"], 60, 1024, "en",
                                         gradescope.TORCH_CPU_INDEX))
    assert "convgrade/grader/cli.py" in names
    assert not [n for n in names if "/course/" in n or "chapter19_conv" in n]


def test_bad_torch_version_is_a_usage_error(tmp_path, capsys):
    assert cli.main(["--lang", "en", "gradescope", "--out", str(tmp_path / "a.zip"),
                     "--torch-version", "latest"]) == 2
    assert "--torch-version latest" in capsys.readouterr().err
    assert not (tmp_path / "a.zip").exists()


def test_bundle_is_reproducible(bundle, tmp_path):
    again = tmp_path / "again.zip"
    assert cli.main(["--lang", "en", "gradescope", "chapter19", "--out", str(again),
                     "--timeout", "300"]) == 0
    assert again.read_bytes() == bundle.read_bytes()


def test_setup_sh_installs_cpu_torch_then_the_package(bundle, tmp_path):
    """Run setup.sh with a stand-in python3 that records what it is asked to do."""
    root = autograder_tree(tmp_path, bundle)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    fake = bin_dir / "python3"
    fake.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\n')
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(["bash", str(root / "source" / "setup.sh")], capture_output=True,
                          text=True, timeout=60, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    calls = log.read_text().splitlines()
    source = root / "source"
    version_check = calls.index("-c import sys; sys.exit(sys.version_info < (3, 10))")
    torch_call = calls.index(f"-m pip install --no-cache-dir -c {source / 'constraints.txt'} "
                             "torch --index-url https://download.pytorch.org/whl/cpu")
    deps_call = calls.index(f"-m pip install --no-cache-dir -c {source / 'constraints.txt'} "
                            f"-r {source / 'requirements.txt'}")
    package_call = calls.index(f"-m pip install --no-cache-dir --no-deps {source / 'convgrade'}")
    assert version_check < torch_call < deps_call < package_call
    assert calls[-1].startswith("-c import torch, grader.catalog")


def test_setup_sh_refuses_an_old_python_naming_the_images_that_have_one(bundle, tmp_path):
    root = autograder_tree(tmp_path, bundle)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    fake = bin_dir / "python3"  # Ubuntu 20.04's: pip works, the version is too old
    fake.write_text(f"""#!/bin/sh
echo "$@" >> "{log}"
case "$*" in
  *"version_info < (3, 10)"*) exit 1 ;;
  *"print("*) echo 3.8 ;;
esac
""")
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(["bash", str(root / "source" / "setup.sh")], capture_output=True,
                          text=True, timeout=60, env=env, cwd=tmp_path)
    assert proc.returncode == 1
    assert "needs Python 3.10 or newer, and this image's python3 is 3.8" in proc.stderr
    assert "Ubuntu 22.04" in proc.stderr and "Ubuntu 24.04" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not [c for c in log.read_text().splitlines() if "install" in c]  # nothing installed


def test_bundled_package_builds_offline(bundle, tmp_path):
    """What setup.sh's second pip install builds: a wheel with the catalog and templates."""
    pytest.importorskip("setuptools")
    root = autograder_tree(tmp_path, bundle)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-q", "-w", str(tmp_path / "wheels"), str(root / "source" / "convgrade")],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (wheel,) = (tmp_path / "wheels").glob("convgrade-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"grader/catalog.toml", "grader/checks/pytest.ini", "grader/gradescope/setup.sh",
            "grader/gradescope/run_autograder", "grader/texts/en/grader.toml",
            "grader/texts/zh/chapter19.toml"} <= names


@pytest.mark.slow
def test_run_autograder_writes_results_json(bundle, tmp_path):
    root = autograder_tree(tmp_path, bundle)
    # students often upload their folder: the chapter files are found one level down
    make_folder(root / "submission" / "my_work", "chapter19_conv", WRONG_EDGE)
    proc = run_autograder(root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((root / "results" / "results.json").read_text("utf-8"))
    assert (data["score"], data["max_score"]) == (7.0, 8.0)
    assert isinstance(data["execution_time"], (int, float))
    assert [t["name"] for t in data["tests"]] == CH19
    by = {t["name"]: t for t in data["tests"]}
    assert by["chapter19.edge_kernel"]["status"] == "failed"
    assert by["chapter19.edge_kernel"]["extra_data"]["outcome"] == "failed"
    assert "Hint" in by["chapter19.edge_kernel"]["output"]
    assert by["chapter19.learn_kernel"] == {**by["chapter19.learn_kernel"], "score": 2.0,
                                            "max_score": 2.0, "status": "passed"}
    for test in data["tests"]:
        assert test["extra_data"]["outcome"] in OUTCOMES
    assert "chapter19.edge_kernel" in proc.stdout  # the terminal report, for Gradescope's pane


@pytest.mark.slow
def test_notebook_submission_is_graded_from_its_cells(bundle, tmp_path):
    """A submission of the chapter as a notebook (renamed, one folder down) is graded from
    its code cells; a file that only looks like a notebook is no submission at all."""
    root = autograder_tree(tmp_path, bundle)
    chapter = catalog.load().chapter("chapter19")
    source = replace_definitions((SOLUTIONS / chapter.filename).read_text("utf-8"), WRONG_EDGE)
    nb = notebooks.build_notebook(chapter, source, solutions=True)
    notebooks.write_notebook(nb, root / "submission" / "work" / "Copy of chapter 19.ipynb")
    (root / "submission" / "chapter19_conv.ipynb").write_text("{}", "utf-8")
    proc = run_autograder(root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((root / "results" / "results.json").read_text("utf-8"))
    assert (data["score"], data["max_score"]) == (7.0, 8.0), data
    by = {t["name"]: t["extra_data"]["outcome"] for t in data["tests"]}
    assert by == {**dict.fromkeys(CH19, "passed"), "chapter19.edge_kernel": "failed"}


def test_a_bundle_made_from_a_wheel_declares_what_the_project_does():
    """From an installed wheel (no pyproject.toml beside the package) the bundle's pyproject
    is made from the metadata: the same dependencies, scripts and package data."""
    try:
        import tomllib
    except ModuleNotFoundError:
        import tomli as tomllib
    from importlib import metadata

    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert tuple(project["tool"]["setuptools"]["package-data"]["grader"]) == \
        gradescope.PACKAGE_DATA
    made = tomllib.loads(gradescope.installed_pyproject(metadata.distribution("convgrade"), True))

    def plain(deps):
        return [d.replace(" ", "").replace("'", '"') for d in deps]

    assert made["project"]["version"] == grader_version()
    assert made["project"]["scripts"] == project["project"]["scripts"]
    assert made["build-system"] == project["build-system"]
    assert plain(made["project"]["dependencies"]) == plain(project["project"]["dependencies"])
    assert plain(gradescope.grading_requirements(gradescope.installed_pyproject(
        metadata.distribution("convgrade"), False))) == \
        plain(gradescope.grading_requirements((ROOT / "pyproject.toml").read_text("utf-8")))


def grader_version() -> str:
    import grader

    return grader.__version__


def test_a_broken_bundle_still_reports(tmp_path):
    """No config, no catalog match: Gradescope still gets a results.json that says why."""
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "source" / "config.json").write_text('{"targets": ["chapter99"]}', "utf-8")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root)}
    proc = subprocess.run([sys.executable, "-m", "grader.gradescope.autograde"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 1
    data = json.loads((root / "results" / "results.json").read_text("utf-8"))
    assert data["score"] == 0 and "chapter99" in data["output"]
