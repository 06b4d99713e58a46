"""Chapter 20 checks, one module per exercise: output shapes (``conv_output_shape``), zero
padding (``pad2d``), strided cross-correlation (``corr2d_strided``) and d2l's ``comp_conv2d``;
``padding_stride`` holds what several of them share (the output-size rule, how arguments are
passed, the padding and stride mistakes they have in common).

References come from PyTorch, computed here: ``F.conv2d`` on small zero tensors for shapes
(exactly what ``nn.Conv2d`` produces), ``F.pad``, ``F.conv2d`` in
float64, and the same ``nn.Conv2d`` the learner's ``comp_conv2d`` receives.
"""
