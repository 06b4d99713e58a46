"""lenet(): d2l's LeNet, layer by layer (type and hyper-parameters, every position counted),
its parameter count, a fresh network on every call, and its forward and backward pass against
PyTorch's own layers with the same weights."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from grader import wire
from grader.checks.chapter23.d2l_lenet import LENET, LENET_LAYERS, LENET_PARAMETERS
from grader.checks.chapter23.devices import device_name, slack
from grader.checks.chapter23.failing import fail, type_name
from grader.compare import Mistake, expect_equal, expect_tensor, said
from grader.module_specs import build, describe
from grader.strategies import place

CHAPTER = "chapter23"

BOOK_EXAMPLES = """
>>> net = lenet()
>>> net(torch.rand(2, 1, 28, 28)).shape
torch.Size([2, 10])
>>> sum(p.numel() for p in net.parameters())
61706
"""

_PAIRS = ("kernel_size", "stride", "padding", "dilation")
_SHOWN = {
    "Conv2d": ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
               "groups", "padding_mode"),
    "AvgPool2d": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                  "divisor_override"),
    "MaxPool2d": ("kernel_size", "stride", "padding", "dilation", "ceil_mode"),
    "Linear": ("in_features", "out_features"),
    "Flatten": ("start_dim", "end_dim"),
}
_DEFAULTS = {"padding": (0, 0), "inplace": False, "stride": (1, 1), "dilation": (1, 1),
             "groups": 1, "padding_mode": "zeros",
             "ceil_mode": False, "count_include_pad": True, "divisor_override": None,
             "start_dim": 1, "end_dim": -1}


def _pair(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if isinstance(value, (list, tuple)) and len(value) == 1:
        return (value[0], value[0])
    return tuple(value) if isinstance(value, list) else value


def layer_key(info: wire.ModuleInfo) -> tuple:
    """What makes two layers the same: type, hyper-parameters, whether there is a bias."""
    h = dict(info.hparams)
    for name in _PAIRS:
        if name in h:
            h[name] = _pair(h[name])
    if info.type_name == "Conv2d" and isinstance(h.get("padding"), str):
        k, d = h.get("kernel_size", (1, 1)), h.get("dilation", (1, 1))
        h["padding"] = ((0, 0) if h["padding"] == "valid" else
                        tuple(di * (ki - 1) // 2 for ki, di in zip(k, d, strict=True)))
    if info.type_name == "AvgPool2d" and h.get("stride") in (None, ()):
        h["stride"] = h.get("kernel_size")
    shown = tuple((name, h.get(name)) for name in _SHOWN.get(info.type_name, sorted(h)))
    bias = ("bias", "bias" in info.parameters) if info.type_name in ("Conv2d", "Linear") else ()
    return (info.type_name, shown, bias)


def layer_text(info: wire.ModuleInfo) -> str:
    type_name, shown, bias = layer_key(info)
    words = []
    for name, value in shown:
        if name in ("in_channels", "out_channels", "in_features", "out_features"):
            words.append(str(value))
        elif _DEFAULTS.get(name, object()) != value or (
                type_name == "Conv2d" and name in ("kernel_size", "padding")):
            words.append(f"{name}={value}")
    if bias and not bias[1]:
        words.append("bias=False")
    return f"{type_name}({', '.join(words)})"


def count_parameters(info: wire.ModuleInfo) -> int:
    own = sum(int(p.numel()) for p in info.parameters.values())
    return own + sum(count_parameters(child) for _, child in info.children)


def parameter_names(info: wire.ModuleInfo, prefix: str = "") -> list[tuple[str, tuple]]:
    """(dotted name, shape) of every parameter, in ``named_parameters()`` order."""
    out = [(prefix + name, tuple(p.shape)) for name, p in info.parameters.items()]
    for name, child in info.children:
        out += parameter_names(child, f"{prefix}{name}.")
    return out


def layer_diagnosis(index: int, want: wire.ModuleInfo, got: wire.ModuleInfo | None
                    ) -> dict | None:
    if got is None:
        return None
    if want.type_name == "Sigmoid" and got.type_name in ("ReLU", "Tanh", "LeakyReLU", "GELU"):
        return said("chapter23.lenet.mistake.sigmoid")
    if want.type_name == "AvgPool2d" and got.type_name == "MaxPool2d":
        return said("chapter23.lenet.mistake.average_pooling")
    if want.type_name == got.type_name == "Conv2d" and index == 0 \
            and layer_key(want)[1] != layer_key(got)[1] \
            and dict(layer_key(got)[1]).get("padding") == (0, 0):
        return said("chapter23.lenet.mistake.padding")
    if want.type_name == got.type_name == "Linear":
        return said("chapter23.lenet.mistake.dense_block")
    return None


NOT_A_RESHAPE = said("chapter23.lenet.mistake.not_a_reshape")


def expect_lenet_architecture(got: Any, call: str, leading: int | None = 0) -> None:
    """``leading``: layers before the first convolution to leave out (1 for the lecture's
    ``Reshape``, see ``learner_net``); None when an extra first layer is not a reshape."""
    inputs: list = []
    if not isinstance(got, wire.ModuleInfo):
        fail("chapter23.lenet.reason.not_module", call, inputs, got=type_name(got))
    want = describe(build(LENET)).flat()
    have = got.flat()[leading or 0:]
    for i in range(max(len(want), len(have))):
        w = want[i] if i < len(want) else None
        h = have[i] if i < len(have) else None
        if w is not None and h is not None and layer_key(w) == layer_key(h):
            continue
        table = "\n".join(f"    {'→' if j == i else ' '} {j + 1:2d}. {layer_text(m)}"
                          for j, m in enumerate(have))
        why = layer_diagnosis(i, w, h) if w else None
        if leading is None and i == 0:
            why = NOT_A_RESHAPE
        fail("chapter23.lenet.reason.layer", call, inputs, diagnosis=why,
             number=i + 1,
             expected=layer_text(w) if w else said("chapter23.lenet.no_more_layers"),
             got=layer_text(h) if h else said("chapter23.lenet.network_ends"),
             table=table or "    (none)")
    total = count_parameters(got)
    if total != LENET_PARAMETERS:
        fail("chapter23.lenet.reason.param_count", call, inputs, expected=f"{LENET_PARAMETERS:,}", got=f"{total:,}")


def learner_net(learner) -> tuple[wire.Handle, wire.ModuleInfo, int | None]:
    """Call the learner's ``lenet()`` (the net stays in the worker) and describe what it built:
    (handle, description, number of leading layers to leave out, None for an extra first
    layer that is not a reshape).

    The description comes from a probe, not from the call's return value, so that networks
    whose classes the learner defined are described too. Lazy layers (d2l 1.0) arrive
    materialised. A first layer without parameters that reshapes a batch to (-1, 1, 28, 28)
    (the Chinese course's lecture-23 ``Reshape``) is accepted and left out."""
    handle, value = learner.new()
    nodes = learner.probe("module_tree", handle=handle,
                          shown=(said("chapter23.lenet.built"), []))
    if not isinstance(nodes, list) or not nodes:
        fail("chapter23.lenet.reason.not_module", "lenet()", [], got=type_name(value))
    infos: list[wire.ModuleInfo] = []
    for node in nodes:
        info = wire.ModuleInfo(node["type_name"], node["qualname"], node["hparams"], [],
                               node["parameters"], node["buffers"], node["training"])
        if node["parent"] >= 0:
            infos[node["parent"]].children.append((node["name"], info))
        infos.append(info)
    leaves = infos[0].flat()
    leading = 0
    if len(leaves) == len(LENET_LAYERS) + 1 and leaves[0].type_name != "Conv2d":
        reshape = learner.probe("leading_reshape", handle=handle,
                                shown=(said("chapter23.lenet.first_layer"), []))
        leading = 1 if isinstance(reshape, dict) and reshape.get("reshapes") else None
    return handle, infos[0], leading


@pytest.mark.exercise("lenet")
def test_lenet_architecture(learner):
    _, info, leading = learner_net(learner)
    expect_lenet_architecture(info, "lenet()", leading)


@pytest.mark.exercise("lenet")
def test_lenet_is_fresh_each_call(learner):
    twice = said("chapter23.lenet.called_twice")
    expect_equal(learner.probe("fresh_each_call", shown=(twice, [])),
                 {"same_object": False, "shared_parameters": False},
                 call=twice, inputs=[],
                 why=said("chapter23.lenet.fresh"))


@pytest.mark.exercise("lenet")
def test_lenet_forward_matches_reference(learner):
    """Same weights in, same logits and gradients out (the layers are used in order)."""
    handle, info, leading = learner_net(learner)
    expect_lenet_architecture(info, "lenet()", leading)
    names = parameter_names(info)
    reference = build(LENET).double()
    gen = torch.Generator().manual_seed(23)
    weights = [torch.randn(p.shape, generator=gen) * 0.5 for p in reference.parameters()]
    if [shape for _, shape in names] != [tuple(w.shape) for w in weights]:
        fail("chapter23.lenet.reason.param_shapes", "lenet()", [],
             expected=[tuple(w.shape) for w in weights], got=[shape for _, shape in names])
    with torch.no_grad():
        for p, w in zip(reference.parameters(), weights, strict=True):
            p.copy_(w.double())
    X = torch.rand((3, 1, 28, 28), generator=gen)
    G = torch.randn((3, 10), generator=gen)
    expected = reference(X.double())
    (expected * G.double()).sum().backward()  # = expected.backward(G), without importing sympy
    if learner.device != "cpu":
        learner.probe("to_device", learner.device, handle=handle)
    sent = {name: place(w, learner.device) for (name, _), w in zip(names, weights, strict=True)}
    inputs = [("X", X), ("weights", said("chapter23.lenet.weights_random"))]
    got = learner.probe("forward_backward", sent, place(X, learner.device),
                        place(G, learner.device), handle=handle,
                        shown=(said("chapter23.lenet.forward_backward"), inputs))
    in_order = Mistake(got["output"], "chapter23.lenet.mistake.not_in_order")
    expect_tensor(got["output"], expected.detach(), call="lenet()(X)", inputs=inputs,
                  device=device_name(learner), scale=slack(learner) * float(expected.abs().max()),
                  mistakes=[in_order],
                  shape_why=said("chapter23.lenet.shape"))
    for (name, _), p in zip(names, reference.parameters(), strict=True):
        expect_tensor(got["grads"].get(name), p.grad,
                      call=said("chapter23.lenet.gradient", name=name),
                      inputs=inputs + [("grad_output", G)], device=device_name(learner),
                      scale=slack(learner) * float(p.grad.abs().max()),
                      shape_why=said("chapter23.lenet.gradient_shape"))
