"""layer_shapes(): d2l's table of output shapes for LeNet, and for other batches and nets;
what a wrong table resembles (input shapes, lists, names, no batch dimension)."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from grader.checks.chapter23.d2l_lenet import LENET
from grader.checks.chapter23.failing import fail
from grader.compare import said
from grader.module_specs import Spec, build, layer, sequential

CHAPTER = "chapter23"

BOOK_EXAMPLES = """
>>> layer_shapes(lenet())[:3]
[('Conv2d', (1, 6, 28, 28)), ('Sigmoid', (1, 6, 28, 28)), ('AvgPool2d', (1, 6, 14, 14))]
"""

D2L_TABLE = [("Conv2d", (1, 6, 28, 28)), ("Sigmoid", (1, 6, 28, 28)),
             ("AvgPool2d", (1, 6, 14, 14)), ("Conv2d", (1, 16, 10, 10)),
             ("Sigmoid", (1, 16, 10, 10)), ("AvgPool2d", (1, 16, 5, 5)), ("Flatten", (1, 400)),
             ("Linear", (1, 120)), ("Sigmoid", (1, 120)), ("Linear", (1, 84)),
             ("Sigmoid", (1, 84)), ("Linear", (1, 10))]


def shape_table(spec: Spec, input_shape: tuple) -> tuple[list, list]:
    """(the expected table, the table of input shapes) for ``spec`` on ``input_shape``."""
    X = torch.rand(input_shape)
    out, before = [], []
    with torch.no_grad():
        for m in build(spec):
            before.append((type(m).__name__, tuple(X.shape)))
            X = m(X)
            out.append((type(m).__name__, tuple(X.shape)))
    return out, before


def expect_table(got: Any, expected: list, before: list, call: str, inputs: list) -> None:
    from grader.compare import plain_equal

    if plain_equal(got, expected):
        return
    diagnosis = None
    if isinstance(got, (list, tuple)):
        rows = list(got)
        normal = [tuple(r) if isinstance(r, (list, tuple)) else r for r in rows]
        normal = [(r[0], tuple(r[1])) if isinstance(r, tuple) and len(r) == 2
                  and isinstance(r[1], (list, tuple)) else r for r in normal]
        if plain_equal(normal, expected):
            diagnosis = said("chapter23.layer_shapes.mistake.not_tuples")
        elif plain_equal(normal, before):
            diagnosis = said("chapter23.layer_shapes.mistake.input_shapes")
        elif len(rows) == len(expected) and all(
                isinstance(r, tuple) and len(r) == 2 and r[1] == e[1]
                for r, e in zip(normal, expected, strict=True)):
            diagnosis = said("chapter23.layer_shapes.mistake.names")
        elif len(rows) == len(expected) and all(
                isinstance(r, tuple) and len(r) == 2 and isinstance(r[1], tuple)
                and r[1] == e[1][1:] for r, e in zip(normal, expected, strict=True)):
            diagnosis = said("chapter23.layer_shapes.mistake.no_batch")
        for i in range(max(len(rows), len(expected))):
            r = rows[i] if i < len(rows) else said("chapter23.layer_shapes.missing")
            e = expected[i] if i < len(expected) else said("chapter23.layer_shapes.no_more_layers")
            if i >= len(rows) or i >= len(expected) or not plain_equal(r, e):
                fail("chapter23.layer_shapes.reason.table_row", call, inputs, diagnosis=diagnosis, number=i + 1,
                     expected=e, got=r, rows=len(rows), want_rows=len(expected))
    fail("mm.value", call, inputs, expected=expected, got=got)


@pytest.mark.exercise("layer_shapes")
def test_layer_shapes_d2l_table(learner):
    got = learner.call(LENET)
    _, before = shape_table(LENET, (1, 1, 28, 28))
    expect_table(got, D2L_TABLE, before, "layer_shapes(net)", [("net", LENET)])


SMALL_NET = sequential(layer("Conv2d", 3, 4, kernel_size=3, stride=2), layer("ReLU"),
                       layer("MaxPool2d", kernel_size=2), layer("Flatten"),
                       layer("Linear", 36, 5))


@pytest.mark.exercise("layer_shapes")
@pytest.mark.parametrize("spec,input_shape", [(LENET, (4, 1, 28, 28)),
                                              (SMALL_NET, (2, 3, 15, 13))],
                         ids=["lenet-batch-4", "small-net"])
def test_layer_shapes_other_inputs(learner, spec, input_shape):
    got = learner.call(spec, input_shape)
    expected, before = shape_table(spec, input_shape)
    expect_table(got, expected, before, "layer_shapes(net, input_shape)",
                 [("net", spec), ("input_shape", input_shape)])
