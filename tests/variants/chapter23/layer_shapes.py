"""layer_shapes' mutants and alternatives."""

from __future__ import annotations

from tests.variants import Variant, edit
from tests.variants.chapter23._texts import english

VARIANTS = [
    Variant("records the input shapes",
            edit("            X = layer(X)\n"
                 "            shapes.append((layer.__class__.__name__, tuple(X.shape)))\n",
                 "            shapes.append((layer.__class__.__name__, tuple(X.shape)))\n"
                 "            X = layer(X)\n"),
            "failed", "into each layer",
            diagnosis=english("chapter23.layer_shapes.mistake.input_shapes")),
    Variant("shapes as lists", edit("tuple(X.shape)))", "list(X.shape)))"),
            "failed", "tuple of ints",
            diagnosis=english("chapter23.layer_shapes.mistake.not_tuples")),
    Variant("drops the batch dimension", edit("tuple(X.shape)))", "tuple(X.shape[1:])))"),
            "failed", "batch dimension",
            diagnosis=english("chapter23.layer_shapes.mistake.no_batch")),
    Variant("hard-coded d2l table", """
def layer_shapes(net, input_shape=(1, 1, 28, 28)):
    return [("Conv2d", (1, 6, 28, 28)), ("Sigmoid", (1, 6, 28, 28)),
            ("AvgPool2d", (1, 6, 14, 14)), ("Conv2d", (1, 16, 10, 10)),
            ("Sigmoid", (1, 16, 10, 10)), ("AvgPool2d", (1, 16, 5, 5)), ("Flatten", (1, 400)),
            ("Linear", (1, 120)), ("Sigmoid", (1, 120)), ("Linear", (1, 84)),
            ("Sigmoid", (1, 84)), ("Linear", (1, 10))]
""", "failed", "entry 1"),
    Variant("str(layer) as the name",
            edit("layer.__class__.__name__, tuple(X.shape)", "str(layer), tuple(X.shape)"),
            "failed", "names are not",
            diagnosis=english("chapter23.layer_shapes.mistake.names")),

    # alternatives
    Variant("d2l's loop with print", """
def layer_shapes(net, input_shape=(1, 1, 28, 28)):
    X = torch.rand(size=input_shape, dtype=torch.float32)
    shapes = []
    for layer in net:
        X = layer(X)
        print(layer.__class__.__name__, 'output shape: \\t', X.shape)
        shapes.append((type(layer).__name__, X.shape))
    return shapes
"""),
    Variant("named_children and a list comprehension", """
def layer_shapes(net, input_shape=(1, 1, 28, 28)):
    X = torch.rand(input_shape)
    rows = []
    for _, layer in net.named_children():
        X = layer(X)
        rows.append(X.shape)
    return [(type(m).__name__, tuple(int(s) for s in shape))
            for m, shape in zip(net.children(), rows)]
"""),
]
