"""Chapter 19 checks, one module per exercise: cross-correlation (``corr2d``), the ``Conv2D``
layer, 1-D and 3-D correlation, true convolution, the edge kernel, and learning a kernel by
gradient descent; ``correlation`` holds what several of them share (the reference, its known
mistakes, the book's edge image).

References come from PyTorch's own operators (``F.conv1d/2d/3d``, autograd) computed here, in
float64, in the verdict process.
"""
