"""``grader merge OUT_1 ... --out OUT``: combine the outputs of ``grade --shard K/N`` runs into
one, equal to a single unsharded run's (``gradebook.csv`` byte for byte; the summary and JUnit
apart from timing fields).

It refuses shards that are missing or overlap, and shards graded by another grader (version and
code) or with other targets or options; an empty shard is fine. Each student's folder is copied
from its shard's output; the class files are rebuilt from them (``grader.gradebook``).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from grader.errors import EXIT_OK, UsageError
from grader.project import add_lang_option


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "merge", help="combine the outputs of `grader grade --shard K/N` runs (instructors)")
    p.add_argument("shards", nargs="+", metavar="OUT_K", help="the shards' --out folders")
    p.add_argument("--out", required=True, metavar="OUT", help="folder for the merged results")
    p.add_argument("--junit", metavar="FILE", help="also write JUnit XML, one suite per student")
    add_lang_option(p)
    p.set_defaults(func=cmd_merge)


def cmd_merge(args: Any) -> int:
    from grader import catalog as catalog_mod
    from grader import class_state, gradebook
    from grader.project import default_lang
    from grader.text import t

    lang = default_lang(args)
    folders = [Path(x).expanduser().resolve() for x in args.shards]
    out = Path(args.out).expanduser().resolve()
    manifests = []
    for folder in folders:
        manifest = class_state.read_manifest(folder)
        if manifest is None:
            raise UsageError("merge.not_an_output", folder=folder)
        if folder == out:
            raise UsageError("merge.out_is_a_shard")
        manifests.append(manifest)
    first = manifests[0]
    for folder, manifest in zip(folders, manifests, strict=True):
        for field in ("grader", "targets", "options"):
            if manifest.get(field) != first.get(field):
                raise UsageError("merge.differs", folder=folder, field=field,
                                 first=folders[0])
    shards = [tuple(m.get("shard") or ()) for m in manifests]
    total = {s[1] for s in shards if len(s) == 2}
    if any(len(s) != 2 for s in shards) or len(total) != 1:
        raise UsageError("merge.not_sharded")
    n = total.pop()
    numbers = sorted(s[0] for s in shards)
    if numbers != list(range(1, n + 1)):
        missing = sorted(set(range(1, n + 1)) - set(numbers))
        twice = sorted({k for k in numbers if numbers.count(k) > 1})
        raise UsageError("merge.shards", n=n, missing=missing or "-", twice=twice or "-")
    owner: dict[str, Path] = {}
    for folder, manifest in zip(folders, manifests, strict=True):
        for student in manifest.get("students", []):
            if student in owner:
                raise UsageError("merge.student_twice", student=student,
                                 first=owner[student], second=folder)
            owner[student] = folder
    exercises = catalog_mod.load().resolve(first["targets"])
    out.mkdir(parents=True, exist_ok=True)
    graded = []
    for student in sorted(owner):
        source = owner[student] / student
        found = class_state.load_student(source)
        if found is None:
            raise UsageError("merge.unfinished", folder=source)
        shutil.copytree(source, out / student, dirs_exist_ok=True)
        status, results = found
        graded.append(gradebook.Graded(student, str(status.get("status")), results,
                                       float(status.get("seconds") or 0.0),
                                       str(status.get("note") or "")))
    class_state.write_json(out / class_state.MANIFEST, {**first, "shard": None,
                                                         "students": sorted(owner)})
    gradebook.write_outputs(out, graded, exercises, lang, junit=args.junit)
    print(t("merge.written", lang, shards=n, students=len(graded), out=str(out)))
    return EXIT_OK
