"""The diagnosis names one known mistake: when several agree on the failing input, further
inputs tell them apart (``grader.compare.narrow``, run once per reported failure)."""

from __future__ import annotations

from grader.compare import Mistake, expect_equal, narrow, settle, tell_apart
from grader.outcomes import LearnerRaised, LearnerTimeout, Mismatch

PLUS_ONE = "chapter20.conv_output_shape.mistake.no_plus_one"
ONCE = "chapter20.conv_output_shape.mistake.padding_once"


def shape_mistakes(n: int, p: int) -> list[Mistake]:
    """(n + 2p - k) // s without the + 1, and with the padding once, for k = 2 and s = 1: they
    agree when p = 1."""
    return [Mistake(n + 2 * p - 2, PLUS_ONE), Mistake(n + p - 2 + 1, ONCE)]


def learner_padding_once(n: int, p: int) -> int:
    return n + p - 2 + 1


def test_agreeing_mistakes_are_told_apart_by_further_inputs():
    hits = shape_mistakes(8, 1)  # both give 7 here
    further = tell_apart(lambda n, p: (learner_padding_once(n, p), shape_mistakes(n, p)),
                         lambda: [(8, 1), (8, 2)])
    assert [m.text["key"] for m in narrow(hits, further)] == [ONCE]


def test_or_only_when_nothing_tells_them_apart():
    hits = shape_mistakes(8, 1)
    further = tell_apart(lambda n, p: (learner_padding_once(n, p), shape_mistakes(n, p)),
                         lambda: [(8, 1), (5, 1)])  # p = 1 everywhere: they always agree
    assert [m.text["key"] for m in narrow(hits, further)] == [PLUS_ONE, ONCE]


def test_no_diagnosis_when_the_agreement_was_chance():
    hits = shape_mistakes(8, 1)
    further = tell_apart(lambda n, p: (0, shape_mistakes(n, p)), lambda: [(8, 2), (9, 3)])
    assert narrow(hits, further) == []


def test_a_raising_input_is_skipped_and_a_timeout_ends_the_search():
    calls = []

    def run(n, p):
        calls.append((n, p))
        if p == 0:
            raise LearnerRaised("raised", call="f(…)", type="ValueError", message="",
                                traceback="", bases=[], inputs=[])
        if p == 9:
            raise LearnerTimeout("timeout", call="f(…)", seconds=5, inputs=[], output="")
        return learner_padding_once(n, p), shape_mistakes(n, p)

    hits = shape_mistakes(8, 1)
    assert [m.text["key"] for m in narrow(hits, tell_apart(run, lambda: [(8, 0), (8, 2)]))] == \
        [ONCE]
    calls.clear()
    left = narrow(hits, tell_apart(run, lambda: [(8, 9), (8, 2)]))
    assert calls == [(8, 9)] and len(left) == 2


def test_the_search_runs_when_the_failure_is_settled_not_before():
    calls = []

    def run(n, p):
        calls.append((n, p))
        return learner_padding_once(n, p), shape_mistakes(n, p)

    try:
        expect_equal(8, 9, call="conv_output_shape(8, 2, 1)", inputs=[],
                     mistakes=shape_mistakes(8, 1),
                     further=tell_apart(run, lambda: [(8, 2), (8, 3)]))
    except Mismatch as exc:
        from grader.text import t
        from grader.verdict_text import diagnosis_text

        assert diagnosis_text(exc.data["diagnosis"], "en") == \
            f"{t(PLUS_ONE, 'en')} Or: {t(ONCE, 'en')}"
        assert diagnosis_text(exc.data["diagnosis"], "zh") == f"{t(PLUS_ONE, 'zh')}或者：{t(ONCE, 'zh')}"
        assert calls == []  # Hypothesis may fail many examples while it shrinks: no search yet
        assert diagnosis_text(settle(exc, exc.data["diagnosis"]), "zh") == t(ONCE, "zh")
        assert calls == [(8, 2)]
    else:
        raise AssertionError("expect_equal did not fail")


def test_one_mistake_that_agreed_by_chance_is_not_named():
    """A single known mistake matched on the failing input, but the learner's code agrees
    with it on no further input: it is not named (a chance agreement, as with two)."""
    hits = shape_mistakes(8, 1)[:1]  # "forgot the + 1": 8 + 2 - 2 = 8
    further = tell_apart(lambda n, p: (n + 2 * p - 2 + 7, shape_mistakes(n, p)),
                         lambda: [(8, 2), (9, 3)])
    assert narrow(hits, further) == []
    really = tell_apart(lambda n, p: (n + 2 * p - 2, shape_mistakes(n, p)), lambda: [(8, 2)])
    assert [m.text["key"] for m in narrow(hits, really)] == [PLUS_ONE]


def test_a_mistake_matches_by_each_element_s_own_size():
    """Next to values of 1e30, -100 is not 0: a max-pooling padded with -100 is not "padded
    with zeros" (the verdict's tolerance scales with the largest value; a mistake's does not)."""
    import torch

    from grader.compare import close, matches

    zeros = torch.tensor([0.0, -1e30, -2e30], dtype=torch.float64)
    learner = torch.tensor([-100.0, -1e30, -2e30])
    assert close(learner, zeros)  # within the verdict's tolerance of the whole tensor
    zero_padding = Mistake(zeros, "chapter22.max_pool2d.mistake.zero_padding")
    assert not matches(learner, zero_padding)
    assert matches(torch.tensor([0.0, -1e30, -2e30]), zero_padding)
