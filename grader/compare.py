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

Small inputs often make several known mistakes agree (Hypothesis shrinks towards them). A check
then passes ``further``: a way to call the learner's code, and to compute the mistakes, on
further inputs drawn to tell them apart (``tell_apart``). The search runs once, for the failure
that is reported (``settle``, called by the plugin), and keeps the mistakes that still match
the learner's result wherever it matches one; "or" joins two only when it finds no input that
tells them apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from grader.outcomes import Mismatch, Verdict
from grader.text import said  # noqa: F401  (the checks' words: re-exported for them)

RTOL = 2e-5
ATOL = 1e-6
#: Further inputs tried, at most, to tell apart known mistakes that agree on the failing one.
SEARCH_LIMIT = 12

#: What a check passes to tell agreeing mistakes apart: called with no argument, it yields
#: (the learner's result, the known mistakes) on one further input after another.
Further = Callable[[], Iterator[tuple[Any, list["Mistake"]]]]


class Mistake:
    """What a known mistake would return on this input, and the sentence that explains it:
    ``Mistake(value, key, **data)``, the sentence's key in ``grader/texts`` and its data."""

    __slots__ = ("value", "text")

    def __init__(self, value: Any, key: str, **data: Any) -> None:
        self.value = value
        self.text = said(key, **data)

    @property
    def ident(self) -> str:
        """The sentence as a hashable value: two mistakes that say the same are one."""
        return repr(sorted(self.text.items(), key=lambda kv: kv[0]))

    def __repr__(self) -> str:
        return f"Mistake({self.text!r})"


def _device_of(x: Any) -> str:
    return getattr(x, "_grader_device", None) or str(x.device)


def close(actual: Any, expected: Any, scale: Any = None) -> bool:
    """True when ``actual`` equals ``expected`` within the tolerance (same shape required)."""
    import torch

    if not isinstance(actual, torch.Tensor) or tuple(actual.shape) != tuple(expected.shape):
        return False
    if actual.dtype.is_complex or actual.dtype == torch.bool:
        return False
    if _identical(actual, expected):
        return True
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


def _identical(actual: Any, expected: Any) -> bool:
    """The same values as float64 (as the tolerance compares them), NaN nowhere, on one
    device: within every tolerance, decided in a few operations instead of a dozen (exact
    inputs usually give exact results)."""
    import torch

    return actual.device == expected.device and torch.equal(
        actual.detach().to(torch.float64), expected.detach().to(torch.float64))


def _tolerance(e: Any, scale: Any) -> Any:
    import torch

    if scale is None:
        magnitudes = e.abs()[torch.isfinite(e)]
        scale = max(1.0, float(magnitudes.max())) if magnitudes.numel() else 1.0
    if isinstance(scale, torch.Tensor):
        scale = scale.detach().to("cpu", torch.float64)
    return RTOL * (e.abs() + scale) + ATOL


def expect_tensor(actual: Any, expected: Any, *, call: str, inputs: list[tuple[str, Any]],
                  scale: Any = None, shape_why: dict | None = None,
                  mistakes: tuple[Mistake, ...] | list[Mistake] = (),
                  device: str | None = None, floating: bool = True,
                  further: Further | None = None) -> None:
    """Raise ``Mismatch`` unless ``actual`` is a tensor equal to ``expected``.

    ``device``: the device the inputs were on (default: ``expected``'s). ``shape_why``: one
    sentence (``said(key, ...)``) that explains the expected shape. ``further``: see
    ``tell_apart``.
    """
    import torch

    data: dict[str, Any] = {"call": call, "inputs": inputs, "expected": expected,
                            "actual": actual}

    def fail(reason: str, **params: Any) -> None:
        hits = _hits(actual, mistakes)
        raise _searching(Mismatch("mismatch", reason=reason, params=params,
                                  diagnosis=_sentence(hits),
                                  shape_why=shape_why if reason == "mm.shape" else None, **data),
                         hits, further)

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
    if actual.dtype != torch.bool and not actual.dtype.is_complex and _identical(actual, expected):
        return  # as ``close`` would say, and then nothing below fails
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
                 why: dict | None = None,
                 mistakes: tuple[Mistake, ...] | list[Mistake] = (),
                 further: Further | None = None) -> None:
    """Raise ``Mismatch`` unless a plain value (int, float, str, tuple, list, dict) equals
    ``expected`` with the same types: ``(2, 2)`` is not ``[2, 2]`` nor ``(tensor(2), 2)``.
    ``mistakes`` hold plain values (compared the same way) or tensors."""
    if not plain_equal(actual, expected):
        hits = _hits(actual, mistakes)
        raise _searching(Mismatch("mismatch", reason="mm.value",
                                  params={"expected": expected, "got": actual},
                                  diagnosis=_sentence(hits), shape_why=why, call=call,
                                  inputs=inputs, expected=None, actual=None), hits, further)


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


def matches(actual: Any, mistake: Mistake) -> bool:
    """Whether ``actual`` is what ``mistake`` returns: plain values equal, tensors within the
    tolerance of each element's own size (not of the largest value: where values reach 1e30,
    -100 and 0 would otherwise be "the same", and a finite padding would pass for zeros)."""
    try:
        if _is_tensor(mistake.value):
            return close(actual, mistake.value, scale=_own_size(mistake.value))
        return mistake.value is not None and plain_equal(actual, mistake.value)
    except Exception:
        return False


def _own_size(x: Any) -> Any:
    import torch

    e = x.detach().to("cpu", torch.float64).abs()
    return torch.where(torch.isfinite(e), e, torch.zeros_like(e)).clamp(min=1.0)


def _hits(actual: Any, mistakes: Any) -> list[Mistake]:
    """The known mistakes that give ``actual``, one per sentence, in the check's order."""
    hits: list[Mistake] = []
    for mistake in mistakes:
        if matches(actual, mistake) and all(mistake.ident != h.ident for h in hits):
            hits.append(mistake)
    return hits


def _sentence(hits: list[Mistake]) -> list[dict] | None:
    """One mistake's sentence; two (joined by "Or") when nothing told them apart."""
    return [m.text for m in hits[:2]] if hits else None


def _diagnose(actual: Any, mistakes: Any) -> list[dict] | None:
    """The sentence of the known mistake that gives ``actual`` (see ``_sentence``)."""
    return _sentence(_hits(actual, mistakes))


def tell_apart(run: Callable[..., tuple[Any, list[Mistake]]],
               inputs: Callable[[], Iterable[tuple]]) -> Further:
    """``further`` for ``expect_tensor``/``expect_equal``: ``run(*args)`` calls the learner's
    code on ``args`` and returns (its result, the known mistakes on ``args``); ``inputs()``
    yields the argument tuples to try, lazily (each costs a call into the learner's code). An
    input on which the learner's code raises is skipped; a timeout or a crash ends the search."""

    def results() -> Iterator[tuple[Any, list[Mistake]]]:
        for args in inputs():
            try:
                yield run(*args)
            except Verdict as verdict:
                if verdict.fatal:
                    return
            except Exception:  # a reference undefined on this input: try the next one
                continue

    return results


def narrow(hits: list[Mistake], further: Further, limit: int = SEARCH_LIMIT) -> list[Mistake]:
    """The mistakes of ``hits`` that the learner's code still agrees with on further inputs.

    On each input where the learner's result equals at least one of them, those that give
    another result are dropped (one that is not defined there is kept); the search stops once
    one agreed and fewer than two are left, or after ``limit`` inputs. When the learner's
    result equals none of them on any further input where one is defined, they only agreed by
    chance on the failing one: none is named (also when there was only one)."""
    left = list(hits)
    tried = matched = informative = 0
    for actual, mistakes in further():
        tried += 1
        here = {m.ident for m in _hits(actual, mistakes)}
        defined = {m.ident for m in mistakes if m.value is not None}
        informative += any(m.ident in defined for m in left)
        if any(m.ident in here for m in left):
            matched += 1
            left = [m for m in left if m.ident in here or m.ident not in defined]
        if tried >= limit or (matched and len(left) < 2):
            break
    return [] if informative and not matched else left


def _searching(exc: Mismatch, hits: list[Mistake], further: Further | None) -> Mismatch:
    """Attach to ``exc`` the search that confirms the mistakes its input matched: one, or
    several that agree there (``narrow``)."""
    if further is not None and hits:
        def search() -> list[dict] | None:
            exc.data["diagnosis"] = _sentence(narrow(hits, further))
            return exc.data["diagnosis"]

        exc.tell_apart = search
    return exc


def settle(exc: BaseException, diagnosis: Any = None) -> Any:
    """Run the search of the verdict the plugin reports (``exc``, or the first verdict in a
    group, as ``grader.plugin.classify`` picks it): its diagnosis after the search, or
    ``diagnosis`` when there was nothing to search (or the search failed). Call it once the
    failing example's output is read: the search calls the learner's code again."""
    verdict = exc if isinstance(exc, Verdict) else next(
        (sub for sub in getattr(exc, "exceptions", ()) if isinstance(sub, Verdict)), None)
    search = getattr(verdict, "tell_apart", None)
    if search is None:
        return diagnosis
    try:
        return search()
    except Exception:
        return diagnosis


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
