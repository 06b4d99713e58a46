"""``grader gradescope --out autograder.zip [TARGET ...]``: a Gradescope autograder bundle.

The zip holds what Gradescope expects at its root: ``setup.sh`` (checks for Python >= 3.10,
installs a CPU build of torch pinned by ``constraints.txt``, the grading dependencies of
``requirements.txt``, this package and bubblewrap), ``run_autograder`` (grades
``/autograder/submission`` into ``/autograder/results/results.json``, see
``grader.gradescope.autograde``), ``config.json`` (targets, limits, language, and whether
submissions are graded in the sandbox: the instructor's choice, made here, never a
submission's) and ``convgrade/``: the grader package with its pyproject and licence, from a
source checkout or from an installed wheel (then with a pyproject made from its metadata).
Never the solutions (neither the project's nor those a wheel carries in ``grader/course/``),
never the learner stubs. The zip is reproducible: same sources, same bytes.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from grader.errors import EXIT_OK, UsageError
from grader.project import add_lang_option, default_lang

TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# The torch release the project's CI grades with (.ci/run installs it; a test keeps them equal).
TESTED_TORCH = "2.13.0"
# Dependencies a Gradescope run never uses (file events for `grader watch`).
NOT_FOR_GRADING = ("watchdog",)
_EPOCH = (2020, 1, 1, 0, 0, 0)  # fixed timestamps: a rebuilt bundle is byte-identical
_README = ("# convgrade\n\nAuto-graded convolutional-network exercises (d2l lectures 19-23); "
           "this copy is part of a Gradescope autograder bundle.\n")


def register(subparsers: Any) -> None:
    from grader.submission import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT

    p = subparsers.add_parser(
        "gradescope", help="build a Gradescope autograder zip (instructors)",
        description="Build a Gradescope autograder bundle: setup.sh installs a CPU build of "
                    "torch and convgrade; run_autograder grades /autograder/submission and "
                    "writes /autograder/results/results.json. Upload the zip as the "
                    "autograder of a programming assignment.")
    p.add_argument("targets", nargs="*", metavar="TARGET", default=[],
                   help="what the assignment grades, as for `grader check` (default: all)")
    p.add_argument("--out", default="autograder.zip", metavar="ZIP",
                   help="the zip to write (default: %(default)s)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help="time limit for one submission (default: %(default)g)")
    p.add_argument("--memory-limit", type=int, default=DEFAULT_MEMORY_MB, metavar="MB",
                   help="memory limit for the learner's process (default: %(default)s)")
    p.add_argument("--torch-index-url", default=TORCH_CPU_INDEX, metavar="URL",
                   help="where setup.sh installs torch from (default: the CPU wheels)")
    p.add_argument("--torch-version", default=TESTED_TORCH, metavar="VERSION",
                   help="the torch release setup.sh pins (default: %(default)s, the one "
                        "convgrade is tested with)")
    p.add_argument("--no-sandbox", dest="sandbox", action="store_false", default=True,
                   help="grade submissions without the sandbox (written into the bundle's "
                        "config.json; default: the sandbox, or a dedicated user where it "
                        "cannot be had, else no grading)")
    add_lang_option(p)
    p.set_defaults(func=cmd_gradescope)


# What a built convgrade carries besides its modules (pyproject.toml's package-data; a test
# keeps them equal): a bundle made from an installed wheel declares the same.
PACKAGE_DATA = ("catalog.toml", "texts/*/*.toml", "checks/pytest.ini", "gradescope/setup.sh",
                "gradescope/run_autograder")


@dataclass(frozen=True)
class PackageSource:
    """What the bundle's ``convgrade/`` is made from."""

    package: Path  # the ``grader`` package folder
    pyproject: str  # the pyproject.toml that setup.sh's ``pip install`` builds from
    licence: bytes | None
    readme: bytes | None


def package_sources() -> PackageSource:
    """The running grader as a buildable project: a source checkout as it is, else (an
    installed wheel, which has no pyproject.toml) the installed package with a pyproject.toml
    made from its metadata (``installed_pyproject``)."""
    import grader

    package = Path(grader.__file__).resolve().parent
    project = package.parent
    if (project / "pyproject.toml").is_file():
        licence, readme = project / "LICENSE", project / "README.md"
        return PackageSource(package, (project / "pyproject.toml").read_text("utf-8"),
                             licence.read_bytes() if licence.is_file() else None,
                             readme.read_bytes() if readme.is_file() else None)
    from importlib import metadata

    try:
        dist = metadata.distribution("convgrade")
    except metadata.PackageNotFoundError:
        raise UsageError("gradescope.no_package", package=package) from None
    licence = dist.read_text("licenses/LICENSE") or dist.read_text("LICENSE")
    return PackageSource(package, installed_pyproject(dist, licence is not None),
                         licence.encode() if licence is not None else None, None)


def installed_pyproject(dist: Any, with_licence: bool) -> str:
    """A pyproject.toml for an installed convgrade: its version, Python requirement and
    dependencies (no extras) from the distribution's metadata, the rest as in the project."""
    requires = [req for req in (dist.requires or []) if "extra ==" not in req]
    python = dist.metadata.get("Requires-Python") or ">=3.10"
    licence = 'license = "MIT"\nlicense-files = ["LICENSE"]\n' if with_licence else ""
    return (f"# Made by `grader gradescope` from the installed convgrade {dist.version}.\n"
            "[build-system]\n"
            'requires = ["setuptools>=77"]\n'
            'build-backend = "setuptools.build_meta"\n\n'
            "[project]\n"
            'name = "convgrade"\n'
            f"version = {json.dumps(dist.version)}\n"
            'readme = "README.md"\n'
            f"requires-python = {json.dumps(python)}\n"
            f"{licence}"
            f"dependencies = [{', '.join(json.dumps(req) for req in requires)}]\n\n"
            "[project.scripts]\n"
            'grader = "grader.cli:entry"\n\n'
            "[tool.setuptools.packages.find]\n"
            'include = ["grader*"]\n\n'
            "[tool.setuptools.package-data]\n"
            f"grader = [{', '.join(json.dumps(item) for item in PACKAGE_DATA)}]\n")


def grading_requirements(pyproject: str) -> list[str]:
    """The package's dependencies that grading needs: ``[project] dependencies`` of its
    pyproject.toml (no extras: test, plot) without ``NOT_FOR_GRADING``."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    deps = tomllib.loads(pyproject)["project"]["dependencies"]
    return [dep for dep in deps
            if re.match(r"[A-Za-z0-9._-]+", dep).group(0).lower() not in NOT_FOR_GRADING]


def bundle_files(targets: list[str], timeout: float, memory_limit_mb: int, lang: str,
                 torch_index_url: str, torch_version: str = TESTED_TORCH,
                 sandbox: bool = True) -> dict[str, tuple[bytes, bool]]:
    """{path in the zip: (content, executable)}."""
    source = package_sources()
    package = source.package
    templates = resources.files("grader.gradescope")
    files: dict[str, tuple[bytes, bool]] = {
        "setup.sh": (templates.joinpath("setup.sh").read_text("utf-8")
                     .replace("@TORCH_INDEX_URL@", torch_index_url).encode(), True),
        "run_autograder": (templates.joinpath("run_autograder").read_bytes(), True),
        "config.json": (json.dumps({"targets": targets, "timeout": timeout,
                                    "memory_limit_mb": memory_limit_mb, "lang": lang,
                                    "sandbox": sandbox},
                                   indent=2).encode() + b"\n", False),
        "constraints.txt": (f"torch=={torch_version}\n".encode(), False),
        "requirements.txt": ("".join(f"{dep}\n" for dep in grading_requirements(
            source.pyproject)).encode(), False),
        "convgrade/pyproject.toml": (source.pyproject.encode(), False),
        # the build reads README.md (pyproject's readme) and LICENSE (its license-files)
        "convgrade/README.md": (source.readme or _README.encode(), False),
    }
    if source.licence is not None:
        files["convgrade/LICENSE"] = (source.licence, False)
    for path in sorted(package.rglob("*")):
        rel = path.relative_to(package)
        # course/: the stubs and solutions a wheel carries for `grader init`; never graded.
        if (path.is_dir() or "__pycache__" in rel.parts or path.suffix in (".pyc", ".pyo")
                or rel.parts[0] == "course" or any(part.startswith(".") for part in rel.parts)):
            continue
        files[f"convgrade/grader/{rel.as_posix()}"] = (path.read_bytes(),
                                                       path.name in ("setup.sh",
                                                                     "run_autograder"))
    return files


def write_zip(path: Path, files: dict[str, tuple[bytes, bool]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            data, executable = files[name]
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            zf.writestr(info, data)
    tmp.replace(path)


def cmd_gradescope(args: Any) -> int:
    from grader import catalog as catalog_mod
    from grader.text import t

    lang = default_lang(args)
    exercises = catalog_mod.load().resolve(args.targets)  # a TargetError is a usage error
    if args.timeout <= 0:
        raise UsageError("usage.timeout")
    out = Path(args.out).expanduser().resolve()
    if out.suffix != ".zip":
        raise UsageError("gradescope.not_zip", out=args.out)
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)*", args.torch_version):
        raise UsageError("gradescope.torch_version", version=args.torch_version,
                         example=TESTED_TORCH)
    files = bundle_files(list(args.targets), args.timeout, args.memory_limit, lang,
                         args.torch_index_url, args.torch_version, sandbox=args.sandbox)
    write_zip(out, files)
    print(t("gradescope.written", lang, zip=str(out), count=len(exercises),
            points=sum(ex.points for ex in exercises),
            targets=" ".join(args.targets) or "all"))
    return EXIT_OK
