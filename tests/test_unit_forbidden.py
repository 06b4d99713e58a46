"""grader.forbidden on its own, in this process: which operators the from-scratch rule counts as
ready-made convolution or pooling (and which plain tensor operations it leaves alone), how a
call is named, and how matrix products are counted. The dispatcher layer (``install``) is
process-wide and stays in the worker's own tests (tests/test_hostile.py)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from grader.forbidden import (
    FORBIDDEN,
    NOT_FORBIDDEN,
    ForbiddenCall,
    FromScratchGuard,
    matching_ops,
    merge_products,
    operator_name,
)

X = torch.arange(16.0).reshape(1, 1, 4, 4)
K = torch.ones(1, 1, 2, 2)


def _learner_files(name: str) -> bool:
    return name == __file__


def guarded(call):
    """(the guard's first forbidden call or None, the matrix products it counted)."""
    guard = FromScratchGuard(_learner_files)
    try:
        with guard:
            call()
    except ForbiddenCall:
        assert guard.hit is not None
    return guard.hit, guard.products


READY_MADE = {
    "torch.nn.functional.conv2d": lambda: F.conv2d(X, K),
    "torch.nn.functional.conv1d": lambda: F.conv1d(X[0], K[0]),
    "torch.nn.functional.conv3d": lambda: F.conv3d(X[None], K[None]),
    "torch.nn.functional.conv_transpose2d": lambda: F.conv_transpose2d(X, K),
    "torch.nn.functional.max_pool2d": lambda: F.max_pool2d(X, 2),
    "torch.nn.functional.max_pool2d_with_indices": lambda: F.max_pool2d(X, 2,
                                                                        return_indices=True),
    "torch.nn.functional.avg_pool2d": lambda: F.avg_pool2d(X, 2),
    "torch.nn.functional.adaptive_avg_pool2d": lambda: F.adaptive_avg_pool2d(X, 1),
    "torch.nn.functional.lp_pool2d": lambda: F.lp_pool2d(X, 2, 2),
}


@pytest.mark.parametrize("name", list(READY_MADE))
def test_ready_made_convolution_and_pooling_are_forbidden_and_named(name):
    hit, _ = guarded(READY_MADE[name])
    assert hit is not None and hit["call"] == name


@pytest.mark.parametrize(("call", "name"), [
    (lambda: torch.conv2d(X, K), "torch.nn.functional.conv2d"),
    (lambda: torch.nn.Conv2d(1, 1, 2)(X), "torch.nn.functional.conv2d"),
    (lambda: torch.nn.MaxPool2d(2)(X), "torch.nn.functional.max_pool2d"),
    (lambda: torch.nn.AvgPool2d(2)(X), "torch.nn.functional.avg_pool2d"),
    (lambda: torch.ops.aten.convolution(X, K, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1),
     "torch.ops.aten.convolution"),
])
def test_every_way_in_from_python_is_seen(call, name):
    hit, _ = guarded(call)
    assert hit is not None and hit["call"] == name


def test_the_hit_names_the_learners_line():
    hit, _ = guarded(lambda: F.conv2d(X, K))
    assert hit["where"].startswith("test_unit_forbidden.py, line ")
    assert "F.conv2d(X, K)" in hit["where"]


def test_only_the_first_forbidden_call_is_kept_and_it_cannot_be_caught_as_an_exception():
    def learner():
        try:
            F.max_pool2d(X, 2)
        except Exception:  # a learner's broad except does not hide it
            pass
        F.conv2d(X, K)

    hit, _ = guarded(learner)
    assert hit["call"] == "torch.nn.functional.max_pool2d"


ALLOWED = {
    "F.unfold": lambda: F.unfold(X, 2),
    "Tensor.unfold": lambda: X.unfold(2, 2, 1),
    "F.pad": lambda: F.pad(X, (1, 1, 1, 1)),
    "slicing and sum": lambda: (X[..., 1:3, 0:2] * K).sum(),
    "flip": lambda: K.flip((2, 3)),
    "contiguous": lambda: X.transpose(2, 3).contiguous(),
    "zeros, stack, cat": lambda: torch.cat([torch.zeros(2), torch.stack([X.sum()])]),
    "reshape, permute": lambda: X.reshape(4, 4).permute(1, 0),
    "max and mean reductions": lambda: (X.amax(dim=(2, 3)), X.mean()),
}


@pytest.mark.parametrize("name", list(ALLOWED))
def test_plain_tensor_operations_are_allowed(name):
    hit, products = guarded(ALLOWED[name])
    assert hit is None and products == {}


@pytest.mark.parametrize(("call", "counted"), [
    (lambda: X[0, 0] @ K[0, 0].repeat(2, 2), {"matmul": 1}),
    (lambda: torch.matmul(X[0, 0], X[0, 0]), {"matmul": 1}),
    (lambda: torch.einsum("ij,jk->ik", X[0, 0], X[0, 0]), {"einsum": 1}),
    (lambda: (torch.mm(X[0, 0], X[0, 0]), torch.mm(X[0, 0], X[0, 0])), {"mm": 2}),
    (lambda: torch.tensordot(X[0, 0], X[0, 0], dims=1), {"tensordot": 1}),
])
def test_matrix_products_are_counted_not_forbidden(call, counted):
    hit, products = guarded(call)
    assert hit is None and products == counted


def test_the_guard_is_off_outside_its_block():
    guard = FromScratchGuard(_learner_files)
    with guard:
        pass
    assert torch.equal(F.conv2d(X, K), torch.tensor([[[[10.0, 14, 18], [26, 30, 34],
                                                        [42, 46, 50]]]]))
    assert guard.hit is None


@pytest.mark.parametrize(("name", "forbidden"), [
    ("conv2d", True), ("conv1d", True), ("conv_transpose3d", True), ("convolution", True),
    ("_convolution", True), ("cudnn_convolution", True), ("max_pool2d", True),
    ("adaptive_avg_pool3d", True), ("max_unpool2d", True), ("fractional_max_pool2d", True),
    ("contiguous", False), ("convert_element_type", False), ("unfold", False),
    ("conj", False), ("pad", False), ("matmul", False), ("cov", False),
])
def test_which_operator_names_are_convolution_or_pooling(name, forbidden):
    assert bool(FORBIDDEN.search(name)) is forbidden


def test_matching_ops_covers_every_namespace_and_nothing_else():
    ops = matching_ops()
    assert {"aten::conv2d", "aten::convolution", "aten::max_pool2d_with_indices",
            "aten::avg_pool2d", "aten::adaptive_avg_pool2d"} <= set(ops)
    assert any(op.startswith("quantized::") for op in ops)
    assert not set(ops) & NOT_FORBIDDEN
    assert not {"aten::add.Tensor", "aten::mm", "aten::im2col", "aten::constant_pad_nd"} & \
        set(ops)
    assert all(FORBIDDEN.search(op.split("::", 1)[1].lower()) for op in ops)


def test_operator_names_as_the_learner_wrote_them():
    assert operator_name(F.conv2d) == "torch.nn.functional.conv2d"
    assert operator_name(torch.max_pool2d) == "torch.max_pool2d"
    assert operator_name(torch.ops.aten.convolution) == "torch.ops.aten.convolution"


def test_an_overload_is_named_with_its_namespace():
    assert operator_name(torch.ops.aten.convolution.default) == \
        "torch.ops.aten.convolution.default"


def test_merge_products_takes_the_larger_view_of_this_thread_and_adds_the_others():
    here, other = 1, 2
    # the mode saw the learner's names; the dispatcher saw the same products as mm
    assert merge_products({"matmul": 2}, {(here, "mm"): 2}, here) == {"matmul": 2}
    # TorchScript: only the dispatcher saw them
    assert merge_products({}, {(here, "mm"): 3}, here) == {"mm": 3}
    # another thread's products are always added, as the dispatcher saw them
    assert merge_products({"einsum": 1}, {(here, "mm"): 1, (other, "bmm"): 2,
                                          (other, "mm"): 1}, here) == \
        {"einsum": 1, "bmm": 2, "mm": 1}
    assert merge_products({}, {}, here) == {}
