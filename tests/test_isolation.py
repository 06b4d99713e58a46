"""Hostile and broken submissions: every case ends with the right outcome and a report, the
grader never shows its own traceback, and the other exercises are still graded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT, SOLUTIONS, grade, make_folder, replace_definitions

pytestmark = pytest.mark.slow
MODULE = "chapter19_conv"
CH19 = ["chapter19.corr2d", "chapter19.Conv2D", "chapter19.corr1d", "chapter19.corr3d",
        "chapter19.conv2d_true", "chapter19.edge_kernel", "chapter19.learn_kernel"]


def _no_grader_traceback(out):
    text = out["_stdout"] + out["_stderr"]
    assert "Traceback" not in text, text
    assert "grader/" not in text and "internal error" not in text, text


def test_hang_crashes_and_the_rest_still_graded(tmp_path):
    folder = make_folder(tmp_path, MODULE, {
        "corr2d": """
def corr2d(X, K):
    while True:
        pass
""",
        "corr1d": """
def corr1d(x, k):
    import os
    os._exit(0)
""",
        "corr3d": """
def corr3d(X, K):
    import ctypes
    ctypes.string_at(0)
""",
        "edge_kernel": """
def edge_kernel():
    import os
    os.abort()
""",
    })
    # conv2d_true and learn_kernel call corr2d: use their own correlation here.
    path = folder / f"{MODULE}.py"
    path.write_text(path.read_text() + '''

def _corr(X, K):
    h, w = K.shape
    return (X.unfold(0, h, 1).unfold(1, w, 1) * K).sum((-1, -2))

def conv2d_true(X, K):
    return _corr(X, torch.flip(K, dims=(0, 1)))

class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return _corr(x, self.weight) + self.bias

def learn_kernel(X, Y, kernel_size, lr=3e-2, num_epochs=10, init=None):
    K = (torch.randn(kernel_size) if init is None else init.clone()).requires_grad_(True)
    for _ in range(num_epochs):
        ((_corr(X, K) - Y) ** 2).sum().backward()
        with torch.no_grad():
            K -= lr * K.grad
        K.grad.zero_()
    return K.detach()
''')
    out = grade(folder, ["chapter19"])
    assert out["chapter19.corr2d"][0] == "timeout"
    assert "did not return within" in out["chapter19.corr2d"][1]
    assert "in corr2d: `while True:`" in out["chapter19.corr2d"][1]  # where it was stopped
    assert out["chapter19.corr1d"][0] == "crashed"
    assert out["chapter19.corr3d"][0] == "crashed"
    assert "SIGSEGV" in out["chapter19.corr3d"][1]
    assert out["chapter19.edge_kernel"][0] == "crashed"
    assert "SIGABRT" in out["chapter19.edge_kernel"][1]
    for name in ("chapter19.Conv2D", "chapter19.conv2d_true", "chapter19.learn_kernel"):
        assert out[name][0] == "passed", out[name]
    assert out["_rc"] == 1
    _no_grader_traceback(out)


@pytest.mark.parametrize("top, outcome, text", [
    ("import sys\nsys.exit(3)\n", "error", "sys.exit(3)"),
    ("raise ValueError('bad setup')\n", "error", "ValueError: bad setup"),
    ("def broken(:\n    pass\n", "error", "SyntaxError"),
    ("import os\nos._exit(0)\n", "crashed", "importing chapter19_conv.py"),
    ("from solutions.chapter19_conv import corr2d as _c\n", "forbidden", "reference solutions"),
    ("exec(open({sol!r}).read())\n", "forbidden", "reference solutions"),
])
def test_module_level_failures_fail_every_exercise(tmp_path, top, outcome, text):
    folder = make_folder(tmp_path, MODULE)
    path = folder / f"{MODULE}.py"
    top = top.format(sol=str(SOLUTIONS / f"{MODULE}.py"))
    path.write_text(path.read_text() + "\n" + top)
    out = grade(folder, ["chapter19"], cwd=ROOT)
    for name in CH19:
        assert out[name][0] == outcome, out[name]
        assert text in out[name][1], out[name][1]
    assert out["_rc"] == 1
    _no_grader_traceback(out)


def test_missing_file_and_missing_function(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = grade(empty, ["chapter19.corr2d"])
    assert out["chapter19.corr2d"][0] == "error"
    assert "chapter19_conv.py was not found" in out["chapter19.corr2d"][1]
    assert out["_rc"] == 1

    folder = make_folder(tmp_path / "nofunc", MODULE)
    path = folder / f"{MODULE}.py"
    path.write_text(replace_definitions(path.read_text(), {"corr1d": "pass"}))
    out = grade(folder, ["chapter19.corr1d", "chapter19.corr2d"])
    assert out["chapter19.corr1d"][0] == "error"
    assert "defines no `corr1d`" in out["chapter19.corr1d"][1]
    assert out["chapter19.corr2d"][0] == "passed"


def test_missing_folder_and_bad_target_are_usage_errors(tmp_path):
    out = grade(tmp_path / "nope", ["chapter19"], cwd=tmp_path)
    assert out["_rc"] == 2 and "no such folder" in out["_stderr"]
    out = grade(SOLUTIONS, ["chapter99"])
    assert out["_rc"] == 2 and "unknown target" in out["_stderr"]


def test_output_flood_is_cut_and_verdict_unchanged(tmp_path):
    folder = make_folder(tmp_path, MODULE, {"corr1d": """
def corr1d(x, k):
    import sys
    sys.stdout.write("spam " * 200_000)
    print("done")
    return (x.unfold(0, k.shape[0], 1) * k).sum(-1)
"""})
    out = grade(folder, ["chapter19.corr1d"])
    assert out["chapter19.corr1d"][0] == "passed"
    assert len(out["_stdout"]) < 20_000


def test_monkeypatching_the_grader_cannot_change_a_verdict(tmp_path):
    folder = make_folder(tmp_path, MODULE, {"corr2d": """
import numpy, hypothesis, pytest
import torch.nn.functional as F
torch.equal = lambda *a, **k: True
torch.allclose = lambda *a, **k: True
numpy.allclose = lambda *a, **k: True
F.conv2d = lambda X, K, *a, **k: torch.zeros(X.shape[0], 1, X.shape[2] - K.shape[2] + 1, X.shape[3] - K.shape[3] + 1)
hypothesis.given = lambda *a, **k: (lambda f: f)
pytest.fail = lambda *a, **k: None
try:
    import grader.compare, grader.worker_client
    grader.compare.close = lambda *a, **k: True
    grader.compare.expect_tensor = lambda *a, **k: None
except ImportError:
    pass

def corr2d(X, K):
    h, w = K.shape
    return torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
"""})
    out = grade(folder, ["chapter19.corr2d"])
    assert out["chapter19.corr2d"][0] == "failed", out["chapter19.corr2d"]


@pytest.mark.parametrize("body, text", [
    ("return None", "got None"),
    ("return torch.full((X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1), float('nan'))",
     "NaN"),
    ("return [[19.0, 25.0], [37.0, 43.0]]", "expected a torch.Tensor, got list"),
    ("return torch.empty((X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1), device='meta')",
     "on meta"),
    ("return torch.empty(10 ** 11)", "ran out of memory"),
])
def test_bad_results(tmp_path, body, text):
    folder = make_folder(tmp_path, MODULE, {"corr2d": f"""
def corr2d(X, K):
    {body}
"""})
    out = grade(folder, ["chapter19.corr2d"], extra=["--memory-limit", "2048"])
    assert out["chapter19.corr2d"][0] in ("failed", "error"), out
    assert text.lower() in out["chapter19.corr2d"][1].lower(), out["chapter19.corr2d"][1]
    _no_grader_traceback(out)


def test_report_is_gradescope_format(tmp_path):
    folder = make_folder(tmp_path, MODULE)
    out = grade(folder, ["chapter19"])
    data = json.loads(out["_report"].read_text())
    assert data["score"] == data["max_score"] == 8.0
    assert [t["name"] for t in data["tests"]] == CH19
    for t in data["tests"]:
        assert t["status"] == "passed" and t["extra_data"]["outcome"] == "passed"
    assert out["_rc"] == 0


@pytest.mark.parametrize("body, op", [
    ("from torch.nn.functional import conv2d as c\n    return c(X[None, None], K[None, None])[0, 0]",
     "conv2d"),
    ("return torch.ops.aten.convolution(X[None, None], K[None, None], None, [1, 1], [0, 0], "
     "[1, 1], False, [0, 0], 1)[0, 0]", "convolution"),
    ("import torch.nn.modules.conv as m\n    return m.F.conv2d(X[None, None], K[None, None])[0, 0]",
     "conv2d"),
    ("f = vars(torch.nn.functional)['conv' + '2d']\n    return f(X[None, None], K[None, None])[0, 0]",
     "conv2d"),
    ("pool = torch.nn.AvgPool2d(K.shape, stride=1)\n"
     "    return pool(X[None, None])[0, 0] * K.numel() * 0", "avg_pool2d"),
])
def test_ready_made_operators_are_forbidden_however_reached(tmp_path, body, op):
    folder = make_folder(tmp_path, MODULE, {"corr2d": f"""
def corr2d(X, K):
    {body}
"""})
    out = grade(folder, ["chapter19.corr2d"])
    outcome, output = out["chapter19.corr2d"]
    assert outcome == "forbidden", output
    assert op in output and "line" in output, output


def test_a_submission_that_kills_its_worker_affects_no_other(tmp_path):
    subs = tmp_path / "class"
    make_folder(subs / "alice", MODULE)
    make_folder(subs / "mallory", MODULE, {
        "corr2d": "def corr2d(X, K):\n    import ctypes\n    ctypes.string_at(0)\n",
        "edge_kernel": "def edge_kernel():\n    import os\n    os._exit(3)\n",
    })
    make_folder(subs / "oscar", MODULE)
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "--lang", "en", "grade", str(subs), "chapter19",
         "--out", str(out), "--jobs", "2"],
        capture_output=True, text=True, timeout=900, env={**os.environ, "NO_COLOR": "1"},
        cwd=tmp_path)
    results = {s: json.loads((out / s / "results.json").read_text("utf-8"))
               for s in ("alice", "mallory", "oscar")}
    for student in ("alice", "oscar"):
        assert results[student]["score"] == results[student]["max_score"] == 8.0
    outcomes = {t["name"]: t["extra_data"]["outcome"] for t in results["mallory"]["tests"]}
    assert outcomes["chapter19.corr2d"] == "crashed"
    assert outcomes["chapter19.edge_kernel"] == "crashed"
    # mallory's own other exercises are still graded (Conv2D and friends call her corr2d)
    assert outcomes["chapter19.corr1d"] == outcomes["chapter19.corr3d"] == "passed"
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- isolation levels ---------------------------------------------------------------------------

def test_choose_isolation_defaults_and_fallbacks(monkeypatch):
    from grader import launcher

    levels = {"sandbox": (False, "no bwrap"), "user": (True, ""), "process": (True, "")}
    monkeypatch.setattr(launcher, "available", lambda level: levels[level])
    choose = launcher.choose_isolation
    assert choose("auto", None, sandbox_default=True) == "user"  # grade: the fallback
    assert choose("auto", None, sandbox_default=False) == "process"  # check
    assert choose("auto", True, sandbox_default=False) == "user"  # check --sandbox
    assert choose("auto", False, sandbox_default=True) == "process"  # grade --no-sandbox
    assert choose("process", None, sandbox_default=True) == "process"
    with pytest.raises(launcher.IsolationUnavailable, match="no bwrap"):
        choose("sandbox", None, sandbox_default=True)
    with pytest.raises(launcher.IsolationUnavailable, match="contradicts"):
        choose("user", False, sandbox_default=True)
    levels["user"] = (False, "not root")
    with pytest.raises(launcher.IsolationUnavailable) as neither:
        choose("auto", None, sandbox_default=True)
    assert "--no-sandbox" in str(neither.value) and "no bwrap" in str(neither.value)
    assert "--no-sandbox" in neither.value.text("zh")


def test_gradescope_bundle_without_a_sandbox_stops_with_a_clear_report(tmp_path, monkeypatch):
    from grader import launcher
    from grader.gradescope import autograde

    monkeypatch.setattr(launcher, "available",
                        lambda level: (level == "process", f"{level} refused here"))
    results = tmp_path / "results"
    results.mkdir()
    assert autograde.grade(tmp_path, {"targets": ["chapter19.corr2d"], "sandbox": True},
                           results) == 1
    data = json.loads((results / "results.json").read_text("utf-8"))
    assert data["score"] == 0 and "grader gradescope --no-sandbox" in data["tests"][0]["output"]
    assert "sandbox refused here" in data["tests"][0]["output"]


def test_the_worker_never_holds_the_checks():
    """What the fork server and a worker import pulls in no check module (their reference
    implementations), so learner code cannot reach them through ``sys.modules``."""
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
            "import torch, grader.forbidden, grader.probes, grader.wire, grader.worker, "
            "grader.training, grader.protocol\n"
            "print(sorted(m for m in sys.modules if m.startswith('grader.checks')))")
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert out.strip() == "[]", out


def test_the_box_binds_package_folders_on_sys_path_and_never_a_project(tmp_path, monkeypatch):
    """Packages lent by a .pth file (a venv reusing another environment's torch, as CI's wheel
    tests do) are bound into the box; a course or class folder on sys.path is not."""
    from grader import sandbox

    lent = tmp_path / "other-env" / "lib" / "site-packages"
    course = tmp_path / "course"
    (course / "solutions").mkdir(parents=True)
    lent.mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [str(course), *sys.path, str(lent)])
    dirs = sandbox.python_dirs()
    assert os.path.realpath(lent) in dirs
    assert not [d for d in dirs if os.path.realpath(course).startswith(d)]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="needs root")
def test_dedicated_user_mechanics():
    """The fallback's parts where the whole of it cannot run (here the interpreter lives in
    root's home): a dedicated user is taken, cannot read what is locked away, and every process
    it starts, double-forked ones included, ends with its release."""
    import tempfile

    from grader import sandbox

    secret = Path(tempfile.mkdtemp(prefix="grader-secret-"))
    (secret / "answer.py").write_text("42\n")
    secret.chmod(0o755)
    slot = sandbox._take_user()
    try:
        assert slot.uid != 0
        assert sandbox._readable_by(slot.uid, slot.gid, [str(secret)])[str(secret)]
        sandbox._lock_away([str(secret)])
        assert not sandbox._readable_by(slot.uid, slot.gid, [str(secret)])[str(secret)]

        def become() -> None:
            os.setgroups([])
            os.setgid(slot.gid)
            os.setuid(slot.uid)

        subprocess.run(["/bin/sh", "-c", "setsid sleep 60 >/dev/null 2>&1 < /dev/null & "
                        "sleep 60 >/dev/null 2>&1 < /dev/null &"], preexec_fn=become,
                       timeout=30, check=True)
        assert len(sandbox._uid_processes(slot.uid)) >= 2
        # a user something else runs as is never taken, even when its lock is free
        slot.lock.close()
        other = sandbox._take_user()
        assert other.name != slot.name
        other.release()
    finally:
        slot.release()
        import shutil

        shutil.rmtree(secret, ignore_errors=True)
    assert sandbox._uid_processes(slot.uid) == []
