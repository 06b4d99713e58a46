"""Chapter 19: plausible wrong learner code must fail with the right outcome, correct code in
other styles must pass (the variants: tests/variants/chapter19/, one module per exercise, all
graded in one batch), and what is particular to this chapter."""

from __future__ import annotations

from tests.variants import chapter_suite

globals().update(chapter_suite("chapter19", "chapter19_conv"))


def test_learn_kernel_hint_says_to_clone_init():
    """The hint is read as code: "start from init, requires_grad=True" leads to
    K = init; K.requires_grad_(True), which then modifies init in place."""
    from grader.catalog import load

    exercise = load().exercise("chapter19.learn_kernel")
    assert "init.clone()" in exercise.hints("en")[-1] and "init.clone()" in exercise.hints("zh")[-1]
