"""d2l's LeNet as module specs: what lenet() must build, and the net layer_shapes runs."""

from __future__ import annotations

from grader.module_specs import layer, sequential

LENET_LAYERS = (
    layer("Conv2d", 1, 6, kernel_size=5, padding=2), layer("Sigmoid"),
    layer("AvgPool2d", kernel_size=2, stride=2),
    layer("Conv2d", 6, 16, kernel_size=5), layer("Sigmoid"),
    layer("AvgPool2d", kernel_size=2, stride=2),
    layer("Flatten"),
    layer("Linear", 400, 120), layer("Sigmoid"),
    layer("Linear", 120, 84), layer("Sigmoid"),
    layer("Linear", 84, 10),
)
LENET = sequential(*LENET_LAYERS)
LENET_PARAMETERS = 61_706
