"""The pytest plugin that turns check results into exercise outcomes.

Each check is marked ``@pytest.mark.exercise("corr2d")`` inside ``grader/checks/chapterNN.py``.
Tests of one exercise run in file order (book examples first, then properties); the first one
that does not pass decides the exercise's outcome and text, and the exercise's later tests are
skipped. Anything a check raises that is not a ``Verdict`` is the grader's own fault and says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest

from grader import outcomes
from grader.client import Learner


@dataclass
class ExerciseResult:
    exercise: Any  # catalog.Exercise
    outcome: str = outcomes.PASSED
    verdict: BaseException | None = None
    seconds: float = 0.0
    checks: int = 0
    detail: str = ""  # for internal errors

    @property
    def qualname(self) -> str:
        return self.exercise.qualname

    @property
    def score(self) -> float:
        return self.exercise.points if self.outcome == outcomes.PASSED else 0.0

    def diagnosis(self, lang: str) -> str:
        """The known mistake the learner's result matches, if any (one sentence)."""
        data = getattr(self.verdict, "data", None) or {}
        found = data.get("diagnosis")
        return (found[1] if lang == "zh" else found[0]) if found else ""

    def text(self, lang: str) -> str:
        """What the learner reads for this exercise (empty when it passed)."""
        from grader.messages import t

        if self.outcome == outcomes.PASSED:
            return ""
        if isinstance(self.verdict, outcomes.Verdict):
            try:
                body = self.verdict.render(lang)
            except Exception as exc:  # a rendering bug must not hide the verdict
                body = t("internal", lang, detail=f"rendering {self.verdict.key}: {exc!r}")
        else:
            body = t("internal", lang, detail=self.detail or repr(self.verdict))
        if self.outcome in (outcomes.FAILED, outcomes.ERROR):
            body += "\n" + t("hint", lang, text=self.exercise.hint(lang))
        return body


def classify(exc: BaseException) -> tuple[str, BaseException, str]:
    """(outcome, the exception to render, internal detail) for what a check raised."""
    if isinstance(exc, outcomes.Verdict):
        return exc.outcome, exc, ""
    name = type(exc).__name__
    if name in ("Flaky", "FlakyFailure", "FlakyReplay", "FlakyBackendFailure"):
        return outcomes.FAILED, outcomes.Verdict("flaky"), ""
    inner = getattr(exc, "exceptions", None)
    if inner:
        for sub in inner:
            if isinstance(sub, outcomes.Verdict):
                return classify(sub)
    return outcomes.ERROR, exc, f"{name}: {exc}"[:500]


class GraderPlugin:
    def __init__(self, learner: Learner, exercises: list[Any], seed: int | None = None,
                 database: Any = None) -> None:
        self._learner = learner
        self.seed = seed
        self.database = database  # this run's Hypothesis example database
        self.results: dict[str, ExerciseResult] = {ex.qualname: ExerciseResult(ex)
                                                   for ex in exercises}
        self.collect_errors: list[str] = []

    @pytest.fixture(scope="session")
    def learner(self) -> Learner:
        return self._learner

    def pytest_configure(self, config: Any) -> None:
        config.addinivalue_line("markers", "exercise(name): the catalog exercise a check grades")

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self.collect_errors.append(str(report.longrepr)[-2000:])

    def pytest_collection_modifyitems(self, session: Any, config: Any, items: list) -> None:
        keep, drop = [], []
        for item in items:
            marker = item.get_closest_marker("exercise")
            chapter = getattr(item.module, "CHAPTER", None)
            qualname = f"{chapter}.{marker.args[0]}" if marker and chapter else None
            if qualname in self.results:
                item.grader_exercise = qualname
                if hasattr(item.obj, "hypothesis"):
                    from grader.checks import configure_test

                    configure_test(item.obj, self.seed, self.database)
                keep.append(item)
            else:
                drop.append(item)
        items[:] = keep
        if drop:
            config.hook.pytest_deselected(items=drop)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: Any) -> None:
        result = self.results[item.grader_exercise]
        if result.outcome != outcomes.PASSED:
            pytest.skip("an earlier check of this exercise did not pass")
        self._learner.exercise = result.exercise
        item.grader_started = time.perf_counter()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: Any, call: Any) -> Any:
        report = (yield).get_result()
        result = self.results[item.grader_exercise]
        if call.when == "call":
            result.seconds += time.perf_counter() - getattr(item, "grader_started",
                                                            time.perf_counter())
            result.checks += 1
        if report.failed and result.outcome == outcomes.PASSED and call.excinfo is not None:
            result.outcome, result.verdict, result.detail = classify(call.excinfo.value)
            if isinstance(result.verdict, outcomes.Verdict):
                # A fixed example (the book's) is not a "smallest input found".
                result.verdict.data.setdefault("searched", hasattr(item.obj, "hypothesis"))
