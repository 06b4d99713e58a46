"""Learners paste the book's ``from d2l import torch as d2l``. When that import fails in their
file (d2l, or torchvision under it, not installed), the verdict says once how to install them
instead of an import error on every exercise. d2l and torchvision are never installed here:
the missing module is faked by a ``d2l`` in the graded folder that raises as a missing one does.
"""

from __future__ import annotations

import pytest

from grader import learner, text
from tests.support import grade, make_folder

D2L_IMPORT = "from d2l import torch as d2l\n"


@pytest.mark.parametrize(("message", "traceback", "key"), [
    ("No module named 'd2l'", "", "import_d2l"),
    ("No module named 'd2l.torch'", "", "import_d2l"),
    ("No module named 'torchvision'",
     '  File "chapter19_conv.py", line 3, in <module>\n    from d2l import torch as d2l\n',
     "import_d2l"),
    ("No module named 'torchvision'", "", "import_failed"),  # the learner's own import
    ("No module named 'numpyy'", "", "import_failed"),
])
def test_which_import_failures_are_about_d2l(message, traceback, key):
    reply = {"status": "import_failed", "type": "ModuleNotFoundError", "message": message,
             "traceback": traceback}
    verdict = learner._import_failure("chapter19_conv", reply, "chapter19.corr2d")
    assert verdict.key == key and verdict.outcome == "error"
    if key == "import_d2l":
        assert verdict.data["missing"] in ("d2l", "torchvision")


def test_the_advice_in_both_languages():
    for lang in ("en", "zh"):
        said = text.t("import_d2l", lang, module="chapter19_conv", missing="d2l",
                      traceback="")
        assert "pip install d2l==1.0.3 --no-deps" in said
        assert "https://download.pytorch.org/whl/cpu" in said and "torchvision" in said
        again = text.t("import_d2l_again", lang, module="chapter19_conv", missing="d2l",
                           first="chapter19.corr2d")
        assert "chapter19.corr2d" in again


@pytest.mark.slow
def test_a_missing_d2l_is_explained_once(tmp_path):
    folder = make_folder(tmp_path / "work", "chapter19_conv")
    path = folder / "chapter19_conv.py"
    source = path.read_text("utf-8")
    head, _, rest = source.partition("import torch\n")
    path.write_text(head + "import torch\n" + D2L_IMPORT + rest, "utf-8")
    # d2l is "not installed": the module found first on the path raises as a missing one does
    (folder / "d2l.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'd2l'\", name='d2l')\n", "utf-8")
    out = grade(folder, ["chapter19"])
    names = [k for k in out if not k.startswith("_")]
    assert out["_rc"] == 1 and names and all(out[n][0] == "error" for n in names), out
    first, *others = names
    assert "pip install d2l==1.0.3 --no-deps" in out[first][1], out[first][1]
    assert out["_stdout"].count("pip install d2l==1.0.3 --no-deps") == 1, out["_stdout"]
    for name in others:
        assert f"see {first} for how to install it" in out[name][1], out[name][1]
