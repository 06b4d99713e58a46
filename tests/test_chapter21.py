"""Chapter 21: plausible wrong learner code must fail with the right outcome, correct code in
other styles must pass. All variants are graded in one batch (see tests/support.py)."""

from __future__ import annotations

import pytest

from tests.support import (
    assert_alternative_passes,
    assert_chinese,
    assert_mutant_caught,
    assert_no_two_diagnoses,
    assert_one_diagnosis,
    case_id,
    grade_batch,
    make_folder,
    variant_jobs,
    variant_results,
)

MODULE = "chapter21_channels"

# (exercise, label, replacement source, expected outcome, text the output must contain)
MUTANTS = [
    ("corr2d_multi_in", "channels averaged", """
def corr2d_multi_in(X, K):
    return sum(corr2d(x, k) for x, k in zip(X, K)) / X.shape[0]
""", "failed", "averaged over the input channels"),
    ("corr2d_multi_in", "only the first channel", """
def corr2d_multi_in(X, K):
    return corr2d(X[0], K[0])
""", "failed", "only the first input channel"),
    ("corr2d_multi_in", "one map per channel, not summed", """
def corr2d_multi_in(X, K):
    return torch.stack([corr2d(x, k) for x, k in zip(X, K)])
""", "failed", "one map per input channel"),
    ("corr2d_multi_in", "loop overwrites instead of adding", """
def corr2d_multi_in(X, K):
    for x, k in zip(X, K):
        Y = corr2d(x, k)
    return Y
""", "failed", "last channel"),
    ("corr2d_multi_in", "channels paired in reverse", """
def corr2d_multi_in(X, K):
    return sum(corr2d(x, k) for x, k in zip(X, K.flip(0)))
""", "failed", "paired in reverse"),
    ("corr2d_multi_in", "F.conv2d", """
def corr2d_multi_in(X, K):
    import torch.nn.functional as F
    return F.conv2d(X[None], K[None])[0, 0]
""", "forbidden", "conv2d"),
    ("corr2d_multi_in_out", "stacked on axis 1", """
def corr2d_multi_in_out(X, K):
    return torch.stack([corr2d_multi_in(X, k) for k in K], 1)
""", "failed", "stacked the output channels on axis 1"),
    ("corr2d_multi_in_out", "stacked on the last axis", """
def corr2d_multi_in_out(X, K):
    return torch.stack([corr2d_multi_in(X, k) for k in K], -1)
""", "failed", "on the last axis"),
    ("corr2d_multi_in_out", "output channels concatenated (cat, not stack)", """
def corr2d_multi_in_out(X, K):
    return torch.cat([corr2d_multi_in(X, k) for k in K], 0)
""", "failed", "expected shape"),
    ("corr2d_multi_in_out", "input channels averaged", """
def corr2d_multi_in_out(X, K):
    return torch.stack([sum(corr2d(x, kk) for x, kk in zip(X, k)) / X.shape[0] for k in K], 0)
""", "failed", "averaged over the input channels"),
    ("corr2d_multi_in_out", "only the first input channel", """
def corr2d_multi_in_out(X, K):
    return torch.stack([corr2d(X[0], k[0]) for k in K], 0)
""", "failed", "only the first input channel"),
    ("corr2d_multi_in_out", "output channels summed", """
def corr2d_multi_in_out(X, K):
    return sum(corr2d_multi_in(X, k) for k in K)
""", "failed", "added the output channels together"),
    ("corr2d_multi_in_out", "kernel axes swapped", """
def corr2d_multi_in_out(X, K):
    return torch.stack([corr2d_multi_in(X, k) for k in K.transpose(0, 1)], 0)
""", "failed", ""),
    ("corr2d_multi_in_out_1x1", "weight reshaped to (c_i, c_o) and transposed", """
def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    X = X.reshape((c_i, h * w))
    K = K.reshape((c_i, c_o)).T
    return torch.matmul(K, X).reshape((c_o, h, w))
""", "failed", "scrambles the weights"),
    ("corr2d_multi_in_out_1x1", "X reshaped to (h * w, c_i)", """
def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    X = X.reshape((h * w, c_i)).T
    K = K.reshape((c_o, c_i))
    return torch.matmul(K, X).reshape((c_o, h, w))
""", "failed", "scrambles the pixels"),
    ("corr2d_multi_in_out_1x1", "transposed weight matrix", """
def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    K = K.reshape(K.shape[0], c_i).T
    return torch.matmul(K, X.reshape((c_i, h * w))).reshape((-1, h, w))
""", "error", "RuntimeError"),
    ("corr2d_multi_in_out_1x1", "channels averaged", """
def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    Y = torch.matmul(K.reshape((c_o, c_i)), X.reshape((c_i, h * w))) / c_i
    return Y.reshape((c_o, h, w))
""", "failed", "averaged over the input channels"),
    ("corr2d_multi_in_out_1x1", "F.conv2d", """
def corr2d_multi_in_out_1x1(X, K):
    return torch.nn.functional.conv2d(X[None], K)[0]
""", "forbidden", "conv2d"),
]

# "Computed as one matrix multiplication" (the contract): right values by other means fail.
MUTANTS += [
    ("corr2d_multi_in_out_1x1", "broadcast multiply and sum, no matrix product", """
def corr2d_multi_in_out_1x1(X, K):
    return (K[:, :, 0, 0, None, None] * X[None]).sum(1)
""", "failed", "returns the right values, but not from ONE matrix multiplication"),
    ("corr2d_multi_in_out_1x1", "one matrix product per output channel", """
def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    X2 = X.reshape(c_i, h * w)
    return torch.stack([(K[o, :, 0, 0] @ X2).reshape(h, w) for o in range(K.shape[0])])
""", "failed", "ONE matrix multiplication"),
    ("corr2d_multi_in_out_1x1", "reuses corr2d_multi_in_out", """
def corr2d_multi_in_out_1x1(X, K):
    return corr2d_multi_in_out(X, K)
""", "failed", "ONE matrix multiplication"),
]


ALTERNATIVES = [
    ("corr2d_multi_in", "explicit accumulator", """
def corr2d_multi_in(X, K):
    Y = corr2d(X[0], K[0])
    for c in range(1, X.shape[0]):
        Y = Y + corr2d(X[c], K[c])
    return Y
"""),
    ("corr2d_multi_in", "unfold and einsum, no corr2d", """
def corr2d_multi_in(X, K):
    c, k_h, k_w = K.shape
    windows = X.unfold(1, k_h, 1).unfold(2, k_w, 1)
    return torch.einsum("cijab,cab->ij", windows, K)
"""),
    ("corr2d_multi_in", "NumPy in float64", """
def corr2d_multi_in(X, K):
    import numpy as np
    x, k = X.numpy().astype(np.float64), K.numpy().astype(np.float64)
    c, h, w = k.shape
    oh, ow = x.shape[1] - h + 1, x.shape[2] - w + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[i, j] = np.sum(x[:, i:i + h, j:j + w] * k)
    return torch.from_numpy(out)
"""),
    ("corr2d_multi_in_out", "broadcast shifted slices", """
def corr2d_multi_in_out(X, K):
    c_o, c_i, k_h, k_w = K.shape
    oh, ow = X.shape[1] - k_h + 1, X.shape[2] - k_w + 1
    Y = X.new_zeros((c_o, oh, ow))
    for a in range(k_h):
        for b in range(k_w):
            Y = Y + (K[:, :, a, b, None, None] * X[None, :, a:a + oh, b:b + ow]).sum(1)
    return Y
"""),
    ("corr2d_multi_in_out", "F.unfold and matmul", """
def corr2d_multi_in_out(X, K):
    import torch.nn.functional as F
    c_o, c_i, k_h, k_w = K.shape
    cols = F.unfold(X[None], (k_h, k_w))[0]
    return (K.reshape(c_o, -1) @ cols).reshape(c_o, X.shape[1] - k_h + 1, X.shape[2] - k_w + 1)
"""),
    ("corr2d_multi_in_out_1x1", "einsum", """
def corr2d_multi_in_out_1x1(X, K):
    return torch.einsum("oc,chw->ohw", K[:, :, 0, 0], X)
"""),
    ("corr2d_multi_in_out_1x1", "NumPy tensordot", """
def corr2d_multi_in_out_1x1(X, K):
    import numpy as np
    return torch.from_numpy(np.tensordot(K.numpy()[:, :, 0, 0], X.numpy(), axes=(1, 0)))
"""),
    ("corr2d_multi_in_out_1x1", "flatten, permute, matmul", """
def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    pixels = X.permute(1, 2, 0).reshape(h * w, c_i)
    Y = pixels @ K.flatten(1).T
    return Y.T.reshape(-1, h, w)
"""),
]


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
""", "failed", "calls your corr2d, which fails its own check"),  # the real culprit first
    "not started": ("""
def corr2d(X, K):
    raise NotImplementedError
""", "not_started", ""),
}


ONE_DIAGNOSIS: list = []


_id = case_id


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    cases, jobs = variant_jobs(tmp_path_factory, MODULE, "chapter21", MUTANTS, ALTERNATIVES)
    for code, _, _ in CHAPTER19_CORR2D.values():
        folder = make_folder(tmp_path_factory.mktemp("ch19"), "chapter19_conv", {"corr2d": code})
        jobs.append((folder, ["chapter21.corr2d_multi_in"]))
    results = grade_batch(jobs)
    out = variant_results(cases, results, "chapter21")
    for label, res in zip(CHAPTER19_CORR2D, results[len(cases):], strict=True):
        out[("chapter19", "corr2d_multi_in", label)] = res["chapter21.corr2d_multi_in"]
    return out


@pytest.mark.slow
@pytest.mark.parametrize("label", sorted(CHAPTER19_CORR2D))
def test_chapter19_import_comes_from_the_graded_folder(graded, label):
    _, outcome, text = CHAPTER19_CORR2D[label]
    got_outcome, output = graded[("chapter19", "corr2d_multi_in", label)]
    assert got_outcome == outcome, output
    assert text.lower() in output.lower(), output


@pytest.mark.slow
@pytest.mark.parametrize("case", MUTANTS, ids=_id)
def test_mutant_is_caught(graded, case):
    assert_mutant_caught(graded, case)


@pytest.mark.slow
@pytest.mark.parametrize("case", ALTERNATIVES, ids=_id)
def test_alternative_passes(graded, case):
    assert_alternative_passes(graded, case)


@pytest.mark.slow
@pytest.mark.parametrize("case", ONE_DIAGNOSIS, ids=lambda c: f"{c[0]}: {c[1]}")
def test_mutant_gets_one_diagnosis(graded, case):
    assert_one_diagnosis(graded, case)


@pytest.mark.slow
def test_no_mutant_gets_two_diagnoses(graded):
    assert_no_two_diagnoses(graded)


@pytest.mark.slow
def test_chinese_failure_output(graded):
    """Issue 18: every failure reads as Chinese under --lang zh (the same verdicts)."""
    assert_chinese(graded)
