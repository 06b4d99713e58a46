"""Chapter 21: its variants (tests/variants/chapter21: plausible wrong code must fail with the
right outcome, correct code in other styles must pass), graded in one batch, and the import of
chapter 19's corr2d from the graded folder."""

from __future__ import annotations

import pytest

from grader.outcomes import FAILED, NOT_STARTED
from tests.support import assert_no_two_diagnoses, grade_batch, make_folder
from tests.variants import chapter_suite

globals().update(chapter_suite("chapter21", "chapter21_channels"))

# chapter21_channels imports corr2d from chapter19_conv: the copy in the graded folder, so a
# wrong corr2d there must show in chapter 21 (and a stub there must not pass as solved).
CHAPTER19_CORR2D = {
    "flipped": ("""
def corr2d(X, K):
    K = torch.flip(K, dims=(0, 1))
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
""", FAILED, "calls your corr2d, which fails its own check"),  # the real culprit first
    "not started": ("""
def corr2d(X, K):
    raise NotImplementedError
""", NOT_STARTED, ""),
}


@pytest.fixture(scope="module")
def chapter19_graded(tmp_path_factory):
    jobs = [(make_folder(tmp_path_factory.mktemp("ch19"), "chapter19_conv", {"corr2d": code}),
             ["chapter21.corr2d_multi_in"]) for code, _, _ in CHAPTER19_CORR2D.values()]
    return {label: res["chapter21.corr2d_multi_in"]
            for label, res in zip(CHAPTER19_CORR2D, grade_batch(jobs), strict=True)}


@pytest.mark.slow
@pytest.mark.parametrize("label", sorted(CHAPTER19_CORR2D))
def test_chapter19_import_comes_from_the_graded_folder(chapter19_graded, label):
    _, outcome, text = CHAPTER19_CORR2D[label]
    got_outcome, output = chapter19_graded[label]
    assert got_outcome == outcome, output
    assert text.lower() in output.lower(), output


@pytest.mark.slow
def test_chapter19_culprit_gets_no_two_diagnoses(chapter19_graded):
    assert_no_two_diagnoses(chapter19_graded)
