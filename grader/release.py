"""Stubs from solutions: one source of truth, in the marker style of nbgrader and otter-grader.

In ``solutions/``, each solution region sits between ``# BEGIN SOLUTION`` and
``# END SOLUTION`` lines. ``make_stub`` replaces every region by a TODO and
``raise NotImplementedError`` at the marker's indentation; everything else (docstrings,
imports, signatures) is kept as it is.
"""

from __future__ import annotations

import re

BEGIN = re.compile(r"^(\s*)# BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*# END SOLUTION\s*$")


class MarkerError(ValueError):
    """Solution markers that make no region: a sentence's key (``grader/texts``) and where."""

    def __init__(self, filename: str, line: int, key: str) -> None:
        self.filename = filename
        self.line = line
        self.key = key
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        from grader.text import t

        return t(self.key, lang, file=self.filename, line=self.line)


def make_stub(source: str, filename: str = "<solution>") -> str:
    out: list[str] = []
    inside: int | None = None
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        begin = BEGIN.match(line)
        if begin:
            if inside is not None:
                raise MarkerError(filename, number, "release.marker_nested")
            inside = number
            indent = begin.group(1)
            out.append(f"{indent}# TODO: your code here\n")
            out.append(f"{indent}raise NotImplementedError\n")
            continue
        if END.match(line):
            if inside is None:
                raise MarkerError(filename, number, "release.marker_unopened")
            inside = None
            continue
        if inside is None:
            out.append(line)
    if inside is not None:
        raise MarkerError(filename, inside, "release.marker_unclosed")
    return "".join(out)
