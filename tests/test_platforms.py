"""Windows, macOS and Linux: the portable worker path, chosen by probing, and the code only
Windows runs, tested against a fake of its API.

The end-to-end cases run the grader in an interpreter that simulates Windows (``SIMPLAT=win``:
no fork, sessions, SEQPACKET, fd passing, resource, fcntl, termios, pty, SIGALRM...) or macOS
(``SIMPLAT=mac``: SEQPACKET refused), in every process including the workers (``tests/simplat.py``).
"""

from __future__ import annotations

import ctypes
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader import launcher, windows
from grader.pipe_connection import FramedPipe, PipeConnection
from tests import simplat
from tests.support import EXERCISES, ROOT, SOLUTIONS, make_folder, replace_definitions

# -- the choice of path, by probing ---------------------------------------------------------------


def _probe(monkeypatch) -> tuple[bool, str]:
    monkeypatch.setattr(launcher, "_FAST_PATH", None)
    return launcher.fast_path()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fast path is Linux's")
def test_the_fast_path_is_probed_not_configured(monkeypatch):
    import os
    import socket

    import psutil  # noqa: F401  (imported for real, before sys.platform is faked)

    real_socketpair = socket.socketpair
    assert _probe(monkeypatch) == (True, "")
    with monkeypatch.context() as m:
        m.delattr(os, "fork")
        ok, why = _probe(m)
        assert not ok and "os.fork" in why
    with monkeypatch.context() as m:
        def refuse(family=None, type=socket.SOCK_STREAM, proto=0):
            if type == socket.SOCK_SEQPACKET:
                raise OSError(93, "Protocol not supported")
            return real_socketpair(family, type, proto)
        m.setattr(socket, "socketpair", refuse)
        ok, why = _probe(m)
        assert not ok and "SOCK_SEQPACKET" in why
    with monkeypatch.context() as m:
        m.setattr(sys, "platform", "darwin")
        assert not _probe(m)[0]
        assert launcher.memory_mechanism() == "watch"  # RLIMIT_DATA is not enforced there
    with monkeypatch.context() as m:
        m.setattr(sys, "platform", "win32")
        assert launcher.memory_mechanism() == "job"
    _probe(monkeypatch)
    assert launcher.memory_mechanism() == "rlimit"


def test_pipe_connection_frames_and_eof():
    import os

    r1, w1 = os.pipe()  # verdict -> worker
    r2, w2 = os.pipe()  # worker -> verdict
    verdict = PipeConnection(os.fdopen(r2, "rb", buffering=0), os.fdopen(w1, "wb", buffering=0))
    worker = FramedPipe(r1, w2)
    assert not verdict.poll(0)
    import threading

    sender = threading.Thread(target=verdict.send_bytes, args=(b"x" * 3_000_000,))
    sender.start()  # more than a pipe holds: the reader takes it in pieces
    assert worker.recv_bytes() == b"x" * 3_000_000
    sender.join()
    worker.send_bytes(b"")
    worker.send_bytes("中文".encode())
    assert verdict.poll(5) and verdict.recv_bytes() == b""
    assert verdict.recv_bytes() == "中文".encode()
    start = time.monotonic()
    assert not verdict.poll(0.2) and time.monotonic() - start >= 0.15  # a timeout, no select
    worker.close()
    assert verdict.poll(5)  # EOF is readable, as Connection.poll says
    with pytest.raises(EOFError):
        verdict.recv_bytes()
    with pytest.raises(EOFError):
        verdict.recv_bytes()
    verdict.close()
    with pytest.raises(OSError):
        verdict.send_bytes(b"late")


# -- what only Windows runs, against a fake kernel32 -----------------------------------------------

class FakeKernel32:
    def __init__(self, fail: str = "") -> None:
        self.calls: list[tuple] = []
        self.fail = fail
        self.info: windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION | None = None

    def CreateJobObjectW(self, attrs, name):  # noqa: N802  (the Win32 names)
        self.calls.append(("CreateJobObjectW", attrs, name))
        return 0 if self.fail == "create" else 4242

    def SetInformationJobObject(self, handle, cls, info, size):  # noqa: N802
        self.calls.append(("SetInformationJobObject", handle, cls, size))
        self.info = windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION.from_buffer_copy(
            ctypes.string_at(ctypes.addressof(info._obj), size))
        return self.fail != "set"

    def AssignProcessToJobObject(self, handle, process):  # noqa: N802
        self.calls.append(("AssignProcessToJobObject", handle, process))
        return self.fail != "assign"

    def TerminateJobObject(self, handle, code):  # noqa: N802
        self.calls.append(("TerminateJobObject", handle, code))
        return True

    def CloseHandle(self, handle):  # noqa: N802
        self.calls.append(("CloseHandle", handle))
        return True


class FakePopen:
    _handle = 777
    pid = 12


def test_job_object_limits_memory_and_kills_the_tree_on_close():
    api = FakeKernel32()
    job = windows.JobObject(512, api=api)
    info = api.info
    flags = info.BasicLimitInformation.LimitFlags
    assert flags & windows.JOB_OBJECT_LIMIT_PROCESS_MEMORY
    assert flags & windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
    assert flags & windows.JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION  # no error dialog
    assert info.ProcessMemoryLimit == 512 * 1024 * 1024
    assert api.calls[1] == ("SetInformationJobObject", 4242, 9,
                            ctypes.sizeof(windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION))
    job.assign(FakePopen())
    assert api.calls[2] == ("AssignProcessToJobObject", 4242, 777)
    job.terminate()
    job.terminate()  # once only
    assert api.calls[3:] == [("TerminateJobObject", 4242, windows.KILLED_EXIT_CODE),
                             ("CloseHandle", 4242)]


def test_job_object_without_a_limit_and_its_failures():
    api = FakeKernel32()
    windows.JobObject(None, api=api)
    assert not api.info.BasicLimitInformation.LimitFlags & windows.JOB_OBJECT_LIMIT_PROCESS_MEMORY
    assert api.info.ProcessMemoryLimit == 0
    for step in ("create", "set"):
        with pytest.raises(windows.JobError):
            windows.JobObject(100, api=FakeKernel32(fail=step))
    job = windows.JobObject(100, api=FakeKernel32(fail="assign"))
    with pytest.raises(windows.JobError):
        job.assign(FakePopen())


def test_the_job_structure_has_the_win64_layout():
    if ctypes.sizeof(ctypes.c_void_p) == 8:
        assert ctypes.sizeof(windows.JOBOBJECT_BASIC_LIMIT_INFORMATION) == 64
        assert ctypes.sizeof(windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION) == 144


def test_windows_crash_statuses_read_as_crashes(monkeypatch):
    monkeypatch.setattr(sys, "platform", "win32")
    from grader.text import render_value

    crash = launcher.how_it_ended(0xC0000005)
    en, zh = render_value(crash, "en"), render_value(crash, "zh")
    assert "access violation" in en and "SIGSEGV" in en and "0xC0000005" in zh
    exited = launcher.how_it_ended(3)
    assert (render_value(exited, "en"), render_value(exited, "zh")) == \
        ("it exited with status 3", "它以状态码 3 退出")


def test_output_is_utf8_off_a_console_and_never_an_encoding_error():
    from grader.report import configure_streams

    class Pipe(io.TextIOWrapper):
        def isatty(self):
            return False

    raw = io.BytesIO()
    pipe = Pipe(raw, encoding="cp1252")  # what a Windows pipe or file gets by default
    configure_streams([pipe])
    pipe.write("✓ 通过\n")
    pipe.flush()
    assert raw.getvalue().decode("utf-8") == "✓ 通过\n"

    class Console(Pipe):
        def isatty(self):
            return True

    raw = io.BytesIO()
    console = Console(raw, encoding="cp437")  # a legacy console: shown as best it can
    configure_streams([console])
    console.write("通过\n")
    console.flush()
    assert raw.getvalue() == b"??\n"


# -- no Unix-only call outside the launcher ----------------------------------------------------

UNIX_ONLY = re.compile(
    r"os\.killpg|os\.setsid|os\.fork|os\.WNOHANG|os\.ttyname|os\.getpgid|os\.waitpid"
    r"|signal\.SIG(KILL|TERM|HUP|QUIT|ALRM)\b|signal\.alarm|start_new_session|preexec_fn"
    r"|pass_fds|SOCK_SEQPACKET|send_fds|recv_fds|/proc\b"
    r"|^\s*(import|from) (resource|fcntl|termios|pty|select)\b", re.M)
# The launcher is the one place that knows the platform (with the process trees and the memory
# limit, split out of it); the fork server is its Linux path, the sandbox (bubblewrap, the
# dedicated user) its Linux-only way to start untrusted workers, imported only from it; the
# worker's end of the pipes sets the RLIMIT_DATA the launcher chose for it.
PLATFORM_MODULES = {"launcher.py", "process_tree.py", "memory_limit.py", "fork_server.py",
                    "windows.py", "sandbox.py", "bubblewrap.py", "dedicated_user.py"}


def test_no_unix_only_call_outside_the_launcher():
    found = []
    for path in sorted((ROOT / "grader").rglob("*.py")):
        if path.name in PLATFORM_MODULES:
            continue
        for match in UNIX_ONLY.finditer(path.read_text("utf-8")):
            found.append(f"{path.relative_to(ROOT)}: {match.group(0).strip()}")
    # inside ``worker_connection``, where chosen
    allowed = {"grader/pipe_connection.py: import resource"}
    assert set(found) <= allowed, found


# -- end to end, with Windows' and macOS's APIs ------------------------------------------------

pytestmark_sim = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                    reason="the simulation runs on Linux")


@pytest.fixture(scope="module")
def sim_python(tmp_path_factory):
    if not sys.platform.startswith("linux"):
        pytest.skip("the simulation runs on Linux")
    return simplat.make_interpreter(tmp_path_factory.mktemp("simvenv"))


def _left_running(folder: Path) -> list[str]:
    import psutil

    left = []
    for p in psutil.process_iter(["pid", "cwd", "cmdline"]):
        try:
            if (p.info["cwd"] or "").startswith(str(folder)) or \
                    str(folder) in " ".join(p.info["cmdline"] or ()):
                left.append(f"{p.pid} {p.info['cmdline']}")
        except psutil.Error:
            continue
    return left


def _check(python: Path, mode: str, folder: Path, *targets: str, extra=()) -> dict:
    report = folder / "results.json"
    proc = subprocess.run(
        [str(python), "-m", "grader", "check", *targets, "--exercises", str(folder), "--seed",
         "0", "--device", "cpu", "--lang", "en", "--report", str(report), *extra],
        capture_output=True, text=True, timeout=600, env=simplat.env(mode), cwd=folder)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    assert "internal error" not in proc.stderr, proc.stderr
    tests = json.loads(report.read_text("utf-8"))["tests"]
    report.unlink()
    deadline = time.monotonic() + 5
    while _left_running(folder) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _left_running(folder) == []
    return {"_rc": proc.returncode, "_stdout": proc.stdout,
            **{t["name"]: (t["extra_data"]["outcome"], t["output"]) for t in tests}}


def _hostile(folder: Path) -> Path:
    make_folder(folder, "chapter19_conv", {
        "corr2d": "def corr2d(X, K):\n    while True:\n        pass\n",
        "corr1d": "def corr1d(x, k):\n    import os\n    os._exit(0)\n",
        "corr3d": "def corr3d(X, K):\n    hog = []\n    while True:\n"
                  "        hog.append(torch.ones(25_000_000))\n",
        "edge_kernel": "def edge_kernel():\n    import ctypes\n    ctypes.string_at(0)\n",
    })
    path = folder / "chapter20_padding_stride.py"
    path.write_text(replace_definitions(path.read_text("utf-8"), {
        "pad2d": "def pad2d(X, padding):\n    return X.clone()\n"}), "utf-8")
    path = folder / "chapter22_pooling.py"
    path.write_text(replace_definitions(path.read_text("utf-8"), {"pool2d": """
def pool2d(X, pool_size, mode='max'):
    import torch.nn.functional as F
    f = F.max_pool2d if mode == 'max' else F.avg_pool2d
    return f(X[None, None], pool_size, stride=1)[0, 0]
"""}), "utf-8")
    path = folder / "chapter23_lenet.py"
    path.write_text(path.read_text("utf-8") + "\nraise ValueError('bad setup')\n", "utf-8")
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["win", "mac"])
def test_solutions_stubs_and_hostile_cases_on_the_portable_path(sim_python, tmp_path, mode):
    probe = subprocess.run([str(sim_python), "-I", "-c", "from grader import launcher; "
                            "print(launcher.describe_platform())"],
                           capture_output=True, text=True, env=simplat.env(mode), check=True)
    assert "workers: portable" in probe.stdout, probe.stdout
    assert ("memory limit: watch" if mode == "win" else "memory limit: rlimit") in probe.stdout

    out = _check(sim_python, mode, make_folder(tmp_path / "solutions", "", base=SOLUTIONS),
                 "all")
    outcomes = {k: v[0] for k, v in out.items() if not k.startswith("_")}
    assert len(outcomes) == 22 and set(outcomes.values()) == {"passed"}, out["_stdout"]
    assert out["_rc"] == 0

    out = _check(sim_python, mode, make_folder(tmp_path / "stubs", "", base=EXERCISES), "all")
    outcomes = {k: v[0] for k, v in out.items() if not k.startswith("_")}
    assert len(outcomes) == 22 and set(outcomes.values()) == {"not_started"}, out["_stdout"]

    out = _check(sim_python, mode, _hostile(tmp_path / "hostile"), "chapter19.corr2d",
                 "chapter19.corr1d", "chapter19.corr3d", "chapter19.edge_kernel",
                 "chapter20.pad2d", "chapter22.pool2d", "chapter23.lenet",
                 extra=["--memory-limit", "700"])
    assert out["chapter19.corr2d"][0] == "timeout"
    assert "in corr2d: `while True:`" in out["chapter19.corr2d"][1]  # no signal needed
    assert out["chapter19.corr1d"][0] == "crashed"
    assert out["chapter19.corr3d"][0] == "error", out["chapter19.corr3d"][1]
    assert "ran out of memory" in out["chapter19.corr3d"][1]
    assert out["chapter19.edge_kernel"][0] == "crashed"
    assert "SIGSEGV" in out["chapter19.edge_kernel"][1]
    assert out["chapter20.pad2d"][0] == "failed"
    assert out["chapter22.pool2d"][0] == "forbidden"
    assert out["chapter23.lenet"][0] == "error"
    assert "ValueError: bad setup" in out["chapter23.lenet"][1]


# -- learner files as Windows editors save them ------------------------------------------------

def test_bom_crlf_files_grade_and_gbk_gets_one_clear_message(tmp_path):
    from tests.support import grade

    source = (SOLUTIONS / "chapter19_conv.py").read_text("utf-8")
    bom = tmp_path / "bom"
    bom.mkdir()
    (bom / "chapter19_conv.py").write_bytes(
        b"\xef\xbb\xbf" + ("# 中文注释\n" + source).replace("\n", "\r\n").encode("utf-8"))
    out = grade(bom, ["chapter19.corr2d"])
    assert out["chapter19.corr2d"][0] == "passed", out["chapter19.corr2d"]
    gbk = tmp_path / "gbk"
    gbk.mkdir()
    (gbk / "chapter19_conv.py").write_bytes(('"""卷积练习"""\n' + source).encode("gbk"))
    out = grade(gbk, ["chapter19.corr2d", "chapter19.corr1d"])
    for name in ("chapter19.corr2d", "chapter19.corr1d"):
        outcome, text = out[name]
        assert outcome == "error", text
        assert "chapter19_conv.py is not saved as UTF-8" in text and "line 1" in text, text
        assert "codec" not in text and "Traceback" not in text, text


def test_reset_keeps_a_bom_and_crlf_file_as_saved(tmp_path):
    import shutil

    for name in ("exercises", "solutions"):
        shutil.copytree(ROOT / name, tmp_path / name)
    path = tmp_path / "exercises" / "chapter19_conv.py"
    text = path.read_text("utf-8").replace("raise NotImplementedError", "return 42", 1)
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    proc = subprocess.run([sys.executable, "-m", "grader", "--lang", "en", "reset",
                           "chapter19.corr2d", "--yes"], cwd=tmp_path, capture_output=True,
                          text=True, env={**os.environ, "NO_COLOR": "1"}, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"return 42" not in data
    assert data.count(b"\r\n") == data.count(b"\n")
