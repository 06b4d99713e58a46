"""Where the course's own files are: the learner stubs and the reference solutions.

Three places can hold them:

- the project: ``<root>/exercises`` and ``<root>/solutions`` of the folder a command runs in
  (found by ``grader.project.find_root``);
- the installed package: a wheel carries copies in ``grader/course/exercises`` and
  ``grader/course/solutions``, made at build time by ``setup.py`` from the repository's
  ``exercises/`` and ``solutions/`` (git holds one copy; ``grader init`` copies the stubs out,
  ``grader solution`` and ``grader reset`` read the solutions);
- a source checkout: the repository root above the ``grader`` package (an editable install),
  which has no ``grader/course/``.

Every solutions folder found here is off limits to learner code (``masked_solutions``): the
solutions shipped for self-study are never needed to grade.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
PACKAGED = PACKAGE / "course"  # only in a built wheel or a non-editable install
CHECKOUT = PACKAGE.parent  # the repository root, when the package runs from a checkout

COURSE_FOLDERS = ("exercises", "solutions")


def _checkout() -> Path | None:
    """The source checkout the package runs from, if it is one (not site-packages)."""
    return CHECKOUT if (CHECKOUT / "pyproject.toml").is_file() else None


def installed_course() -> Path | None:
    """The folder holding the installed ``exercises/`` and ``solutions/``: the wheel's
    ``grader/course``, else the source checkout; None when this installation has neither."""
    for course in (PACKAGED, _checkout()):
        if course is not None and (course / "exercises").is_dir():
            return course
    return None


def installed_solutions() -> Path | None:
    """The reference solutions that came with the installed grader, or None."""
    course = installed_course()
    if course is not None and (course / "solutions").is_dir():
        return course / "solutions"
    return None


def solutions_folder(root: Path | None) -> Path | None:
    """The solutions a command of the project ``root`` reads (``solution``, ``reset``,
    ``release``, ``check --solutions``): the project's own ``solutions/``, else the installed
    ones (a folder made by ``grader init`` has none of its own)."""
    if root is not None and (root / "solutions").is_dir():
        return root / "solutions"
    return installed_solutions()


def masked_solutions(root: Path | None) -> list[Path]:
    """Every solutions folder learner code must not read while anything else is graded: the
    project's, the wheel's and the source checkout's; resolved, existing, without repeats."""
    candidates = [root / "solutions" if root is not None else None,
                  PACKAGED / "solutions"]
    checkout = _checkout()
    if checkout is not None:
        candidates.append(checkout / "solutions")
    found: list[Path] = []
    for folder in candidates:
        if folder is not None and folder.is_dir():
            real = folder.resolve()
            if real not in found:
                found.append(real)
    return found
