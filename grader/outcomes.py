"""Outcomes, and the exceptions a check raises to reach one.

A check (``grader/checks/<chapter>/<exercise>.py``) is an ordinary pytest test. When the
learner's code is wrong or misbehaves, the check raises one of the ``Verdict`` exceptions
below; the pytest plugin turns the first one per exercise into that exercise's outcome and its
learner-facing text. Exceptions carry message keys and data, not finished text, so the report
can be rendered in the learner's language.
"""

from __future__ import annotations

from typing import Any

PASSED, FAILED, ERROR, NOT_STARTED, TIMEOUT, CRASHED, FORBIDDEN = (
    "passed", "failed", "error", "not_started", "timeout", "crashed", "forbidden")
OUTCOMES = (PASSED, FAILED, ERROR, NOT_STARTED, TIMEOUT, CRASHED, FORBIDDEN)


class Verdict(Exception):
    """Base class: the learner's exercise did not pass. ``key`` and ``data`` are what the
    result keeps; ``grader.verdict_text`` renders them."""

    outcome = FAILED
    # Fatal verdicts say nothing about one input: once seen, every later call of the same
    # exercise gives the same verdict at once (so Hypothesis does not re-run a hang or a crash).
    fatal = False

    def __init__(self, key: str, **data: Any) -> None:
        super().__init__(key)
        self.key = key
        self.data = data

    def __str__(self) -> str:
        return self.key


class Mismatch(Verdict, AssertionError):
    """A wrong answer (key ``mismatch``: rendered by ``grader.verdict_text.render_mismatch``)."""

    outcome = FAILED


class NotStarted(Verdict):
    outcome = NOT_STARTED
    fatal = True


class LearnerRaised(Verdict):
    outcome = ERROR


class ImportFailed(Verdict):
    outcome = ERROR
    fatal = True


class LearnerTimeout(Verdict):
    outcome = TIMEOUT
    fatal = True


class LearnerCrashed(Verdict):
    outcome = CRASHED
    fatal = True


class Forbidden(Verdict):
    outcome = FORBIDDEN
    fatal = True


class InternalError(Exception):
    """A fault of the grader itself (never the learner's): reported as such, with a plea to
    report it."""
