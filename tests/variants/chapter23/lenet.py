"""lenet's mutants and alternatives."""

from __future__ import annotations

from tests.variants import Variant, edit
from tests.variants.chapter23._texts import english

# One module at four positions.
SHARED_SIGMOID_LENET = """
def lenet():
    act = nn.Sigmoid()  # one module at four positions
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), act, nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), act, nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), act, nn.Linear(120, 84), act,
        nn.Linear(84, 10))
"""

# The Chinese course's lecture-23 code: a Reshape layer first.
LECTURE_LENET = """
def lenet():
    return torch.nn.Sequential(
        Reshape(), nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))
"""
RESHAPE = """
class Reshape(torch.nn.Module):
    def forward(self, x):
        return x.view(-1, 1, 28, 28)
"""

# d2l 1.0's LeNet: lazy layers, shapes found on the first forward pass.
LAZY_LENET = """
def lenet():
    return nn.Sequential(
        nn.LazyConv2d(6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.LazyConv2d(16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.LazyLinear(120), nn.Sigmoid(),
        nn.LazyLinear(84), nn.Sigmoid(),
        nn.LazyLinear(10))
"""

CLASS_LENET = """
def lenet():
    return _LeNet()
"""

VARIANTS = [
    Variant("ReLU instead of sigmoid",
            edit("nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid()",
                 "nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU()"),
            "failed", "sigmoid",
            diagnosis=english("chapter23.lenet.mistake.sigmoid")),
    Variant("max pooling",
            edit("nn.AvgPool2d(kernel_size=2, stride=2),\n        nn.Conv2d",
                 "nn.MaxPool2d(kernel_size=2, stride=2),\n        nn.Conv2d"),
            "failed", "average pooling",
            diagnosis=english("chapter23.lenet.mistake.average_pooling")),
    Variant("no padding in the first convolution",
            edit("nn.Conv2d(1, 6, kernel_size=5, padding=2)", "nn.Conv2d(1, 6, kernel_size=5)"),
            "failed", "padding=2",
            diagnosis=english("chapter23.lenet.mistake.padding")),
    Variant("wrong Linear sizes",
            edit("nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),\n        nn.Linear(120, 84)",
                 "nn.Linear(16 * 5 * 5, 100), nn.Sigmoid(),\n        nn.Linear(100, 84)"),
            "failed", "400, 120",
            diagnosis=english("chapter23.lenet.mistake.dense_block")),
    Variant("no Flatten", edit("        nn.Flatten(),\n", ""), "failed", "expected Flatten"),
    Variant("built in float64: the message names lenet()(X), not the grader's probe",
            edit("nn.Linear(84, 10))", "nn.Linear(84, 10)).double()"),
            "error", "lenet()(X), then backward raised RuntimeError"),
    Variant("last sigmoid after the output layer",
            edit("nn.Linear(84, 10))", "nn.Linear(84, 10), nn.Sigmoid())"),
            "failed", "no more layers"),
    Variant("class whose forward skips a sigmoid", CLASS_LENET, "failed", "wrong values",
            also={"_LeNet": """
class _LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
            nn.Linear(120, 84), nn.Sigmoid(),
            nn.Linear(84, 10))

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            if i != 1:
                x = layer(x)
        return x
"""},
            diagnosis=english("chapter23.lenet.mistake.not_in_order")),
    # Issue 16: classes of misses found with code written apart from the suite.
    Variant("a reshape to the wrong image size first", LECTURE_LENET, "failed",
            "only reshapes the batch",
            also={"Reshape": RESHAPE.replace("x.view(-1, 1, 28, 28)", "x.view(-1, 1, 56, 14)")},
            diagnosis=english("chapter23.lenet.mistake.not_a_reshape")),
    Variant("an extra sigmoid before the first convolution",
            edit("nn.Sequential(\n", "nn.Sequential(\n        nn.Sigmoid(),\n"),
            "failed", "layer 1 is sigmoid",
            diagnosis=english("chapter23.lenet.mistake.not_a_reshape")),
    Variant("one sigmoid module reused, one position left out",
            SHARED_SIGMOID_LENET.replace("nn.Conv2d(6, 16, kernel_size=5), act,",
                                         "nn.Conv2d(6, 16, kernel_size=5),"),
            "failed", "expected Sigmoid"),
    Variant("lazy layers, a wrong width",
            LAZY_LENET.replace("LazyLinear(120), nn.Sigmoid(),\n        nn.LazyLinear(84)",
                               "LazyLinear(100), nn.Sigmoid(),\n        nn.LazyLinear(84)"),
            "failed", "400, 120",
            diagnosis=english("chapter23.lenet.mistake.dense_block")),
    # Found by a review with code the authors had not seen.
    Variant("the same module-level network on every call", """
def lenet():
    # not fresh: the first network is kept and returned by every later call
    if not hasattr(lenet, "net"):
        lenet.net = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
            nn.Linear(120, 84), nn.Sigmoid(),
            nn.Linear(84, 10))
    return lenet.net
""", "failed", "new network"),

    # alternatives
    Variant("OrderedDict-named Sequential", """
def lenet():
    from collections import OrderedDict
    return nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(1, 6, kernel_size=5, padding=2)), ("act1", nn.Sigmoid()),
        ("pool1", nn.AvgPool2d(kernel_size=2, stride=2)),
        ("conv2", nn.Conv2d(6, 16, kernel_size=5)), ("act2", nn.Sigmoid()),
        ("pool2", nn.AvgPool2d(kernel_size=2, stride=2)),
        ("flatten", nn.Flatten()),
        ("fc1", nn.Linear(400, 120)), ("act3", nn.Sigmoid()),
        ("fc2", nn.Linear(120, 84)), ("act4", nn.Sigmoid()),
        ("fc3", nn.Linear(84, 10))]))
"""),
    Variant("a class holding an nn.Sequential", CLASS_LENET, also={"_LeNet": """
class _LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
            nn.Linear(120, 84), nn.Sigmoid(),
            nn.Linear(84, 10))

    def forward(self, X):
        return self.net(X)
"""}),
    Variant("blocks, tuples and default strides", """
def lenet():
    def block(c_in, c_out, padding):
        return nn.Sequential(nn.Conv2d(c_in, c_out, (5, 5), padding=padding), nn.Sigmoid(),
                             nn.AvgPool2d(2))
    return nn.Sequential(block(1, 6, (2, 2)), block(6, 16, 0), nn.Flatten(start_dim=1),
                         nn.Sequential(nn.Linear(400, 120), nn.Sigmoid(), nn.Linear(120, 84),
                                       nn.Sigmoid()),
                         nn.Linear(84, 10))
"""),
    Variant("padding='same'", edit("nn.Conv2d(1, 6, kernel_size=5, padding=2)",
                                   "nn.Conv2d(1, 6, kernel_size=5, padding='same')")),
    Variant("one sigmoid module reused at every position", SHARED_SIGMOID_LENET),
    Variant("one pooling module reused", """
def lenet():
    pool = nn.AvgPool2d(kernel_size=2, stride=2)
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), pool,
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), pool,
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(), nn.Linear(120, 84),
        nn.Sigmoid(), nn.Linear(84, 10))
"""),
    Variant("the lecture's Reshape layer first", LECTURE_LENET, also={"Reshape": RESHAPE}),
    Variant("d2l 1.0's lazy layers", LAZY_LENET),
]
