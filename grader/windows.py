"""What only Windows runs: a Job Object around each learner worker.

A Job Object is Windows' own means for what process groups and RLIMIT_DATA do elsewhere: every
process the worker starts is in its job, ``terminate`` ends them all at once, closing the last
handle (the grader exiting, even by a crash) kills them too, a process-memory limit makes an
allocation past it fail (as RLIMIT_DATA does on Linux: the learner's call raises
``MemoryError``, the memory outcome), and an unhandled exception (a segfault) ends the process
quietly instead of opening Windows' error-report dialog.

The calls go through ``api`` (``kernel32`` through ctypes by default), so that the tests run
this code on any system against a fake with the same functions
(``tests/test_platforms.py``). Never run on Windows by this project's CI; see the README.
"""

from __future__ import annotations

import ctypes
from typing import Any

JOB_OBJECT_LIMIT_PROCESS_MEMORY = 0x0100
JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION = 0x0400
JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000
JOB_OBJECT_EXTENDED_LIMIT_INFORMATION = 9  # the JOBOBJECTINFOCLASS value
KILLED_EXIT_CODE = 137  # what TerminateJobObject gives the processes (128 + SIGKILL, as POSIX)


class JOBOBJECT_BASIC_LIMIT_INFORMATION(ctypes.Structure):  # noqa: N801  (the Win32 names)
    _fields_ = [("PerProcessUserTimeLimit", ctypes.c_int64),
                ("PerJobUserTimeLimit", ctypes.c_int64),
                ("LimitFlags", ctypes.c_uint32),
                ("MinimumWorkingSetSize", ctypes.c_size_t),
                ("MaximumWorkingSetSize", ctypes.c_size_t),
                ("ActiveProcessLimit", ctypes.c_uint32),
                ("Affinity", ctypes.c_size_t),
                ("PriorityClass", ctypes.c_uint32),
                ("SchedulingClass", ctypes.c_uint32)]


class IO_COUNTERS(ctypes.Structure):  # noqa: N801
    _fields_ = [(name, ctypes.c_uint64) for name in (
        "ReadOperationCount", "WriteOperationCount", "OtherOperationCount",
        "ReadTransferCount", "WriteTransferCount", "OtherTransferCount")]


class JOBOBJECT_EXTENDED_LIMIT_INFORMATION(ctypes.Structure):  # noqa: N801
    _fields_ = [("BasicLimitInformation", JOBOBJECT_BASIC_LIMIT_INFORMATION),
                ("IoInfo", IO_COUNTERS),
                ("ProcessMemoryLimit", ctypes.c_size_t),
                ("JobMemoryLimit", ctypes.c_size_t),
                ("PeakProcessMemoryUsed", ctypes.c_size_t),
                ("PeakJobMemoryUsed", ctypes.c_size_t)]


def kernel32() -> Any:
    """kernel32 with the argument types the job calls need (Windows only)."""
    k = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    handle, dword, bool_ = ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int
    k.CreateJobObjectW.argtypes, k.CreateJobObjectW.restype = [ctypes.c_void_p,
                                                               ctypes.c_wchar_p], handle
    k.SetInformationJobObject.argtypes = [handle, ctypes.c_int, ctypes.c_void_p, dword]
    k.SetInformationJobObject.restype = bool_
    k.AssignProcessToJobObject.argtypes, k.AssignProcessToJobObject.restype = [handle,
                                                                               handle], bool_
    k.TerminateJobObject.argtypes, k.TerminateJobObject.restype = [handle, ctypes.c_uint], bool_
    k.CloseHandle.argtypes, k.CloseHandle.restype = [handle], bool_
    return k


class JobError(OSError):
    pass


class JobObject:
    """One job for one worker's tree. ``memory_limit_mb``: per-process limit, None for none."""

    def __init__(self, memory_limit_mb: int | None, api: Any = None) -> None:
        self.api = api if api is not None else kernel32()
        self.handle = self.api.CreateJobObjectW(None, None)
        if not self.handle:
            raise JobError("CreateJobObjectW failed")
        info = JOBOBJECT_EXTENDED_LIMIT_INFORMATION()
        flags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION
        if memory_limit_mb:
            flags |= JOB_OBJECT_LIMIT_PROCESS_MEMORY
            info.ProcessMemoryLimit = int(memory_limit_mb) * 1024 * 1024
        info.BasicLimitInformation.LimitFlags = flags
        self.info = info
        if not self.api.SetInformationJobObject(self.handle, JOB_OBJECT_EXTENDED_LIMIT_INFORMATION,
                                                ctypes.byref(info), ctypes.sizeof(info)):
            self.close()
            raise JobError("SetInformationJobObject failed")

    def assign(self, proc: Any) -> None:
        """Put ``proc`` (a ``subprocess.Popen``: its ``_handle`` is the process handle, the one
        Popen attribute that gives it) into the job."""
        if not self.api.AssignProcessToJobObject(self.handle, int(proc._handle)):
            raise JobError("AssignProcessToJobObject failed")

    def terminate(self) -> None:
        """End every process in the job, and let go of it."""
        if self.handle:
            self.api.TerminateJobObject(self.handle, KILLED_EXIT_CODE)
            self.close()

    def close(self) -> None:
        if self.handle:
            self.api.CloseHandle(self.handle)
            self.handle = None


# NTSTATUS codes a crashed process exits with: what it was (a ``exit.ntstatus.*`` sentence), and
# the nearest POSIX signal.
_STATUS = {
    0xC0000005: ("access_violation", "SIGSEGV"),
    0xC00000FD: ("stack_overflow", "SIGSEGV"),
    0xC0000409: ("fast_fail", "SIGABRT"),
    0xC000001D: ("illegal_instruction", "SIGILL"),
    0xC0000094: ("integer_divide_by_zero", "SIGFPE"),
}


def describe_status(code: int) -> dict:
    """A Windows exit status that is a crash (an NTSTATUS), as a sentence to render later
    (``grader.text.said``)."""
    from grader.text import said

    if code not in _STATUS:
        return said("exit.ntstatus_unknown", code=code)
    what, sig = _STATUS[code]
    return said("exit.ntstatus", what=said(f"exit.ntstatus.{what}"), code=code, sig=sig)
