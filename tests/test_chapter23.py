"""Chapter 23: plausible wrong learner code must fail with the right outcome, correct code in
other styles must pass (the variants: tests/variants/chapter23/<exercise>.py, graded in one
batch), and a mutant only a GPU shows is caught there."""

from __future__ import annotations

import pytest
import torch

from tests.support import SOLUTIONS, grade, make_folder
from tests.variants import chapter_suite, source_of
from tests.variants.chapter23.evaluate_accuracy import CUDA_VARIANTS

MODULE = "chapter23_lenet"

globals().update(chapter_suite("chapter23", MODULE))


@pytest.mark.slow
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU: on the CPU the net and "
                    "the data are always on the same device")
@pytest.mark.parametrize("variant", CUDA_VARIANTS, ids=lambda v: v.name)
def test_cuda_mutant_is_caught(tmp_path, variant):
    reference = (SOLUTIONS / f"{MODULE}.py").read_text("utf-8")
    code = source_of(variant, reference, "evaluate_accuracy")
    folder = make_folder(tmp_path / "v", MODULE, {"evaluate_accuracy": code, **variant.also})
    result = grade(folder, ["chapter23.evaluate_accuracy"], extra=["--device", "cuda"])
    assert "chapter23.evaluate_accuracy" in result, result
    outcome, output = result["chapter23.evaluate_accuracy"]
    assert outcome == variant.outcome, output
    assert variant.phrase.lower() in output.lower(), output
