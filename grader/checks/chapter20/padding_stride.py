"""What chapter 20's exercises share: the output-size rule (what a shape means), the ways the
arguments are passed, and the padding and stride mistakes several exercises can make."""

from __future__ import annotations

from typing import Any

from grader.compare import Mistake, said

SHAPE_WHY = said("chapter20.padding_stride.shape")

#: How the arguments are passed: every style gets its own fixed cases and examples (drawn per
#: example, one style could go untried, and with it a signature whose order is wrong).
STYLES = ("positional", "keywords")


def stride_on_one_axis(value: Any) -> Mistake:
    return Mistake(value, "chapter20.padding_stride.mistake.stride_on_one_axis")


def padded_top_left(value: Any) -> Mistake:
    return Mistake(value, "chapter20.padding_stride.mistake.top_left_only")


def padded_bottom_right(value: Any) -> Mistake:
    return Mistake(value, "chapter20.padding_stride.mistake.bottom_right_only")
