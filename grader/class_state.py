"""What ``grade`` keeps in OUT so that a run can be resumed, re-run incrementally, sharded and
merged.

- ``OUT/<student>/results.json`` and ``grader.log``, then ``status.json`` (written last, each file
  atomically): the student's status, seconds, note and *fingerprint*. A student whose
  ``status.json`` is missing (the run was interrupted: Ctrl-C, ``kill -9``, a power cut) or whose
  fingerprint differs is graded again; the others are reused as they are.
- The fingerprint covers everything that can change a verdict: the submitted files (paths and
  bytes), the grader (its version and a hash of its code and catalog, so an editable install
  counts), the targets, the options (``--thorough``, ``--timeout``, ``--memory-limit``,
  ``--device``) and the isolation in force. Not ``--jobs``, ``--shard`` or ``--lang``.
- ``OUT/grade.json``: the run's manifest (grader, options, targets, shard, students), which
  ``merge`` checks before it combines shards.
- Each student's seed is derived from the student's name and the options, so a verdict never
  depends on the order, the shard or the verdict process a student was graded by.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

SKIP_DIRS = {"__pycache__", "__MACOSX", ".ipynb_checkpoints"}
STATUS_FILE = "status.json"
MANIFEST = "grade.json"

_GRADER_HASH: str | None = None


def grader_hash() -> str:
    """The grader's version and a hash of its code, catalog and check configuration."""
    global _GRADER_HASH
    if _GRADER_HASH is None:
        import grader

        root = Path(grader.__file__).resolve().parent
        digest = hashlib.sha256(str(getattr(grader, "__version__", "")).encode())
        for path in sorted(root.rglob("*")):
            code = path.suffix in (".py", ".toml", ".ini", ".sh", ".json", ".po", ".mo") \
                or path.name == "run_autograder"
            if code and path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode() + b"\0")
                digest.update(path.read_bytes())
        _GRADER_HASH = f"{getattr(grader, '__version__', '?')}+{digest.hexdigest()[:16]}"
    return _GRADER_HASH


def files_hash(folder: Path) -> str:
    """A hash of every file a student submitted: relative paths and bytes (a symlink counts as
    its target's name, never followed)."""
    digest = hashlib.sha256()
    for here, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(files):
            path = Path(here) / name
            rel = str(path.relative_to(folder)).replace(os.sep, "/")
            digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
            try:
                digest.update(os.readlink(path).encode() if path.is_symlink()
                              else path.read_bytes())
            except OSError:
                digest.update(b"<unreadable>")
            digest.update(b"\0")
    return digest.hexdigest()


def options_key(targets: list[str], options: dict[str, Any]) -> str:
    return json.dumps({"targets": list(targets), **options}, sort_keys=True)


def student_seed(student: str, key: str) -> int:
    return int(hashlib.sha256(f"{student}\0{key}".encode()).hexdigest()[:8], 16)


def fingerprint(folder: Path, key: str) -> str:
    return hashlib.sha256(f"{grader_hash()}\0{key}\0{files_hash(folder)}".encode()).hexdigest()


def in_shard(student: str, shard: tuple[int, int] | None) -> bool:
    """Whether ``student`` belongs to shard K of N (1-based): by a hash of the name, so a share
    stays the same when other students are added."""
    if shard is None:
        return True
    k, n = shard
    return int(hashlib.sha256(student.encode("utf-8", "surrogateescape")).hexdigest(), 16) \
        % n == k - 1


def write_json(path: Path, data: Any) -> None:
    """Atomically (a crash mid-write leaves the old file or none, never half of one)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", errors="replace")
    os.replace(tmp, path)


def save_student(out: Path, status: dict) -> None:
    """The last write of a student's grading: once it is there, the student is done."""
    write_json(out / STATUS_FILE, status)


def forget_student(out: Path) -> None:
    """Before grading a student again: their old status goes first (an interrupted run then
    leaves them ungraded, never with a stale verdict)."""
    (out / STATUS_FILE).unlink(missing_ok=True)


def load_student(out: Path) -> tuple[dict, dict | None] | None:
    """(status, results.json or None) of a finished student, or None when there is none."""
    try:
        status = json.loads((out / STATUS_FILE).read_text("utf-8"))
        results_path = out / "results.json"
        results = json.loads(results_path.read_text("utf-8")) if results_path.exists() else None
    except (OSError, ValueError):
        return None
    if not isinstance(status, dict) or (results is None and status.get("status") != "notebooks"):
        return None
    return status, results


def read_manifest(out: Path) -> dict | None:
    try:
        data = json.loads((out / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
