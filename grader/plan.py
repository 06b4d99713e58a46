"""A grading plan: everything one run needs, decided once by the caller.

Built from the command line (``grader.project`` turns options into a plan) or by a caller such as
``grade`` or the notebook kernel; the verdict service (``grader.service``) reads nothing else:
no environment variable, no global, no file of the learner's. Plain data (``to_dict``), so a plan
travels to a warm verdict process as it is.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

DEVICES = ("auto", "cpu", "cuda")


def new_job_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Plan:
    targets: tuple[str, ...]  # exercises, ``chapterNN.<name>``, in course order
    folder: str  # the graded folder: imports between chapters resolve here
    # A notebook's code as the chapter's module: {module: (source, filename)}; None: the files.
    sources: dict[str, tuple[str, str]] | None = None
    device: str = "cpu"  # "cpu", "cuda", or "auto" (CUDA when the verdict process has it)
    seed: int | None = None  # None: Hypothesis draws afresh (and uses ``database``)
    database: str | None = None  # Hypothesis example database folder; None keeps nothing
    budget_factor: float = 1.0  # times every property's example budget (--thorough: 10)
    memory_limit_mb: int | None = None  # the learner's data-segment limit; None: none
    isolation: str = "process"  # what keeps the learner's code apart: sandbox, user, process
    forbidden_dirs: tuple[str, ...] = ()  # reference solutions the learner's code may not open
    show_output: bool = False  # show all the learner's code printed, not its first 2000 chars
    job_id: str = field(default_factory=new_job_id)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        return cls(**{**data, "targets": tuple(data["targets"]),
                      "forbidden_dirs": tuple(data.get("forbidden_dirs", ()))})
