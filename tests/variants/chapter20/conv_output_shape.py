"""conv_output_shape's mutants (edits of the reference, or other programs) and alternatives."""

from tests.variants import Variant, edit

SIZE = "(n_a + 2 * p_a - k_a) // s_a + 1"

VARIANTS = [
    Variant("forgotten + 1", edit(SIZE, "(n_a + 2 * p_a - k_a) // s_a"), "failed",
            "forgot the + 1"),
    # Issue 18: it matched "you forgot the + 1" too on its shrunk input (padding 1); a search
    # over further configurations tells them apart.
    Variant("padding counted once (d2l's formula with p per side)",
            edit(SIZE, "(n_a - k_a + p_a + s_a) // s_a"), "failed", "counted the padding once",
            diagnosis="you counted the padding once (n + p): padding=p adds p rows and columns "
                      "on EACH side, n + 2p in all (d2l's p_h is that total)."),
    Variant("ceil instead of floor",
            (edit("    n, k, p, s = ", "    import math\n    n, k, p, s = "),
             edit(SIZE, "math.ceil((n_a + 2 * p_a - k_a) / s_a) + 1")),
            "failed", "rounded up"),
    Variant("true division", edit(SIZE, "(n_a + 2 * p_a - k_a) / s_a + 1"), "failed",
            "Python ints"),
    Variant("padding ignored", edit(SIZE, "(n_a - k_a) // s_a + 1"), "failed",
            "ignore the padding"),
    Variant("stride of the first axis on both", edit("// s_a + 1", "// s[0] + 1"), "failed",
            "stride on one axis only"),
    Variant("stride on the height only",
            edit("// s_a + 1", '// (s_a if axis == "height" else 1) + 1'), "failed",
            "stride on one axis only"),
    Variant("returns a list", edit("return tuple(shape)", "return shape"), "failed",
            "tuple of two Python ints"),
    Variant("(width, height)", edit("return tuple(shape)", "return tuple(shape[::-1])"),
            "failed", "(height, width)"),
    Variant("no validation at all", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n, k, p, s = _pair(input_size), _pair(kernel_size), _pair(padding), _pair(stride)
    return tuple((n[a] + 2 * p[a] - k[a]) // s[a] + 1 for a in range(2))
""", "failed", "must raise ValueError"),
    Variant("stride 0 not checked (ZeroDivisionError)", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n, k, p, s = _pair(input_size), _pair(kernel_size), _pair(padding), _pair(stride)
    if min(n + k) < 1 or min(p) < 0:
        raise ValueError("sizes must be positive and padding non-negative")
    if any(n[a] + 2 * p[a] < k[a] for a in range(2)):
        raise ValueError("the kernel does not fit the padded input")
    if min(s) < 0:
        raise ValueError("negative stride")
    return tuple((n[a] + 2 * p[a] - k[a]) // s[a] + 1 for a in range(2))
""", "failed", "raised ZeroDivisionError"),
    Variant("kernel checked on the height only", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n, k, p, s = _pair(input_size), _pair(kernel_size), _pair(padding), _pair(stride)
    if min(n + k + s) < 1 or min(p) < 0:
        raise ValueError("sizes and strides must be positive, padding non-negative")
    if n[0] + 2 * p[0] < k[0]:
        raise ValueError("the kernel does not fit the padded input")
    return tuple((n[a] + 2 * p[a] - k[a]) // s[a] + 1 for a in range(2))
""", "failed", "larger than the input's width"),
    Variant("kernel checked against the unpadded input", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n, k, p, s = _pair(input_size), _pair(kernel_size), _pair(padding), _pair(stride)
    if min(n + k + s) < 1 or min(p) < 0 or any(n[a] < k[a] for a in range(2)):
        raise ValueError("invalid configuration")
    return tuple((n[a] + 2 * p[a] - k[a]) // s[a] + 1 for a in range(2))
""", "error", "ValueError: invalid configuration"),
    Variant("ValueError without a message", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n, k, p, s = _pair(input_size), _pair(kernel_size), _pair(padding), _pair(stride)
    if min(n + k + s) < 1 or min(p) < 0 or any(n[a] + 2 * p[a] < k[a] for a in range(2)):
        raise ValueError
    return tuple((n[a] + 2 * p[a] - k[a]) // s[a] + 1 for a in range(2))
""", "failed", "without a message"),
    Variant("negative padding accepted",
            edit("    if min(p) < 0:\n"
                 '        raise ValueError(f"padding must be at least 0 on both axes, got {p}")\n',
                 ""),
            "failed", "padding cannot be negative"),
    # every style of passing the arguments gets its own cases: a signature in the wrong order
    # shows only when padding and stride are passed by position
    Variant("stride before padding in the signature",
            edit("def conv_output_shape(input_size, kernel_size, padding=0, stride=1):",
                 "def conv_output_shape(input_size, kernel_size, stride=1, padding=0):"),
            "failed"),
    # alternatives
    Variant("d2l's formula with the total padding", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n, k, p, s = _pair(input_size), _pair(kernel_size), _pair(padding), _pair(stride)
    if min(n) < 1 or min(k) < 1 or min(s) < 1:
        raise ValueError(f"sizes and strides must be >= 1: {n}, {k}, {s}")
    if min(p) < 0:
        raise ValueError(f"negative padding {p}")
    total = [2 * p_a for p_a in p]
    if any(n[a] + total[a] < k[a] for a in range(2)):
        raise ValueError("kernel larger than the padded input")
    return tuple((n[a] - k[a] + total[a] + s[a]) // s[a] for a in range(2))
"""),
    Variant("math.floor and own int handling", """
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    import math
    def two(v):
        return tuple(v) if isinstance(v, (tuple, list)) else (v, v)
    out = []
    for n, k, p, s in zip(two(input_size), two(kernel_size), two(padding), two(stride)):
        if n < 1 or k < 1:
            raise ValueError("input and kernel sizes must be positive")
        if s < 1:
            raise ValueError("stride must be positive")
        if p < 0:
            raise ValueError("padding must be non-negative")
        if k > n + 2 * p:
            raise ValueError(f"kernel {k} does not fit in {n} + 2*{p}")
        out.append(math.floor((n + 2 * p - k) / s) + 1)
    return (out[0], out[1])
"""),
]
