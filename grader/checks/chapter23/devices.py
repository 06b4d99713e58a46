"""The device the chapter's checks grade on, as the learner's results report it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from grader.learner import Learner


def device_name(learner: Learner) -> str:
    """The graded device as tensors report it ("cuda:0", not "cuda")."""
    return str(torch.empty(0, device=learner.device).device)


def slack(learner: Learner) -> float:
    """How much looser comparisons are off the CPU: cuDNN convolutions may run in TF32."""
    return 1.0 if learner.device == "cpu" else 50.0
