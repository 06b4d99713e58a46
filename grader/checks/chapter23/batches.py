"""Data as the chapter's checks hand it to the learner's code: a list of (X, y) batches."""

from __future__ import annotations

from grader.compare import said
from grader.text import render_value


class Batches(list):
    """A list of (X, y) batches (what the learner's code iterates), shown as a summary."""

    def __repr__(self) -> str:
        return str(render_value(self.shown(), "en"))

    def shown(self) -> dict:
        """The summary as a sentence (``grader.compare.said``), for a message's inputs."""
        if not self:
            return said("chapter23.batches.none")
        X = self[0][0]
        sizes = ", ".join(str(int(x.shape[0])) for x, _ in self)
        rest = ", ".join(str(s) for s in X.shape[1:])
        return said("chapter23.batches.summary", count=len(self), sizes=sizes, rest=rest)
