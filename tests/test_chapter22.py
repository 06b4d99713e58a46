"""Chapter 22: plausible wrong learner code must fail with the right outcome, correct code in
other styles must pass. All variants are graded in one batch (see tests/support.py)."""

from __future__ import annotations

import pytest
import torch

from grader.compare import close
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

MODULE = "chapter22_pooling"

# The solution's loop, with a marker where the mutants differ.
_MAX = """
def max_pool2d(X, pool_size, stride=None, padding=0):
    k_h, k_w = _pair(pool_size)
    s_h, s_w = {stride}
    p_h, p_w = _pair(padding)
    *lead, h, w = X.shape
    padded = torch.full((*lead, h + 2 * p_h, w + 2 * p_w), {fill})
    padded[..., {rows}, {cols}] = X
    out_h = {out_h}
    out_w = {out_w}
    Y = torch.zeros((*lead, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            Y[..., i, j] = padded[..., i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w].{reduce}
    return Y
"""
_RIGHT = dict(stride="(k_h, k_w) if stride is None else _pair(stride)", fill="float('-inf')",
              rows="p_h:p_h + h", cols="p_w:p_w + w",
              out_h="(h + 2 * p_h - k_h) // s_h + 1", out_w="(w + 2 * p_w - k_w) // s_w + 1",
              reduce="amax(dim=(-2, -1))")


def max_variant(**changes):
    return _MAX.format(**{**_RIGHT, **changes})


def avg_variant(**changes):
    code = _MAX.format(**{**_RIGHT, "fill": "0.0", "reduce": "mean(dim=(-2, -1))", **changes})
    return code.replace("def max_pool2d", "def avg_pool2d")


# (exercise, label, replacement source, expected outcome, text the output must contain)
MUTANTS = [
    ("pool2d", "mode ignored: always max", """
def pool2d(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = X[i: i + p_h, j: j + p_w].max()
    return Y
""", "failed", "asks for the mean"),
    ("pool2d", "sum for 'avg'", """
def pool2d(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i: i + p_h, j: j + p_w]
            Y[i, j] = window.max() if mode == 'max' else window.sum()
    return Y
""", "failed", "sum"),
    # every mode gets its own cases: the book's avg windows all divide evenly
    ("pool2d", "integer division of the window sum for 'avg'", """
def pool2d(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i: i + p_h, j: j + p_w]
            Y[i, j] = window.max() if mode == 'max' else window.sum() // (p_h * p_w)
    return Y
""", "failed", "wrong values"),
    ("pool2d", "'avg' truncated towards zero", """
def pool2d(X, pool_size, mode='max'):
    windows = X.unfold(0, pool_size[0], 1).unfold(1, pool_size[1], 1)
    if mode == 'max':
        return windows.amax((-2, -1))
    return torch.div(windows.sum((-2, -1)), pool_size[0] * pool_size[1], rounding_mode='trunc')
""", "failed", "wrong values"),
    ("pool2d", "non-overlapping windows", """
def pool2d(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] // p_h, X.shape[1] // p_w))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i * p_h:(i + 1) * p_h, j * p_w:(j + 1) * p_w]
            Y[i, j] = window.max() if mode == 'max' else window.mean()
    return Y
""", "failed", "do not overlap"),
    ("pool2d", "window axes swapped", """
def pool2d(X, pool_size, mode='max'):
    p_w, p_h = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i: i + p_h, j: j + p_w]
            Y[i, j] = window.max() if mode == 'max' else window.mean()
    return Y
""", "failed", "axes swapped"),
    ("pool2d", "F.max_pool2d", """
def pool2d(X, pool_size, mode='max'):
    import torch.nn.functional as F
    op = F.max_pool2d if mode == 'max' else F.avg_pool2d
    return op(X[None, None], pool_size, stride=1)[0, 0]
""", "forbidden", "max_pool2d"),
    ("max_pool2d", "padding before stride in the signature", max_variant().replace(
        "stride=None, padding=0", "padding=0, stride=None"), "error", "raised TypeError"),
    ("avg_pool2d", "padding before stride in the signature", avg_variant().replace(
        "stride=None, padding=0", "padding=0, stride=None"), "error", "raised TypeError"),
    ("max_pool2d", "zero padding", max_variant(fill="0.0"), "failed", "padded with zeros"),
    # reviewer's finds: any finite fill is wrong below it; inputs never went below -10.5
    ("max_pool2d", "padded with -1e9", max_variant(fill="-1e9"), "failed", ""),
    ("max_pool2d", "padded with -100", max_variant(fill="-100.0"), "failed", ""),
    ("max_pool2d", "as_strided: H/W strides from X.stride(), N/C strides from the shape", """
def max_pool2d(X, pool_size, stride=None, padding=0):
    import torch.nn.functional as F
    k_h, k_w = _pair(pool_size)
    s_h, s_w = (k_h, k_w) if stride is None else _pair(stride)
    p_h, p_w = _pair(padding)
    if p_h or p_w:
        X = F.pad(X, (p_w, p_w, p_h, p_h), value=float('-inf'))
    *lead, H, W = X.shape
    oh, ow = (H - k_h) // s_h + 1, (W - k_w) // s_w + 1
    a, b = X.stride()[-2:]
    lead_strides = []
    acc = H * W
    for n in reversed(lead):
        lead_strides.insert(0, acc)
        acc *= n
    win = X.as_strided((*lead, oh, ow, k_h, k_w), (*lead_strides, s_h * a, s_w * b, a, b))
    return win.amax((-2, -1))
""", "error", "out of bounds"),
    ("max_pool2d", "stride defaults to 1", max_variant(
        stride="(1, 1) if stride is None else _pair(stride)"), "failed", "stride=None means"),
    ("max_pool2d", "padding ignored", max_variant(
        rows=":", cols=":", out_h="(h - k_h) // s_h + 1", out_w="(w - k_w) // s_w + 1").replace(
        "h + 2 * p_h, w + 2 * p_w", "h, w"), "failed", "ignores the padding"),
    ("max_pool2d", "padding at the top and left only", max_variant(
        rows="p_h:", cols="p_w:", out_h="(h + p_h - k_h) // s_h + 1",
        out_w="(w + p_w - k_w) // s_w + 1").replace("h + 2 * p_h, w + 2 * p_w",
                                                     "h + p_h, w + p_w"),
     "failed", "top and the left only"),
    ("max_pool2d", "stride of the rows on both axes", max_variant(
        stride="(k_h, k_h) if stride is None else (_pair(stride)[0],) * 2"),
     "failed", "one axis only"),
    ("max_pool2d", "ceil instead of floor", max_variant(
        out_h="-(-(h + 2 * p_h - k_h) // s_h) + 1", out_w="-(-(w + 2 * p_w - k_w) // s_w) + 1"),
     "failed", "expected shape"),
    ("max_pool2d", "4-D input only", """
def max_pool2d(X, pool_size, stride=None, padding=0):
    k_h, k_w = _pair(pool_size)
    s_h, s_w = (k_h, k_w) if stride is None else _pair(stride)
    p_h, p_w = _pair(padding)
    n, c, h, w = X.shape
    padded = torch.full((n, c, h + 2 * p_h, w + 2 * p_w), float('-inf'))
    padded[:, :, p_h:p_h + h, p_w:p_w + w] = X
    out_h, out_w = (h + 2 * p_h - k_h) // s_h + 1, (w + 2 * p_w - k_w) // s_w + 1
    Y = torch.zeros((n, c, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            Y[:, :, i, j] = padded[:, :, i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w].amax((2, 3))
    return Y
""", "error", "ValueError"),
    ("max_pool2d", "F.max_pool2d", """
def max_pool2d(X, pool_size, stride=None, padding=0):
    import torch.nn.functional as F
    return F.max_pool2d(X, pool_size, stride, padding)
""", "forbidden", "max_pool2d"),
    ("max_pool2d", "nn.MaxPool2d module", """
def max_pool2d(X, pool_size, stride=None, padding=0):
    from torch import nn
    return nn.MaxPool2d(pool_size, stride, padding)(X)
""", "forbidden", "pool"),
    ("avg_pool2d", "average excluding the padding", """
def avg_pool2d(X, pool_size, stride=None, padding=0):
    k_h, k_w = _pair(pool_size)
    s_h, s_w = (k_h, k_w) if stride is None else _pair(stride)
    p_h, p_w = _pair(padding)
    *lead, h, w = X.shape
    padded = torch.zeros((*lead, h + 2 * p_h, w + 2 * p_w))
    real = torch.zeros((h + 2 * p_h, w + 2 * p_w))
    padded[..., p_h:p_h + h, p_w:p_w + w] = X
    real[p_h:p_h + h, p_w:p_w + w] = 1
    out_h, out_w = (h + 2 * p_h - k_h) // s_h + 1, (w + 2 * p_w - k_w) // s_w + 1
    Y = torch.zeros((*lead, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            rows, cols = slice(i * s_h, i * s_h + k_h), slice(j * s_w, j * s_w + k_w)
            Y[..., i, j] = padded[..., rows, cols].sum((-2, -1)) / real[rows, cols].sum()
    return Y
""", "failed", "number of real"),
    ("avg_pool2d", "stride defaults to 1", avg_variant(
        stride="(1, 1) if stride is None else _pair(stride)"), "failed", "stride=None means"),
    ("avg_pool2d", "window sums", avg_variant(reduce="sum(dim=(-2, -1))"), "failed", "sum"),
    ("avg_pool2d", "max instead of mean", avg_variant(fill="float('-inf')",
                                                      reduce="amax(dim=(-2, -1))"),
     "failed", "maximum"),
    ("avg_pool2d", "F.avg_pool2d", """
def avg_pool2d(X, pool_size, stride=None, padding=0):
    return torch.nn.functional.avg_pool2d(X, pool_size, stride, padding)
""", "forbidden", "avg_pool2d"),
]

# Found by a review with code the authors had not seen: each passed on some seeds before the
# always-run cases in grader/checks/chapter22.py (fixed_cases) existed.
MUTANTS += [
    ("max_pool2d", "default stride from the first axis only", """
import torch.nn.functional as F
def max_pool2d(X, pool_size, stride=None, padding=0):
    k_h, k_w = _pair(pool_size)
    if stride is None:
        stride = k_h          # bug: default stride from the first axis only
    s_h, s_w = _pair(stride)
    p_h, p_w = _pair(padding)
    Xp = F.pad(X, (p_w, p_w, p_h, p_h), value=float('-inf'))
    return Xp.unfold(-2, k_h, s_h).unfold(-2, k_w, s_w).amax(dim=(-2, -1))
""", "failed", ""),
    ("avg_pool2d", "default stride from the first axis only", """
import torch.nn.functional as F
def avg_pool2d(X, pool_size, stride=None, padding=0):
    k_h, k_w = _pair(pool_size)
    if stride is None:
        stride = k_h          # bug: default stride from the first axis only
    s_h, s_w = _pair(stride)
    p_h, p_w = _pair(padding)
    Xp = F.pad(X, (p_w, p_w, p_h, p_h))
    return Xp.unfold(-2, k_h, s_h).unfold(-2, k_w, s_w).mean(dim=(-2, -1))
""", "failed", ""),
    ("max_pool2d", "padded with a finite -5", """
import torch.nn.functional as F
def max_pool2d(X, pool_size, stride=None, padding=0):
    # pads with -5: wins only where a whole window of real values is below -5
    k_h, k_w = _pair(pool_size)
    s_h, s_w = _pair(stride) if stride is not None else (k_h, k_w)
    p_h, p_w = _pair(padding)
    Xp = F.pad(X, (p_w, p_w, p_h, p_h), value=-5.0)
    return Xp.unfold(-2, k_h, s_h).unfold(-2, k_w, s_w).amax(dim=(-2, -1))
""", "failed", ""),
    ("max_pool2d", "reflect padding", """
import torch.nn.functional as F
def max_pool2d(X, pool_size, stride=None, padding=0):
    k_h, k_w = _pair(pool_size)
    s_h, s_w = _pair(stride) if stride is not None else (k_h, k_w)
    p_h, p_w = _pair(padding)
    x = X if X.dim() == 4 else X[None]
    if p_h or p_w:
        x = F.pad(x, (p_w, p_w, p_h, p_h), mode='reflect') if min(x.shape[-2:]) > max(p_h, p_w) else F.pad(x, (p_w, p_w, p_h, p_h), mode='replicate')
    Y = x.unfold(-2, k_h, s_h).unfold(-2, k_w, s_w).amax(dim=(-2, -1))
    return Y if X.dim() == 4 else Y[0]
""", "failed", ""),
    ("max_pool2d", "batch and channel swapped on the way back", """
import torch.nn.functional as F
def max_pool2d(X, pool_size, stride=None, padding=0):
    # wrong only for 4-D input with N>1 and C>1: mixes up batch and channel on the way back
    k_h, k_w = _pair(pool_size)
    s_h, s_w = _pair(stride) if stride is not None else (k_h, k_w)
    p_h, p_w = _pair(padding)
    lead = X.shape[:-2]
    x = X.reshape(-1, *X.shape[-2:])
    Xp = F.pad(x, (p_w, p_w, p_h, p_h), value=float('-inf'))
    Y = Xp.unfold(-2, k_h, s_h).unfold(-2, k_w, s_w).amax(dim=(-2, -1))
    if len(lead) == 2:
        return Y.reshape(lead[1], lead[0], *Y.shape[-2:]).transpose(0, 1)
    return Y.reshape(*lead, *Y.shape[-2:])
""", "failed", ""),
    ("avg_pool2d", "batch and channel swapped on the way back", """
import torch.nn.functional as F
def avg_pool2d(X, pool_size, stride=None, padding=0):
    k_h, k_w = _pair(pool_size)
    s_h, s_w = _pair(stride) if stride is not None else (k_h, k_w)
    p_h, p_w = _pair(padding)
    lead = X.shape[:-2]
    x = X.reshape(-1, *X.shape[-2:])
    Y = F.pad(x, (p_w, p_w, p_h, p_h)).unfold(-2, k_h, s_h).unfold(-2, k_w, s_w).mean(dim=(-2, -1))
    if len(lead) == 2:
        return Y.reshape(lead[1], lead[0], *Y.shape[-2:]).transpose(0, 1)
    return Y.reshape(*lead, *Y.shape[-2:])
""", "failed", ""),
]


ALTERNATIVES = [
    ("max_pool2d", "padded with the smallest float32 (as good as -inf for finite inputs)",
     max_variant(fill="torch.finfo(torch.float32).min")),
    ("pool2d", "unfold", """
def pool2d(X, pool_size, mode='max'):
    windows = X.unfold(0, pool_size[0], 1).unfold(1, pool_size[1], 1)
    return windows.amax((-2, -1)) if mode == 'max' else windows.mean((-2, -1))
"""),
    ("pool2d", "d2l's code exactly", """
def pool2d(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            if mode == 'max':
                Y[i, j] = X[i: i + p_h, j: j + p_w].max()
            elif mode == 'avg':
                Y[i, j] = X[i: i + p_h, j: j + p_w].mean()
    return Y
"""),
    ("pool2d", "NumPy sliding_window_view", """
def pool2d(X, pool_size, mode='max'):
    import numpy as np
    windows = np.lib.stride_tricks.sliding_window_view(X.numpy(), tuple(pool_size))
    reduce = np.max if mode == 'max' else np.mean
    return torch.from_numpy(np.ascontiguousarray(reduce(windows, axis=(-2, -1))))
"""),
    ("max_pool2d", "F.pad with -inf and unfold", """
def max_pool2d(X, pool_size, stride=None, padding=0):
    import torch.nn.functional as F
    k_h, k_w = _pair(pool_size)
    s_h, s_w = (k_h, k_w) if stride is None else _pair(stride)
    p_h, p_w = _pair(padding)
    padded = F.pad(X, (p_w, p_w, p_h, p_h), value=float('-inf'))
    return padded.unfold(-2, k_h, s_h).unfold(-2, k_w, s_w).amax((-2, -1))
"""),
    ("max_pool2d", "max over strided shifted slices", """
def max_pool2d(X, pool_size, stride=None, padding=0):
    k_h, k_w = _pair(pool_size)
    s_h, s_w = (k_h, k_w) if stride is None else _pair(stride)
    p_h, p_w = _pair(padding)
    h, w = X.shape[-2:]
    padded = X.new_full(X.shape[:-2] + (h + 2 * p_h, w + 2 * p_w), float('-inf'))
    padded[..., p_h:p_h + h, p_w:p_w + w] = X
    out_h, out_w = (h + 2 * p_h - k_h) // s_h + 1, (w + 2 * p_w - k_w) // s_w + 1
    Y = None
    for a in range(k_h):
        for b in range(k_w):
            part = padded[..., a:a + s_h * (out_h - 1) + 1:s_h, b:b + s_w * (out_w - 1) + 1:s_w]
            Y = part if Y is None else torch.maximum(Y, part)
    return Y.clone()
"""),
    ("max_pool2d", "NumPy, one channel at a time", """
def max_pool2d(X, pool_size, stride=None, padding=0):
    import numpy as np
    k_h, k_w = _pair(pool_size)
    s_h, s_w = (k_h, k_w) if stride is None else _pair(stride)
    p_h, p_w = _pair(padding)
    x = X.numpy()
    flat = x.reshape((-1,) + x.shape[-2:])
    flat = np.pad(flat, ((0, 0), (p_h, p_h), (p_w, p_w)), constant_values=-np.inf)
    out_h = (flat.shape[1] - k_h) // s_h + 1
    out_w = (flat.shape[2] - k_w) // s_w + 1
    out = np.empty((flat.shape[0], out_h, out_w), dtype=x.dtype)
    for c in range(flat.shape[0]):
        for i in range(out_h):
            for j in range(out_w):
                out[c, i, j] = flat[c, i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w].max()
    return torch.from_numpy(out.reshape(x.shape[:-2] + (out_h, out_w)))
"""),
    ("avg_pool2d", "F.pad and unfold", """
def avg_pool2d(X, pool_size, stride=None, padding=0):
    import torch.nn.functional as F
    k_h, k_w = _pair(pool_size)
    s_h, s_w = (k_h, k_w) if stride is None else _pair(stride)
    p_h, p_w = _pair(padding)
    padded = F.pad(X, (p_w, p_w, p_h, p_h))
    return padded.unfold(-2, k_h, s_h).unfold(-2, k_w, s_w).mean((-2, -1))
"""),
    ("avg_pool2d", "einsum with a ones kernel", """
def avg_pool2d(X, pool_size, stride=None, padding=0):
    import torch.nn.functional as F
    k_h, k_w = _pair(pool_size)
    s_h, s_w = (k_h, k_w) if stride is None else _pair(stride)
    p_h, p_w = _pair(padding)
    windows = F.pad(X, (p_w, p_w, p_h, p_h)).unfold(-2, k_h, s_h).unfold(-2, k_w, s_w)
    weights = X.new_ones((k_h, k_w)) / (k_h * k_w)
    return torch.einsum("...ab,ab->...", windows, weights)
"""),
]


ONE_DIAGNOSIS: list = []


_id = case_id


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    cases, jobs = variant_jobs(tmp_path_factory, MODULE, "chapter22", MUTANTS, ALTERNATIVES)
    return variant_results(cases, grade_batch(jobs), "chapter22")


@pytest.mark.slow
@pytest.mark.parametrize("case", MUTANTS, ids=_id)
def test_mutant_is_caught(graded, case):
    assert_mutant_caught(graded, case)


@pytest.mark.slow
@pytest.mark.parametrize("case", ALTERNATIVES, ids=_id)
def test_alternative_passes(graded, case):
    assert_alternative_passes(graded, case)


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
