"""The course catalog: chapters and exercises, read from ``catalog.toml``.

Everything else (CLI, checks, reports, notebooks) asks this module; it imports nothing heavy so
``grader --help`` and ``grader list`` stay fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from grader.errors import UsageError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib


@dataclass(frozen=True)
class Exercise:
    name: str
    chapter: str
    signature: str
    points: float
    from_scratch: bool
    time_budget: float
    #: Modules the learner's code for this exercise will import, slowly, and that the worker
    #: should find imported (e.g. torch._dynamo, which torch.optim's first step imports: a
    #: second). The fork server imports them in the background, while other checks run.
    preload: tuple[str, ...] = ()

    @property
    def qualname(self) -> str:
        """The report name, exactly ``chapterNN.<exercise>``."""
        return f"{self.chapter}.{self.name}"

    @property
    def arg_names(self) -> tuple[str, ...]:
        """Parameter names from the signature, for messages: ``corr2d(X, K)`` -> (X, K)."""
        inside = self.signature.partition("(")[2].rpartition(")")[0]
        names, depth, current = [], 0, ""
        for ch in inside + ",":
            if ch == "," and depth == 0:
                if current.strip():
                    names.append(current.split("=")[0].strip())
                current = ""
                continue
            depth += ch in "([" and 1 or (ch in ")]" and -1 or 0)
            current += ch
        return tuple(names)

    def hints(self, lang: str) -> tuple[str, ...]:
        """Hints in levels (``grader/texts/<lang>/chapterNN.toml``), from the idea (level 1,
        shown with a failure: no code, no answer) to the last one, which may show code;
        ``grader hint`` shows one more on each call."""
        from grader import text

        return tuple(text.raw(f"{self.qualname}.hints", lang) or ())

    def hint(self, lang: str, level: int = 1) -> str:
        """The hint of ``level`` (1 = the first; beyond the last, the last)."""
        levels = self.hints(lang)
        return levels[min(max(level, 1), len(levels)) - 1] if levels else ""


@dataclass(frozen=True)
class Chapter:
    number: int
    id: str
    module: str
    check: str
    exercises: tuple[Exercise, ...] = field(default_factory=tuple)

    @property
    def filename(self) -> str:
        return f"{self.module}.py"

    def title(self, lang: str) -> str:
        from grader.text import t

        return t(f"{self.id}.title", lang)

    def exercise(self, name: str) -> Exercise:
        for ex in self.exercises:
            if ex.name == name:
                return ex
        raise KeyError(name)


@dataclass(frozen=True)
class Catalog:
    chapters: tuple[Chapter, ...]

    def chapter(self, key: str | int) -> Chapter:
        for ch in self.chapters:
            if str(key) in (ch.id, str(ch.number), ch.module):
                return ch
        raise KeyError(key)

    def exercises(self) -> list[Exercise]:
        return [ex for ch in self.chapters for ex in ch.exercises]

    def exercise(self, qualname: str) -> Exercise:
        chapter, _, name = qualname.partition(".")
        return self.chapter(chapter).exercise(name)

    def preload(self, exercises: list[Exercise]) -> tuple[str, ...]:
        """The modules a worker grading ``exercises`` should import ahead."""
        return tuple(dict.fromkeys(name for ex in exercises for name in ex.preload))

    def resolve(self, targets: list[str] | tuple[str, ...]) -> list[Exercise]:
        """Turn CLI targets into exercises, in course order, without duplicates.

        A target is ``all``, ``chapter21`` or ``21``, or ``chapter21.corr2d_multi_in`` (also
        ``21.corr2d_multi_in``). Raises ``TargetError`` naming the bad target and the valid ones.
        """
        wanted: set[str] = set()
        for target in targets or ["all"]:
            wanted.update(ex.qualname for ex in self._resolve_one(target))
        return [ex for ex in self.exercises() if ex.qualname in wanted]

    def _resolve_one(self, target: str) -> list[Exercise]:
        target = target.strip()
        if target == "all":
            return self.exercises()
        head, dot, name = target.partition(".")
        if re.fullmatch(r"\d+", head):
            head = f"chapter{head}"
        try:
            chapter = self.chapter(head)
        except KeyError:
            raise TargetError(target, self) from None
        if not dot:
            return list(chapter.exercises)
        try:
            return [chapter.exercise(name)]
        except KeyError:
            raise TargetError(target, self, chapter) from None


class TargetError(UsageError, ValueError):
    """An unknown target: a usage error (``grader.errors.UsageError``: a key and its data). A
    close or case-insensitive match (``chap19`` → ``chapter19``, ``chapter19.corr2D`` →
    ``chapter19.corr2d``) is suggested, never silently taken."""

    def __init__(self, target: str, catalog: Catalog, chapter: Chapter | None = None):
        from grader.text import said

        hint = suggest(target, catalog, chapter)
        more = said("target.did_you_mean", suggestion=hint) if hint else ""
        if chapter is None:
            valid = ", ".join(["all"] + [ch.id for ch in catalog.chapters])
            super().__init__("target.unknown", target=target, valid=valid, more=more)
        else:
            names = ", ".join(ex.name for ex in chapter.exercises)
            super().__init__("target.no_exercise", chapter=chapter.id,
                             name=target.partition(".")[2], names=names, more=more)
        self.suggestion = hint


def suggest(target: str, catalog: Catalog, chapter: Chapter | None = None) -> str | None:
    """The valid target closest to ``target`` (within ``chapter`` when the chapter was right):
    the same one in other case, else the closest by spelling (``difflib``), else None."""
    if chapter is not None:  # the chapter was right: compare the exercise's name alone
        valid = [ex.name for ex in chapter.exercises]
        key = target.strip().partition(".")[2].lower()
        found = _closest(key, valid)
        return f"{chapter.id}.{found}" if found else None
    valid = ["all"] + [ch.id for ch in catalog.chapters] + \
        [ex.qualname for ex in catalog.exercises()]
    return _closest(target.strip().lower(), valid)


def _closest(key: str, valid: list[str]) -> str | None:
    import difflib

    lowered = {v.lower(): v for v in valid}
    if key in lowered:
        return lowered[key]
    close = difflib.get_close_matches(key, list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


def join_split_targets(targets: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """``chapter 19`` typed as two words becomes ``chapter19``: (targets, [(given, taken)])."""
    out: list[str] = []
    notes: list[tuple[str, str]] = []
    i = 0
    while i < len(targets):
        word = targets[i]
        if word.lower() == "chapter" and i + 1 < len(targets) and \
                re.fullmatch(r"\d+(\.\w+)?", targets[i + 1]):
            joined = f"chapter{targets[i + 1]}"
            notes.append((f"{word} {targets[i + 1]}", joined))
            out.append(joined)
            i += 2
            continue
        out.append(word)
        i += 1
    return out, notes


@lru_cache(maxsize=1)
def load() -> Catalog:
    raw = tomllib.loads(resources.files("grader").joinpath("catalog.toml").read_text("utf-8"))
    chapters = []
    for ch in raw["chapter"]:
        exercises = tuple(
            Exercise(
                name=ex["name"],
                chapter=ch["id"],
                signature=ex["signature"],
                points=float(ex["points"]),
                from_scratch=bool(ex["from_scratch"]),
                time_budget=float(ex["time_budget"]),
                preload=tuple(ex.get("preload", ())),
            )
            for ex in ch.get("exercise", [])
        )
        chapters.append(Chapter(number=int(ch["number"]), id=ch["id"], module=ch["module"],
                                check=ch["check"], exercises=exercises))
    return Catalog(tuple(chapters))
