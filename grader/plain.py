"""Values of a verdict as plain data: what a result may hold (``grader.results``).

A verdict's data can hold tensors, NumPy arrays and the worker's ``Opaque`` stand-ins: they become
*value descriptors*, dicts tagged ``"$value"`` that carry what the renderers show (shape, dtype,
memory layout, the numbers as text) and nothing live. Everything else stays plain (None, bool,
int, float, str, bytes, tuples, lists, dicts), as ``grader.wire`` sends it.
"""

from __future__ import annotations

from typing import Any

TAG = "$value"
MAX_SHOWN = 400  # elements printed in full; a larger array is summarised


def is_value(x: Any) -> bool:
    return isinstance(x, dict) and TAG in x


def describe(x: Any) -> dict:
    """A descriptor of any value, shown as the renderers show a value (a tensor as its numbers
    with shape and dtype, anything else as its ``repr``)."""
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.Tensor):
        noncontiguous = x.numel() > 1 and not x.is_contiguous()
        dtype = str(x.dtype).removeprefix("torch.")
        if x.dtype == torch.bfloat16:
            x = x.float()
        arr = x.detach().cpu().numpy()
        return {TAG: "tensor", "shape": tuple(int(n) for n in x.shape), "dtype": dtype,
                "noncontiguous": noncontiguous, "body": array_text(arr)}
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(x, numpy.ndarray):
        return {TAG: "ndarray", "shape": tuple(int(n) for n in x.shape), "body": array_text(x)}
    if is_value(x):
        return x
    text = repr(x)
    return {TAG: "repr", "text": text if len(text) <= 300 else text[:300] + "…"}


def array_text(arr: Any) -> str:
    """The numbers of an array, continuation lines unindented (the renderer indents them)."""
    import numpy as np

    if arr.size > 16 and arr.size and bool((arr.reshape(-1) == arr.reshape(-1)[0]).all()):
        return f"[all {arr.size} values = {arr.reshape(-1)[0]:.4g}]"  # e.g. a large zero input
    if arr.size > MAX_SHOWN:
        return (f"[{arr.size} values, min {arr.min():.4g}, max {arr.max():.4g}, "
                f"first {np.array2string(arr.reshape(-1)[:8], precision=4, separator=', ')}]")
    return np.array2string(arr, precision=4, separator=", ", suppress_small=True,
                           max_line_width=100, threshold=MAX_SHOWN, floatmode="maxprec")


def to_plain(x: Any, depth: int = 0) -> Any:
    """``x`` with every non-plain value replaced by its descriptor."""
    if x is None or isinstance(x, (bool, int, float, str, bytes)):
        return x
    if depth > 12:
        return describe(x)
    if isinstance(x, dict):
        if is_value(x):
            return x
        return {str(k): to_plain(v, depth + 1) for k, v in x.items()}
    if type(x) in (list, tuple):
        items = [to_plain(v, depth + 1) for v in x]
        return items if isinstance(x, list) else tuple(items)
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.Size):
        return tuple(int(n) for n in x)
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(x, numpy.generic):
        return x.item()
    return describe(x)
