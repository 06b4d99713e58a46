"""Chapter 21 checks: cross-correlation with multiple input and output channels, 1 x 1 kernels.

One module per exercise (``corr2d_multi_in.py``, ``corr2d_multi_in_out.py``,
``corr2d_multi_in_out_1x1.py``), found from the exercise's name; ``channels.py`` holds what
they share: the reference (``F.conv2d`` in float64, computed here), the problems and the known
mistakes of several output channels. Channel counts run from 1 to 4 with c_i = c_o and
c_i != c_o both drawn, so that summing versus averaging, the first channel only, the stacking
axis and the order of a reshaped weight matrix all show.
"""
