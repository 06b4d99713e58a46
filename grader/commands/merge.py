"""``grader merge OUT_1 ... --out OUT``: combine the outputs of ``grade --shard K/N`` runs into
one, equal to a single unsharded run's (``gradebook.csv`` byte for byte; the summary and JUnit
apart from timing fields).

It refuses shards that are missing or overlap, and shards graded by another grader (version and
code) or with other targets or options; an empty shard is fine. Each student's folder is copied
from its shard's output; the class files are rebuilt from them (``grader.gradebook``).
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

from grader.errors import EXIT_OK, UsageError


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "merge", help="combine the outputs of `grader grade --shard K/N` runs (instructors)")
    p.add_argument("shards", nargs="+", metavar="OUT_K", help="the shards' --out folders")
    p.add_argument("--out", required=True, metavar="OUT", help="folder for the merged results")
    p.add_argument("--junit", metavar="FILE", help="also write JUnit XML, one suite per student")
    p.add_argument("--lang", choices=("en", "zh"), default=argparse.SUPPRESS)
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
            raise UsageError(f"{folder} is not the output of `grader grade` (no grade.json)",
                             f"{folder} 不是 `grader grade` 的输出（没有 grade.json）")
        if folder == out:
            raise UsageError("--out must be a new folder, not one of the shards",
                             "--out 必须是新文件夹，不能是其中一个分片")
        manifests.append(manifest)
    first = manifests[0]
    for folder, manifest in zip(folders, manifests, strict=True):
        for field in ("grader", "targets", "options"):
            if manifest.get(field) != first.get(field):
                raise UsageError(
                    f"{folder} was graded with another {field} than {folders[0]}: "
                    "grade every shard with the same grader, targets and options",
                    f"{folder} 与 {folders[0]} 的 {field} 不同："
                    "请用同一评分器、目标和选项评阅所有分片")
    shards = [tuple(m.get("shard") or ()) for m in manifests]
    total = {s[1] for s in shards if len(s) == 2}
    if any(len(s) != 2 for s in shards) or len(total) != 1:
        raise UsageError("every output must come from `grade --shard K/N` with the same N",
                         "每个输出都必须来自同一个 N 的 `grade --shard K/N`")
    n = total.pop()
    numbers = sorted(s[0] for s in shards)
    if numbers != list(range(1, n + 1)):
        missing = sorted(set(range(1, n + 1)) - set(numbers))
        twice = sorted({k for k in numbers if numbers.count(k) > 1})
        raise UsageError(f"shards of {n}: missing {missing or '-'}, given twice {twice or '-'}",
                         f"共 {n} 个分片：缺少 {missing or '-'}，重复 {twice or '-'}")
    owner: dict[str, Path] = {}
    for folder, manifest in zip(folders, manifests, strict=True):
        for student in manifest.get("students", []):
            if student in owner:
                raise UsageError(f"{student} is in both {owner[student]} and {folder}",
                                 f"{student} 同时出现在 {owner[student]} 和 {folder} 中")
            owner[student] = folder
    exercises = catalog_mod.load().resolve(first["targets"])
    out.mkdir(parents=True, exist_ok=True)
    graded = []
    for student in sorted(owner):
        source = owner[student] / student
        found = class_state.load_student(source)
        if found is None:
            raise UsageError(f"{source}: this student's grading did not finish; run that "
                             "shard's `grader grade` again (it resumes)",
                             f"{source}：该学生的评分没有完成；请重新运行该分片的 `grader grade`"
                             "（会从中断处继续）")
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
