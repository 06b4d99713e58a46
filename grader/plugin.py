"""The pytest plugin that turns check results into exercise results (``grader.results``).

Each check is marked ``@pytest.mark.exercise("corr2d")`` in its exercise's module,
``grader/checks/<chapter>/<exercise>.py``.
Tests of one exercise run in file order (book examples first, then properties); the first one
that does not pass decides the exercise's outcome, verdict key and data, and the exercise's later
tests are skipped. Anything a check raises that is not a ``Verdict`` is the grader's own fault
and says so. Per-item state lives in ``item.stash``.

Hypothesis is configured through its public API only: the run's profile (``grader.service``)
before the check modules are imported, then, at collection, ``hypothesis.settings`` for each
property's budget and the run's example database, and ``hypothesis.seed`` for ``--seed``.
Hypothesis takes a function's settings once, so each session imports the check modules afresh
(``pytest_sessionstart``): a warm process grading plan after plan carries no run's seed,
database or budget into the next.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import hypothesis
import pytest
from hypothesis.errors import InvalidArgument

from grader import outcomes
from grader.compare import settle
from grader.learner import Learner
from grader.plain import to_plain
from grader.results import INTERNAL, ExerciseResult

EXERCISE = pytest.StashKey[str]()  # the qualname an item grades
STARTED = pytest.StashKey[float]()
SEARCHED = pytest.StashKey[bool]()  # a Hypothesis property (else one fixed example)

CHECKS_PACKAGE = "grader.checks"


def configure_property(test: Any, examples: int | None, seed: int | None, database: Any,
                       factor: float = 1.0) -> Any:
    """This run's settings of one Hypothesis property (a function no settings were applied
    to): ``examples`` (its ``budget`` mark; None: the profile's) times ``factor``, and the run's
    example database, or none and a fixed seed when ``seed`` is given."""
    chosen: dict[str, Any] = {"database": database}
    if examples is not None:
        chosen["max_examples"] = max(1, int(examples * factor))
    test = hypothesis.settings(**chosen)(test)
    if seed is not None:
        test = hypothesis.seed(seed)(test)  # which also turns the example database off
    return test


def classify(exc: BaseException) -> tuple[str, str, dict]:
    """(outcome, verdict key, verdict data) for what a check raised."""
    if isinstance(exc, outcomes.Verdict):
        return exc.outcome, exc.key, dict(exc.data)
    name = type(exc).__name__
    if name in ("Flaky", "FlakyFailure", "FlakyReplay", "FlakyBackendFailure"):
        return outcomes.FAILED, "flaky", {}
    inner = getattr(exc, "exceptions", None)
    if inner:
        for sub in inner:
            if isinstance(sub, outcomes.Verdict):
                return classify(sub)
    return outcomes.ERROR, INTERNAL, {"detail": f"{name}: {exc}"[:500]}


def plain_verdict(key: str, data: dict) -> dict:
    """A verdict's data as plain data (tensors become descriptors)."""
    expected = data.get("expected")
    if key == "mismatch" and str(getattr(expected, "dtype", "")) == "torch.float64":
        # computed in float64; shown as the float32 it stands for
        data = {**data, "expected": expected.float()}
    return to_plain(data)


class GraderPlugin:
    def __init__(self, learner: Learner, exercises: list[Any], seed: int | None = None,
                 database: Any = None, budget_factor: float = 1.0) -> None:
        self._learner = learner
        self.seed = seed
        self.database = database  # this run's Hypothesis example database
        self.budget_factor = budget_factor
        self.results: dict[str, ExerciseResult] = {
            ex.qualname: ExerciseResult(ex.qualname, ex.points) for ex in exercises}
        self.exercises = {ex.qualname: ex for ex in exercises}
        self.collect_errors: list[str] = []
        self._current: ExerciseResult | None = None
        self._configured: set[Any] = set()  # this session's properties (parametrised: once)

    @pytest.fixture(scope="session")
    def learner(self) -> Learner:
        return self._learner

    def pytest_configure(self, config: Any) -> None:
        config.addinivalue_line("markers", "exercise(name): the catalog exercise a check grades")
        config.addinivalue_line("markers", "budget(examples): a property's Hypothesis examples")

    def pytest_sessionstart(self, session: Any) -> None:
        # Functions an earlier session configured cannot take this run's settings: forget their
        # modules, so that collection imports (and the plugin configures) fresh ones.
        for name in [m for m in sys.modules if m.startswith(CHECKS_PACKAGE + ".")]:
            del sys.modules[name]

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
                item.stash[EXERCISE] = qualname
                item.stash[SEARCHED] = hasattr(item.obj, "hypothesis")
                if item.stash[SEARCHED] and item.obj not in self._configured:
                    self._configure(item)
                keep.append(item)
            else:
                drop.append(item)
        items[:] = keep
        if drop:
            config.hook.pytest_deselected(items=drop)

    def _configure(self, item: Any) -> None:
        mark = item.get_closest_marker("budget")
        try:
            configure_property(item.obj, mark.args[0] if mark else None, self.seed,
                               self.database, self.budget_factor)
        except InvalidArgument as exc:
            raise RuntimeError(
                f"{item.nodeid}: Hypothesis settings were applied to this check before this run "
                "(declare its examples with grader.checks.budget, not @settings; a check module "
                f"must be imported by the run that grades with it): {exc}") from exc
        self._count_examples(item.obj)
        self._configured.add(item.obj)

    def _count_examples(self, test: Any) -> None:
        """Count the examples Hypothesis runs (its documented ``inner_test`` hook)."""
        handle = test.hypothesis
        inner = handle.inner_test

        def counted(*args: Any, **kwargs: Any) -> Any:
            if self._current is not None:
                self._current.examples += 1
            return inner(*args, **kwargs)

        handle.inner_test = counted

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: Any) -> None:
        result = self.results[item.stash[EXERCISE]]
        if result.outcome != outcomes.PASSED:
            pytest.skip("an earlier check of this exercise did not pass")
        self._learner.exercise = self.exercises[result.name]
        self._learner.reset_output()
        self._current = result
        item.stash[STARTED] = time.perf_counter()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: Any, call: Any) -> Any:
        report = (yield).get_result()
        result = self.results[item.stash[EXERCISE]]
        if call.when == "call":
            result.seconds += time.perf_counter() - item.stash.get(STARTED, time.perf_counter())
            result.checks += 1
            if not item.stash.get(SEARCHED, False):
                result.examples += 1
        if report.failed and result.outcome == outcomes.PASSED and call.excinfo is not None:
            outcome, key, data = classify(call.excinfo.value)
            if isinstance(call.excinfo.value, outcomes.Verdict) or key != INTERNAL:
                # A fixed example (the book's) is not a "smallest input found".
                data.setdefault("searched", item.stash.get(SEARCHED, False))
                if "output" not in data and outcome in (outcomes.FAILED, outcomes.ERROR):
                    printed = self._learner.last_output()  # the failing example's prints
                    if printed:
                        data["output"] = printed
                if data.get("diagnosis"):  # several known mistakes agree: tell them apart
                    # (after reading the output: the search calls the learner's code again)
                    data["diagnosis"] = settle(call.excinfo.value, data["diagnosis"])
            result.outcome, result.key, result.data = outcome, key, plain_verdict(key, data)
