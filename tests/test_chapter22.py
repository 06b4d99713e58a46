"""Chapter 22: its variants (tests/variants/chapter22: plausible wrong code must fail with the
right outcome, correct code in other styles must pass), graded in one batch, and how results
holding infinities are compared."""

from __future__ import annotations

import pytest
import torch

from grader.compare import close
from tests.variants import chapter_suite

globals().update(chapter_suite("chapter22", "chapter22_pooling"))

# compare.close: finite positions within the tolerance, non-finite ones exactly (max pooling
# pads with -inf, so results and references hold infinities next to rounded sums).
INF, NAN = float("inf"), float("nan")


@pytest.mark.parametrize("actual,expected,verdict", [
    ([-INF, 1.0 + 1e-6, 3.0], [-INF, 1.0, 3.0], True),  # rounding next to an infinity
    ([NAN, 2.0 - 1e-6], [NAN, 2.0], True),
    ([INF, 1.0], [-INF, 1.0], False),  # the other infinity
    ([NAN, 1.0], [INF, 1.0], False),
    ([1.0, 2.0], [1.0, INF], False),
    ([1.0, INF], [1.0, 2.0], False),
    ([-INF, 1.5], [-INF, 1.0], False),  # a wrong finite value next to an infinity
], ids=["rounding-next-to-inf", "rounding-next-to-nan", "other-infinity", "nan-for-inf",
        "finite-for-inf", "inf-for-finite", "wrong-next-to-inf"])
def test_close_compares_finite_values_with_the_tolerance(actual, expected, verdict):
    assert close(torch.tensor(actual), torch.tensor(expected)) is verdict
