"""conv_output_shape: the book's layers, nn.Conv2d's own shapes on drawn configurations, and a
ValueError with a message for every impossible one."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from grader.checks import budget
from grader.checks.book import calls
from grader.checks.chapter20.padding_stride import SHAPE_WHY, STYLES, stride_on_one_axis
from grader.compare import Mistake, expect_equal, plain_equal, said, tell_apart
from grader.outcomes import Mismatch
from grader.strategies import as_pair, int_or_pair, once, up_to

if TYPE_CHECKING:
    from grader.learner import Learner

CHAPTER = "chapter20"

BOOK_EXAMPLES = """
>>> conv_output_shape(8, 3, padding=1)                        # Conv2d(1, 1, 3, padding=1)
(8, 8)
>>> conv_output_shape(8, (5, 3), padding=(2, 1))
(8, 8)
>>> conv_output_shape(8, 3, padding=1, stride=2)
(4, 4)
>>> conv_output_shape(8, (3, 5), padding=(0, 1), stride=(3, 4))
(2, 2)
"""


def ref_shape(n: Any, k: Any, p: Any = 0, s: Any = 1) -> tuple[int, int]:
    """What nn.Conv2d produces: its own shape computation, on small CPU tensors (inputs here
    are at most 40 per axis). Not on meta tensors: their shape rules are Python that imports
    sympy on first use, a quarter of a second of every run that grades this."""
    x = torch.zeros((1, 1) + as_pair(n))
    w = torch.zeros((1, 1) + as_pair(k))
    out = F.conv2d(x, w, padding=as_pair(p), stride=as_pair(s))
    return tuple(int(v) for v in out.shape[-2:])


def reference(input_size: Any, kernel_size: Any, padding: Any = 0, stride: Any = 1
              ) -> tuple[int, int]:
    """``ref_shape`` under the exercise's own signature (the book's examples call it so)."""
    return ref_shape(input_size, kernel_size, padding, stride)


def shape_mistakes(n: Any, k: Any, p: Any, s: Any) -> list[Mistake]:
    """What the classic wrong formulas give on this configuration."""
    args = {"input_size": as_pair(n), "kernel_size": as_pair(k), "padding": as_pair(p),
            "stride": as_pair(s)}

    def per_axis(rule: Any, **override: tuple) -> tuple | None:
        a = {**args, **override}
        try:
            return tuple(rule(*v) for v in zip(a["input_size"], a["kernel_size"],
                                               a["padding"], a["stride"], strict=True))
        except ZeroDivisionError:
            return None

    def right(n_, k_, p_, s_):
        return (n_ + 2 * p_ - k_) // s_ + 1

    out = [
        Mistake(per_axis(lambda n_, k_, p_, s_: (n_ + 2 * p_ - k_) // s_),
                "chapter20.conv_output_shape.mistake.no_plus_one"),
        Mistake(per_axis(lambda n_, k_, p_, s_: (n_ + p_ - k_) // s_ + 1),
                "chapter20.conv_output_shape.mistake.padding_once"),
        Mistake(per_axis(lambda n_, k_, p_, s_: -(-(n_ + 2 * p_ - k_) // s_) + 1),
                "chapter20.conv_output_shape.mistake.ceil"),
        Mistake(per_axis(lambda n_, k_, p_, s_: (n_ + 2 * p_ - k_) / s_ + 1),
                "chapter20.conv_output_shape.mistake.true_division"),
        Mistake(per_axis(lambda n_, k_, p_, s_: (n_ - k_) // s_ + 1),
                "chapter20.conv_output_shape.mistake.ignores_padding"),
        Mistake(per_axis(lambda n_, k_, p_, s_: n_ + 2 * p_ - k_ + 1),
                "chapter20.conv_output_shape.mistake.ignores_stride"),
    ]
    s_h, s_w = args["stride"]
    out += [stride_on_one_axis(per_axis(right, stride=one))
            for one in ((s_h, 1), (1, s_w), (s_h, s_h), (s_w, s_w))]
    for name in ("input_size", "kernel_size", "padding"):
        h, w = args[name]
        out += [Mistake(per_axis(right, **{name: both}),
                        "chapter20.conv_output_shape.mistake.one_axis_for_both", name=name)
                for both in ((h, h), (w, w))]
    expected = per_axis(right)
    out.append(Mistake((expected[1], expected[0]),
                       "chapter20.conv_output_shape.mistake.width_height"))
    return [m for m in out if m.value is not None]


def expect_shape(actual: Any, expected: tuple[int, int], *, call: str,
                 inputs: list[tuple[str, Any]], mistakes: list[Mistake],
                 further: Any = None) -> None:
    if not plain_equal(actual, expected) and _same_numbers(actual, expected):
        raise Mismatch("mismatch", reason="mm.value",
                       params={"expected": expected, "got": actual},
                       diagnosis=[said("chapter20.conv_output_shape.mistake.not_ints")],
                       shape_why=None, call=call, inputs=inputs, expected=None, actual=None)
    expect_equal(actual, expected, call=call, inputs=inputs, why=SHAPE_WHY, mistakes=mistakes,
                 further=further)


def _same_numbers(actual: Any, expected: tuple) -> bool:
    try:
        return len(actual) == len(expected) and all(
            float(a) == float(e) for a, e in zip(actual, expected, strict=True))
    except Exception:
        return False


def check_shape(learner: Learner, n: Any, k: Any, p: Any = 0, s: Any = 1,
                style: str = "positional") -> None:
    if style == "positional":
        args, kwargs = (n, k, p, s), {}
    else:  # keywords, leaving out the defaults
        args, kwargs = (n, k), {}
        if p != 0:
            kwargs["padding"] = p
        if s != 1:
            kwargs["stride"] = s
    inputs = [("input_size", n), ("kernel_size", k), ("padding", p), ("stride", s)]
    expect_shape(learner.call(*args, **kwargs), ref_shape(n, k, p, s),
                 call="conv_output_shape(input_size, kernel_size, padding, stride)",
                 inputs=inputs, mistakes=shape_mistakes(n, k, p, s),
                 further=tell_apart(lambda *config: (learner.call(*config),
                                                     shape_mistakes(*config)), other_configs))


def other_configs(count: int = 12, seed: int = 0) -> Any:
    """Configurations nn.Conv2d accepts, each axis its own (sizes, kernels, paddings and
    strides from 0 or 1 to 4, in pairs), to tell apart the formulas that agree on one."""
    import random

    rng = random.Random(seed)
    for _ in range(count):
        p = (rng.randint(0, 3), rng.randint(0, 3))
        s = (rng.randint(1, 4), rng.randint(1, 4))
        k = (rng.randint(1, 5), rng.randint(1, 5))
        n = tuple(max(rng.randint(3, 20), k[a] - 2 * p[a]) for a in range(2))
        yield n, k, p, s


@pytest.mark.exercise("conv_output_shape")
def test_conv_output_shape_book_examples(learner):
    # d2l 7.3: four layers on an 8 x 8 input, passed as the book's examples pass them.
    for args, kwargs in calls(BOOK_EXAMPLES, "conv_output_shape", reference):
        bound = inspect.signature(reference).bind(*args, **kwargs)
        bound.apply_defaults()
        check_shape(learner, *bound.arguments.values(),
                    style="keywords" if kwargs else "positional")
    check_shape(learner, (3, 3), (2, 2), 1, (3, 2))  # d2l figure 7.3.2
    check_shape(learner, 8, 3)  # no padding, no stride: 6 x 6
    # A stride or a padding of its own per axis, where one axis's used for both shows (the
    # book's examples agree either way: (8 - 3) // 3 + 1 == (8 + 2 - 5) // 3 + 1).
    check_shape(learner, 8, 3, 0, (1, 2))  # 6 x 3
    check_shape(learner, 8, 3, 0, (2, 1))  # 3 x 6
    check_shape(learner, 8, 3, (1, 0), 1)  # 8 x 6
    check_shape(learner, 8, 3, (0, 1), 1)  # 6 x 8


@once
@st.composite
def conv_configs(draw: Any, max_input: int = 40, max_padding: int = 5, max_stride: int = 8
                 ) -> tuple[Any, Any, Any, Any]:
    """(input_size, kernel_size, padding, stride) that nn.Conv2d accepts, each an int or a
    pair; strides may exceed the kernel, kernels may fill the padded input exactly."""
    n = draw(int_or_pair(st.integers(1, max_input)))
    p = draw(int_or_pair(st.integers(0, max_padding)))
    room = [a + 2 * b for a, b in zip(as_pair(n), as_pair(p), strict=True)]

    if draw(st.booleans()):
        k = draw(up_to(min(room)))
    else:
        k = (draw(up_to(room[0])), draw(up_to(room[1])))
    s = draw(int_or_pair(st.integers(1, max_stride)))
    return n, k, p, s


@pytest.mark.exercise("conv_output_shape")
@pytest.mark.parametrize("style", STYLES)
@budget(20)
@given(conv_configs())
def test_conv_output_shape_matches_conv2d(learner, style, config):
    check_shape(learner, *config, style=style)


#: Each invalid kind: the argument it breaks.
INVALID = {"kernel": "kernel_size", "input": "input_size", "kernel_size": "kernel_size",
           "stride": "stride", "padding": "padding"}
AXES = (said("chapter20.conv_output_shape.height"), said("chapter20.conv_output_shape.width"))


def invalid_why(kind: str, axis: dict | None = None, room: int = 0, k: int = 0) -> dict:
    """Why a configuration of this kind is impossible (for the kernel: on which axis)."""
    if kind == "kernel":
        return said("chapter20.conv_output_shape.invalid.kernel", axis=axis, room=room, k=k)
    if kind == "input":
        return said("chapter20.conv_output_shape.invalid.input")
    if kind == "kernel_size":
        return said("chapter20.conv_output_shape.invalid.kernel_size")
    if kind == "stride":
        return said("chapter20.conv_output_shape.invalid.stride")
    return said("chapter20.conv_output_shape.invalid.padding")


@st.composite
def invalid_configs(draw: Any) -> tuple[dict, dict]:
    """A configuration nn.Conv2d rejects: one kind of fault, on one axis or both."""
    n, k, p, s = draw(conv_configs(max_input=10, max_padding=3, max_stride=4))
    args = {"input_size": list(as_pair(n)), "kernel_size": list(as_pair(k)),
            "padding": list(as_pair(p)), "stride": list(as_pair(s))}
    kind = draw(st.sampled_from(sorted(INVALID)))
    axes = draw(st.sampled_from([(0,), (1,), (0, 1)]))
    name = INVALID[kind]
    for a in axes:
        if kind == "kernel":
            room = args["input_size"][a] + 2 * args["padding"][a]
            args["kernel_size"][a] = room + draw(st.integers(1, 3))
        elif kind == "padding":
            args["padding"][a] = draw(st.integers(-3, -1))
            # keep the kernel fitting: the padding must be the only fault
            args["input_size"][a] = max(args["input_size"][a],
                                        args["kernel_size"][a] - 2 * args["padding"][a])
        else:
            args[name][a] = draw(st.integers(-2, 0))
            if kind == "input":  # keep the kernel fitting: the size must be the only fault
                need = args["kernel_size"][a] - args["input_size"][a]
                args["padding"][a] = max(args["padding"][a], (need + 1) // 2)
    a = axes[0]
    room = args["input_size"][a] + 2 * args["padding"][a]
    why = invalid_why(kind, axis=AXES[a], room=room, k=args["kernel_size"][a])
    for key, (h, w) in list(args.items()):
        args[key] = h if h == w and draw(st.booleans()) else (h, w)
    return args, why


@pytest.mark.exercise("conv_output_shape")
def test_conv_output_shape_rejects_classic_faults(learner):
    # One of each kind first (Hypothesis then looks for the rest).
    for args, why in (
            ((2, 3, 0, 1), said("chapter20.conv_output_shape.invalid.kernel_larger", k=3, n=2)),
            (((5, 2), 3, 0, 1), said("chapter20.conv_output_shape.invalid.kernel_wider",
                                     k=3, n=2)),
            ((8, 3, 1, 0), invalid_why("stride")),
            ((8, 3, -1, 1), invalid_why("padding")),
            ((0, 1, 1, 1), invalid_why("input")),
            ((8, 0, 0, 1), invalid_why("kernel_size"))):
        learner.call_expecting(ValueError, *args, why=why, require_message=True)
    # Each kind on each axis alone, everything else valid: a check that looks at one axis,
    # or only at ints, must not pass.
    for (args, what) in (
            ((8, 3, (0, -1), 1), "padding"), ((8, 3, (-1, 0), 1), "padding"),
            ((8, 3, 0, (1, 0)), "stride"), ((8, 3, 0, (0, 1)), "stride"),
            ((8, 3, 0, -1), "stride"),
            (((8, 0), 1, 1, 1), "input"), (((0, 8), 1, 1, 1), "input"),
            (((8, -2), 1, 2, 1), "input"),
            ((8, (3, 0), 0, 1), "kernel_size"), ((8, (0, 3), 0, 1), "kernel_size")):
        learner.call_expecting(ValueError, *args, why=invalid_why(what),
                               require_message=True)


@pytest.mark.exercise("conv_output_shape")
@budget(30)
@given(invalid_configs())
def test_conv_output_shape_rejects_impossible_configurations(learner, case):
    args, why = case
    learner.call_expecting(ValueError, args["input_size"], args["kernel_size"], args["padding"],
                           args["stride"], why=why, require_message=True)
