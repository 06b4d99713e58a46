"""grader.strategies on its own: the tensors every check draws (their shapes, values and memory
layouts, and what they shrink to) and the size arguments."""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from grader.strategies import (
    MAX_SIDE,
    as_pair,
    input_and_kernel,
    int_or_pair,
    place,
    shapes,
    tensors,
    up_to,
)

FAST = settings(max_examples=60, database=None, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))
SEARCH = settings(max_examples=2000, database=None, deadline=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
REACH = settings(SEARCH, phases=(Phase.generate,))  # found at all, not shrunk


def _is_int_valued(t: torch.Tensor) -> bool:
    return bool((t == t.round()).all())


@FAST
@given(st.data(), st.lists(st.integers(1, 4), min_size=0, max_size=4).map(tuple))
def test_tensors_have_the_shape_asked_and_float32_values_on_the_two_grids(data, shape):
    t = data.draw(tensors(shape))
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float32
    assert tuple(t.shape) == shape and t.device.type == "cpu"
    # both flavours (integers in [-4, 4], multiples of 1/256 in [-10, 10]) are on the finer
    # grid; a float-flavoured draw may happen to be integer-valued (1280 / 256 = 5.0)
    assert bool((t.abs() <= 10).all())
    assert bool(((t * 256) == (t * 256).round()).all())  # exact in float32


def test_both_flavours_and_negative_values_occur():
    assert find(tensors((2, 2)), lambda t: not _is_int_valued(t), settings=REACH) is not None
    assert float(find(tensors((3,)), lambda t: bool((t < 0).any()), settings=REACH).min()) < 0
    assert find(tensors((3,)), lambda t: bool((t.abs() > 4).any()), settings=REACH) is not None


def test_tensors_shrink_to_zeros_then_to_small_integers():
    assert torch.equal(find(tensors((2, 3)), lambda t: True, settings=SEARCH),
                       torch.zeros(2, 3))
    one = find(tensors((2, 3)), lambda t: bool((t != 0).any()), settings=SEARCH)
    assert sorted(one.reshape(-1).tolist()) == [0.0] * 5 + [1.0]
    fraction = find(tensors((2,)), lambda t: not _is_int_valued(t), settings=SEARCH)
    assert fraction.abs().max() <= 1.0  # a small fraction, not one near the grid's end


def test_a_shrunk_counterexample_keeps_its_memory_layout_with_zeros():
    t = find(tensors((2, 3)), lambda t: not t.is_contiguous(), settings=SEARCH)
    assert torch.equal(t, torch.zeros(2, 3))
    assert t.stride() == (1, 2)  # the last two axes transposed in memory


def test_layouts_two_axes_or_more_only():
    seen = set()
    for shape in ((2, 3), (2, 3, 4)):
        for layout in ("transposed", "reversed"):
            if layout == "reversed" and len(shape) < 3:
                continue
            want = ((lambda t: t.stride()[-2] == 1) if layout == "transposed"
                    else (lambda t: t.stride()[0] == 1))
            t = find(tensors(shape), want, settings=REACH)
            seen.add((len(shape), layout, t.stride()))
    assert seen == {(2, "transposed", (1, 2)), (3, "transposed", (12, 1, 3)),
                    (3, "reversed", (1, 2, 6))}


@FAST
@given(st.data())
def test_one_axis_tensors_are_always_contiguous(data):
    assert data.draw(tensors((5,))).is_contiguous()


def test_tensors_built_once_per_shape_and_ints_accepted():
    assert tensors((2, 3)) is tensors((2, 3))
    assert tensors((2, 3)) is tensors((torch.tensor(2).item(), 3))
    assert tensors(torch.Size([2, 3])) is tensors((2, 3))


@FAST
@given(st.data(), st.integers(1, 3), st.integers(1, 3), st.integers(3, 5))
def test_shapes_respect_ndim_and_bounds(data, ndim, low, high):
    shape = data.draw(shapes(ndim, low, high))
    assert len(shape) == ndim and all(low <= n <= high for n in shape)
    assert all(type(n) is int for n in shape)


def test_shapes_default_to_small_sides_and_shrink_to_ones():
    assert find(shapes(2), lambda s: True, settings=SEARCH) == (1, 1)
    assert find(shapes(2), lambda s: max(s) == MAX_SIDE, settings=SEARCH) in \
        ((1, MAX_SIDE), (MAX_SIDE, 1))
    with pytest.raises(Exception):  # noqa: B017  (no shape beyond MAX_SIDE: nothing found)
        find(shapes(1), lambda s: s[0] > MAX_SIDE, settings=SEARCH)


@FAST
@given(st.data(), st.integers(1, 6))
def test_up_to_draws_from_one_to_side(data, side):
    assert 1 <= data.draw(up_to(side)) <= side


def test_up_to_reaches_its_side():
    assert find(up_to(4), lambda n: n == 4, settings=SEARCH) == 4
    assert find(up_to(4), lambda n: True, settings=SEARCH) in (1, 4)


@FAST
@given(st.data())
def test_int_or_pair_is_an_int_or_a_tuple_of_two_from_the_elements(data):
    x = data.draw(int_or_pair(st.integers(2, 3)))
    if isinstance(x, tuple):
        assert len(x) == 2 and all(2 <= v <= 3 for v in x)
    else:
        assert type(x) is int and 2 <= x <= 3


def test_int_or_pair_draws_both_forms():
    assert isinstance(find(int_or_pair(st.integers(1, 2)), lambda x: isinstance(x, tuple),
                           settings=SEARCH), tuple)
    assert find(int_or_pair(st.integers(1, 2)), lambda x: True, settings=SEARCH) == 1


def test_as_pair():
    assert as_pair(3) == (3, 3)
    assert as_pair((2, 5)) == (2, 5)
    assert as_pair([2, 5]) == (2, 5)
    assert as_pair((torch.tensor(2), 5.0)) == (2, 5)
    assert all(type(v) is int for v in as_pair((torch.tensor(2), 5.0)))


@FAST
@given(st.data(), st.integers(1, 3))
def test_input_and_kernel_fit_on_every_axis_with_leading_axes(data, ndim):
    x, k = data.draw(input_and_kernel(ndim=ndim, max_side=4, lead=(2,), kernel_lead=(3, 2)))
    assert x.dim() == ndim + 1 and k.dim() == ndim + 2
    assert x.shape[0] == 2 and k.shape[:2] == (3, 2)
    assert all(1 <= kk <= n <= 4 for kk, n in zip(k.shape[2:], x.shape[1:], strict=True))


def test_input_and_kernel_reach_a_kernel_as_large_as_the_input():
    x, k = find(input_and_kernel(ndim=2, max_side=3),
                lambda xk: xk[1].shape == xk[0].shape and xk[0].numel() > 1, settings=REACH)
    assert x.shape == k.shape


def test_place_moves_tensors_and_leaves_the_rest():
    x = torch.zeros(1)
    moved = place((x, 3, (x, "s")), "meta")
    assert moved[0].device.type == "meta" and moved[1] == 3
    assert moved[2][0].device.type == "meta" and moved[2][1] == "s"
