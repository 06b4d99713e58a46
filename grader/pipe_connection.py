"""The portable transport between the verdict process and a learner worker: length-prefixed
frames over the worker's stdin and stdout pipes, which every system has.

``multiprocessing.connection.Connection`` needs a socket on Windows and a descriptor handed
down elsewhere; anonymous pipes need neither. The verdict side (``PipeConnection``) reads
frames from a thread, so ``poll(timeout)`` is a queue wait, never ``select`` on a pipe (which
Windows lacks). The worker side (``FramedPipe``) blocks on ``os.read`` of its own pipe. Both
offer the part of ``Connection`` the grader uses: ``send_bytes``, ``recv_bytes``, ``poll``,
``close``. ``worker_connection`` is where a worker finds its end: this pipe, or the socket the
fork server or the sandbox handed down.
"""

from __future__ import annotations

import os
import queue
import struct
import threading
from typing import Any

HEADER = struct.Struct("!Q")
_EOF = object()


def _read_exactly(read: Any, size: int) -> bytes | None:
    parts, left = [], size
    while left:
        chunk = read(left)
        if not chunk:
            return None
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


class PipeConnection:
    """The verdict side: ``writer`` is the worker's stdin, ``reader`` its stdout (binary,
    unbuffered). A daemon thread reads whole frames; the reader is never closed from another
    thread (that would race with the blocked read): it ends at EOF, when the worker is gone."""

    def __init__(self, reader: Any, writer: Any) -> None:
        self._writer = writer
        self._frames: queue.Queue = queue.Queue()
        self._pending: Any = None
        self.closed = False
        threading.Thread(target=self._read, args=(reader,), daemon=True,
                         name="grader-worker-reader").start()

    def _read(self, reader: Any) -> None:
        try:
            while True:
                head = _read_exactly(reader.read, HEADER.size)
                if head is None:
                    break
                data = _read_exactly(reader.read, HEADER.unpack(head)[0])
                if data is None:
                    break
                self._frames.put(data)
        except (OSError, ValueError):
            pass
        finally:
            self._frames.put(_EOF)
            try:
                reader.close()
            except OSError:
                pass

    def send_bytes(self, data: bytes) -> None:
        if self.closed:
            raise OSError("connection closed")
        view = memoryview(HEADER.pack(len(data)) + data)
        while view:  # an unbuffered pipe may take part of a large write
            written = self._writer.write(view)
            view = view[written if written is not None else len(view):]
        self._writer.flush()

    def poll(self, timeout: float | None = 0.0) -> bool:
        """True when a frame, or the end of the stream, is there to read (as ``Connection``)."""
        if self._pending is None:
            try:
                if timeout is not None and timeout <= 0:
                    self._pending = self._frames.get_nowait()
                else:
                    self._pending = self._frames.get(timeout=timeout)
            except queue.Empty:
                return False
        return True

    def recv_bytes(self) -> bytes:
        self.poll(None)
        frame, self._pending = self._pending, None
        if frame is _EOF:
            self._pending = _EOF  # and on every later read too
            raise EOFError
        return frame

    def close(self) -> None:
        self.closed = True
        try:
            self._writer.close()
        except OSError:
            pass


class FramedPipe:
    """The worker side, on two file descriptors: blocking reads and writes of whole frames."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self.read_fd = read_fd
        self.write_fd = write_fd

    def recv_bytes(self) -> bytes:
        head = _read_exactly(lambda n: os.read(self.read_fd, n), HEADER.size)
        if head is None:
            raise EOFError
        data = _read_exactly(lambda n: os.read(self.read_fd, min(n, 1 << 20)),
                             HEADER.unpack(head)[0])
        if data is None:
            raise EOFError
        return data

    def send_bytes(self, data: bytes) -> None:
        view = memoryview(HEADER.pack(len(data)) + data)
        while view:
            view = view[os.write(self.write_fd, view):]

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            try:
                os.close(fd)
            except OSError:
                pass


def worker_connection(argv: list[str]) -> Any:
    """The connection to the verdict process (``grader.launcher`` chose it): ``FD`` (a socket,
    from the fork server), or ``pipes RLIMIT_MB`` (the portable path: frames on stdin and
    stdout; the learner's output then goes to stderr, which the verdict process drains)."""
    if argv[0] != "pipes":
        from multiprocessing.connection import Connection

        return Connection(int(argv[0]))
    read_fd, write_fd = os.dup(0), os.dup(1)
    os.dup2(2, 1)  # print() and C libraries write to fd 1: to the output pipe, off the protocol
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    if hasattr(os, "O_BINARY"):  # Windows: no newline translation on the protocol
        import msvcrt

        for fd in (read_fd, write_fd):
            msvcrt.setmode(fd, os.O_BINARY)
    limit_mb = int(argv[1]) if len(argv) > 1 else 0
    if limit_mb:  # only where the launcher found RLIMIT_DATA enforced
        import resource

        resource.setrlimit(resource.RLIMIT_DATA, (limit_mb << 20, limit_mb << 20))
    return FramedPipe(read_fd, write_fd)
