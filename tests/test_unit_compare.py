"""grader.compare on its own, in process: the tolerance, the reasons a tensor is refused, plain
values with their types, and how known mistakes are matched and told apart."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.compare import (
    ATOL,
    RTOL,
    Mistake,
    close,
    expect_equal,
    expect_tensor,
    matches,
    narrow,
    plain_equal,
    settle,
    tell_apart,
)
from grader.outcomes import LearnerRaised, LearnerTimeout, Mismatch

INF, NAN = float("inf"), float("nan")


def t(*values, dtype=torch.float32):
    return torch.tensor(values, dtype=dtype)


def mismatch(actual, expected, **options) -> Mismatch:
    with pytest.raises(Mismatch) as caught:
        expect_tensor(actual, expected, call="f(X)", inputs=[("X", expected)], **options)
    return caught.value


# -- close ------------------------------------------------------------------------------------

def test_close_within_float32_level_relative_and_absolute_tolerance():
    e = t(1000.0, -2.0, 0.0)
    assert close(e.clone(), e)
    # at -2 the bound is RTOL * (|-2| + scale) + ATOL, scale the largest magnitude (1000)
    bound = RTOL * (2.0 + 1000.0) + ATOL
    e = e.double()
    assert close(e + torch.tensor([0.0, 0.9 * bound, 0.0], dtype=torch.float64), e)
    assert not close(e + torch.tensor([0.0, 1.1 * bound, 0.0], dtype=torch.float64), e)
    assert not close(e + torch.tensor([0.0, 0.0, 1.1 * bound], dtype=torch.float64), e)


def test_close_scales_to_the_values_and_to_an_explicit_scale():
    tiny = torch.tensor([1e-3], dtype=torch.float64)
    assert close(tiny + 5e-7, tiny)  # absolute part: ATOL = 1e-6
    assert not close(tiny + 1e-4, tiny)
    assert close(tiny + 1e-4, tiny, scale=10.0)  # computed from large values: larger bound
    big = torch.tensor([1e6], dtype=torch.float64)
    assert close(big + 30.0, big) and not close(big + 100.0, big)


def test_a_correct_float32_result_passes_a_float64_reference():
    torch.manual_seed(0)
    x = torch.randn(50, 50)
    assert close(x @ x, x.double() @ x.double())


def test_close_needs_a_tensor_of_the_same_shape_and_a_numeric_dtype():
    e = t(1.0, 2.0)
    assert not close([1.0, 2.0], e)
    assert not close(t(1.0, 2.0, 3.0), e)
    assert not close(e.reshape(2, 1), e)
    assert not close(torch.tensor([True, True]), torch.tensor([1.0, 1.0]))
    assert not close(torch.tensor([1 + 0j, 2 + 0j]), e)
    assert close(torch.tensor([1, 2]), e)  # integers with the right values are close


def test_infinities_and_nan_must_match_exactly_where_expected():
    e = t(INF, -INF, NAN, 1.0)
    assert close(t(INF, -INF, NAN, 1.0 + 1e-7), e)
    assert not close(t(-INF, -INF, NAN, 1.0), e)  # the wrong infinity
    assert not close(t(INF, -INF, 0.0, 1.0), e)  # a number where NaN is expected
    assert not close(t(INF, -INF, NAN, 2.0), e)  # the finite part is still compared
    assert not close(t(NAN, 1.0), t(1.0, 1.0))  # NaN where a number is expected


# -- expect_tensor: one reason each -----------------------------------------------------------

def _within_tolerance(actual, expected, scale=None):
    """The tolerance rule itself, written out (the module's docstring), with no shortcut."""
    a, e = actual.to(torch.float64), expected.to(torch.float64)
    finite = torch.isfinite(e)
    same = (a == e) | (a.isnan() & e.isnan())
    if not bool(same[~finite].all()):
        return False
    if scale is None:
        magnitudes = e.abs()[finite]
        scale = max(1.0, float(magnitudes.max())) if magnitudes.numel() else 1.0
    return bool(((a - e).abs() <= RTOL * (e.abs() + scale) + ATOL)[finite].all())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([0.0, -0.0, 1.0, -2.5, 1e-7, 3.0, INF, -INF, NAN]),
                min_size=1, max_size=6),
       st.lists(st.sampled_from([0.0, 1e-6, -1e-5, 1.0, INF, NAN]), min_size=6, max_size=6),
       st.sampled_from([torch.float16, torch.float32, torch.float64, torch.int64]),
       st.sampled_from([torch.float32, torch.float64]))
def test_close_agrees_with_the_tolerance_rule_written_out(values, noise, dtype, ref_dtype):
    """Exactly equal results take a shortcut: it must say what the rule says, for every
    dtype pair, NaN, infinities, signed zeros and results a hair off."""
    expected = torch.tensor(values, dtype=ref_dtype)
    finite = torch.tensor(values, dtype=torch.float64).nan_to_num(0.0, 0.0, 0.0)
    for actual in (torch.tensor(values).to(dtype) if dtype.is_floating_point
                   else finite.to(dtype),
                   (torch.tensor(values, dtype=torch.float64)
                    + torch.tensor(noise[:len(values)], dtype=torch.float64)).to(dtype)
                   if dtype.is_floating_point else finite.to(dtype) + 1):
        assert close(actual, expected) == _within_tolerance(actual, expected)
        try:
            expect_tensor(actual, expected, call="f(X)", inputs=[], floating=False)
            passed = True
        except Mismatch:
            passed = False
        assert passed == (_within_tolerance(actual, expected)
                          and not (not bool(torch.isfinite(actual.double()).all())
                                   and bool(torch.isfinite(expected).all())))


def test_a_correct_tensor_raises_nothing():
    expect_tensor(t(1.0, 2.0), t(1.0, 2.0).double(), call="f(X)", inputs=[])


@pytest.mark.parametrize(("actual", "reason", "params"), [
    ([1.0, 2.0], "mm.not_tensor", {"got": "list"}),
    (None, "mm.not_tensor", {"got": "None"}),
    (3.0, "mm.not_tensor", {"got": "float"}),
])
def test_not_a_tensor(actual, reason, params):
    exc = mismatch(actual, t(1.0, 2.0))
    assert (exc.key, exc.data["reason"], exc.data["params"]) == ("mismatch", reason, params)


def test_a_numpy_array_is_told_to_become_a_tensor():
    import numpy as np

    assert mismatch(np.zeros(2), t(0.0, 0.0)).data["reason"] == "mm.not_tensor_ndarray"


def test_another_device_than_the_inputs():
    exc = mismatch(t(1.0), t(1.0), device="cuda:0")
    assert exc.data["reason"] == "mm.device"
    assert exc.data["params"] == {"got": "cpu", "expected": "cuda:0"}
    remote = t(1.0)
    remote._grader_device = "cuda:0"  # where the worker said the tensor was
    assert mismatch(remote, t(1.0)).data["params"] == {"got": "cuda:0", "expected": "cpu"}


def test_wrong_shape_comes_with_the_sentence_that_explains_it():
    why = {"$value": "text", "key": "some.why", "data": {}}
    exc = mismatch(t(1.0, 2.0, 3.0), t(1.0, 2.0), shape_why=why)
    assert exc.data["reason"] == "mm.shape"
    assert exc.data["params"] == {"expected": (2,), "got": (3,)}
    assert exc.data["shape_why"] == why
    assert mismatch(t(9.0, 9.0), t(1.0, 2.0), shape_why=why).data["shape_why"] is None


def test_integer_dtype_where_floating_is_asked():
    exc = mismatch(torch.tensor([1, 2]), t(1.0, 2.0))
    assert (exc.data["reason"], exc.data["params"]) == ("mm.dtype_float", {"got": "int64"})
    expect_tensor(torch.tensor([1, 2]), t(1.0, 2.0), call="f", inputs=[], floating=False)


def test_nan_or_inf_where_the_expected_values_are_finite():
    assert mismatch(t(1.0, NAN), t(1.0, 2.0)).data["reason"] == "mm.nonfinite"
    assert mismatch(t(INF, 2.0), t(1.0, 2.0)).data["reason"] == "mm.nonfinite"


def test_wrong_values_name_the_largest_difference_and_its_index():
    expected = torch.zeros(2, 3)
    actual = expected.clone()
    actual[1, 2], actual[0, 1] = 5.0, 1.0
    exc = mismatch(actual, expected)
    assert exc.data["reason"] == "mm.values"
    assert exc.data["params"] == {"diff": 5.0, "index": (1, 2)}
    assert exc.data["expected"] is expected and exc.data["actual"] is actual
    assert exc.data["call"] == "f(X)" and exc.data["diagnosis"] is None


def test_the_checks_order_shape_before_values():
    assert mismatch(t(9.0), t(1.0, 2.0)).data["reason"] == "mm.shape"
    assert mismatch(torch.tensor([9, 9]), t(1.0, 2.0)).data["reason"] == "mm.dtype_float"


# -- expect_equal and plain values ------------------------------------------------------------

@pytest.mark.parametrize(("actual", "expected", "equal"), [
    ((2, 2), (2, 2), True),
    ([2, 2], (2, 2), False),  # a list is not a tuple
    ((2, 2.0), (2, 2), False),  # an int is asked for
    ((torch.tensor(2), 2), (2, 2), False),
    (2, 2.0, True),  # an int where a float is asked is fine
    (2.0 + 1e-6, 2.0, True),
    (2.1, 2.0, False),
    (True, 1, False),
    (1, True, False),
    (None, None, True),
    (0, None, False),
    ("max", "max", True),
    ({"a": [1.0]}, {"a": [1.0]}, True),
    ({"a": [1.0], "b": 1}, {"a": [1.0]}, False),
    ((1, 2, 3), (1, 2), False),
])
def test_plain_equal_compares_values_and_types(actual, expected, equal):
    assert plain_equal(actual, expected) is equal


def test_plain_equal_refuses_what_it_cannot_compare():
    with pytest.raises(TypeError):
        plain_equal(torch.zeros(1), torch.zeros(1))


def test_expect_equal_raises_with_both_values():
    expect_equal((3, 4), (3, 4), call="f()", inputs=[])
    with pytest.raises(Mismatch) as caught:
        expect_equal([3, 4], (3, 4), call="f()", inputs=[("x", 1)])
    data = caught.value.data
    assert data["reason"] == "mm.value"
    assert data["params"] == {"expected": (3, 4), "got": [3, 4]}
    assert data["inputs"] == [("x", 1)]


# -- known mistakes ---------------------------------------------------------------------------

FLIP = "chapter19.conv2d_true.mistake.no_flip"
HALF = "chapter19.conv2d_true.mistake.half_flip"


def test_a_result_that_equals_a_known_mistake_is_diagnosed():
    expected = t(1.0, 2.0)
    wrong = t(2.0, 1.0)
    exc = mismatch(wrong, expected, mistakes=[Mistake(t(5.0, 5.0), HALF), Mistake(wrong, FLIP)])
    assert exc.data["diagnosis"] == [{"$value": "text", "key": FLIP, "data": {}}]


def test_a_mistake_of_another_shape_or_type_does_not_match():
    assert not matches(t(1.0, 2.0), Mistake(t(1.0, 2.0, 3.0), FLIP))
    assert not matches((1, 2), Mistake(t(1.0, 2.0), FLIP))
    assert matches((1, 2), Mistake((1, 2), FLIP))
    assert not matches([1, 2], Mistake((1, 2), FLIP))
    assert not matches(None, Mistake(None, FLIP))  # "not defined here" never matches
    assert not matches(t(1.0), Mistake(object(), FLIP))  # a comparison that fails: no match


def test_two_mistakes_saying_the_same_are_named_once_and_two_different_ones_both():
    wrong = t(3.0)
    same = [Mistake(wrong, FLIP, axis=0), Mistake(wrong.clone(), FLIP, axis=0)]
    assert mismatch(wrong, t(1.0), mistakes=same).data["diagnosis"] == [same[0].text]
    both = [Mistake(wrong, FLIP), Mistake(wrong, HALF), Mistake(wrong, "third")]
    assert [d["key"] for d in mismatch(wrong, t(1.0), mistakes=both).data["diagnosis"]] == \
        [FLIP, HALF]


def test_mistake_identity_is_its_sentence():
    assert Mistake(1, FLIP, axis=0).ident == Mistake(2, FLIP, axis=0).ident
    assert Mistake(1, FLIP, axis=0).ident != Mistake(1, FLIP, axis=1).ident


def _further(rounds):
    """``further`` yielding (learner's result, mistakes) from a list, counting the calls."""
    calls = []

    def further():
        for actual, mistakes in rounds:
            calls.append(actual)
            yield actual, mistakes

    return further, calls


def test_narrow_keeps_the_mistake_the_learner_still_agrees_with():
    a, b = Mistake(None, FLIP), Mistake(None, HALF)
    further, calls = _further([
        (t(1.0), [Mistake(t(1.0), FLIP), Mistake(t(2.0), HALF)]),
        (t(7.0), [Mistake(t(7.0), FLIP), Mistake(t(8.0), HALF)]),
    ])
    assert [m.text["key"] for m in narrow([a, b], further)] == [FLIP]
    assert len(calls) == 1  # one left: the search stops


def test_narrow_names_none_when_the_learner_matches_neither_on_any_further_input():
    a, b = Mistake(None, FLIP), Mistake(None, HALF)
    further, _ = _further([(t(0.0), [Mistake(t(1.0), FLIP), Mistake(t(2.0), HALF)])] * 3)
    assert narrow([a, b], further) == []


def test_narrow_keeps_both_when_nothing_tells_them_apart_and_stops_at_the_limit():
    a, b = Mistake(None, FLIP), Mistake(None, HALF)
    further, calls = _further([(t(1.0), [Mistake(t(1.0), FLIP), Mistake(t(1.0), HALF)])] * 20)
    assert [m.text["key"] for m in narrow([a, b], further, limit=4)] == [FLIP, HALF]
    assert len(calls) == 4


def test_narrow_keeps_a_mistake_that_is_not_defined_on_an_input():
    a, b = Mistake(None, FLIP), Mistake(None, HALF)
    further, _ = _further([(t(1.0), [Mistake(t(1.0), FLIP), Mistake(None, HALF)]),
                           (t(2.0), [Mistake(t(9.0), FLIP), Mistake(t(2.0), HALF)])])
    assert [m.text["key"] for m in narrow([a, b], further)] == [HALF]


def test_tell_apart_skips_inputs_the_learner_raises_on_and_stops_at_a_timeout():
    def run(x):
        if x == 1:
            raise LearnerRaised("raised")
        if x == 2:
            raise ValueError("a reference undefined here")
        if x == 3:
            raise LearnerTimeout("timeout")
        return t(float(x)), []

    results = list(tell_apart(run, lambda: [(0,), (1,), (2,), (4,), (3,), (5,)])())
    assert [float(r[0]) for r in results] == [0.0, 4.0]


def test_settle_runs_the_search_once_the_failure_is_reported():
    wrong = t(1.0)
    further, calls = _further([(t(2.0), [Mistake(t(2.0), HALF), Mistake(t(3.0), FLIP)])])
    exc = mismatch(wrong, t(0.0), mistakes=[Mistake(wrong, FLIP), Mistake(wrong, HALF)],
                   further=further)
    assert [d["key"] for d in exc.data["diagnosis"]] == [FLIP, HALF]  # both, before the search
    assert calls == []  # nothing searched yet: the plugin decides when
    group = Exception("a group, as Hypothesis raises for several failures")
    group.exceptions = (ValueError("x"), exc)
    assert [d["key"] for d in settle(group, "before")] == [HALF]
    assert settle(ValueError("no verdict"), "kept") == "kept"


def test_one_matching_mistake_is_confirmed_on_further_inputs():
    """A single match is checked too: kept where the mistake says nothing about the further
    inputs or the learner agrees with it there, dropped where it only agreed by chance."""
    wrong = t(1.0)
    further, calls = _further([(t(2.0), [])])  # the mistake is not defined there
    exc = mismatch(wrong, t(0.0), mistakes=[Mistake(wrong, FLIP)], further=further)
    assert settle(exc, exc.data["diagnosis"]) == [Mistake(wrong, FLIP).text]
    assert calls == [t(2.0)]
    chance, _ = _further([(t(2.0), [Mistake(t(5.0), FLIP)]), (t(3.0), [Mistake(t(6.0), FLIP)])])
    exc = mismatch(wrong, t(0.0), mistakes=[Mistake(wrong, FLIP)], further=chance)
    assert settle(exc, exc.data["diagnosis"]) is None
    agrees, calls = _further([(t(2.0), [Mistake(t(2.0), FLIP)]), (t(3.0), [])])
    exc = mismatch(wrong, t(0.0), mistakes=[Mistake(wrong, FLIP)], further=agrees)
    assert settle(exc, exc.data["diagnosis"]) == [Mistake(wrong, FLIP).text]
    assert len(calls) == 1  # confirmed at the first agreement
