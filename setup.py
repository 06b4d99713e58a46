"""Build step that pyproject.toml cannot express: a wheel carries the course.

``exercises/`` and ``solutions/`` stay at the repository root (the contract's layout, one copy
in git); building a wheel copies their chapter files into ``grader/course/`` of the build, where
``grader.course_files`` finds them (``grader init``, ``grader solution``, ``grader reset``).
An editable install reads them from the checkout instead, so nothing is copied there.
Everything else about the package is in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
COURSE_FOLDERS = ("exercises", "solutions")  # grader.course_files.COURSE_FOLDERS


class build_py_with_course(build_py):  # noqa: N801  (setuptools' command naming)
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for name in COURSE_FOLDERS:
            files = sorted((HERE / name).glob("chapter*.py"))
            if not files:
                raise SystemExit(f"setup.py: {HERE / name} has no chapter files: a wheel "
                                 "without the course would be useless (build from a full "
                                 "checkout or the sdist)")
            target = Path(self.build_lib) / "grader" / "course" / name
            self.mkpath(str(target))
            for path in files:
                self.copy_file(str(path), str(target / path.name))


setup(cmdclass={"build_py": build_py_with_course})
