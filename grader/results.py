"""What a grading run returns: plain data, no exception objects and no rendered text.

``ExerciseResult`` per exercise: its outcome, points, the verdict's ``key`` and ``data`` (plain
values and ``grader.plain`` descriptors, rendered in any language by ``grader.verdict_text``),
seconds, and the number of examples tried. ``RunResult`` for a run, with the job id of the plan
it answers. ``to_dict``/``from_dict`` carry them between processes (``grader.wire`` plain data).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from grader import outcomes

INTERNAL = "internal"  # the verdict key of the grader's own faults (data: ``detail``)


@dataclass
class ExerciseResult:
    name: str  # chapterNN.<exercise>
    max_points: float
    outcome: str = outcomes.PASSED
    key: str = ""  # the verdict's message key ("" when passed)
    data: dict = field(default_factory=dict)
    seconds: float = 0.0
    examples: int = 0  # inputs tried (fixed cases and Hypothesis examples)
    checks: int = 0  # checks that ran

    @property
    def qualname(self) -> str:
        return self.name

    @property
    def score(self) -> float:
        return self.max_points if self.outcome == outcomes.PASSED else 0.0

    @property
    def passed(self) -> bool:
        return self.outcome == outcomes.PASSED


@dataclass
class RunResult:
    job_id: str
    results: list[ExerciseResult]
    seconds: float
    device: str
    isolation: str = "process"
    internal_errors: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        results = [ExerciseResult(**r) for r in data.get("results", [])]
        return cls(**{**data, "results": results})


def synthesized(job_id: str, exercises: list, outcome: str, key: str, data: dict,
                device: str = "cpu", isolation: str = "process",
                seconds: float = 0.0) -> RunResult:
    """A run where nothing was graded (a timeout of the whole run, a verdict process that
    died): every exercise gets ``outcome`` with the same verdict."""
    return RunResult(job_id, [ExerciseResult(ex.qualname, ex.points, outcome, key, dict(data))
                              for ex in exercises], seconds, device, isolation)
