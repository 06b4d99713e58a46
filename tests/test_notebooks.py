"""Notebooks (#6): every chapter as a Jupyter notebook, graded in place.

Making notebooks and choosing the graded code are tested in this process (fast); grading a
saved notebook runs ``grader check PATH.ipynb`` (slow), and one chapter's notebooks run end to
end in a real kernel with nbclient (slow)."""

from __future__ import annotations

import ast
import importlib.util
import json
import linecache
import os
import re
import subprocess
import sys
import traceback
from pathlib import Path

import nbformat
import pytest

from grader import catalog, notebooks
from tests.support import ROOT, SOLUTIONS

CAT = catalog.load()
PRESENT = [ch for ch in CAT.chapters if (SOLUTIONS / ch.filename).exists()]
# Chapters that can be graded now (other engineers add chapters and their checks concurrently).
GRADED = [ch for ch in PRESENT if importlib.util.find_spec(ch.check) is not None]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def make(folder: Path, chapter, solutions: bool, lang: str = "en") -> Path:
    source = notebooks.notebook_source(ROOT, chapter, solutions)
    nb = notebooks.build_notebook(chapter, source, solutions=solutions, lang=lang)
    path = folder / ("solutions" if solutions else "stubs") / f"{chapter.module}.ipynb"
    notebooks.write_notebook(nb, path)
    return path


def run_grader(*args: str, cwd: Path = ROOT, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GRADER_SOLUTIONS", None)
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=cwd)


def code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


# -- making notebooks -----------------------------------------------------------------------------

@pytest.mark.parametrize("solutions", [False, True], ids=["stubs", "solutions"])
@pytest.mark.parametrize("chapter", PRESENT, ids=lambda c: c.id)
def test_notebook_is_valid_and_has_a_cell_and_a_check_per_exercise(tmp_path, chapter, solutions):
    path = make(tmp_path, chapter, solutions)
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata["convgrade"]["chapter"] == chapter.id
    assert nb.metadata["convgrade"]["solutions"] is solutions
    assert len({c.id for c in nb.cells}) == len(nb.cells)
    cells = code_cells(nb)
    assert cells[0].metadata["convgrade"]["role"] == "install"
    assert "%pip install" in cells[0].source and notebooks.wheel_name() in cells[0].source
    assert "import grader" in cells[1].source and "grader.setup_notebook(" in cells[1].source
    for ex in chapter.exercises:
        [i] = [i for i, c in enumerate(cells)
               if c.metadata.get("convgrade", {}).get("exercise") == ex.qualname]
        tree = ast.parse(cells[i].source)
        assert [n.name for n in tree.body if not isinstance(n, ast.Import)] == [ex.name]
        assert cells[i + 1].source == f'grader.check("{ex.qualname}")'
        assert "BEGIN SOLUTION" not in cells[i].source
        stub_like = "raise NotImplementedError" in cells[i].source
        assert stub_like != solutions, ex.qualname
    assert cells[-1].source == f'grader.check("{chapter.id}")'
    for cell in cells:
        ast.parse(notebooks.to_python(cell.source))
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "$$" in markdown  # the key formula, in LaTeX
    for ex in chapter.exercises:
        assert f"`{ex.signature}`" in markdown


def test_install_cell_installs_only_when_the_grader_is_missing(tmp_path):
    """The install cell runs ``%pip install`` of the wheel (or ``install``) only when
    ``grader`` cannot be imported, and says what to do when the wheel is not there."""
    source = notebooks.install_cell("en", "git+https://example.org/convgrade.git")
    assert "CONVGRADE = 'git+https://example.org/convgrade.git'" in source
    python = notebooks.to_python(notebooks.install_cell("en"))
    calls = []

    class Shell:
        def run_line_magic(self, name, line):
            calls.append((name, line))

    for found, wheel_here in ((True, False), (False, False), (False, True)):
        os.chdir(tmp_path)
        wheel = tmp_path / notebooks.wheel_name()
        wheel.unlink(missing_ok=True)
        if wheel_here:
            wheel.write_bytes(b"")
        printed = []
        spec = importlib.util.find_spec if found else (lambda name: None)
        space = {"get_ipython": Shell, "print": printed.append}
        exec(python.replace("importlib.util.find_spec", "find_spec"),
             {**space, "find_spec": spec})
        if found:
            assert not calls and not printed
        elif not wheel_here:
            assert not calls and printed and "not found: upload it" in printed[0]
        else:
            assert calls == [("pip", "install -q {CONVGRADE}")] and not printed
    os.chdir(ROOT)
    # grading keeps none of it but its assignments and imports
    tree = ast.parse(python)
    assert all(notebooks.is_definition(n) for n in tree.body[:-1])
    assert not notebooks.is_definition(tree.body[-1])
    assert "PyPI" in notebooks.install_cell("zh") and "CONVGRADE" in notebooks.install_cell("zh")


def test_other_chapters_come_from_the_learners_notebooks(tmp_path):
    """Without a project: chapter 19's module is made from the chapter 19 notebook beside the
    chapter 21 one (its definitions only); with none, its names stand in and say what to
    define, raising NotImplementedError from a file named as the missing notebook."""
    ch19, ch21 = CAT.chapter("chapter19"), CAT.chapter("chapter21")
    assert notebooks.chapter_imports(ch21, CAT) == {"chapter19_conv": ["corr2d"]}
    nb = notebooks.build_notebook(ch19, (SOLUTIONS / ch19.filename).read_text("utf-8"),
                                  solutions=True)
    nb.cells.append(nbformat.v4.new_code_cell("print(corr2d)\nraise SystemExit"))
    renamed = tmp_path / "Copy of chapter 19.ipynb"  # found by its metadata
    notebooks.write_notebook(nb, renamed)
    support = notebooks.support_modules(ch21, CAT, tmp_path, tmp_path)
    assert set(support) == {ch.module for ch in CAT.chapters} - {ch21.module}
    cells, file, number = support["chapter19_conv"]
    assert file == str(renamed.resolve()) and number == 19 and cells
    assert all(c[2].startswith("<learner Copy of chapter 19.ipynb cell ") for c in cells)
    missing_cells, missing_file, _ = support["chapter20_padding_stride"]
    assert missing_cells is None and missing_file == str(tmp_path / "chapter20_padding_stride.ipynb")
    before = list(sys.meta_path)
    try:
        notebooks.use_support(support)
        import chapter19_conv
        import chapter20_padding_stride

        assert chapter19_conv.corr2d.__code__.co_filename.startswith("<learner Copy of")
        stand_in = chapter20_padding_stride.pad2d
        with pytest.raises(NotImplementedError, match="pad2d comes from chapter 20"):
            stand_in(1, 2)
        assert stand_in.__code__.co_filename == missing_file
        notebooks.use_support({})  # a later setup drops what the earlier one provided
        assert "chapter19_conv" not in sys.modules
    finally:
        sys.meta_path[:] = before
        for name in support:
            sys.modules.pop(name, None)
    # a project's folder wins: no stand-in for a chapter whose file is there
    assert "chapter19_conv" not in notebooks.support_modules(ch21, CAT, SOLUTIONS, tmp_path)


def test_a_notebook_alone_never_imports_the_graders_own_checkout(tmp_path):
    folder, root = notebooks.support_folder([tmp_path], solutions=False)
    assert (folder, root) == (tmp_path.resolve(), None)
    folder, root = notebooks.support_folder([tmp_path], solutions=True)  # the switch
    assert folder == SOLUTIONS and root is None


def test_docstrings_become_markdown_with_code_blocks():
    text = notebooks.docstring_markdown(
        "Book example::\n\n    >>> corr2d(X, K)\n    tensor([[19.]])\n\nThe end.")
    assert text == ("Book example:\n\n```python\n>>> corr2d(X, K)\ntensor([[19.]])\n```\n\n"
                    "The end.\n")


def test_notebook_in_chinese(tmp_path):
    nb = nbformat.read(str(make(tmp_path, CAT.chapter("chapter19"), False, lang="zh")), 4)
    assert "如何使用本笔记本" in nb.cells[1].source
    assert "练习 19.1" in "\n".join(c.source for c in nb.cells)


def test_cli_writes_notebooks_and_never_overwrites(tmp_path):
    out = tmp_path / "ch19.ipynb"
    first = run_grader("notebook", "19", "--out", str(out), "--lang", "en")
    assert first.returncode == 0, first.stderr
    nbformat.validate(nbformat.read(str(out), 4))
    out.write_text(out.read_text("utf-8").replace("# TODO: your code here", "# mine"), "utf-8")
    mine = out.read_text("utf-8")
    again = run_grader("notebook", "chapter19", "--out", str(out), "--lang", "en")
    assert again.returncode == 2 and "--force" in again.stderr
    assert out.read_text("utf-8") == mine
    forced = run_grader("notebook", "chapter19", "--out", str(out), "--force", "--solutions")
    assert forced.returncode == 0, forced.stderr
    assert json.loads(out.read_text("utf-8"))["metadata"]["convgrade"]["solutions"] is True
    every = run_grader("notebook", "all", "--out", str(tmp_path / "all"))
    assert every.returncode == 0, every.stderr
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == \
        sorted(f"{ch.module}.ipynb" for ch in PRESENT)
    assert run_grader("notebook", "chapter99", "--out", str(tmp_path)).returncode == 2


# -- which code is graded ------------------------------------------------------------------------

def cells_of(*sources: str, kernel: bool = False) -> list:
    if kernel:
        return notebooks.history_cells(["", *sources])
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    return notebooks.notebook_cells(nb)


def test_only_definitions_are_graded():
    ns: dict = {}
    notebooks.exec_cells(ns, cells_of(
        "import math\nEPS = 1e-6\nSIZES = (1, 2)\nf = lambda x: math.sqrt(x)",
        "print('example')\nX = list(range(3))\nresult = undefined_call()",
        "%time y = 1\n!echo hi\ndef g():\n    return EPS\n",
        "class C:\n    pass\ngrader.check('chapter19.corr2d')\n",
        "if True:\n    h = 1\nfor i in range(3):\n    pass\n",
        "try:\n    import cmath\nexcept ImportError:\n    cmath = None\n",
    ), strict=True)
    assert {k for k in ns if not k.startswith("__")} == {"math", "EPS", "SIZES", "f", "g", "C",
                                                         "cmath"}
    assert ns["g"]() == 1e-6 and ns["f"](4) == 2


def test_kernel_history_skips_what_the_kernel_skipped():
    ns: dict = {}
    notebooks.exec_cells(ns, cells_of(
        "def f():\n    return 1\n",
        "def broken(:\n    pass\n",
        "from not_a_module_anywhere import thing\ndef h():\n    return 3\n",
        "def f():\n    return 2\n",  # a later run replaces an earlier definition
        kernel=True), strict=False)
    assert ns["f"]() == 2 and ns["h"]() == 3 and "broken" not in ns and "thing" not in ns


def test_saved_notebook_reports_syntax_errors_in_their_cell():
    with pytest.raises(SyntaxError) as info:
        notebooks.exec_cells({}, cells_of("x = 1", "def broken(:\n    pass\n"), strict=True)
    assert info.value.filename == "<learner cell 2>" and info.value.lineno == 1


def test_tracebacks_point_into_the_learners_cell():
    ns: dict = {}
    notebooks.exec_cells(ns, cells_of("import math", "\n\ndef corr2d(X, K):\n"
                                      "    raise ValueError('boom')\n", kernel=True))
    with pytest.raises(ValueError) as info:
        ns["corr2d"](None, None)
    frame = traceback.extract_tb(info.value.__traceback__)[-1]
    assert (frame.filename, frame.lineno) == ("<learner In [2]>", 4)
    assert linecache.getline(frame.filename, frame.lineno).strip() == "raise ValueError('boom')"


def test_chapter_of_a_notebook_without_metadata():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import grader"),
                                         nbformat.v4.new_code_cell('grader.check("21.corr2d_multi_in")')])
    assert notebooks.notebook_chapter(nb, CAT).id == "chapter21"
    nb.cells.append(nbformat.v4.new_code_cell('grader.check("chapter19")'))
    assert notebooks.notebook_chapter(nb, CAT) is None  # two chapters: no guess
    nb.metadata["convgrade"] = {"chapter": "chapter19"}
    assert notebooks.notebook_chapter(nb, CAT).id == "chapter19"


def test_import_grader_stays_light_and_check_needs_a_kernel():
    code = ("import sys, grader; grader.check; grader.setup_notebook; "
            "heavy = [m for m in ('torch', 'nbformat', 'pytest', 'IPython') if m in sys.modules]; "
            "assert not heavy, heavy\n"
            "try:\n    grader.check('chapter19.corr2d', lang='en')\n"
            "except RuntimeError as exc:\n    print(exc)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "grader check chapter19.corr2d" in proc.stdout


# -- grading a saved notebook -------------------------------------------------------------------

def outcomes(report: Path) -> dict[str, str]:
    data = json.loads(report.read_text("utf-8"))
    return {t["name"]: t["extra_data"]["outcome"] for t in data["tests"]}


@pytest.mark.slow
@pytest.mark.parametrize("chapter", GRADED, ids=lambda c: c.id)
def test_cli_grades_notebooks_like_chapter_files(tmp_path, chapter):
    names = {ex.qualname for ex in chapter.exercises}
    for solutions, expected, code in ((True, "passed", 0), (False, "not_started", 1)):
        path = make(tmp_path, chapter, solutions)
        report = tmp_path / f"{solutions}.json"
        # The instructor's switch, never the notebook's metadata, selects solutions/ for the
        # other chapters it imports (test_notebook_metadata_selects_nothing).
        proc = run_grader("check", str(path), "--seed", "0", "--device", "cpu", "--lang", "en",
                          "--report", str(report), *(["--solutions"] if solutions else []))
        assert proc.returncode == code, proc.stdout + proc.stderr
        got = outcomes(report)
        assert set(got) == names
        assert set(got.values()) == {expected}, got


@pytest.mark.slow
def test_notebook_metadata_selects_nothing(tmp_path):
    """A submitted notebook that claims to be the instructor's (``metadata.convgrade.solutions``)
    is graded as any other: chapter 21's cells import chapter 19 from exercises/, not from the
    reference solutions."""
    path = make(tmp_path, CAT.chapter("chapter21"), True)
    nb = nbformat.read(str(path), 4)
    nb.metadata["convgrade"]["solutions"] = True
    nbformat.write(nb, str(path))
    report = tmp_path / "claims.json"
    proc = run_grader("check", str(path), "--seed", "0", "--device", "cpu", "--lang", "en",
                      "--report", str(report))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert outcomes(report)["chapter21.corr2d_multi_in"] == "not_started"
    assert "calls corr2d" in proc.stdout


@pytest.mark.slow
def test_cli_notebook_outcomes_and_usage_errors(tmp_path):
    path = make(tmp_path, CAT.chapter("chapter19"), True)
    nb = nbformat.read(str(path), 4)
    del nb.metadata["convgrade"]  # the chapter comes from the check cells then
    replace = {
        "corr2d": "import torch.nn.functional as F\n\ndef corr2d(X, K):\n"
                  "    return F.conv2d(X[None, None], K[None, None])[0, 0]\n",
        "corr1d": "%time z = 1\ndef corr1d(x, k):\n    raise ValueError('boom')\n",
        "edge_kernel": "print('example')\nedge_kernel()\n\ndef edge_kernel():\n"
                       "    return torch.tensor([[-1.0, 1.0]])\n",
    }
    for cell in nb.cells:
        name = cell.get("id", "").removesuffix("-code")
        if name in replace:
            cell.source = replace[name]
    nbformat.write(nb, str(path))
    report = tmp_path / "r.json"
    proc = run_grader("check", str(path), "chapter19.corr2d", "chapter19.corr1d",
                      "chapter19.edge_kernel", "chapter19.corr3d", "--seed", "0", "--device",
                      "cpu", "--lang", "en", "--report", str(report))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert outcomes(report) == {"chapter19.corr2d": "forbidden", "chapter19.corr1d": "error",
                                "chapter19.edge_kernel": "failed", "chapter19.corr3d": "passed"}
    assert "<learner cell" in proc.stdout and "boom" in proc.stdout
    usage = [run_grader("check", str(path), "chapter21"),
             run_grader("check", str(path), str(path)),
             run_grader("check", str(tmp_path / "nowhere.ipynb"))]
    assert [u.returncode for u in usage] == [2, 2, 2], [u.stderr for u in usage]


# -- in a real kernel ---------------------------------------------------------------------------

@pytest.mark.slow
def test_notebook_runs_in_a_real_kernel(tmp_path, monkeypatch):
    pytest.importorskip("ipykernel")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")  # English verdicts
    monkeypatch.delenv("GRADER_SOLUTIONS", raising=False)
    chapter = CAT.chapter("chapter19")
    for solutions, label in ((False, "not started"), (True, "passed")):
        path = make(tmp_path, chapter, solutions)
        nb = nbformat.read(str(path), 4)
        nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": str(tmp_path)}}).execute()
        checks = [c for c in code_cells(nb) if c.source.startswith("grader.check(")]
        assert len(checks) == len(chapter.exercises) + 1
        for cell in checks:
            text = ANSI.sub("", "".join(o.get("text", "") for o in cell.outputs
                                        if o.output_type == "stream"))
            target = cell.source.split('"')[1]
            verdicts = [line for line in text.splitlines() if line[:1] in "✓✗!·⏱☠⊘"]
            wanted = [ex.qualname for ex in CAT.resolve([target])]
            assert [v.split()[1] for v in verdicts] == wanted, text
            assert all(label in v for v in verdicts), text
