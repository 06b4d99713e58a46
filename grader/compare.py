"""Comparing a learner's result with the expected one, and saying what differs.

Checks call ``expect_tensor`` (or ``expect_equal`` for plain values). Comparison happens in
float64 with float32-level tolerance scaled to the size of the values: an element passes when
``|actual - expected| <= RTOL * (|expected| + scale) + ATOL``, where ``scale`` is what the
values were computed from (for a correlation, the correlation of the absolute values; by default
the largest expected magnitude). A correct float32 result always passes; a wrong one differs by
far more.

The failure message puts the shape first, then the smallest failing input, both tensors, and
the largest difference; when the result equals what a known mistake produces on the same input,
it says so in one sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.outcomes import Mismatch

RTOL = 2e-5
ATOL = 1e-6


@dataclass(frozen=True)
class Mistake:
    """What a known mistake would return on this input, and the sentence that explains it."""

    value: Any
    en: str
    zh: str


def _device_of(x: Any) -> str:
    return getattr(x, "_grader_device", None) or str(x.device)


def close(actual: Any, expected: Any, scale: Any = None) -> bool:
    """True when ``actual`` equals ``expected`` within the tolerance (same shape required)."""
    import torch

    if not isinstance(actual, torch.Tensor) or tuple(actual.shape) != tuple(expected.shape):
        return False
    if actual.dtype.is_complex or actual.dtype == torch.bool:
        return False
    a = actual.detach().to("cpu", torch.float64)
    e = expected.detach().to("cpu", torch.float64)
    finite = torch.isfinite(e)
    if not bool(finite.all()):
        # Non-finite positions must match exactly (the same infinity, NaN where NaN); the
        # finite ones are compared with the tolerance, as in a tensor without any.
        odd = ~finite
        if not bool(((a[odd] == e[odd]) | (a[odd].isnan() & e[odd].isnan())).all()):
            return False
    within = (a - e).abs().le(_tolerance(e, scale))
    return bool(within[finite].all())


def _tolerance(e: Any, scale: Any) -> Any:
    import torch

    if scale is None:
        magnitudes = e.abs()[torch.isfinite(e)]
        scale = max(1.0, float(magnitudes.max())) if magnitudes.numel() else 1.0
    if isinstance(scale, torch.Tensor):
        scale = scale.detach().to("cpu", torch.float64)
    return RTOL * (e.abs() + scale) + ATOL


def expect_tensor(actual: Any, expected: Any, *, call: str, inputs: list[tuple[str, Any]],
                  scale: Any = None, shape_why: tuple[str, str] | None = None,
                  mistakes: tuple[Mistake, ...] | list[Mistake] = (),
                  device: str | None = None, floating: bool = True) -> None:
    """Raise ``Mismatch`` unless ``actual`` is a tensor equal to ``expected``.

    ``device``: the device the inputs were on (default: ``expected``'s). ``shape_why``: one
    sentence (English, Chinese) that explains the expected shape.
    """
    import torch

    data: dict[str, Any] = {"call": call, "inputs": inputs, "expected": expected,
                            "actual": actual}

    def fail(reason: str, **params: Any) -> None:
        diagnosis = _diagnose(actual, mistakes)
        raise Mismatch("mismatch", reason=reason, params=params, diagnosis=diagnosis,
                       shape_why=shape_why if reason == "mm.shape" else None, **data)

    if not isinstance(actual, torch.Tensor):
        if type(actual).__module__ == "numpy" and type(actual).__name__ == "ndarray":
            fail("mm.not_tensor_ndarray")
        fail("mm.not_tensor", got=_type_name(actual))
    want_device = device or str(expected.device)
    if _device_of(actual) != want_device:
        fail("mm.device", got=_device_of(actual), expected=want_device)
    if tuple(actual.shape) != tuple(expected.shape):
        fail("mm.shape", expected=tuple(expected.shape), got=tuple(actual.shape))
    if floating and not actual.dtype.is_floating_point:
        fail("mm.dtype_float", got=str(actual.dtype).removeprefix("torch."))
    a = actual.detach().to("cpu", torch.float64)
    e = expected.detach().to("cpu", torch.float64)
    if not bool(torch.isfinite(a).all()) and bool(torch.isfinite(e).all()):
        fail("mm.nonfinite")
    if not close(actual, expected, scale):
        diff = (a - e).abs().nan_to_num(nan=float("inf"))
        flat = int(diff.reshape(-1).argmax()) if diff.numel() else 0
        index = tuple(int(i) for i in _unravel(flat, tuple(e.shape)))
        fail("mm.values", diff=float(diff.reshape(-1)[flat]) if diff.numel() else 0.0,
             index=index)


def expect_equal(actual: Any, expected: Any, *, call: str, inputs: list[tuple[str, Any]],
                 why: tuple[str, str] | None = None,
                 mistakes: tuple[Mistake, ...] | list[Mistake] = ()) -> None:
    """Raise ``Mismatch`` unless a plain value (int, float, str, tuple, list, dict) equals
    ``expected`` with the same types: ``(2, 2)`` is not ``[2, 2]`` nor ``(tensor(2), 2)``.
    ``mistakes`` hold plain values (compared the same way) or tensors."""
    if not plain_equal(actual, expected):
        raise Mismatch("mismatch", reason="mm.value",
                       params={"expected": expected, "got": actual},
                       diagnosis=_diagnose(actual, mistakes),
                       shape_why=why, call=call, inputs=inputs, expected=None, actual=None)


def plain_equal(actual: Any, expected: Any) -> bool:
    if isinstance(expected, (tuple, list)):
        return (type(actual) is type(expected) and len(actual) == len(expected)
                and all(plain_equal(a, e) for a, e in zip(actual, expected, strict=True)))
    if isinstance(expected, dict):
        return (isinstance(actual, dict) and set(actual) == set(expected)
                and all(plain_equal(actual[k], expected[k]) for k in expected))
    if isinstance(expected, bool) or expected is None:
        return actual is expected
    if isinstance(expected, int):
        return type(actual) is int and actual == expected
    if isinstance(expected, float):
        return (type(actual) in (int, float)
                and abs(actual - expected) <= RTOL * (abs(expected) + 1.0))
    if isinstance(expected, str):
        return isinstance(actual, str) and actual == expected
    raise TypeError(f"plain_equal does not compare {type(expected).__name__}")


def _diagnose(actual: Any, mistakes: Any) -> tuple[str, str] | None:
    """The sentence of the first known mistake that gives ``actual``. Small inputs often make
    two mistakes agree (Hypothesis shrinks towards them): then both are named."""
    hits: list[Mistake] = []
    for mistake in mistakes:
        try:
            if _is_tensor(mistake.value):
                hit = close(actual, mistake.value)
            else:
                hit = mistake.value is not None and plain_equal(actual, mistake.value)
        except Exception:
            continue
        if hit and all(mistake.en != h.en for h in hits):
            hits.append(mistake)
    if not hits:
        return None
    return (" Or: ".join(m.en for m in hits[:2]), " 或者：".join(m.zh for m in hits[:2]))


def _is_tensor(x: Any) -> bool:
    import torch

    return isinstance(x, torch.Tensor)


def _unravel(flat: int, shape: tuple[int, ...]) -> list[int]:
    out = []
    for size in reversed(shape):
        out.append(flat % size if size else 0)
        flat //= size if size else 1
    return list(reversed(out))


def _type_name(x: Any) -> str:
    from grader.wire import Opaque

    if isinstance(x, Opaque):
        return x.type_name
    if x is None:
        return "None"
    kind = type(x)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
