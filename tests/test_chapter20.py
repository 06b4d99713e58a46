"""Chapter 20: plausible wrong learner code must fail with the right outcome, correct code in
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
    variant_jobs,
    variant_results,
)

MODULE = "chapter20_padding_stride"

# (exercise, label, replacement source, expected outcome, text the output must contain)
MUTANTS = [
    ("conv_output_shape", "forgotten + 1", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n, k, p, s = _pair(input_size), _pair(kernel_size), _pair(padding), _pair(stride)
    return tuple((n[a] + 2 * p[a] - k[a]) // s[a] for a in range(2))
""", "failed", "forgot the + 1"),
    ("conv_output_shape", "padding counted once (d2l's formula with p per side)", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n, k, p, s = _pair(input_size), _pair(kernel_size), _pair(padding), _pair(stride)
    return tuple((n[a] - k[a] + p[a] + s[a]) // s[a] for a in range(2))
""", "failed", "counted the padding once"),
    ("conv_output_shape", "ceil instead of floor", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    import math
    n, k, p, s = _pair(input_size), _pair(kernel_size), _pair(padding), _pair(stride)
    return tuple(math.ceil((n[a] + 2 * p[a] - k[a]) / s[a]) + 1 for a in range(2))
""", "failed", "rounded up"),
    ("conv_output_shape", "true division", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n, k, p, s = _pair(input_size), _pair(kernel_size), _pair(padding), _pair(stride)
    return tuple((n[a] + 2 * p[a] - k[a]) / s[a] + 1 for a in range(2))
""", "failed", "Python ints"),
    ("conv_output_shape", "padding ignored", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n, k, s = _pair(input_size), _pair(kernel_size), _pair(stride)
    return tuple((n[a] - k[a]) // s[a] + 1 for a in range(2))
""", "failed", "ignore the padding"),
    ("conv_output_shape", "stride of the first axis on both", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n, k, p = _pair(input_size), _pair(kernel_size), _pair(padding)
    s = _pair(stride)[0]
    return tuple((n[a] + 2 * p[a] - k[a]) // s + 1 for a in range(2))
""", "failed", "stride on one axis only"),
    ("conv_output_shape", "stride on the height only", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n, k, p, s = _pair(input_size), _pair(kernel_size), _pair(padding), _pair(stride)
    return ((n[0] + 2 * p[0] - k[0]) // s[0] + 1, n[1] + 2 * p[1] - k[1] + 1)
""", "failed", "stride on one axis only"),
    ("conv_output_shape", "returns a list", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n, k, p, s = _pair(input_size), _pair(kernel_size), _pair(padding), _pair(stride)
    return [(n[a] + 2 * p[a] - k[a]) // s[a] + 1 for a in range(2)]
""", "failed", "tuple of two Python ints"),
    ("conv_output_shape", "(width, height)", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n, k, p, s = _pair(input_size), _pair(kernel_size), _pair(padding), _pair(stride)
    return tuple((n[a] + 2 * p[a] - k[a]) // s[a] + 1 for a in (1, 0))
""", "failed", "(height, width)"),
    ("conv_output_shape", "no validation at all", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n, k, p, s = _pair(input_size), _pair(kernel_size), _pair(padding), _pair(stride)
    return tuple((n[a] + 2 * p[a] - k[a]) // s[a] + 1 for a in range(2))
""", "failed", "must raise ValueError"),
    ("conv_output_shape", "stride 0 not checked (ZeroDivisionError)", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n, k, p, s = _pair(input_size), _pair(kernel_size), _pair(padding), _pair(stride)
    if min(n + k) < 1 or min(p) < 0:
        raise ValueError("sizes must be positive and padding non-negative")
    if any(n[a] + 2 * p[a] < k[a] for a in range(2)):
        raise ValueError("the kernel does not fit the padded input")
    if min(s) < 0:
        raise ValueError("negative stride")
    return tuple((n[a] + 2 * p[a] - k[a]) // s[a] + 1 for a in range(2))
""", "failed", "raised ZeroDivisionError"),
    ("conv_output_shape", "kernel checked on the height only", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n, k, p, s = _pair(input_size), _pair(kernel_size), _pair(padding), _pair(stride)
    if min(n + k + s) < 1 or min(p) < 0:
        raise ValueError("sizes and strides must be positive, padding non-negative")
    if n[0] + 2 * p[0] < k[0]:
        raise ValueError("the kernel does not fit the padded input")
    return tuple((n[a] + 2 * p[a] - k[a]) // s[a] + 1 for a in range(2))
""", "failed", "larger than the input's width"),
    ("conv_output_shape", "kernel checked against the unpadded input", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n, k, p, s = _pair(input_size), _pair(kernel_size), _pair(padding), _pair(stride)
    if min(n + k + s) < 1 or min(p) < 0 or any(n[a] < k[a] for a in range(2)):
        raise ValueError("invalid configuration")
    return tuple((n[a] + 2 * p[a] - k[a]) // s[a] + 1 for a in range(2))
""", "error", "ValueError: invalid configuration"),
    ("conv_output_shape", "ValueError without a message", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n, k, p, s = _pair(input_size), _pair(kernel_size), _pair(padding), _pair(stride)
    if min(n + k + s) < 1 or min(p) < 0 or any(n[a] + 2 * p[a] < k[a] for a in range(2)):
        raise ValueError
    return tuple((n[a] + 2 * p[a] - k[a]) // s[a] + 1 for a in range(2))
""", "failed", "without a message"),
    ("conv_output_shape", "negative padding accepted", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n, k, p, s = _pair(input_size), _pair(kernel_size), _pair(padding), _pair(stride)
    if min(n + k + s) < 1 or any(n[a] + 2 * p[a] < k[a] for a in range(2)):
        raise ValueError("invalid configuration")
    return tuple((n[a] + 2 * p[a] - k[a]) // s[a] + 1 for a in range(2))
""", "failed", "padding cannot be negative"),
    ("pad2d", "float64 result for a float32 input", """
def pad2d(X, padding):
    p_h, p_w = _pair(padding)
    Y = torch.zeros((X.shape[0] + 2 * p_h, X.shape[1] + 2 * p_w), dtype=torch.float64)
    Y[p_h:p_h + X.shape[0], p_w:p_w + X.shape[1]] = X
    return Y
""", "failed", "keeps the input's dtype"),
    # the contract promises X's dtype: visible only on an input that is not float32
    ("pad2d", "always float32 (torch.zeros without dtype)", """
def pad2d(X, padding):
    p_h, p_w = _pair(padding)
    Y = torch.zeros((X.shape[0] + 2 * p_h, X.shape[1] + 2 * p_w), device=X.device)
    Y[p_h:p_h + X.shape[0], p_w:p_w + X.shape[1]] = X
    return Y
""", "failed", "keeps the input's dtype"),
    ("pad2d", "F.pad of X.float()", """
def pad2d(X, padding):
    p_h, p_w = _pair(padding)
    return torch.nn.functional.pad(X.float(), (p_w, p_w, p_h, p_h))
""", "failed", "keeps the input's dtype"),
    # every style of passing the arguments gets its own cases: a signature in the wrong order
    # shows only when padding and stride are passed by position
    ("corr2d_strided", "stride before padding in the signature", """
def corr2d_strided(X, K, stride=1, padding=0):
    k_h, k_w = K.shape
    s_h, s_w = _pair(stride)
    out_h, out_w = conv_output_shape(tuple(X.shape), tuple(K.shape), padding, stride)
    X = pad2d(X, padding)
    Y = torch.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            Y[i, j] = (X[i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w] * K).sum()
    return Y
""", "failed", ""),
    ("conv_output_shape", "stride before padding in the signature", """
def conv_output_shape(input_size, kernel_size, stride=1, padding=0):
    n, k, p, s = _pair(input_size), _pair(kernel_size), _pair(padding), _pair(stride)
    if min(n + k + s) < 1 or min(p) < 0 or any(n[a] + 2 * p[a] < k[a] for a in range(2)):
        raise ValueError("the kernel does not fit, or a size is out of range")
    return tuple((n[a] + 2 * p[a] - k[a]) // s[a] + 1 for a in range(2))
""", "failed", ""),
    ("pad2d", "top and left only", """
def pad2d(X, padding):
    p_h, p_w = _pair(padding)
    Y = torch.zeros((X.shape[0] + p_h, X.shape[1] + p_w))
    Y[p_h:, p_w:] = X
    return Y
""", "failed", "top and the left only"),
    ("pad2d", "F.pad with the axes swapped", """
def pad2d(X, padding):
    p_h, p_w = _pair(padding)
    return torch.nn.functional.pad(X, (p_h, p_h, p_w, p_w))
""", "failed", "axes swapped"),
    ("pad2d", "padding shared between the two sides", """
def pad2d(X, padding):
    p_h, p_w = _pair(padding)
    return torch.nn.functional.pad(X, (p_w // 2, p_w - p_w // 2, p_h // 2, p_h - p_h // 2))
""", "failed", "as the total"),
    ("pad2d", "int padding only", """
def pad2d(X, padding):
    Y = torch.zeros((X.shape[0] + 2 * padding, X.shape[1] + 2 * padding))
    Y[padding:padding + X.shape[0], padding:padding + X.shape[1]] = X
    return Y
""", "error", "TypeError"),
    ("corr2d_strided", "padding ignored", """
def corr2d_strided(X, K, padding=0, stride=1):
    k_h, k_w = K.shape
    s_h, s_w = _pair(stride)
    out_h, out_w = (X.shape[0] - k_h) // s_h + 1, (X.shape[1] - k_w) // s_w + 1
    Y = torch.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            Y[i, j] = (X[i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w] * K).sum()
    return Y
""", "failed", "ignores the padding"),
    ("corr2d_strided", "padding on one side", """
def corr2d_strided(X, K, padding=0, stride=1):
    k_h, k_w = K.shape
    s_h, s_w = _pair(stride)
    p_h, p_w = _pair(padding)
    Xp = torch.zeros((X.shape[0] + p_h, X.shape[1] + p_w))
    Xp[p_h:, p_w:] = X
    out_h, out_w = (Xp.shape[0] - k_h) // s_h + 1, (Xp.shape[1] - k_w) // s_w + 1
    Y = torch.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            Y[i, j] = (Xp[i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w] * K).sum()
    return Y
""", "failed", "top and the left only"),
    ("corr2d_strided", "stride of the rows used for both axes", """
def corr2d_strided(X, K, padding=0, stride=1):
    k_h, k_w = K.shape
    s = _pair(stride)[0]
    Xp = pad2d(X, padding)
    out_h, out_w = (Xp.shape[0] - k_h) // s + 1, (Xp.shape[1] - k_w) // s + 1
    Y = torch.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            Y[i, j] = (Xp[i * s:i * s + k_h, j * s:j * s + k_w] * K).sum()
    return Y
""", "failed", "stride on one axis only"),
    ("corr2d_strided", "stride ignored", """
def corr2d_strided(X, K, padding=0, stride=1):
    k_h, k_w = K.shape
    Xp = pad2d(X, padding)
    Y = torch.zeros((Xp.shape[0] - k_h + 1, Xp.shape[1] - k_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (Xp[i:i + k_h, j:j + k_w] * K).sum()
    return Y
""", "failed", "ignores the stride"),
    ("corr2d_strided", "forgotten + 1", """
def corr2d_strided(X, K, padding=0, stride=1):
    k_h, k_w = K.shape
    s_h, s_w = _pair(stride)
    Xp = pad2d(X, padding)
    out_h, out_w = (Xp.shape[0] - k_h) // s_h, (Xp.shape[1] - k_w) // s_w
    Y = torch.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            Y[i, j] = (Xp[i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w] * K).sum()
    return Y
""", "failed", "one row and one column short"),
    ("corr2d_strided", "ceil instead of floor", """
def corr2d_strided(X, K, padding=0, stride=1):
    import math
    k_h, k_w = K.shape
    s_h, s_w = _pair(stride)
    Xp = pad2d(X, padding)
    out_h = math.ceil((Xp.shape[0] - k_h) / s_h) + 1
    out_w = math.ceil((Xp.shape[1] - k_w) / s_w) + 1
    Y = torch.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = Xp[i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w]
            Y[i, j] = (window * K[:window.shape[0], :window.shape[1]]).sum()
    return Y
""", "failed", "expected shape"),
    ("corr2d_strided", "flipped kernel", """
def corr2d_strided(X, K, padding=0, stride=1):
    K = torch.flip(K, dims=(0, 1))
    k_h, k_w = K.shape
    s_h, s_w = _pair(stride)
    out_h, out_w = conv_output_shape(tuple(X.shape), tuple(K.shape), padding, stride)
    X = pad2d(X, padding)
    Y = torch.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            Y[i, j] = (X[i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w] * K).sum()
    return Y
""", "failed", "true convolution"),
    ("corr2d_strided", "F.conv2d", """
def corr2d_strided(X, K, padding=0, stride=1):
    import torch.nn.functional as F
    return F.conv2d(X[None, None], K[None, None], padding=padding, stride=stride)[0, 0]
""", "forbidden", "conv2d"),
    ("comp_conv2d", "batch and channel dimensions kept", """
def comp_conv2d(conv2d, X):
    return conv2d(X.reshape((1, 1) + X.shape))
""", "failed", "batch and channel dimensions"),
    ("comp_conv2d", "squeeze() also drops size-1 output axes", """
def comp_conv2d(conv2d, X):
    return conv2d(X[None, None]).squeeze()
""", "failed", "expected shape"),
    ("comp_conv2d", "channel dimension only", """
def comp_conv2d(conv2d, X):
    return conv2d(X[None])
""", "failed", "batch and channel dimensions"),
]

ALTERNATIVES = [
    ("conv_output_shape", "d2l's formula with the total padding", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n, k, p, s = _pair(input_size), _pair(kernel_size), _pair(padding), _pair(stride)
    if min(n) < 1 or min(k) < 1 or min(s) < 1:
        raise ValueError(f"sizes and strides must be >= 1: {n}, {k}, {s}")
    if min(p) < 0:
        raise ValueError(f"negative padding {p}")
    total = [2 * p_a for p_a in p]
    if any(n[a] + total[a] < k[a] for a in range(2)):
        raise ValueError("kernel larger than the padded input")
    return tuple((n[a] - k[a] + total[a] + s[a]) // s[a] for a in range(2))
"""),
    ("conv_output_shape", "math.floor and own int handling", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    import math
    def two(v):
        return tuple(v) if isinstance(v, (tuple, list)) else (v, v)
    out = []
    for n, k, p, s in zip(two(input_size), two(kernel_size), two(padding), two(stride)):
        if n < 1 or k < 1:
            raise ValueError("input and kernel sizes must be positive")
        if s < 1:
            raise ValueError("stride must be positive")
        if p < 0:
            raise ValueError("padding must be non-negative")
        if k > n + 2 * p:
            raise ValueError(f"kernel {k} does not fit in {n} + 2*{p}")
        out.append(math.floor((n + 2 * p - k) / s) + 1)
    return (out[0], out[1])
"""),
    ("pad2d", "F.pad", """
def pad2d(X, padding):
    p_h, p_w = _pair(padding)
    return torch.nn.functional.pad(X, (p_w, p_w, p_h, p_h))
"""),
    ("pad2d", "torch.cat of zero blocks", """
def pad2d(X, padding):
    p_h, p_w = _pair(padding)
    side = X.new_zeros((X.shape[0], p_w))
    X = torch.cat([side, X, side], dim=1)
    top = X.new_zeros((p_h, X.shape[1]))
    return torch.cat([top, X, top], dim=0)
"""),
    ("pad2d", "new_zeros and a slice", """
def pad2d(X, padding):
    p_h, p_w = (padding, padding) if isinstance(padding, int) else padding
    Y = X.new_zeros((X.shape[0] + 2 * p_h, X.shape[1] + 2 * p_w))
    Y[p_h:Y.shape[0] - p_h, p_w:Y.shape[1] - p_w] = X
    return Y
"""),
    ("pad2d", "NumPy np.pad", """
def pad2d(X, padding):
    import numpy as np
    p_h, p_w = _pair(padding)
    return torch.from_numpy(np.pad(X.numpy(), ((p_h, p_h), (p_w, p_w))))
"""),
    ("corr2d_strided", "unfold and einsum", """
def corr2d_strided(X, K, padding=0, stride=1):
    k_h, k_w = K.shape
    s_h, s_w = _pair(stride)
    Xp = pad2d(X, padding)
    windows = Xp.unfold(0, k_h, s_h).unfold(1, k_w, s_w)
    return torch.einsum("ijab,ab->ij", windows, K)
"""),
    ("corr2d_strided", "full correlation, then every s-th position", """
def corr2d_strided(X, K, padding=0, stride=1):
    k_h, k_w = K.shape
    s_h, s_w = _pair(stride)
    Xp = pad2d(X, padding)
    oh, ow = Xp.shape[0] - k_h + 1, Xp.shape[1] - k_w + 1
    full = Xp.new_zeros((oh, ow))
    for a in range(k_h):
        for b in range(k_w):
            full = full + K[a, b] * Xp[a:a + oh, b:b + ow]
    return full[::s_h, ::s_w]
"""),
    ("corr2d_strided", "NumPy in float64", """
def corr2d_strided(X, K, padding=0, stride=1):
    import numpy as np
    p_h, p_w = _pair(padding)
    s_h, s_w = _pair(stride)
    x = np.pad(X.numpy().astype(np.float64), ((p_h, p_h), (p_w, p_w)))
    k = K.numpy().astype(np.float64)
    rows = range(0, x.shape[0] - k.shape[0] + 1, s_h)
    cols = range(0, x.shape[1] - k.shape[1] + 1, s_w)
    out = np.array([[np.sum(x[i:i + k.shape[0], j:j + k.shape[1]] * k) for j in cols]
                    for i in rows]).reshape(len(rows), len(cols))
    return torch.from_numpy(out)
"""),
    ("comp_conv2d", "indexing", """
def comp_conv2d(conv2d, X):
    return conv2d(X[None, None])[0, 0]
"""),
    ("comp_conv2d", "unsqueeze and squeeze with axes", """
def comp_conv2d(conv2d, X):
    return conv2d(X.unsqueeze(0).unsqueeze(0)).squeeze(0).squeeze(0).detach()
"""),
]


ONE_DIAGNOSIS = [
    # Issue 18: it matched "you forgot the + 1" too on its shrunk input (padding 1); a search
    # over further configurations now tells them apart.
    ("conv_output_shape", "padding counted once (d2l's formula with p per side)",
     "you counted the padding once (n + p): padding=p adds p rows and columns on EACH side, "
     "n + 2p in all (d2l's p_h is that total)."),
]


_id = case_id


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    cases, jobs = variant_jobs(tmp_path_factory, MODULE, "chapter20", MUTANTS, ALTERNATIVES)
    return variant_results(cases, grade_batch(jobs), "chapter20")


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
