"""The one rule for every number chapter 23's contract calls a float (evaluate_accuracy's
result, train's history), and how close an accuracy must be."""

from __future__ import annotations

from typing import Any

import torch

from grader.checks.chapter23.failing import fail, type_name
from grader.compare import said

ACCURACY_TOLERANCE = 1e-6  # a float32 division is fine; distinct accuracies differ far more


def joined(words: Any, more: str) -> Any:
    """``words`` (plain text or ``said``) followed by ``more``, in the reader's language."""
    if isinstance(words, dict):
        return said("chapter23.floats.joined", words=words, more=more)
    return words + more


def expect_float(value: Any, call: Any, inputs: list, where: str = "") -> None:
    """A Python float, a subclass such as np.float64 included (an int is accepted too); a
    tensor is refused with the hint to use .item(). ``where`` names the place in a larger
    result (" (history['train_loss'][0])")."""
    if isinstance(value, torch.Tensor):
        fail("chapter23.floats.reason.not_float", call, inputs, got=joined(type_name(value), where),
             diagnosis=said("chapter23.floats.item_hint"))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        fail("chapter23.floats.reason.not_float", call, inputs, got=joined(type_name(value), where))
