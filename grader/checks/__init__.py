"""The properties each chapter's exercises must satisfy: one pytest module per chapter.

Check modules set ``CHAPTER = "chapterNN"`` and mark every test with
``@pytest.mark.exercise(name)``; they use the ``learner`` fixture to call the learner's code in
the isolated worker and ``grader.compare`` to judge what comes back.
"""

from __future__ import annotations

from typing import Any

from hypothesis import settings


def budget(examples: int) -> Any:
    """Decorator: ``examples`` Hypothesis examples for this property. The plugin applies the
    run's factor (``--thorough``: ten times as many) through ``configure_test``."""

    def decorate(test: Any) -> Any:
        test = settings(max_examples=max(1, examples))(test)
        test._grader_budget = examples
        return test

    return decorate


def configure_test(test: Any, seed: int | None, database: Any, factor: float = 1.0) -> None:
    """Settings of one property for this run: its budget times ``factor``, and the run's
    example database, or none and a fixed seed when ``seed`` is given. Set afresh every run,
    from the settings the check module declared: a process that grades run after run must not
    carry one run's seed, database or factor into the next."""
    base = test.__dict__.setdefault("_grader_settings", test._hypothesis_internal_use_settings)
    changes: dict[str, Any] = {"database": None if seed is not None else database}
    examples = getattr(test, "_grader_budget", None)
    if examples is not None:
        changes["max_examples"] = max(1, int(examples * factor))
    test._hypothesis_internal_use_settings = settings(base, **changes)
    test._hypothesis_internal_use_seed = seed
