"""Submissions written by an attacker, graded as an instructor would (``grader grade``, whose
default is the sandbox) next to honest students. Each attack asserts: not passed, no file outside
the scratch folder changed, no solution text in any output, no process left behind (every
process an attack starts carries a marker in its environment), the grader finishing within its
limits, and every other student graded correctly.

One ``grade`` run holds the attacks that only the sandbox stops; the from-scratch guard and the
reference implementations are also attacked with ``--no-sandbox`` (they are held there too).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid
import warnings
from pathlib import Path

import pytest

from grader import forbidden, launcher
from tests.support import EXERCISES, ROOT, SOLUTIONS, make_folder

pytestmark = pytest.mark.slow
MODULE = "chapter19_conv"
SOLUTION_TEXT = "Y[i, j] = (X[i:i + h, j:j + w] * K).sum()"  # solutions/, not the stubs
CHECK_TEXTS = ("(grad,) = torch.autograd.grad(loss, K)",  # chapter19.reference_descent
               'if variant == "reinit":  # d2l')  # chapter23.reference_train
TARGETS = ["chapter19", "chapter21.corr2d_multi_in_out_1x1"]
MAX_SECONDS = 600
needs_sandbox = pytest.mark.skipif(not launcher.available("sandbox")[0],
                                   reason="bubblewrap cannot make a sandbox here")

# -- the attacks ---------------------------------------------------------------------------------

SPAWN = '''
def _spawn(code):
    import subprocess, sys
    return subprocess.Popen([sys.executable, "-c", code], env={{"HOSTILE_MARKER": "{mark}"}},
                            start_new_session=True, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


FORGED = {{"score": 999.0, "max_score": 9.0, "tests": [], "forged": "{mark}"}}


def _forge(paths):
    import json, os
    for p in paths:
        for name in ("results.json", "gradebook.csv", "summary.json"):
            for target in (p, os.path.join(p, name), os.path.join(p, "mallory", name)):
                try:
                    if not os.path.isdir(target):
                        with open(target, "w") as f:
                            json.dump(FORGED, f)
                except OSError:
                    pass
'''

# corr2d: forged verdicts (read the grader's command line and folders from /proc, write the
# reports, write a forged reply into every pipe of every process in sight), a double-forked
# survivor that keeps rewriting them after the grader exits, SIGSTOP on every other process.
FORGE = SPAWN + '''

def corr2d(X, K):
    import os, signal
    paths = {known!r}
    pipes = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            cmd = open(f"/proc/{{pid}}/cmdline", "rb").read().split(b"\\0")
            paths.append(os.readlink(f"/proc/{{pid}}/cwd"))
            for flag in (b"--out", b"--report"):
                if flag in cmd:
                    paths.append(cmd[cmd.index(flag) + 1].decode())
            for fd in os.listdir(f"/proc/{{pid}}/fd"):
                try:
                    with open(f"/proc/{{pid}}/fd/{{fd}}", "wb", buffering=0) as f:
                        f.write(b"\\0\\0\\0\\0\\0\\0\\0\\x10" + b"forged-reply-xx!")
                        pipes += 1
                except OSError:
                    pass
        except OSError:
            pass
    _forge(paths)
    for pid in os.listdir("/proc"):
        if pid.isdigit() and int(pid) not in (os.getpid(), os.getppid()):
            try:
                os.kill(int(pid), signal.SIGSTOP)
            except OSError:
                pass
    _spawn("import json, os, time\\n"
           "paths = " + repr(paths) + "\\n"
           "end = time.time() + 40\\n"
           "while time.time() < end:\\n"
           "    for p in paths + ['/tmp/hostile-{mark}']:\\n"
           "        for t in (p, os.path.join(p, 'results.json'), os.path.join(p, 'mallory', 'results.json')):\\n"
           "            try:\\n"
           "                open(t, 'w').write('{{\\"score\\": 999}}')\\n"
           "            except OSError:\\n"
           "                pass\\n"
           "    time.sleep(0.2)\\n")
    return torch.zeros(X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1)
'''

# corr1d: classmates harmed: overwrite another student's files and results, by absolute and
# relative paths.
CLASSMATES = '''

def corr1d(x, k):
    import os
    for p in {victims!r} + ["../alice/chapter19_conv.py", "../zoe/chapter19_conv.py"]:
        try:
            with open(p, "w") as f:
                f.write("raise SystemExit('overwritten by mallory')\\n")
        except OSError:
            pass
        try:
            os.unlink(p)
        except OSError:
            pass
    return x[: x.shape[0] - k.shape[0] + 1] * 0
'''

# corr3d: the reference solutions through paths an audit hook does not see, printed into the
# learner's own report.
READ = '''

def corr3d(X, K):
    import ctypes, os, subprocess
    sol = {solution!r}
    root = {root!r}
    got = []
    try:
        os.link(sol, "/tmp/sol-link.py")
        got.append(open("/tmp/sol-link.py").read())
    except OSError as e:
        got.append("link: " + repr(e))
    try:
        d = os.open(os.path.dirname(sol), os.O_RDONLY)
        fd = os.open(os.path.basename(sol), os.O_RDONLY, dir_fd=d)
        got.append(os.read(fd, 100000).decode())
    except OSError as e:
        got.append("dir_fd: " + repr(e))
    try:
        libc = ctypes.CDLL(None)
        fd = libc.open(sol.encode(), 0)
        buf = ctypes.create_string_buffer(100000)
        n = libc.read(fd, buf, 100000)
        got.append(buf.raw[:max(n, 0)].decode("utf-8", "replace"))
    except OSError as e:
        got.append("ctypes: " + repr(e))
    for cmd in (["cat", sol], ["git", "-C", root, "show", "HEAD:solutions/chapter19_conv.py"]):
        try:
            got.append(subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout)
        except OSError as e:
            got.append(repr(e))
    print("\\n".join(got))
    raise RuntimeError("\\n".join(got)[-1800:])
'''

# edge_kernel: more processes than the limit, each marked, each meant to outlive the run.
PROCESSES = '''

def edge_kernel():
    import time
    for _ in range(60):
        _spawn("import time; time.sleep(60)")
    time.sleep(5)
    return torch.tensor([[1.0, -1.0]])
'''

# learn_kernel: the checks' own reference implementations, imported by name and by path.
REFERENCES = '''

def learn_kernel(X, Y, kernel_size, lr=3e-2, num_epochs=10, init=None):
    import importlib.util, inspect
    got = []
    try:
        from grader.checks.chapter19.learn_kernel import reference_descent
        got.append(inspect.getsource(reference_descent))
    except BaseException as e:
        got.append("import: " + repr(e))
    try:
        from grader.checks.chapter23.reference_trainer import reference_train
        got.append(inspect.getsource(reference_train))
    except BaseException as e:
        got.append("import: " + repr(e))
    try:
        spec = importlib.util.spec_from_file_location("c19", {checks!r} + "/chapter19/learn_kernel.py")
        m = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(m)
        got.append(inspect.getsource(m.reference_descent))
    except BaseException as e:
        got.append("path: " + repr(e))
    raise RuntimeError("\\n".join(got)[-1800:])
'''

# The from-scratch guard evaded: a ready-made operator from another thread, from TorchScript,
# after patching the guard; the one-matrix-product rule against an idle NumPy call.
GUARD = '''

def corr2d(X, K):
    import threading
    import torch.nn.functional as F
    out = []
    t = threading.Thread(target=lambda: out.append(F.conv2d(X[None, None], K[None, None])[0, 0]))
    t.start()
    t.join()
    return out[0] if out else torch.zeros(1)


@torch.jit.script
def _scripted(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    return torch.conv1d(x[None, None], k[None, None])[0, 0]


def corr1d(x, k):
    return _scripted(x, k)


def corr3d(X, K):
    import torch.nn.functional as F
    try:
        import grader.forbidden as g
        g.FromScratchGuard.__torch_function__ = lambda self, f, t, a=(), kw=None: f(*a, **(kw or {{}}))
        g.FORBIDDEN = __import__("re").compile("nothing-at-all")
        g._KINDS.clear()
    except ImportError:
        pass
    return F.conv3d(X[None, None], K[None, None])[0, 0]

'''

LIBRARY = '''

def conv2d_true(X, K):
    # The guard's dispatcher kernels destroyed (found by gc, no name needed), then a
    # ready-made convolution from another thread: only the check after the call sees it.
    import gc
    import threading
    import torch.nn.functional as F
    for lib in [o for o in gc.get_objects() if isinstance(o, torch.library.Library)]:
        if lib.ns == "aten" and lib.kind == "IMPL":
            lib._destroy()
    out = []
    flipped = K.flip(0, 1)
    t = threading.Thread(target=lambda: out.append(
        F.conv2d(X[None, None], flipped[None, None])[0, 0]))
    t.start()
    t.join()
    return out[0] if out else torch.zeros(1)

'''

IDLE_NUMPY = '''

def corr2d_multi_in_out_1x1(X, K):
    import numpy as np
    np.zeros(1)
    X.numpy() if X.device.type == "cpu" else None
    c_o = K.shape[0]
    return (K.reshape(c_o, -1, 1, 1) * X[None]).sum(1)
'''

PROBE = '''

def corr2d(X, K):
    import ctypes, errno, json, os, socket
    seen = {{}}
    status = open("/proc/self/status").read()
    seen["cap_eff"] = status.split("CapEff:")[1].split()[0]
    seen["uid"] = os.getuid()
    libc = ctypes.CDLL(None, use_errno=True)
    MS_REMOUNT, MS_BIND, MS_RDONLY = 32, 4096, 1
    rc = libc.mount(None, b"/usr", None, MS_REMOUNT | MS_BIND, None)
    seen["remount_rw"] = [rc, errno.errorcode.get(ctypes.get_errno(), "?")]
    try:
        s = socket.create_connection(("127.0.0.1", {port}), timeout=2)
        s.sendall(b"hello from the box")
        seen["network"] = "connected"
    except OSError as e:
        seen["network"] = repr(e)
    seen["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    seen["exists"] = {{p: os.path.exists(p) for p in {paths!r}}}
    home = os.path.expanduser("~root")
    seen["home"] = sorted(os.listdir(home)) if os.path.isdir(home) else []
    seen["checks"] = sorted(os.listdir({checks!r})) if os.path.isdir({checks!r}) else None
    try:
        open("/tmp/scratch-works", "w").write("ok")
        seen["scratch"] = open("/tmp/scratch-works").read()
    except OSError as e:
        seen["scratch"] = repr(e)
    try:
        open("chapter19_conv.py", "a").write("# changed")
        seen["own_copy_writable"] = True
    except OSError:
        seen["own_copy_writable"] = False
    raise RuntimeError("PROBE " + json.dumps(seen))
'''


# -- helpers -------------------------------------------------------------------------------------

def _tree_state(*roots: Path) -> dict[str, str]:
    """{path: content hash} of every file under ``roots``."""
    state = {}
    for root in roots:
        for p in sorted(root.rglob("*")):
            if p.is_file() and not p.is_symlink() and "__pycache__" not in p.parts:
                state[str(p)] = hashlib.sha1(p.read_bytes()).hexdigest()
    return state


def _marked(mark: str) -> list[int]:
    """Processes whose environment carries ``mark``."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if mark.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            continue
    return found


def _kill(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, 9)
        except OSError:
            pass


def _grade(subs: Path, out: Path, extra: list[str], cwd: Path,
           python: str = sys.executable) -> tuple[subprocess.CompletedProcess, float]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GRADER_SOLUTIONS", None)
    started = time.monotonic()
    proc = subprocess.run(
        [python, "-m", "grader", "--lang", "en", "grade", str(subs), *TARGETS,
         "--out", str(out), "--jobs", "2", "--timeout", "300", *extra],
        capture_output=True, text=True, timeout=MAX_SECONDS, env=env, cwd=cwd)
    return proc, time.monotonic() - started


def _results(out: Path, student: str) -> dict:
    return json.loads((out / student / "results.json").read_text("utf-8"))


def _outcomes(data: dict) -> dict[str, str]:
    return {t["name"]: t["extra_data"]["outcome"] for t in data["tests"]}


def _all_output(out: Path, proc: subprocess.CompletedProcess) -> str:
    text = proc.stdout + proc.stderr
    for p in out.rglob("*"):
        if p.is_file():
            text += p.read_text("utf-8", "replace")
    return text


def _honest(data: dict) -> None:
    assert data["score"] == data["max_score"] == 9.0, data
    assert all(t["status"] == "passed" for t in data["tests"]), data


def _hostile_class(base: Path, solution: str, checks: str, root: str) -> dict:
    """alice and zoe (honest) and mallory (every attack but the guard's) in ``base/class``,
    the instructor's notes beside it; ``solution``, ``checks``, ``root``: where the attacks
    look for the reference solutions, the checks and the repository."""
    mark = f"hostile-{uuid.uuid4().hex}"
    subs, out = base / "class", base / "out"
    notes = base / "instructor-notes.txt"
    notes.write_text("the exam answers\n")
    make_folder(subs / "alice", MODULE)
    make_folder(subs / "zoe", MODULE)
    victims = [str(subs / "alice" / f"{MODULE}.py"), str(subs / "zoe" / f"{MODULE}.py"),
               str(out / "alice" / "results.json"), str(notes)]
    known = [str(out), str(out / "mallory"), str(subs), str(base)]
    attacks = "".join(a.format(mark=mark, known=known, victims=victims, solution=solution,
                               root=root, checks=checks)
                      for a in (SPAWN, FORGE.replace(SPAWN, ""), CLASSMATES, READ, PROCESSES,
                                REFERENCES))
    mallory = make_folder(subs / "mallory", MODULE, base=EXERCISES)
    (mallory / f"{MODULE}.py").write_text((mallory / f"{MODULE}.py").read_text() + attacks)
    return {"base": base, "subs": subs, "out": out, "notes": notes, "mark": mark}


def _files(hostile: dict) -> dict[str, str]:
    notes = hostile["notes"]
    return _tree_state(hostile["subs"]) | {str(notes): hashlib.sha1(notes.read_bytes()).hexdigest()}


def _grade_hostile(hostile: dict, extra: list[str], python: str = sys.executable) -> dict:
    """``hostile`` graded (every student added by then), with what it changed and left."""
    before = _files(hostile)
    proc, seconds = _grade(hostile["subs"], hostile["out"], extra, hostile["base"], python)
    time.sleep(1)  # the survivor's window: whatever it could still do, it would have done
    left = _marked(hostile["mark"])
    _kill(left)
    return {**hostile, "proc": proc, "seconds": seconds, "left": left, "before": before,
            "after": _files(hostile)}


def _assert_held(run: dict, isolation: str) -> None:
    """What every isolation level promises against mallory: the grader finishing in its
    limits, no process left, no file outside the scratch folder changed, the honest students
    graded correctly, no forged or passing report, no solution or reference text anywhere."""
    proc, out = run["proc"], run["out"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert run["seconds"] < MAX_SECONDS
    assert run["left"] == [], run["left"]  # every process the attacks started ended
    assert run["after"] == run["before"]  # the submissions, the instructor's notes
    assert not Path(f"/tmp/hostile-{run['mark']}").exists()
    for student in ("alice", "zoe"):  # before and after mallory
        _honest(_results(out, student))
    mallory = _results(out, "mallory")
    assert "forged" not in mallory and mallory["score"] == 0.0, mallory
    assert not any(o == "passed" for o in _outcomes(mallory).values()), mallory
    with open(out / "gradebook.csv", encoding="utf-8") as f:
        book = f.read()
    assert "999" not in book and "mallory,0," in book.replace(".0", ""), book
    for data in (mallory, _results(out, "alice")):
        assert {t["extra_data"]["isolation"] for t in data["tests"]} == {isolation}
    text = _all_output(out, proc)
    assert SOLUTION_TEXT not in text
    for check_text in CHECK_TEXTS:
        assert check_text not in text


# -- the batch in the sandbox --------------------------------------------------------------------

@pytest.fixture(scope="module")
def listener():
    """A server on the host's loopback: the box must not reach it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.1)
    yield server
    server.close()


@pytest.fixture(scope="module")
def sandboxed(tmp_path_factory, listener):
    hostile = _hostile_class(tmp_path_factory.mktemp("hostile"), str(SOLUTIONS / f"{MODULE}.py"),
                             str(Path(forbidden.__file__).parent / "checks"), str(ROOT))
    subs, out = hostile["subs"], hostile["out"]
    paths = [str(hostile["notes"]), str(subs / "alice"), str(subs / "mallory"), str(out),
             str(SOLUTIONS), str(ROOT / ".git"), "/autograder/source", "/home",
             str(Path.home() / ".bashrc"), str(Path.home() / ".cache")]
    make_folder(subs / "paula", MODULE, {"corr2d": PROBE.format(
        port=listener.getsockname()[1], paths=paths,
        checks=str(Path(forbidden.__file__).parent / "checks"))})
    return _grade_hostile(hostile, [])


@needs_sandbox
def test_sandboxed_batch_holds_every_attack(sandboxed, listener):
    _assert_held(sandboxed, "sandbox")
    mallory = _outcomes(_results(sandboxed["out"], "mallory"))
    assert mallory["chapter19.edge_kernel"] == "crashed"  # over the process limit
    # nobody reached the host's loopback
    try:
        conn, _ = listener.accept()
        conn.close()
        raise AssertionError("the box reached the host's network")
    except TimeoutError:
        pass


@needs_sandbox
def test_inside_the_box(sandboxed):
    data = _results(sandboxed["out"], "paula")
    output = next(t["output"] for t in data["tests"] if t["name"] == "chapter19.corr2d")
    seen = json.loads(output.split("PROBE ", 1)[1].split("\n", 1)[0])
    assert seen["cap_eff"] == "0000000000000000"
    assert seen["uid"] != 0
    assert seen["remount_rw"][0] == -1 and seen["remount_rw"][1] in ("EPERM", "EACCES")
    assert "connected" not in seen["network"]
    assert len(seen["pids"]) <= 4, seen["pids"]  # the box's own: init, the worker, ps-like kids
    assert not any(seen["exists"].values()), seen["exists"]
    assert seen["checks"] == []  # an empty folder over grader/checks
    # of a home folder, at most the way to the Python installation (pyenv keeps it there)
    for entry in seen["home"]:
        assert os.path.realpath(sys.base_prefix).startswith(
            os.path.join(os.path.expanduser("~root"), entry)), seen["home"]
    assert seen["scratch"] == "ok" and seen["own_copy_writable"] is False
    # the rest of paula's chapter still graded
    assert _outcomes(data)["chapter19.corr1d"] == "passed"


# -- the batch as the dedicated user ---------------------------------------------------------------

# An interpreter every user may read, with the grader's dependencies: the fallback's own
# precondition (this project's Python lives in root's home, which no other user can read).
# .ci/system-packages makes it from Debian's python3.
USER_PYTHON = os.environ.get("CONVGRADE_USER_PYTHON", "/opt/convgrade-user-python/bin/python")


def _user_python() -> str:
    if os.name != "posix" or not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("the dedicated user needs root on Linux")
    if not os.access(USER_PYTHON, os.X_OK):
        if os.environ.get("CI"):
            pytest.fail(f"{USER_PYTHON} is missing: .ci/system-packages makes it")
        pytest.skip(f"no interpreter every user can read at {USER_PYTHON} "
                    "(.ci/system-packages makes it)")
    return USER_PYTHON


def test_batch_as_the_dedicated_user_holds_the_attacks_it_promises_to(tmp_path_factory):
    """``--isolation user`` end to end, with the attacks the README says it stops: forged
    verdicts, classmates' and the instructor's files, the solutions and the checks' references
    by every path, processes past the limit or outliving the run; honest students graded
    before and after."""
    import shutil
    import tempfile

    python = _user_python()
    # A course every user may traverse, like an instructor's under /srv: the grader package,
    # the solutions and the stubs (the dedicated user must read the grader, not the rest).
    base = Path(tempfile.mkdtemp(prefix="grader-user-course-"))
    try:
        base.chmod(0o755)
        for name in ("grader", "solutions", "exercises"):
            shutil.copytree(ROOT / name, base / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(ROOT / "pyproject.toml", base / "pyproject.toml")
        hostile = _hostile_class(base, str(base / "solutions" / f"{MODULE}.py"),
                                 str(base / "grader" / "checks"), str(base))
        _assert_held(_grade_hostile(hostile, ["--isolation", "user"], python), "user")
    finally:
        for here, dirs, _ in os.walk(base):  # the run took "other" permissions away
            for d in dirs:
                os.chmod(os.path.join(here, d), 0o755)
        shutil.rmtree(base, ignore_errors=True)


# -- the guard, with and without the sandbox ------------------------------------------------------

@pytest.mark.parametrize("mode", [
    pytest.param(["--isolation", "sandbox"], marks=needs_sandbox, id="sandbox"),
    pytest.param(["--no-sandbox"], id="no-sandbox"),
])
def test_guard_and_references_hold_with_and_without_the_sandbox(tmp_path, mode):
    subs, out = tmp_path / "class", tmp_path / "out"
    make_folder(subs / "alice", MODULE)
    make_folder(subs / "trudy", "chapter21_channels", {"corr2d_multi_in_out_1x1": IDLE_NUMPY})
    path = subs / "trudy" / f"{MODULE}.py"
    path.write_text((EXERCISES / f"{MODULE}.py").read_text() + GUARD.format()
                    + REFERENCES.format(checks=str(Path(forbidden.__file__).parent / "checks")))
    make_folder(subs / "mallory", MODULE)
    (subs / "mallory" / f"{MODULE}.py").write_text(
        (EXERCISES / f"{MODULE}.py").read_text() + LIBRARY)
    proc, seconds = _grade(subs, out, mode, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    _honest(_results(out, "alice"))
    assert _outcomes(_results(out, "mallory"))["chapter19.conv2d_true"] == "forbidden"
    trudy = _results(out, "trudy")
    got = _outcomes(trudy)
    for name in ("chapter19.corr2d", "chapter19.corr1d", "chapter19.corr3d"):
        assert got[name] == "forbidden", (name, trudy)
    assert got["chapter21.corr2d_multi_in_out_1x1"] == "failed", trudy
    assert got["chapter19.learn_kernel"] != "passed"
    text = _all_output(out, proc)
    for check_text in CHECK_TEXTS:
        assert check_text not in text


def test_every_convolution_and_pooling_overload_is_guarded():
    """The dispatcher layer covers every operator overload whose name says convolution or
    pooling, on every dispatch key that has a kernel for it in this build."""
    import torch

    dispatch = forbidden.install()
    try:
        keys = forbidden._keys()
        for op in forbidden.matching_ops():
            covered = dispatch.covered.get(op)
            assert covered is not None, op
            if torch._C._dispatch_has_kernel_for_dispatch_key(
                    op, torch._C.DispatchKey.CompositeImplicitAutograd):
                assert covered == ["CompositeImplicitAutograd"], op
                continue
            # kernels of ours, where ours are: the computed table now holds our kernels only
            for key in keys:
                if key.name in covered:
                    continue
                assert not torch._C._dispatch_has_computed_kernel_for_dispatch_key(
                    op, key.name) or torch._C._dispatch_kernel_for_dispatch_key_is_fallthrough(
                    op, key), (op, key)
        assert dispatch.intact()
        # armed: a ready-made operator stops, whichever way it is reached
        dispatch.arm(lambda f: False)
        x = torch.ones(1, 1, 4, 4)
        for call in (lambda: torch.nn.functional.conv2d(x, x[..., :2, :2]),
                     lambda: torch.nn.functional.adaptive_avg_pool2d(x, 1),
                     lambda: torch.nn.functional.max_pool2d(x, 2),
                     lambda: torch.ops.aten.avg_pool2d.default(x, [2, 2])):
            with pytest.raises(forbidden.ForbiddenCall):
                with torch.inference_mode():
                    call()
        hit, _ = dispatch.disarm()
        assert hit is not None
        # disarmed: the original kernels, gradients included
        w = torch.ones(1, 1, 2, 2, requires_grad=True)
        torch.nn.functional.conv2d(x, w).sum().backward()
        assert w.grad is not None and float(w.grad.sum()) == 36.0
    finally:
        for lib in dispatch.libraries:
            lib._destroy()


@pytest.mark.parametrize("op, key", [
    ("convolution", "CPU"), ("avg_pool2d", "CPU"), ("max_pool2d_with_indices", "CPU"),
    ("mm", "CPU"), ("convolution", "AutogradCPU")])
def test_the_canary_sees_a_kernel_put_over_the_guard(op, key):
    """A learner's kernel registered over the guard's (on its key, or on a key the dispatcher
    reaches first) makes ``intact()`` false at once, not at the next registration check; once
    it is gone, the guard's kernels fire again."""
    import torch

    dispatch = forbidden.install()
    try:
        assert dispatch.intact()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "overriding a previously registered kernel"
            learner = torch.library.Library("aten", "IMPL")
            # computes its own answer (here a stand-in), never reaching the guard's kernel
            learner.impl(op, lambda *a, **k: (a[0], a[0]) if op.endswith("indices") else a[0],
                         key)
        try:
            assert not dispatch.intact()
        finally:
            learner._destroy()
        assert dispatch.intact()
    finally:
        for lib in dispatch.libraries:
            lib._destroy()


@needs_sandbox
def test_submission_timeout_is_enforced_through_the_box(tmp_path):
    """``grade --timeout`` is enforced by the grading process, outside the box: the verdict
    process and the box under it are killed, with everything the submission started."""
    from grader import catalog
    from grader.service_process import Service
    from grader.submission import grade_env, submission_plan

    mark = f"hostile-{uuid.uuid4().hex}"
    folder = make_folder(tmp_path / "hang", MODULE)
    path = folder / f"{MODULE}.py"
    # at the top level: the import's own limit (30 s) is longer than the submission's
    path.write_text(path.read_text() + SPAWN.format(mark=mark)
                    + '\n_spawn("import time; time.sleep(120)")\nwhile True:\n    pass\n')
    exercises = catalog.load().resolve(["chapter19.corr2d"])
    plan = submission_plan(folder, exercises, isolation="sandbox")
    service = Service(grade_env())
    started = time.monotonic()
    try:
        assert service.submit(plan, timeout=25) is None  # ran past its time: killed
    finally:
        service.close()
    assert time.monotonic() - started < 60
    deadline = time.monotonic() + 5
    while _marked(mark) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _marked(mark)
    _kill(left)
    assert left == []
