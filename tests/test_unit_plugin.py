"""How the plugin configures a Hypothesis property, through Hypothesis' public API only
(``grader.plugin.configure_property``, ``grader.checks.budget``): in process, no worker."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.database import InMemoryExampleDatabase
from hypothesis.errors import InvalidArgument

from grader.checks import budget
from grader.plugin import configure_property

QUIET = settings(deadline=None, suppress_health_check=list(HealthCheck))


def make_property(seen: list, fail_above: int | None = None):
    """A fresh ``@given`` test, as a freshly imported check module has, recording its inputs."""

    @given(st.integers(0, 10**6))
    def prop(n):
        seen.append(n)
        if fail_above is not None and n > fail_above:
            raise AssertionError(n)

    return prop


@pytest.fixture(autouse=True)
def quiet_profile():
    """Hypothesis' defaults as the grader's profile has them (no deadline, no health checks)."""
    settings.register_profile("unit-plugin", QUIET)
    previous = settings.get_current_profile_name()
    settings.load_profile("unit-plugin")
    yield
    settings.load_profile(previous)


# The grader's own pytest sessions register the mark (GraderPlugin.pytest_configure); this
# suite's configuration does not know it.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnknownMarkWarning")
def test_budget_is_a_mark_with_the_examples():
    marked = budget(7)(make_property([]))
    assert [(m.name, m.args) for m in marked.pytestmark] == [("budget", (7,))]

    def check():
        pass

    assert budget(0)(check).pytestmark[0].args == (1,)  # at least one example


def test_the_budget_times_the_factor_is_the_number_of_examples():
    for examples, factor, runs in ((5, 1.0, 5), (5, 3.0, 15), (None, 1.0, 100)):
        seen: list = []
        prop = configure_property(make_property(seen), examples, seed=0, database=None,
                                  factor=factor)
        prop()
        assert len(seen) == runs


def test_the_same_seed_gives_the_same_examples_and_another_seed_others():
    def drawn(seed):
        seen: list = []
        configure_property(make_property(seen), 20, seed=seed, database=None)()
        return seen

    assert drawn(3) == drawn(3)
    assert drawn(3) != drawn(4)


def test_the_database_replays_the_last_failure_and_a_seed_keeps_none():
    db = InMemoryExampleDatabase()
    first: list = []
    prop = configure_property(make_property(first, fail_above=1000), 200, seed=None,
                              database=db)
    with pytest.raises(AssertionError) as failed:
        prop()
    smallest = failed.value.args[0]
    assert smallest == 1001 and list(db.data)  # shrunk, and kept
    again: list = []
    with pytest.raises(AssertionError):
        configure_property(make_property(again, fail_above=1000), 200, seed=None,
                           database=db)()
    assert again[0] == smallest  # the saved failure is tried first
    seeded_db = InMemoryExampleDatabase()
    with pytest.raises(AssertionError):
        configure_property(make_property([], fail_above=1000), 200, seed=0,
                           database=seeded_db)()
    assert not seeded_db.data


def test_a_property_takes_its_settings_once():
    prop = configure_property(make_property([]), 5, seed=None, database=None)
    with pytest.raises(InvalidArgument):
        configure_property(prop, 5, seed=None, database=None)
