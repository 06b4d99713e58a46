"""The project layer: where the course is, what is graded, and the learner's state.

Every command asks this module (never ``grader.cli``): the project root, the solutions switch
(``--solutions`` or ``GRADER_SOLUTIONS=1``, read here and only here), the graded folder, the
reference solutions to keep from learner code, the defaults for device, memory and the
Hypothesis database, and ``.grader/last.json``. ``check_plan`` turns a command's options into a
complete ``Plan``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from grader.errors import UsageError
from grader.outcomes import PASSED

# Data-segment limit for the learner's process (RLIMIT_DATA) on the CPU: a blow-up becomes a
# MemoryError in the learner's code, reported as such, instead of a machine in distress. torch
# itself needs a few hundred MB. A CUDA context maps far more than a data limit allows.
DEFAULT_MEMORY_MB = 3072
THOROUGH_FACTOR = 10.0


def find_root(start: Path | None = None) -> Path | None:
    """The project root: the nearest folder, from the current one upward, that holds
    ``exercises/`` or ``solutions/``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "exercises").is_dir() or (folder / "solutions").is_dir():
            return folder
    return None


def env_solutions(environ: dict | None = None) -> bool:
    env = os.environ if environ is None else environ
    return env.get("GRADER_SOLUTIONS", "").strip().lower() in ("1", "true", "yes", "on")


def solutions_mode(args: Any) -> bool:
    return bool(getattr(args, "solutions", False)) or env_solutions()


def graded_folder(args: Any) -> tuple[Path, Path | None]:
    """(the folder whose chapter files are graded, the project root or None)."""
    root = find_root()
    exercises = getattr(args, "exercises", None)
    if exercises and getattr(args, "solutions", False):
        raise UsageError("usage.solutions_and_exercises")
    if exercises:
        folder = Path(exercises).expanduser().resolve()
        if not folder.is_dir():
            raise UsageError("usage.no_exercises_dir", dir=exercises)
        return folder, root
    if root is None:
        raise UsageError("usage.no_project")
    folder = root / "exercises"
    if solutions_mode(args):  # the project's solutions/, else the installed ones (grader init)
        from grader.course_files import solutions_folder

        folder = solutions_folder(root) or root / "solutions"
    if not folder.is_dir():
        raise UsageError("usage.folder_missing", folder=folder)
    return folder, root


def solutions_dirs(root: Path | None) -> tuple[str, ...]:
    """Every copy of the reference solutions that learner code must not open: the project's,
    the wheel's and the source checkout's (``grader.course_files.masked_solutions``), so
    ``--exercises DIR`` outside the project still cannot read them."""
    from grader.course_files import masked_solutions

    return tuple(str(folder) for folder in masked_solutions(root))


def check_device_name(device: str) -> None:
    if device not in ("auto", "cpu", "cuda"):
        raise UsageError("usage.device", device=device)


def cuda_usable(device: str) -> None:
    """``--device cuda`` on a machine without CUDA is a usage error (imports torch)."""
    if device != "cuda":
        return
    import torch

    if not torch.cuda.is_available():
        raise UsageError("usage.no_cuda")


def memory_limit(requested: int | None, device: str) -> int | None:
    """MB for the learner's process: ``--memory-limit`` (0: none), else the default on
    machines without an NVIDIA GPU. None means no limit, everywhere after this."""
    if requested is not None:
        if requested < 0:
            raise UsageError("usage.memory_limit")
        return requested or None
    if device == "cuda" or (device == "auto" and Path("/dev/nvidia0").exists()):
        return None
    return DEFAULT_MEMORY_MB


def database_for(root: Path | None, key: str) -> str | None:
    """Where Hypothesis keeps a learner's failing examples (they see the same small
    counterexample until it is fixed)."""
    if root is None:
        return None
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    return str(root / ".grader" / "hypothesis" / digest)


def keep_hypothesis_files_in(root: Path | None) -> None:
    """Hypothesis writes a cache (``.hypothesis/``) into the current folder, and beside the
    modules it reads constants from; a learner's project gets none: it goes to
    ``.grader/hypothesis-storage`` (everything the grader writes lives under ``.grader/``), or
    outside any project to the user's cache folder. Must run before Hypothesis first touches
    its storage; an explicit HYPOTHESIS_STORAGE_DIRECTORY wins."""
    if root is not None:
        where = root / ".grader" / "hypothesis-storage"
    else:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"),
                                                                   ".cache")
        where = Path(cache) / "convgrade" / "hypothesis-storage"
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(where))


def default_lang(args: Any = None) -> str:
    from grader.text import default_lang as from_locale

    return getattr(args, "lang", None) or from_locale()


# -- learner state: .grader/last.json --------------------------------------------------------

def _last(root: Path | None) -> dict:
    """``.grader/last.json`` as a dict; empty when there is none or it is unreadable (the
    state is a convenience: a damaged file must not stop the learner)."""
    if root is None:
        return {}
    try:
        data = json.loads((root / ".grader" / "last.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load_state(root: Path | None) -> dict[str, str]:
    """{qualname: last outcome} from ``.grader/last.json``."""
    return {k: v for k, v in _last(root).items() if isinstance(k, str) and isinstance(v, str)}


def file_fingerprint(path: Path) -> str:
    """A short hash of a file's bytes ("" when it cannot be read)."""
    try:
        return hashlib.sha1(path.read_bytes()).hexdigest()[:16]
    except OSError:
        return ""


def graded_files(root: Path | None) -> dict[str, str]:
    """{qualname: fingerprint of the chapter file that exercise was last graded from}."""
    files = _last(root).get("_files")
    return {k: v for k, v in files.items() if isinstance(v, str)} \
        if isinstance(files, dict) else {}


def save_state(root: Path, run: Any, folder: Path) -> dict:
    """Remember each exercise's last outcome under .grader/ (for ``grader list``), and under
    ``"_files"`` a fingerprint of the chapter file it was graded from (so ``list`` can say a
    result is older than the file); return the whole state."""
    from grader import catalog as catalog_mod
    from grader.report import write_json

    state = _last(root)
    files = state.get("_files") if isinstance(state.get("_files"), dict) else {}
    catalog = catalog_mod.load()
    for r in run.results:
        state[r.name] = r.outcome
        chapter = catalog.chapter(r.name.split(".")[0])
        files[r.name] = file_fingerprint(folder / chapter.filename)
    state["_files"] = files
    try:
        write_json(root / ".grader" / "last.json", state)
        gitignore = root / ".grader" / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text("*\n")
    except OSError:
        pass  # state is a convenience; a read-only checkout still grades
    return state


def next_exercise(catalog: Any, state: dict[str, str]) -> Any | None:
    """The first exercise in course order whose last outcome is not ``passed``; None when all
    have passed."""
    for ex in catalog.exercises():
        if state.get(ex.qualname) != PASSED:
            return ex
    return None


def plan(exercises: list, folder: Path, *, root: Path | None, device: str = "cpu",
         seed: int | None = None, thorough: bool = False, memory_limit_mb: int | None = None,
         isolation: str = "process", database_key: str | None = None,
         sources: dict | None = None, show_output: bool = False) -> Any:
    """A complete ``Plan``: ``memory_limit_mb`` as ``memory_limit`` returns it (None: no limit);
    ``database_key`` keeps the learner's failing examples in the project (None: none)."""
    from grader.plan import Plan

    return Plan(targets=tuple(ex.qualname for ex in exercises), folder=str(folder),
                sources=sources, device=device, seed=seed,
                database=database_for(root, database_key) if database_key else None,
                budget_factor=THOROUGH_FACTOR if thorough else 1.0,
                memory_limit_mb=memory_limit_mb, isolation=isolation,
                forbidden_dirs=solutions_dirs(root), show_output=show_output)


def isolation(args: Any, sandbox_default: bool = False) -> str:
    """The isolation level for ``--isolation`` and ``--sandbox``/``--no-sandbox``."""
    from grader.launcher import IsolationUnavailable, choose_isolation

    try:
        return choose_isolation(getattr(args, "isolation", None) or "auto",
                                getattr(args, "sandbox", None), sandbox_default)
    except IsolationUnavailable as exc:
        raise UsageError("usage.isolation", why=isolation_words(exc)) from None


def isolation_words(exc: Exception) -> Any:
    """Why the isolation asked for cannot be had, as a sentence value (the launcher's
    ``IsolationUnavailable`` carries a key and its data)."""
    from grader.text import said

    key = getattr(exc, "key", None)
    return said(key, **exc.data) if key else str(exc)


def add_isolation_options(parser: Any) -> None:
    """``--sandbox``/``--no-sandbox`` and ``--isolation`` (the contract's trust options)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--sandbox", dest="sandbox", action="store_true", default=None,
                       help="run the learner's code in the sandbox")
    group.add_argument("--no-sandbox", dest="sandbox", action="store_false",
                       help="run the learner's code without the sandbox")
    parser.add_argument("--isolation", default="auto", metavar="auto|sandbox|user|process",
                        help="force an isolation level (default: auto)")


def add_lang_option(parser: Any, top: bool = False) -> None:
    """``--lang``: one of the languages there are sentences for (``grader.text.languages``).
    Given before the command (``top``) it is the default; after it, it wins."""
    from grader.text import languages

    if top:
        parser.add_argument("--lang", choices=languages(),
                            help="language of the output (default: from LC_ALL / LANG)")
    else:
        import argparse

        parser.add_argument("--lang", choices=languages(), default=argparse.SUPPRESS)
