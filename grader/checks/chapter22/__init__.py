"""Chapter 22 checks: d2l's pool2d, and max/average pooling with PyTorch's semantics.

One module per exercise (``pool2d.py``, ``max_pool2d.py``, ``avg_pool2d.py``), found from the
exercise's name; ``pooling.py`` holds what they share: the references (``F.max_pool2d`` /
``F.avg_pool2d`` in float64, computed here), the problems, the fixed cases and the known
mistakes of max and average pooling. Inputs are (C, H, W) and (N, C, H, W), with default
strides, per-axis pairs and padding up to what PyTorch allows (half the window); they are
sometimes all negative, so that padding with zeros shows in a max.
"""
