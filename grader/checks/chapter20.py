"""Chapter 20 checks: output shapes, zero padding, strided cross-correlation, comp_conv2d.

References come from PyTorch, computed here: ``F.conv2d`` on meta tensors for shapes (exactly
what ``nn.Conv2d`` produces, at any size, without computing anything), ``F.pad``, ``F.conv2d`` in
float64, and the same ``nn.Conv2d`` the learner's ``comp_conv2d`` receives.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from grader.checks import budget, fresh
from grader.compare import Mistake, expect_equal, expect_tensor, plain_equal, tell_apart
from grader.outcomes import Mismatch
from grader.strategies import as_pair, int_or_pair, once, place, shapes, tensors, up_to
from grader.wire import ModuleSpec

CHAPTER = "chapter20"

SHAPE_WHY = ("per axis floor((n + 2p - k) / s) + 1, with p the padding on each side",
             "每个轴为 floor((n + 2p - k) / s) + 1，其中 p 是每一侧的填充")


class Shown(str):
    """A description shown as it is in messages (no quotes)."""

    def __repr__(self) -> str:
        return str(self)


# -- conv_output_shape --------------------------------------------------------------------------

def ref_shape(n: Any, k: Any, p: Any = 0, s: Any = 1) -> tuple[int, int]:
    """What nn.Conv2d produces: its own shape computation, run on meta tensors."""
    x = torch.empty((1, 1) + as_pair(n), device="meta")
    w = torch.empty((1, 1) + as_pair(k), device="meta")
    out = F.conv2d(x, w, padding=as_pair(p), stride=as_pair(s))
    return tuple(int(v) for v in out.shape[-2:])


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
                "you forgot the + 1: (n + 2p - k) // s counts the steps the window can move; "
                "its starting position is one more output.",
                "你漏掉了 + 1：(n + 2p - k) // s 数的是窗口能移动的步数；"
                "起始位置本身还要再算一个输出。"),
        Mistake(per_axis(lambda n_, k_, p_, s_: (n_ + p_ - k_) // s_ + 1),
                "you counted the padding once (n + p): padding=p adds p rows and columns on "
                "EACH side, n + 2p in all (d2l's p_h is that total).",
                "你只计算了一次填充（n + p）：padding=p 会在每一侧各添加 p 行和 p 列，总共 n + 2p"
                "（d2l 公式中的 p_h 就是这个总数）。"),
        Mistake(per_axis(lambda n_, k_, p_, s_: -(-(n_ + 2 * p_ - k_) // s_) + 1),
                "you rounded up (ceil); nn.Conv2d rounds down (floor): a window that would stick "
                "out of the padded input is not computed.",
                "你向上取整了（ceil）；nn.Conv2d 向下取整（floor）："
                "超出填充后输入的窗口不会被计算。"),
        Mistake(per_axis(lambda n_, k_, p_, s_: (n_ + 2 * p_ - k_) / s_ + 1),
                "you used true division /; the output size is floor((n + 2p - k) / s) + 1: use "
                "floor division //.",
                "你用了真除法 /；输出大小是 floor((n + 2p - k) / s) + 1：请用整除 //。"),
        Mistake(per_axis(lambda n_, k_, p_, s_: (n_ - k_) // s_ + 1),
                "your sizes ignore the padding.", "你的结果忽略了填充。"),
        Mistake(per_axis(lambda n_, k_, p_, s_: n_ + 2 * p_ - k_ + 1),
                "your sizes ignore the stride.", "你的结果忽略了步幅。"),
    ]
    s_h, s_w = args["stride"]
    out += [Mistake(per_axis(right, stride=one),
                    "you applied the stride on one axis only (or one axis's stride to both): "
                    "stride=(s_h, s_w) moves the window s_h rows down and s_w columns right.",
                    "你只在一个轴上应用了步幅（或把一个轴的步幅用在了两个轴上）：stride=(s_h, s_w) "
                    "表示窗口每次向下移动 s_h 行、向右移动 s_w 列。")
            for one in ((s_h, 1), (1, s_w), (s_h, s_h), (s_w, s_w))]
    for name in ("input_size", "kernel_size", "padding"):
        h, w = args[name]
        out += [Mistake(per_axis(right, **{name: both}),
                        f"you used one axis's {name} for both axes: with {name}=(h, w) the rows "
                        "use h and the columns use w.",
                        f"你把一个轴的 {name} 用在了两个轴上：{name}=(h, w) 时，行方向用 h，"
                        "列方向用 w。")
                for both in ((h, h), (w, w))]
    expected = per_axis(right)
    out.append(Mistake((expected[1], expected[0]),
                       "your result lists (width, height); return (height, width).",
                       "你的结果顺序是 (宽, 高)；应返回 (高, 宽)。"))
    return [m for m in out if m.value is not None]


def expect_shape(actual: Any, expected: tuple[int, int], *, call: str,
                 inputs: list[tuple[str, Any]], mistakes: list[Mistake],
                 further: Any = None) -> None:
    if not plain_equal(actual, expected) and _same_numbers(actual, expected):
        raise Mismatch("mismatch", reason="mm.value",
                       params={"expected": expected, "got": actual},
                       diagnosis=("the numbers are right, but return a tuple of two Python ints, "
                                  "e.g. (4, 4): use // (or int(...)) rather than /, "
                                  "math.ceil/floor on floats, tensors or NumPy numbers.",
                                  "数值正确，但应返回由两个 Python int 组成的元组，"
                                  "例如 (4, 4)：请用 "
                                  "//（或 int(...)），不要用 /、浮点数、张量或 NumPy 数。"),
                       shape_why=None, call=call, inputs=inputs, expected=None, actual=None)
    expect_equal(actual, expected, call=call, inputs=inputs, why=SHAPE_WHY, mistakes=mistakes,
                 further=further)


def _same_numbers(actual: Any, expected: tuple) -> bool:
    try:
        return len(actual) == len(expected) and all(
            float(a) == float(e) for a, e in zip(actual, expected, strict=True))
    except Exception:
        return False


def check_shape(learner: Any, n: Any, k: Any, p: Any = 0, s: Any = 1,
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
    # d2l 7.3: four layers on an 8 x 8 input.
    check_shape(learner, 8, 3, 1, style="keywords")
    check_shape(learner, 8, (5, 3), (2, 1), style="keywords")
    check_shape(learner, 8, 3, 1, 2, style="keywords")
    check_shape(learner, 8, (3, 5), (0, 1), (3, 4), style="keywords")
    check_shape(learner, (3, 3), (2, 2), 1, (3, 2))  # d2l figure 7.3.2
    check_shape(learner, 8, 3)  # no padding, no stride: 6 x 6


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


#: How the arguments are passed: every style gets its own fixed cases and examples (drawn per
#: example, one style could go untried, and with it a signature whose order is wrong).
STYLES = ("positional", "keywords")


@pytest.mark.exercise("conv_output_shape")
@pytest.mark.parametrize("style", STYLES)
@budget(20)
@given(conv_configs())
def test_conv_output_shape_matches_conv2d(learner, style, config):
    check_shape(learner, *config, style=style)


# Each invalid kind: the argument it breaks, how, and why that is impossible.
INVALID = {
    "kernel": ("kernel_size", "the kernel is larger than the padded input on the {axis} "
               "(n + 2p = {room} < k = {k})",
               "在{axis_zh}上卷积核大于填充后的输入（n + 2p = {room} < k = {k}）"),
    "input": ("input_size", "input_size must be at least 1", "input_size 必须至少为 1"),
    "kernel_size": ("kernel_size", "kernel_size must be at least 1", "kernel_size 必须至少为 1"),
    "stride": ("stride", "stride must be at least 1", "stride 必须至少为 1"),
    "padding": ("padding", "padding cannot be negative", "padding 不能为负数"),
}
AXES = (("height", "高度方向"), ("width", "宽度方向"))


@st.composite
def invalid_configs(draw: Any) -> tuple[dict, tuple[str, str]]:
    """A configuration nn.Conv2d rejects: one kind of fault, on one axis or both."""
    n, k, p, s = draw(conv_configs(max_input=10, max_padding=3, max_stride=4))
    args = {"input_size": list(as_pair(n)), "kernel_size": list(as_pair(k)),
            "padding": list(as_pair(p)), "stride": list(as_pair(s))}
    kind = draw(st.sampled_from(sorted(INVALID)))
    axes = draw(st.sampled_from([(0,), (1,), (0, 1)]))
    name, en, zh = INVALID[kind]
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
    why = (en.format(axis=AXES[a][0], room=room, k=args["kernel_size"][a]),
           zh.format(axis_zh=AXES[a][1], room=room, k=args["kernel_size"][a]))
    for key, (h, w) in list(args.items()):
        args[key] = h if h == w and draw(st.booleans()) else (h, w)
    return args, why


@pytest.mark.exercise("conv_output_shape")
def test_conv_output_shape_rejects_classic_faults(learner):
    # One of each kind first (Hypothesis then looks for the rest).
    for args, why in (
            ((2, 3, 0, 1), ("the kernel (3) is larger than the input (2)",
                            "卷积核（3）大于输入（2）")),
            (((5, 2), 3, 0, 1), ("the kernel (3) is larger than the input's width (2)",
                                 "卷积核（3）大于输入的宽度（2）")),
            ((8, 3, 1, 0), ("stride must be at least 1", "stride 必须至少为 1")),
            ((8, 3, -1, 1), ("padding cannot be negative", "padding 不能为负数")),
            ((0, 1, 1, 1), ("input_size must be at least 1", "input_size 必须至少为 1")),
            ((8, 0, 0, 1), ("kernel_size must be at least 1", "kernel_size 必须至少为 1"))):
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
        _, en, zh = INVALID[what]
        learner.call_expecting(ValueError, *args, why=(en, zh), require_message=True)


@pytest.mark.exercise("conv_output_shape")
@budget(30)
@given(invalid_configs())
def test_conv_output_shape_rejects_impossible_configurations(learner, case):
    args, why = case
    learner.call_expecting(ValueError, args["input_size"], args["kernel_size"], args["padding"],
                           args["stride"], why=why, require_message=True)


# -- pad2d --------------------------------------------------------------------------------------

def ref_pad(X: torch.Tensor, padding: Any) -> torch.Tensor:
    p_h, p_w = as_pair(padding)
    return F.pad(X.double(), (p_w, p_w, p_h, p_h))


def pad_mistakes(X: torch.Tensor, padding: Any) -> list[Mistake]:
    p_h, p_w = as_pair(padding)
    x = X.double()
    out = [Mistake(x, "your result is not padded at all.", "你的结果完全没有填充。"),
           Mistake(F.pad(x, (p_h, p_h, p_w, p_w)),
                   "your padding has the axes swapped: p_h rows go above and below, p_w columns "
                   "left and right (F.pad's tuple starts with the LAST axis: (p_w, p_w, p_h, "
                   "p_h)).",
                   "你的填充把两个轴弄反了：上下各加 p_h 行，左右各加 p_w 列"
                   "（F.pad 的元组从最后一个轴开始：(p_w, p_w, p_h, p_h)）。"),
           Mistake(F.pad(x, (p_w, 0, p_h, 0)),
                   "you padded the top and the left only; padding goes on EACH side.",
                   "你只在上方和左侧填充了；填充应加在每一侧。"),
           Mistake(F.pad(x, (0, p_w, 0, p_h)),
                   "you padded the bottom and the right only; padding goes on EACH side.",
                   "你只在下方和右侧填充了；填充应加在每一侧。"),
           Mistake(F.pad(x, (p_w // 2, p_w - p_w // 2, p_h // 2, p_h - p_h // 2)),
                   "you treated padding as the total to share between both sides; it is the "
                   "number of rows/columns added on EACH side.",
                   "你把 padding 当成了两侧共享的总数；它是每一侧添加的行数/列数。")]
    return out


def other_paddings(X: torch.Tensor, seed: int = 0) -> Any:
    """X with new values and paddings of two different sides (0 to 3)."""
    import random

    rng = random.Random(seed)
    for i, (Y,) in enumerate(fresh((X,), count=8, seed=seed)()):
        yield Y, (rng.randint(0, 3), rng.randint(0, 3)) if i else (2, 3)


def check_pad(learner: Any, X: torch.Tensor, padding: Any) -> None:
    got = learner.call(X, padding)
    expect_tensor(got, ref_pad(X, padding), call="pad2d(X, padding)",
                  inputs=[("X", X), ("padding", padding)],
                  shape_why=("(h + 2 p_h, w + 2 p_w): padding is added on each side",
                             "(h + 2 p_h, w + 2 p_w)：每一侧都要填充"),
                  mistakes=pad_mistakes(X, padding), floating=X.dtype.is_floating_point,
                  further=tell_apart(lambda X, padding: (learner.call(X, padding),
                                                         pad_mistakes(X, padding)),
                                     lambda: other_paddings(X)))
    if got.dtype != X.dtype:  # the values were right: the exercise also keeps the dtype
        raise Mismatch("mismatch", reason="mm.value",
                       params={"expected": f"dtype {X.dtype}", "got": f"dtype {got.dtype}"},
                       diagnosis=("padding keeps the input's dtype: build the result with "
                                  "torch.zeros(..., dtype=X.dtype, device=X.device).",
                                  "填充不改变输入的数据类型：请用 torch.zeros(..., dtype=X.dtype, "
                                  "device=X.device) 创建结果。"),
                       shape_why=None, call="pad2d(X, padding)",
                       inputs=[("X", X), ("padding", padding)], expected=None, actual=None)


@pytest.mark.exercise("pad2d")
def test_pad2d_examples(learner):
    X = place(torch.ones(2, 3), learner.device)
    check_pad(learner, X, (1, 2))
    check_pad(learner, place(torch.arange(1.0, 7.0).reshape(2, 3), learner.device), 1)


#: The contract promises X's dtype, so some inputs are not float32: a result built with
#: torch.zeros' default dtype shows on them (a float32 input cannot tell).
PAD_DTYPES = (torch.float64, torch.int64, torch.float16)


@pytest.mark.exercise("pad2d")
@pytest.mark.parametrize("dtype", PAD_DTYPES, ids=str)
def test_pad2d_keeps_the_dtype(learner, dtype):
    X = (torch.arange(1.0, 13.0).reshape(3, 4) * 3 % 7 - 2).to(dtype)
    check_pad(learner, place(X, learner.device), (2, 1))
    check_pad(learner, place(X.t(), learner.device), 1)  # and another memory layout


@pytest.mark.exercise("pad2d")
@budget(20)
@given(st.data())
def test_pad2d_matches_f_pad(learner, data):
    X = data.draw(shapes(2).flatmap(tensors), label="X")
    X = X.to(data.draw(st.sampled_from((torch.float32,) + PAD_DTYPES), label="dtype"))
    padding = data.draw(int_or_pair(st.integers(0, 3)), label="padding")
    check_pad(learner, place(X, learner.device), padding)


# -- corr2d_strided -----------------------------------------------------------------------------

def ref_conv(X: torch.Tensor, K: torch.Tensor, padding: Any = 0, stride: Any = 1
             ) -> torch.Tensor | None:
    """F.conv2d in float64, or None where it is undefined (the kernel does not fit)."""
    try:
        return F.conv2d(X.double()[None, None], K.double()[None, None],
                        padding=as_pair(padding), stride=as_pair(stride))[0, 0]
    except RuntimeError:
        return None


def strided_mistakes(X: torch.Tensor, K: torch.Tensor, padding: Any, stride: Any
                     ) -> list[Mistake]:
    p_h, p_w = as_pair(padding)
    s_h, s_w = as_pair(stride)
    ref = ref_conv(X, K, padding, stride)
    one_axis = ("you applied the stride on one axis only (or one axis's stride to both): "
                "stride=(s_h, s_w) moves the window s_h rows down and s_w columns right.",
                "你只在一个轴上应用了步幅（或把一个轴的步幅用在了两个轴上）：stride=(s_h, s_w) "
                "表示窗口每次向下移动 s_h 行、向右移动 s_w 列。")
    out = [
        Mistake(ref_conv(X, K.flip((0, 1)), padding, stride),
                "your result equals the true convolution: cross-correlation does not flip the "
                "kernel.", "你的结果等于真正的卷积：互相关运算不翻转卷积核。"),
        Mistake(ref_conv(X, K, 0, stride), "your result ignores the padding.",
                "你的结果忽略了填充。"),
        Mistake(ref_conv(F.pad(X, (p_w, 0, p_h, 0)), K, 0, stride),
                "you padded the top and the left only; padding goes on EACH side.",
                "你只在上方和左侧填充了；填充应加在每一侧。"),
        Mistake(ref_conv(F.pad(X, (0, p_w, 0, p_h)), K, 0, stride),
                "you padded the bottom and the right only; padding goes on EACH side.",
                "你只在下方和右侧填充了；填充应加在每一侧。"),
        Mistake(ref_conv(X, K, (p_w, p_h), stride),
                "your padding has the axes swapped: p_h rows above and below, p_w columns left "
                "and right.", "你的填充把两个轴弄反了：上下各 p_h 行，左右各 p_w 列。"),
        Mistake(ref_conv(X, K, padding, 1), "your result ignores the stride.",
                "你的结果忽略了步幅。"),
        Mistake(ref_conv(X, K, padding, (s_w, s_h)),
                "your stride has the axes swapped: s_h is the step down the rows, s_w along the "
                "columns.", "你的步幅把两个轴弄反了：s_h 是沿行向下的步长，s_w 是沿列向右的步长。"),
    ]
    out += [Mistake(ref_conv(X, K, padding, one), *one_axis)
            for one in ((s_h, 1), (1, s_w), (s_h, s_h), (s_w, s_w))]
    if ref is not None and min(ref.shape) > 1:
        out.append(Mistake(ref[:-1, :-1],
                           "your output is one row and one column short: the size is "
                           "floor((n + 2p - k) / s) + 1, don't forget the + 1.",
                           "你的输出少了一行一列：大小是 floor((n + 2p - k) / s) + 1，"
                           "别忘了 + 1。"))
    return [m for m in out if m.value is not None]


def check_strided(learner: Any, X: torch.Tensor, K: torch.Tensor, padding: Any, stride: Any,
                  style: str = "positional") -> None:
    if style == "positional":
        args, kwargs = (X, K, padding, stride), {}
    else:
        args, kwargs = (X, K), {}
        if padding != 0:
            kwargs["padding"] = padding
        if stride != 1:
            kwargs["stride"] = stride
    expect_tensor(learner.call(*args, **kwargs), ref_conv(X, K, padding, stride),
                  call="corr2d_strided(X, K, padding, stride)",
                  inputs=[("X", X), ("K", K), ("padding", padding), ("stride", stride)],
                  scale=ref_conv(X.abs(), K.abs(), padding, stride), shape_why=SHAPE_WHY,
                  mistakes=strided_mistakes(X, K, padding, stride),
                  further=tell_apart(lambda *a: (learner.call(*a), strided_mistakes(*a)),
                                     lambda: other_strided(X, K)))


def other_strided(X: torch.Tensor, K: torch.Tensor, count: int = 12, seed: int = 0) -> Any:
    """New values of X and K's shapes, with other paddings and strides (each axis its own)."""
    import random

    rng = random.Random(seed)
    for i, (Y, L) in enumerate(fresh((X, K), count=count, seed=seed)()):
        padding = (rng.randint(0, 2), rng.randint(0, 2)) if i % 2 else (0, 0)
        stride = (rng.randint(1, 3), rng.randint(1, 3))
        if i % 4 == 3:  # a larger input, so that strides and paddings have room to differ
            Y = torch.randint(-4, 5, (Y.shape[0] + 3, Y.shape[1] + 4)).to(Y)
        if all(Y.shape[a] + 2 * padding[a] >= L.shape[a] for a in range(2)):
            yield Y, L, padding, stride


@pytest.mark.exercise("corr2d_strided")
@pytest.mark.parametrize("style", STYLES)
def test_corr2d_strided_book_examples(learner, style):
    X = place(torch.arange(9.0).reshape(3, 3), learner.device)
    K = place(torch.tensor([[0.0, 1.0], [2.0, 3.0]]), learner.device)
    check_strided(learner, X, K, 1, 1, style=style)  # d2l figure 7.3.1
    check_strided(learner, X, K, 1, (3, 2), style=style)  # d2l figure 7.3.2
    check_strided(learner, X, K, 0, 1, style=style)  # no padding, no stride
    check_strided(learner, X, K, (0, 1), 2, style=style)  # padding and stride both set


@once
def _kernel_side(room: int) -> st.SearchStrategy:
    return st.one_of(st.integers(1, min(room, 5)), st.just(room))


@st.composite
def strided_problems(draw: Any) -> tuple:
    padding = draw(int_or_pair(st.integers(0, 2)))
    stride = draw(int_or_pair(st.integers(1, 4)))
    n = draw(shapes(2, max_side=7))
    p_h, p_w = as_pair(padding)
    room = (n[0] + 2 * p_h, n[1] + 2 * p_w)
    # Kernels up to 5, or exactly as large as the padded input.
    k = tuple(draw(_kernel_side(r)) for r in room)
    return draw(tensors(n)), draw(tensors(k)), padding, stride


@pytest.mark.exercise("corr2d_strided")
@pytest.mark.parametrize("style", STYLES)
@budget(18)
@given(strided_problems())
def test_corr2d_strided_matches_conv2d(learner, style, problem):
    X, K, padding, stride = problem
    X, K = place((X, K), learner.device)
    check_strided(learner, X, K, padding, stride, style)


# -- comp_conv2d --------------------------------------------------------------------------------

def conv_layer(learner: Any, kernel_size: Any, padding: Any, stride: Any, weight: torch.Tensor,
               bias: torch.Tensor | None) -> tuple[ModuleSpec, str]:
    """An nn.Conv2d(1, 1, ...) with these weights, built in the learner's worker."""
    kwargs = {"kernel_size": kernel_size, "padding": padding, "stride": stride,
              "bias": bias is not None, "device": learner.device}
    state = {"weight": weight} if bias is None else {"weight": weight, "bias": bias}
    text = f"nn.Conv2d(1, 1, kernel_size={kernel_size!r}, padding={padding!r}, " \
           f"stride={stride!r}{'' if bias is not None else ', bias=False'})"
    return ModuleSpec("torch.nn.Conv2d", (1, 1), kwargs, state), text


def check_comp(learner: Any, X: torch.Tensor, kernel_size: Any, padding: Any, stride: Any,
               weight: torch.Tensor, bias: torch.Tensor | None) -> None:
    spec, text = conv_layer(learner, kernel_size, padding, stride, weight, bias)
    x = X.double().cpu()[None, None]
    ref = F.conv2d(x, weight.double(), None if bias is None else bias.double(),
                   padding=as_pair(padding), stride=as_pair(stride))[0, 0]
    scale = F.conv2d(x.abs(), weight.double().abs(), None if bias is None else
                     bias.double().abs(), padding=as_pair(padding), stride=as_pair(stride))[0, 0]
    inputs = [("conv2d", Shown(text)), ("conv2d.weight", weight)]
    if bias is not None:
        inputs.append(("conv2d.bias", bias))
    inputs.append(("X", X))
    drop = ("you returned the output with its batch and channel dimensions: remove them, e.g. "
            "Y.reshape(Y.shape[2:]).",
            "你返回的输出仍带有批量和通道维度：请去掉它们，例如 Y.reshape(Y.shape[2:])。")
    expect_tensor(learner.call(spec, X), ref.to(X.device), call="comp_conv2d(conv2d, X)",
                  inputs=inputs, scale=scale,
                  shape_why=("the layer's output without the batch and channel dimensions: "
                             "conv_output_shape(X.shape, kernel_size, padding, stride)",
                             "去掉批量和通道维度后的层输出："
                             "conv_output_shape(X.shape, kernel_size, padding, stride)"),
                  mistakes=[Mistake(ref[None, None], *drop), Mistake(ref[None], *drop)])


@pytest.mark.exercise("comp_conv2d")
def test_comp_conv2d_book_examples(learner):
    # d2l 7.3's four layers on an 8 x 8 input: 8 x 8, 8 x 8, 4 x 4, 2 x 2.
    gen = torch.Generator().manual_seed(0)
    X = place(torch.randint(-4, 5, (8, 8), generator=gen).float(), learner.device)
    for kernel_size, padding, stride in ((3, 1, 1), ((5, 3), (2, 1), 1), (3, 1, 2),
                                         ((3, 5), (0, 1), (3, 4))):
        k_h, k_w = as_pair(kernel_size)
        weight = torch.randint(-3, 4, (1, 1, k_h, k_w), generator=gen).float()
        bias = torch.randint(-3, 4, (1,), generator=gen).float()
        check_comp(learner, X, kernel_size, padding, stride, weight, bias)


@st.composite
def layers_and_inputs(draw: Any) -> tuple:
    kernel_size = draw(int_or_pair(st.integers(1, 4)))
    padding = draw(int_or_pair(st.integers(0, 2)))
    stride = draw(int_or_pair(st.integers(1, 3)))
    k, p = as_pair(kernel_size), as_pair(padding)
    n = tuple(draw(st.integers(max(1, k_a - 2 * p_a), 7)) for k_a, p_a in zip(k, p, strict=True))
    weight = draw(tensors((1, 1) + k))
    bias = draw(st.one_of(st.none(), tensors((1,))))
    return draw(tensors(n)), kernel_size, padding, stride, weight, bias


@pytest.mark.exercise("comp_conv2d")
@budget(15)
@given(layers_and_inputs())
def test_comp_conv2d_applies_the_layer(learner, case):
    X, kernel_size, padding, stride, weight, bias = case
    check_comp(learner, place(X, learner.device), kernel_size, padding, stride, weight, bias)
