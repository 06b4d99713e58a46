"""Which frames are the learner's, inside the worker: the learner's traceback when its code
raises, the line that opened a forbidden file, and where its code is running when a call is
about to run out of time (``where``, sent by ``grader.worker_deadline``).

A frame is the learner's when its file lies in the graded folder, or is one of a notebook's
named cells (``<learner cell 3>``). Grader frames, torch's and the standard library's never
are, so nothing here shows the learner a line that is not theirs.
"""

from __future__ import annotations

import linecache
import os
import sys
import traceback
from typing import Any

WHERE_FRAMES = 8  # learner frames kept, innermost first
SOURCE_CHARS = 160  # of a source line shown


class LearnerFrames:
    """The learner's frames among all of them, for one graded ``folder``."""

    def __init__(self, folder: str) -> None:
        self.folder = os.path.realpath(folder)

    def is_learner_file(self, filename: str) -> bool:
        if filename.startswith("<"):  # <string>, generated code: only our named learner cells
            return filename.startswith("<learner")
        try:
            return os.path.realpath(filename).startswith(self.folder + os.sep)
        except (OSError, ValueError):
            return False

    def learner_traceback(self, exc: BaseException) -> str:
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if self.is_learner_file(f.filename)]
        for f in frames:
            f.filename = os.path.basename(f.filename) if not f.filename.startswith("<") \
                else f.filename
        lines = traceback.format_list(frames)
        if isinstance(exc, SyntaxError) and exc.filename and self.is_learner_file(exc.filename):
            lines += traceback.format_exception_only(type(exc), exc)[:-1]
        return "".join(lines)

    def raised(self, exc: BaseException) -> dict:
        """The reply for a learner call that raised ``exc`` (``not_implemented`` when a stub of
        the learner's raised NotImplementedError)."""
        try:
            message = str(exc)
        except Exception:
            message = "<the exception's message could not be shown>"
        if isinstance(exc, SystemExit):
            message = f"sys.exit({exc.code!r}) was called"
        last = traceback.extract_tb(exc.__traceback__)[-1:]
        if isinstance(exc, NotImplementedError) and last and self.is_learner_file(last[0].filename):
            # Which stub raised: the exercise itself, or one it calls (chapter 21 uses corr2d).
            return {"status": "not_implemented", "function": last[0].name,
                    "file": os.path.basename(last[0].filename)}
        return {"status": "raised", "type": type(exc).__name__, "message": message[:2000],
                "bases": [c.__name__ for c in type(exc).__mro__],
                "traceback": self.learner_traceback(exc)[-4000:]}

    def caller_place(self, depth: int = 2) -> dict | None:
        """The innermost learner frame above the caller's ``depth``-th frame, as ``where``
        gives each (``file``, ``line``, ``function``, ``source``), or None."""
        frame: Any = sys._getframe(depth)
        while frame is not None:
            if self.is_learner_file(frame.f_code.co_filename):
                return self._frame(frame.f_code, frame.f_lineno)
            frame = frame.f_back
        return None

    def where(self, frame: Any) -> list[dict]:
        """The learner's frames in the stack that ends at ``frame`` (another thread's, from
        ``sys._current_frames``), innermost first: ``file`` (relative to the graded folder),
        ``line``, ``function`` and ``source`` (the line's text, "" where it cannot be read).
        Plain data, for the reply."""
        found: list[dict] = []
        while frame is not None and len(found) < WHERE_FRAMES:
            code = frame.f_code
            if self.is_learner_file(code.co_filename):
                found.append(self._frame(code, frame.f_lineno))
            frame = frame.f_back
        return found

    def _frame(self, code: Any, line: int) -> dict:
        filename = code.co_filename
        if filename.startswith("<"):
            name = filename
        else:
            try:
                name = os.path.relpath(os.path.realpath(filename), self.folder)
            except ValueError:  # another drive (Windows)
                name = os.path.basename(filename)
            name = name.replace(os.sep, "/")
        function = getattr(code, "co_qualname", code.co_name).replace(".<locals>", "")
        try:
            source = linecache.getline(filename, line).strip()
        except Exception:  # noqa: BLE001  (a file that cannot be read: no source line)
            source = ""
        if len(source) > SOURCE_CHARS:
            source = source[:SOURCE_CHARS] + "…"
        return {"file": name, "line": int(line or 0), "function": function, "source": source}


def place_line(place: dict | None) -> str:
    """A frame of ``where`` as one line, "file, line N, in f: source" ("" for None): what a
    reply's ``where`` holds beside the plain data (``at``), for ``grader train``."""
    if not place:
        return ""
    return f"{place['file']}, line {place['line']}, in {place['function']}: {place['source']}"
