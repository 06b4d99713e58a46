"""Chapter 20: plausible wrong learner code must fail with the right outcome, correct code in
other styles must pass (the variants: tests/variants/chapter20/, one module per exercise, all
graded in one batch)."""

from __future__ import annotations

from tests.variants import chapter_suite

globals().update(chapter_suite("chapter20", "chapter20_padding_stride"))
