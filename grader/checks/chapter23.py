"""Chapter 23 checks: LeNet's architecture and forward pass, the shape table, Xavier
initialisation, accuracy over uneven batches, and the training loop.

The learner's network and functions run in the worker. Modules the checks hand to the learner's
code are built there from ``ModuleSpec``s (torch.nn classes and a state dict); data travels as
lists of ``(X, y)`` batches, which are iterable again every epoch. References are computed here,
in float64, with PyTorch's own layers; nets and data are tiny so the chapter grades in seconds.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from grader import wire
from grader.checks import budget
from grader.compare import Mistake, expect_equal, expect_tensor, said, tell_apart
from grader.outcomes import Mismatch
from grader.strategies import place

CHAPTER = "chapter23"
SEED = 0  # the probes seed torch with this before calling the learner's code


# -- building modules here and in the worker ------------------------------------------------------

@dataclasses.dataclass(frozen=True, repr=False)
class Spec(wire.ModuleSpec):
    """A ModuleSpec that reads well in a message (``Linear(16, 6)``), not as a state dict."""

    label: str = ""

    def __repr__(self) -> str:
        return self.label or self.path.rpartition(".")[2]


class Batches(list):
    """A list of (X, y) batches (what the learner's code iterates), shown as a summary."""

    def __repr__(self) -> str:
        return self.shown()["en"]

    def shown(self) -> dict:
        """The summary in both languages (``grader.compare.said``), for a message's inputs."""
        if not self:
            return said("[] (no batches)", "[]（没有批量）")
        X = self[0][0]
        sizes = ", ".join(str(int(x.shape[0])) for x, _ in self)
        rest = ", ".join(str(s) for s in X.shape[1:])
        return said(f"[{len(self)} batches (X, y), sizes {sizes}; X of shape (n, {rest}), "
                    "y class indices]",
                    f"[{len(self)} 个批量 (X, y)，大小依次为 {sizes}；X 的形状为 (n, {rest})，"
                    "y 为类别索引]")


def layer(name: str, *args: Any, **kwargs: Any) -> Spec:
    words = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return Spec(f"torch.nn.{name}", args, kwargs, None, label=f"{name}({', '.join(words)})")


def sequential(*layers: Spec) -> Spec:
    return Spec("torch.nn.Sequential", tuple(layers), {}, None,
                label="nn.Sequential(" + ", ".join(s.label for s in layers) + ")")


def build(spec: wire.ModuleSpec) -> nn.Module:
    """The spec's module, built here (the reference's twin of what the worker builds)."""
    cls = getattr(nn, spec.path.rpartition(".")[2])
    args = tuple(build(a) if isinstance(a, wire.ModuleSpec) else a for a in spec.args)
    module = cls(*args, **spec.kwargs)
    if spec.state is not None:
        with torch.no_grad():
            module.load_state_dict(spec.state)
    return module


def with_state(spec: Spec, module: nn.Module) -> Spec:
    return dataclasses.replace(spec, state={k: v.detach().clone()
                                            for k, v in module.state_dict().items()})


def describe(module: nn.Module) -> wire.ModuleInfo:
    """A module as the verdict process sees a learner's: a ModuleInfo."""
    return wire.decode(wire.encode(module))


def fail(reason: str, call: str, inputs: list, diagnosis: tuple[str, str] | None = None,
         **params: Any) -> None:
    raise Mismatch("mismatch", reason=reason, params=params, diagnosis=diagnosis,
                   shape_why=None, call=call, inputs=inputs, expected=None, actual=None)


def device_name(learner: Any) -> str:
    """The graded device as tensors report it ("cuda:0", not "cuda")."""
    return str(torch.empty(0, device=learner.device).device)


def slack(learner: Any) -> float:
    """How much looser comparisons are off the CPU: cuDNN convolutions may run in TF32."""
    return 1.0 if learner.device == "cpu" else 50.0


def type_name(x: Any) -> Any:
    if isinstance(x, wire.Opaque):
        return x.type_name
    if isinstance(x, wire.ModuleInfo):
        return x.type_name
    if isinstance(x, torch.Tensor):
        return said(f"a tensor of shape {tuple(x.shape)}", f"形状为 {tuple(x.shape)} 的张量")
    return "None" if x is None else type(x).__name__


def joined(words: Any, more: str) -> Any:
    """``words`` (plain text or ``said``) followed by ``more``, in both languages."""
    if isinstance(words, dict):
        return said(words["en"] + more, words["zh"] + more)
    return words + more


# -- lenet ----------------------------------------------------------------------------------------

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
                    ) -> tuple[str, str] | None:
    if got is None:
        return None
    if want.type_name == "Sigmoid" and got.type_name in ("ReLU", "Tanh", "LeakyReLU", "GELU"):
        return ("d2l's LeNet uses sigmoid activations (nn.Sigmoid); ReLU became common later, "
                "with AlexNet.",
                "d2l 的 LeNet 使用 sigmoid 激活函数（nn.Sigmoid）；"
                "ReLU 是后来随 AlexNet 才流行的。")
    if want.type_name == "AvgPool2d" and got.type_name == "MaxPool2d":
        return ("LeNet uses average pooling (nn.AvgPool2d(kernel_size=2, stride=2)); max "
                "pooling came later.",
                "LeNet 使用平均汇聚（nn.AvgPool2d(kernel_size=2, stride=2)）；"
                "最大汇聚是后来才用的。")
    if want.type_name == got.type_name == "Conv2d" and index == 0 \
            and layer_key(want)[1] != layer_key(got)[1] \
            and dict(layer_key(got)[1]).get("padding") == (0, 0):
        return ("the first convolution needs padding=2: the original LeNet took 32x32 images, "
                "so padding the 28x28 Fashion-MNIST images by 2 on each side keeps the output "
                "28x28 (28 + 2*2 - 5 + 1 = 28).",
                "第一个卷积层需要 padding=2：原始 LeNet 的输入是 32x32，把 28x28 的 Fashion-MNIST "
                "图像每边填充 2，输出仍为 28x28（28 + 2*2 - 5 + 1 = 28）。")
    if want.type_name == got.type_name == "Linear":
        return ("the dense block is Linear(16 * 5 * 5 = 400, 120) -> Linear(120, 84) -> "
                "Linear(84, 10): the second pooling leaves 16 channels of 5x5.",
                "全连接块是 Linear(16 * 5 * 5 = 400, 120) -> Linear(120, 84) -> Linear(84, 10)："
                "第二个汇聚层之后是 16 个 5x5 的通道。")
    return None


NOT_A_RESHAPE = ("a layer before the first convolution is accepted when it only reshapes the "
                 "batch to (-1, 1, 28, 28), as the lecture's Reshape does (x.view(-1, 1, 28, "
                 "28)); this one does not.",
                 "第一个卷积层之前的层只有在仅把批量变形为 (-1, 1, 28, 28) 时才被接受，"
                 "就像课程中的 Reshape（x.view(-1, 1, 28, 28)）；这一层不是这样。")


def expect_lenet_architecture(got: Any, call: str, leading: int | None = 0) -> None:
    """``leading``: layers before the first convolution to leave out (1 for the lecture's
    ``Reshape``, see ``learner_net``); None when an extra first layer is not a reshape."""
    inputs: list = []
    if not isinstance(got, wire.ModuleInfo):
        fail("ch23.not_module", call, inputs, got=type_name(got))
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
        fail("ch23.layer", call, inputs, diagnosis=why,
             number=i + 1,
             expected=layer_text(w) if w else said("(no more layers)", "（没有更多的层）"),
             got=layer_text(h) if h else said("(nothing: the network ends here)",
                                              "（没有：网络到这里就结束了）"),
             table=table or "    (none)")
    total = count_parameters(got)
    if total != LENET_PARAMETERS:
        fail("ch23.param_count", call, inputs, expected=f"{LENET_PARAMETERS:,}", got=f"{total:,}")


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
                          shown=(said("lenet(), then one forward pass on a (1, 1, 28, 28) "
                                      "batch where it has lazy layers",
                                      "lenet()，有惰性层时再在 (1, 1, 28, 28) 的批量上前向计算一次"),
                                 []))
    if not isinstance(nodes, list) or not nodes:
        fail("ch23.not_module", "lenet()", [], got=type_name(value))
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
                                shown=(said("the first layer of lenet(), on a batch",
                                            "lenet() 的第一层，作用在一个批量上"), []))
        leading = 1 if isinstance(reshape, dict) and reshape.get("reshapes") else None
    return handle, infos[0], leading


@pytest.mark.exercise("lenet")
def test_lenet_architecture(learner):
    _, info, leading = learner_net(learner)
    expect_lenet_architecture(info, "lenet()", leading)


@pytest.mark.exercise("lenet")
def test_lenet_is_fresh_each_call(learner):
    twice = said("lenet(), called twice", "lenet()，调用两次")
    expect_equal(learner.probe("fresh_each_call", shown=(twice, [])),
                 {"same_object": False, "shared_parameters": False},
                 call=twice, inputs=[],
                 why=("lenet() must build a new network, with new parameters, on every call: "
                      "a network kept at module level would be shared by everyone who calls it",
                      "每次调用 lenet() 都必须构建一个新网络（带新的参数）：放在模块级别的网络会被"
                      "所有调用者共享"))


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
        fail("ch23.param_shapes", "lenet()", [],
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
    inputs = [("X", X), ("weights", said("random normal (std 0.5), the same in both nets",
                                         "随机正态分布（标准差 0.5），两个网络中相同"))]
    got = learner.probe("forward_backward", sent, place(X, learner.device),
                        place(G, learner.device), handle=handle,
                        shown=(said("lenet()(X), then backward", "lenet()(X)，然后反向传播"),
                               inputs))
    in_order = Mistake(got["output"],
                       "the layers are right, but forward does not run them one after the "
                       "other, in order, as nn.Sequential does.",
                       "各层都正确，但 forward 没有像 nn.Sequential 那样按顺序依次执行它们。")
    expect_tensor(got["output"], expected.detach(), call="lenet()(X)", inputs=inputs,
                  device=device_name(learner), scale=slack(learner) * float(expected.abs().max()),
                  mistakes=[in_order],
                  shape_why=("LeNet maps a (batch, 1, 28, 28) batch to (batch, 10) logits",
                             "LeNet 把 (batch, 1, 28, 28) 的批量映射为 (batch, 10) 的 logits"))
    for (name, _), p in zip(names, reference.parameters(), strict=True):
        expect_tensor(got["grads"].get(name), p.grad, call=said(f"gradient of {name} after backward",
                                                        f"反向传播后 {name} 的梯度"),
                      inputs=inputs + [("grad_output", G)], device=device_name(learner),
                      scale=slack(learner) * float(p.grad.abs().max()),
                      shape_why=("the gradient has the parameter's shape", "梯度的形状与参数相同"))


# -- layer_shapes ---------------------------------------------------------------------------------

D2L_TABLE = [("Conv2d", (1, 6, 28, 28)), ("Sigmoid", (1, 6, 28, 28)),
             ("AvgPool2d", (1, 6, 14, 14)), ("Conv2d", (1, 16, 10, 10)),
             ("Sigmoid", (1, 16, 10, 10)), ("AvgPool2d", (1, 16, 5, 5)), ("Flatten", (1, 400)),
             ("Linear", (1, 120)), ("Sigmoid", (1, 120)), ("Linear", (1, 84)),
             ("Sigmoid", (1, 84)), ("Linear", (1, 10))]


def shape_table(spec: Spec, input_shape: tuple) -> tuple[list, list]:
    """(the expected table, the table of input shapes) for ``spec`` on ``input_shape``."""
    X = torch.rand(input_shape)
    out, before = [], []
    with torch.no_grad():
        for m in build(spec):
            before.append((type(m).__name__, tuple(X.shape)))
            X = m(X)
            out.append((type(m).__name__, tuple(X.shape)))
    return out, before


def expect_table(got: Any, expected: list, before: list, call: str, inputs: list) -> None:
    from grader.compare import plain_equal

    if plain_equal(got, expected):
        return
    diagnosis = None
    if isinstance(got, (list, tuple)):
        rows = list(got)
        normal = [tuple(r) if isinstance(r, (list, tuple)) else r for r in rows]
        normal = [(r[0], tuple(r[1])) if isinstance(r, tuple) and len(r) == 2
                  and isinstance(r[1], (list, tuple)) else r for r in normal]
        if plain_equal(normal, expected):
            diagnosis = ("make the result a list of (name, shape) tuples with each shape a "
                         "tuple of ints: (layer.__class__.__name__, tuple(X.shape)).",
                         "结果应是 (名称, 形状) 元组的列表，形状是整数元组："
                         "(layer.__class__.__name__, tuple(X.shape))。")
        elif plain_equal(normal, before):
            diagnosis = ("these are the shapes going INTO each layer; record X.shape after "
                         "X = layer(X).",
                         "这些是每层的输入形状；应在 X = layer(X) 之后记录 X.shape。")
        elif len(rows) == len(expected) and all(
                isinstance(r, tuple) and len(r) == 2 and r[1] == e[1]
                for r, e in zip(normal, expected, strict=True)):
            diagnosis = ("the shapes are right but the names are not: use "
                         "layer.__class__.__name__ (e.g. 'Conv2d').",
                         "形状正确但名称不对：请使用 layer.__class__.__name__（例如 'Conv2d'）。")
        elif len(rows) == len(expected) and all(
                isinstance(r, tuple) and len(r) == 2 and isinstance(r[1], tuple)
                and r[1] == e[1][1:] for r, e in zip(normal, expected, strict=True)):
            diagnosis = ("the batch dimension is missing: record the full tuple(X.shape).",
                         "缺少批量维度：请记录完整的 tuple(X.shape)。")
        for i in range(max(len(rows), len(expected))):
            r = rows[i] if i < len(rows) else said("(missing)", "（缺失）")
            e = expected[i] if i < len(expected) else said("(no more layers)", "（没有更多的层）")
            if i >= len(rows) or i >= len(expected) or not plain_equal(r, e):
                fail("ch23.table_row", call, inputs, diagnosis=diagnosis, number=i + 1,
                     expected=e, got=r, rows=len(rows), want_rows=len(expected))
    fail("mm.value", call, inputs, expected=expected, got=got)


@pytest.mark.exercise("layer_shapes")
def test_layer_shapes_d2l_table(learner):
    got = learner.call(LENET)
    _, before = shape_table(LENET, (1, 1, 28, 28))
    expect_table(got, D2L_TABLE, before, "layer_shapes(net)", [("net", LENET)])


SMALL_NET = sequential(layer("Conv2d", 3, 4, kernel_size=3, stride=2), layer("ReLU"),
                       layer("MaxPool2d", kernel_size=2), layer("Flatten"),
                       layer("Linear", 36, 5))


@pytest.mark.exercise("layer_shapes")
@pytest.mark.parametrize("spec,input_shape", [(LENET, (4, 1, 28, 28)),
                                              (SMALL_NET, (2, 3, 15, 13))],
                         ids=["lenet-batch-4", "small-net"])
def test_layer_shapes_other_inputs(learner, spec, input_shape):
    got = learner.call(spec, input_shape)
    expected, before = shape_table(spec, input_shape)
    expect_table(got, expected, before, "layer_shapes(net, input_shape)",
                 [("net", spec), ("input_shape", input_shape)])


# -- init_weights ---------------------------------------------------------------------------------

def xavier_bound(weight: torch.Tensor) -> float:
    fan_out, fan_in = weight.shape[0], weight.shape[1]
    receptive = math.prod(weight.shape[2:]) if weight.dim() > 2 else 1
    return math.sqrt(6.0 / (fan_in * receptive + fan_out * receptive))


def ks_uniform(values: torch.Tensor, bound: float) -> float:
    """Kolmogorov-Smirnov distance between the values and the uniform law on [-bound, bound]."""
    x = values.detach().double().reshape(-1).sort().values
    n = x.numel()
    F = ((x + bound) / (2 * bound)).clamp(0, 1)
    i = torch.arange(1, n + 1, dtype=torch.float64)
    return float(torch.maximum(i / n - F, F - (i - 1) / n).max())


def initialised_net(spec: Spec, seed: int) -> Spec:
    """``spec`` with weights far outside any Xavier bound and distinctive biases and stats."""
    net = build(spec)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for t in net.state_dict().values():
            if t.dtype.is_floating_point:
                t.copy_(torch.randn(t.shape, generator=gen) + 3.0)
    return with_state(spec, net)


def weight_owners(spec: Spec) -> dict[str, str]:
    """State-dict key -> class name of the module that owns it."""
    owners = {}
    for prefix, m in build(spec).named_modules():
        for name, _ in m.named_parameters(recurse=False):
            owners[f"{prefix}.{name}" if prefix else name] = type(m).__name__
        for name, _ in m.named_buffers(recurse=False):
            owners[f"{prefix}.{name}" if prefix else name] = type(m).__name__
    return owners


def expect_xavier(spec: Spec, after: Any, call: str) -> None:
    inputs = [("module", spec),
              (said("its values before", "调用前的取值"),
               said("random, around 3.0, so any change shows",
                    "随机值，在 3.0 附近，任何改动都看得出来"))]
    before = spec.state
    owners = weight_owners(spec)
    if not isinstance(after, dict) or set(after) != set(before):
        fail("mm.value", call, inputs, expected=sorted(before),
             got=sorted(after) if isinstance(after, dict) else type_name(after))
    for key, old in before.items():
        new = after[key]
        owner = owners.get(key, "?")
        shown = f"{key} ({owner})"
        xavier = owner in ("Linear", "Conv2d") and key.endswith("weight")
        if not isinstance(new, torch.Tensor) or tuple(new.shape) != tuple(old.shape):
            fail("ch23.init_changed", call, inputs, name=shown)
        if not xavier:
            if not torch.equal(new.cpu(), old.cpu()):
                why = None
                if key.endswith("bias"):
                    why = ("init_weights must leave biases alone: d2l initialises only the "
                           "weights (PyTorch's bias initialisation is kept).",
                           "init_weights 不能改动偏置：d2l 只初始化权重"
                           "（保留 PyTorch 对偏置的初始化）。")
                elif owner not in ("Linear", "Conv2d"):
                    why = (f"only nn.Linear and nn.Conv2d are initialised; leave {owner} alone "
                           "(test type(m) in (nn.Linear, nn.Conv2d)).",
                           f"只初始化 nn.Linear 和 nn.Conv2d；不要改动 {owner}"
                           "（判断 type(m) in (nn.Linear, nn.Conv2d)）。")
                fail("ch23.init_changed", call, inputs, diagnosis=why, name=shown)
            continue
        if torch.equal(new.cpu(), old.cpu()):
            fail("ch23.init_unchanged", call, inputs, name=shown)
        bound = xavier_bound(old)
        largest = float(new.detach().abs().max())
        std = float(new.detach().double().std())
        if largest > bound * (1 + 1e-5):
            why = None
            if abs(std - bound / math.sqrt(3)) < 0.1 * bound / math.sqrt(3):
                why = ("the spread looks like Xavier-normal (nn.init.xavier_normal_); the "
                       "exercise uses the uniform version, nn.init.xavier_uniform_.",
                       "分布看起来像 Xavier 正态分布（nn.init.xavier_normal_）；"
                       "本练习使用均匀分布版本 "
                       "nn.init.xavier_uniform_。")
            elif largest <= math.sqrt(2) * bound * (1 + 1e-5) and largest > 1.3 * bound:
                why = ("the values reach sqrt(2) times Xavier's bound: use gain 1 (the default), "
                       "not calculate_gain('relu').",
                       "数值达到了 Xavier 上界的 sqrt(2) 倍：请使用增益 1（默认值），而不是 "
                       "calculate_gain('relu')。")
            fail("ch23.init_bound", call, inputs, diagnosis=why, name=shown, got=largest,
                 bound=bound)
        distance = ks_uniform(new, bound)
        if distance > 2.5 / math.sqrt(new.numel()):
            fan_in = old.shape[1] * (math.prod(old.shape[2:]) if old.dim() > 2 else 1)
            why = None
            if largest <= 1 / math.sqrt(fan_in) * (1 + 1e-5):
                why = ("these look like PyTorch's default initialisation (reset_parameters), "
                       "bounded by 1/sqrt(fan_in); use nn.init.xavier_uniform_.",
                       "这看起来是 PyTorch 的默认初始化（reset_parameters），"
                       "上界为 1/sqrt(fan_in)；"
                       "请使用 nn.init.xavier_uniform_。")
            fail("ch23.init_spread", call, inputs, diagnosis=why, name=shown, bound=bound,
                 std=std, want_std=bound / math.sqrt(3), largest=largest)


INIT_NET = sequential(layer("Conv2d", 6, 16, kernel_size=5), layer("Sigmoid"),
                      layer("AvgPool2d", kernel_size=2, stride=2), layer("BatchNorm2d", 16),
                      layer("Flatten"), layer("Linear", 400, 120), layer("Sigmoid"),
                      layer("Linear", 120, 10))
INIT_NO_BIAS = sequential(layer("Linear", 64, 48, bias=False),
                          layer("Conv2d", 3, 8, kernel_size=3, bias=False), layer("Tanh"))
#: The rule is about module kinds, so the nets hold the kinds a loose test would also catch:
#: other convolutions and linear maps (a class-name substring test, "Conv" in the name or
#: _ConvNd, touches them), and a module without weights. No subclasses of nn.Linear or
#: nn.Conv2d (``type(m) ==`` and ``isinstance`` both count) and no uninitialised lazy layers.
INIT_OTHER_KINDS = sequential(layer("Conv1d", 3, 4, kernel_size=3),
                              layer("Conv2d", 4, 6, kernel_size=3),
                              layer("Conv3d", 2, 3, kernel_size=2),
                              layer("ConvTranspose2d", 6, 4, kernel_size=3),
                              layer("Bilinear", 5, 4, 3), layer("Identity"),
                              layer("Linear", 60, 40), layer("Embedding", 7, 3),
                              layer("LayerNorm", 40))


@pytest.mark.exercise("init_weights")
def test_init_weights_xavier_uniform_on_weights_only(learner):
    spec = initialised_net(INIT_NET, 1)
    expect_xavier(spec, learner.probe("apply_init", spec,
                                      shown=("net.apply(init_weights)", [("net", spec)])),
                  "net.apply(init_weights)")


@pytest.mark.exercise("init_weights")
@pytest.mark.parametrize("spec", [INIT_NO_BIAS, layer("Linear", 300, 20), INIT_OTHER_KINDS],
                         ids=["without-bias", "single-linear", "other-kinds"])
def test_init_weights_other_modules(learner, spec):
    spec = initialised_net(spec, 2)
    expect_xavier(spec, learner.probe("apply_init", spec,
                                      shown=("module.apply(init_weights)", [("module", spec)])),
                  "module.apply(init_weights)")


# -- evaluate_accuracy ----------------------------------------------------------------------------

N_CLASSES = 5
ACCURACY_TOLERANCE = 1e-6  # a float32 division is fine; distinct accuracies differ far more


def accuracy_problem(sizes: list[int], hit_rates: list[float], seed: int, scale: float = 1.0
                     ) -> tuple[Spec, Batches, list[tuple[int, int]]]:
    """A net with integer weights (exact logits on every device, no ties) and batches of the
    given sizes whose share of correct labels follows ``hit_rates``. A small ``scale`` (a power
    of two, so logits stay exact) brings the logits close: the predicted class then often has a
    softmax probability below 0.5, and only the argmax counts.

    Returns (net spec, batches, [(correct, size) per batch])."""
    gen = torch.Generator().manual_seed(seed)
    spec = sequential(layer("Flatten"), layer("Dropout", 0.5), layer("Linear", 12, N_CLASSES))
    net = build(spec)
    with torch.no_grad():
        net[2].weight.copy_(torch.randint(-3, 4, (N_CLASSES, 12), generator=gen).float())
        # distinct fractional parts: two classes never tie
        net[2].bias.copy_(torch.randint(-2, 3, (N_CLASSES,), generator=gen).float()
                          + torch.arange(N_CLASSES) * 0.125)
        net[2].weight.mul_(scale)
        net[2].bias.mul_(scale)
    batches, counts = Batches(), []
    for size, rate in zip(sizes, hit_rates, strict=True):
        X = torch.randint(0, 4, (size, 1, 3, 4), generator=gen).float()
        with torch.no_grad():
            pred = net[2](X.reshape(size, -1)).argmax(dim=1)
        right = torch.rand(size, generator=gen) < rate
        wrong = (pred + torch.randint(1, N_CLASSES, (size,), generator=gen)) % N_CLASSES
        y = torch.where(right, pred, wrong)
        batches.append((X, y))
        counts.append((int(right.sum()), size))
    return with_state(spec, net), batches, counts


ITEM_HINT = ("return a Python float: float(correct) / total, or tensor.item() for a "
             "one-element tensor.",
             "返回 Python 浮点数：float(correct) / total，或对只有一个元素的张量调用 "
             "tensor.item()。")


def expect_float(value: Any, call: str, inputs: list, where: str = "") -> None:
    """The one rule for every number the contract calls a float (evaluate_accuracy's result,
    train's history): a Python float, a subclass such as np.float64 included (an int is
    accepted too); a tensor is refused with the hint to use .item(). ``where`` names the
    place in a larger result (" (history['train_loss'][0])")."""
    if isinstance(value, torch.Tensor):
        fail("ch23.not_float", call, inputs, got=joined(type_name(value), where), diagnosis=ITEM_HINT)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        fail("ch23.not_float", call, inputs, got=joined(type_name(value), where))


def accuracy_mistakes(counts: list[tuple[int, int]]) -> list[tuple[float, tuple[str, str]]]:
    correct = sum(c for c, _ in counts)
    out = [
        (sum(c / n for c, n in counts) / len(counts),
         ("this is the mean of the per-batch accuracies; count correct predictions and examples "
          "over all batches and divide once (the last batch is smaller).",
          "这是各批量准确率的平均值；应在所有批量上累计正确数和样本数，最后只除一次（最后一个批量更小）。")),
        (float(correct),
         ("this is the number of correct predictions; divide by the number of examples.",
          "这是预测正确的数量；还要除以样本总数。")),
        (correct / (len(counts) * counts[0][1]),
         ("you divided by (number of batches x batch size): count the examples of every batch "
          "(the last one is smaller).",
          "你除以了（批量数 x 批量大小）：应累计每个批量的实际样本数（最后一个批量更小）。")),
    ]
    if len(counts) > 1:
        c, n = sum(c for c, _ in counts[:-1]), sum(n for _, n in counts[:-1])
        out.append((c / n, ("the last batch is left out: iterate over every batch.",
                            "漏掉了最后一个批量：要遍历所有批量。")))
    return out


def expect_accuracy(learner, spec: Spec, batches: Batches, counts: list, **kwargs: Any) -> None:
    call = "evaluate_accuracy(net, data_iter" + "".join(f", {k}={v!r}" for k, v in
                                                        kwargs.items()) + ")"
    inputs = [("net", spec), ("data_iter", batches.shown())] + list(kwargs.items())
    extra = {"net_device": learner.device} if learner.device != "cpu" else {}
    got = learner.probe("call_with_net", spec, batches, **kwargs, **extra,
                        shown=(call, inputs))
    value = got["value"]
    modes = got.get("modes") or []
    # In eval mode while predicting: judged on the net's calls (a learner may restore the
    # caller's mode afterwards); when the net was not called as net(X), on its mode after.
    training = any(train for train, _, _ in modes) if modes else got["training"]
    expected = sum(c for c, _ in counts) / sum(n for _, n in counts)
    expect_float(value, call, inputs)
    if training:
        fail("ch23.still_training", call, inputs)
    if any(grad for _, grad, _ in modes):
        fail("mm.value", call, inputs,
             expected=said("predictions computed without gradients", "不计算梯度的预测"),
             got=said("the net was called with autograd recording",
                      "调用网络时自动求导仍在记录"),
             diagnosis=("evaluate without gradients, as d2l's evaluate_accuracy_gpu does: "
                        "predict inside `with torch.no_grad():` (or torch.inference_mode()); "
                        "autograd would otherwise keep every batch's graph for nothing.",
                        "请像 d2l 的 evaluate_accuracy_gpu 那样在不计算梯度的情况下评估："
                        "在 `with torch.no_grad():`（或 torch.inference_mode()）中预测；"
                        "否则 autograd 会白白保存每个批量的计算图。"))
    if abs(value - expected) <= ACCURACY_TOLERANCE:
        return
    diagnosis = next((why for wrong, why in accuracy_mistakes(counts)
                      if abs(value - wrong) <= 1e-6), None)
    fail("ch23.accuracy", call, inputs, diagnosis=diagnosis, expected=expected, got=value,
         counts=", ".join(f"{c}/{n}" for c, n in counts))


@pytest.mark.exercise("evaluate_accuracy")
def test_evaluate_accuracy_uneven_batches(learner):
    spec, batches, counts = accuracy_problem([4, 4, 2], [1.0, 0.5, 1.0], seed=5)
    expect_accuracy(learner, spec, batches, counts)


@pytest.mark.exercise("evaluate_accuracy")
@budget(15)
@given(st.integers(2, 6), st.integers(1, 3), st.data())
def test_evaluate_accuracy_counts_every_example(learner, batch_size, full_batches, data):
    last = data.draw(st.integers(1, batch_size - 1), label="last batch size")
    sizes = [batch_size] * full_batches + [last]
    rates = data.draw(st.lists(st.sampled_from([0.0, 0.3, 0.7, 1.0]), min_size=len(sizes),
                               max_size=len(sizes)), label="share of right labels per batch")
    seed = data.draw(st.integers(0, 2**16), label="seed")
    spec, batches, counts = accuracy_problem(sizes, rates, seed)
    expect_accuracy(learner, spec, batches, counts)


@pytest.mark.exercise("evaluate_accuracy")
def test_evaluate_accuracy_counts_the_argmax(learner):
    """Close logits: a prediction is right when the true class has the largest logit, even
    with a probability far below 0.5 (not "probability above a threshold")."""
    spec, batches, counts = accuracy_problem([5, 5, 3], [1.0, 0.7, 0.3], seed=11, scale=1 / 16)
    expect_accuracy(learner, spec, batches, counts)


@pytest.mark.exercise("evaluate_accuracy")
def test_evaluate_accuracy_device_argument(learner):
    """device=None means the net's device; an explicit device is used as given."""
    spec, batches, counts = accuracy_problem([3, 3, 1], [0.7, 0.3, 1.0], seed=9)
    expect_accuracy(learner, spec, batches, counts, device=None)
    expect_accuracy(learner, spec, batches, counts, device=learner.device)


# -- train ----------------------------------------------------------------------------------------

TRAIN_NET = sequential(layer("Flatten"), layer("Linear", 16, 6), layer("Sigmoid"),
                       layer("Linear", 6, 3))
#: A net whose output depends on its mode (batch norm: batch statistics in training, running
#: statistics in evaluation, which a forward pass in training mode also moves): test accuracy
#: computed in training mode shows on it. Batches of it hold two examples or more.
TRAIN_BN_NET = sequential(layer("Flatten"), layer("Linear", 16, 6), layer("BatchNorm1d", 6),
                          layer("Sigmoid"), layer("Linear", 6, 3))
MARGIN = 1e-4  # logits closer than this may rank differently in float32: either answer counts


@dataclasses.dataclass
class TrainProblem:
    spec: Spec
    train: Batches
    test: Batches
    epochs: int
    lr: float


def train_problem(train_sizes: list[int], test_sizes: list[int], epochs: int, lr: float,
                  seed: int, spec: Spec = TRAIN_NET) -> TrainProblem:
    gen = torch.Generator().manual_seed(seed)
    net = build(spec)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
    teacher = torch.randn(16, 3, generator=gen)

    def batches(sizes: list[int]) -> Batches:
        out = Batches()
        for n in sizes:
            X = torch.rand((n, 1, 4, 4), generator=gen)
            out.append((X, (X.reshape(n, -1) @ teacher).argmax(dim=1)))
        return out

    return TrainProblem(with_state(spec, net), batches(train_sizes), batches(test_sizes),
                        epochs, lr)


@dataclasses.dataclass
class Trained:
    history: dict[str, list[float]]
    state: dict[str, torch.Tensor]
    slack: dict[str, list[float]]  # accuracy that near-ties could move, per epoch


def count_right(y_hat: torch.Tensor, y: torch.Tensor) -> tuple[int, int]:
    """(correct predictions, predictions within MARGIN of changing)."""
    top2 = y_hat.detach().topk(2, dim=1).values
    close = int(((top2[:, 0] - top2[:, 1]) < MARGIN).sum())
    return int((y_hat.argmax(dim=1) == y).sum()), close


def reference_train(p: TrainProblem, variant: str = "") -> Trained:
    """d2l's train_ch6 in float64 (``variant`` names a classic mistake to imitate)."""
    if variant == "reinit":  # d2l's train_ch6 starts with net.apply(init_weights)
        net32 = build(p.spec)
        torch.manual_seed(SEED)
        for m in net32.modules():
            if type(m) in (nn.Linear, nn.Conv2d):
                nn.init.xavier_uniform_(m.weight)
        net = net32.double()
    else:
        net = build(p.spec).double()
    if variant == "untouched":
        return Trained({}, {k: v.clone() for k, v in net.state_dict().items()}, {})
    # Plain minibatch SGD, written out: the same float64 arithmetic as torch.optim.SGD (no
    # momentum: p -= lr * p.grad), without the second that torch.optim's first step spends
    # importing torch._dynamo.
    params = list(net.parameters())
    loss = nn.CrossEntropyLoss(reduction="sum" if variant == "sum_loss" else "mean")
    hist: dict[str, list[float]] = {"train_loss": [], "train_acc": [], "test_acc": []}
    slack: dict[str, list[float]] = {"train_acc": [], "test_acc": []}
    for _ in range(p.epochs):
        net.train()
        loss_sum, right, close, n, batch_accs, batch_losses = 0.0, 0, 0, 0, [], []
        for X, y in p.train:
            X = X.double()
            if variant != "no_zero_grad":
                for param in params:
                    param.grad = None
            y_hat = net(X)
            batch_loss = loss(y_hat, y)
            batch_loss.backward()
            with torch.no_grad():
                for param in params:
                    if param.grad is not None:
                        param.add_(param.grad, alpha=-p.lr)
            with torch.no_grad():
                if variant == "acc_after_step":
                    y_hat = net(X)
                r, c = count_right(y_hat, y)
            loss_sum += float(batch_loss) * X.shape[0]
            right, close, n = right + r, close + c, n + X.shape[0]
            batch_accs.append(r / X.shape[0])
            batch_losses.append(float(batch_loss))
        hist["train_loss"].append(sum(batch_losses) / len(batch_losses)
                                  if variant == "batch_mean_loss" else loss_sum / n)
        hist["train_acc"].append(sum(batch_accs) / len(batch_accs)
                                 if variant == "batch_mean_acc" else right / n)
        slack["train_acc"].append(close / n)
        test_right, test_close, test_n, test_accs = 0, 0, 0, []
        net.train(variant == "test_train_mode")
        with torch.no_grad():
            for X, y in (p.train if variant == "test_on_train" else p.test):
                r, c = count_right(net(X.double()), y)
                test_right, test_close, test_n = test_right + r, test_close + c, test_n + len(y)
                test_accs.append(r / len(y))
        hist["test_acc"].append(sum(test_accs) / len(test_accs)
                                if variant == "batch_mean_acc" else test_right / test_n)
        slack["test_acc"].append(test_close / test_n)
    return Trained(hist, {k: v.clone() for k, v in net.state_dict().items()}, slack)


TRAIN_MISTAKES = {
    "no_zero_grad": ("gradients pile up from batch to batch: call optimizer.zero_grad() before "
                     "every backward().",
                     "梯度在批量之间不断累加：每次 backward() 之前都要调用 "
                     "optimizer.zero_grad()。"),
    "sum_loss": ("your updates are as large as with a SUMMED loss: use nn.CrossEntropyLoss() "
                 "(the mean over the batch), so the step does not grow with the batch size.",
                 "你的更新幅度相当于使用了求和的损失：请使用 nn.CrossEntropyLoss()"
                 "（批量上的平均值），"
                 "这样步长才不会随批量大小增长。"),
    "untouched": ("the net you were given was not trained: train must update net's own "
                  "parameters (SGD over net.parameters()), not a copy or a new network.",
                  "传入的网络没有被训练：train 必须更新 net 自己的参数"
                  "（对 net.parameters() 做 SGD），"
                  "而不是副本或新网络。"),
    "reinit": ("train re-initialised the net: it must start from the weights it is given "
               "(grader train calls net.apply(init_weights) before train).",
               "train 重新初始化了网络：它必须从传入的权重开始训练"
               "（grader train 会在调用 train 之前执行 "
               "net.apply(init_weights)）。"),
    "batch_mean_acc": ("this is the mean of per-batch accuracies: sum correct predictions and "
                       "examples over the epoch and divide once (the last batch is smaller).",
                       "这是各批量准确率的平均值：应在整个迭代周期内累计正确数和样本数，最后只除一次"
                       "（最后一个批量更小）。"),
    "batch_mean_loss": ("this is the mean of per-batch losses: add loss * batch size for every "
                        "batch and divide by the number of examples.",
                        "这是各批量损失的平均值：每个批量累加 loss * 批量大小，再除以样本总数。"),
    "acc_after_step": ("the accuracy is computed after the update; count the predictions of the "
                       "y_hat the loss was computed from.",
                       "准确率是在参数更新之后计算的；应统计计算损失时所用 y_hat 的预测结果。"),
    "test_on_train": ("the test accuracy is measured on train_iter; use test_iter.",
                      "测试准确率是在 train_iter 上测量的；应使用 test_iter。"),
    "test_train_mode": ("the test accuracy was computed with the net in training mode: "
                        "evaluate_accuracy calls net.eval() first (batch norm then uses its "
                        "running statistics, and no longer updates them; dropout is off).",
                        "测试准确率是在网络处于训练模式时计算的：evaluate_accuracy 会先调用 "
                        "net.eval()（此时批量规范化使用并且不再更新其运行统计量，dropout 关闭）。"),
}
WEIGHT_MISTAKES = ("no_zero_grad", "sum_loss", "untouched", "reinit", "test_train_mode")
FIRST_EPOCH_DIFFERS = (
    "already the first epoch differs: train must start from the net as given (no "
    "re-initialisation) and use SGD with the given lr, nn.CrossEntropyLoss(), and "
    "zero_grad/backward/step once per batch.",
    "第一个迭代周期就已经不同：train 必须从给定的网络开始（不要重新初始化），使用给定 lr 的 SGD、"
    "nn.CrossEntropyLoss()，并且每个批量执行一次 zero_grad/backward/step。")
HISTORY_MISTAKES = ("batch_mean_acc", "batch_mean_loss", "acc_after_step", "test_on_train",
                    "test_train_mode")


def history_values(value: Any, epochs: int, call: str, inputs: list
                   ) -> dict[str, list[float]] | None:
    """The three series as floats; None when the shape of the history is wrong. A value that
    is not a float (a tensor, say) fails here, by the rule evaluate_accuracy follows."""
    if not isinstance(value, dict):
        return None
    out = {}
    for key in ("train_loss", "train_acc", "test_acc"):
        seq = value.get(key)
        if not isinstance(seq, (list, tuple)) or len(seq) != epochs:
            return None
        for epoch, v in enumerate(seq):
            expect_float(v, call, inputs, where=f" (history['{key}'][{epoch}])")
        out[key] = [float(v) for v in seq]
    return out


def same_value(key: str, got: float, want: float, slack: float) -> bool:
    if key == "train_loss":
        return abs(got - want) <= 1e-4 * (abs(want) + 1)
    return abs(got - want) <= slack + ACCURACY_TOLERANCE


def expect_training(learner, p: TrainProblem, **kwargs: Any) -> None:
    call = "train(net, train_iter, test_iter, num_epochs, lr" + "".join(
        f", {k}={v!r}" for k, v in kwargs.items()) + ")"
    inputs = [("net", said(f"{p.spec.label}, weights fixed by the grader",
                           f"{p.spec.label}，权重由评分器固定")),
              ("train_iter", p.train.shown()), ("test_iter", p.test.shown()), ("num_epochs", p.epochs),
              ("lr", p.lr)] + list(kwargs.items())
    extra = {"net_device": learner.device} if learner.device != "cpu" else {}
    got = learner.probe("call_with_net", p.spec, p.train, p.test, p.epochs, p.lr, **kwargs,
                        shown=(call, inputs), start_mode="eval", **extra)
    history = history_values(got["value"], p.epochs, call, inputs)
    if history is None:
        fail("ch23.history", call, inputs, epochs=p.epochs, got=short(got["value"]))
    # A training step is a call with autograd on; those train makes must be in training mode.
    # Calls made inside the learner's evaluate_accuracy are that exercise's, judged there.
    if any(grad and not train for train, grad, by in got.get("modes") or []
           if by != "evaluate_accuracy"):
        fail("ch23.not_training", call, inputs)
    ref = reference_train(p)
    variants: dict[str, Trained] = {}

    def variant(name: str) -> Trained:
        if name not in variants:
            variants[name] = reference_train(p, name)
        return variants[name]

    state = got["state"]
    # smallest tensors first: the message then shows a few numbers, not a matrix
    for key, want in sorted(ref.state.items(), key=lambda kv: kv[1].numel()):
        have = state.get(key)
        if isinstance(have, torch.Tensor) and weights_close(have, want, slack(learner)):
            continue
        mistakes = [Mistake(variant(name).state[key], *TRAIN_MISTAKES[name])
                    for name in WEIGHT_MISTAKES]
        known = any(isinstance(have, torch.Tensor) and weights_close(have, m.value)
                    for m in mistakes)
        if not known and not same_value("train_loss", history["train_loss"][0],
                                        ref.history["train_loss"][0], 0.0):
            mistakes.append(Mistake(have, *FIRST_EPOCH_DIFFERS))
        expect_tensor(have, want, call=said(f"net.state_dict()['{key}'] after {call}",
                                            f"{call} 之后的 net.state_dict()['{key}']"),
                      inputs=inputs,
                      scale=WEIGHT_SCALE * slack(learner), device=device_name(learner),
                      mistakes=mistakes, floating=want.dtype.is_floating_point,
                      shape_why=("training keeps the net's architecture", "训练不改变网络结构"),
                      further=tell_apart(
                          lambda seed, key=key: train_again(learner, p, seed, key, kwargs,
                                                            (call, inputs), extra),
                          lambda: [(1000 + i,) for i in range(3)]))
    for key in ("train_loss", "train_acc", "test_acc"):
        for epoch, (have, want) in enumerate(zip(history[key], ref.history[key], strict=True)):
            room = ref.slack.get(key, [0.0] * p.epochs)[epoch]
            if same_value(key, have, want, room):
                continue
            diagnosis = next((TRAIN_MISTAKES[name] for name in HISTORY_MISTAKES
                              if same_value(key, have, variant(name).history[key][epoch],
                                            room)), None)
            fail("ch23.history_value", call, inputs, diagnosis=diagnosis, series=key,
                 epoch=epoch + 1, expected=want, got=have,
                 values=", ".join(f"{v:.6g}" for v in history[key]),
                 want_values=", ".join(f"{v:.6g}" for v in ref.history[key]))


def train_again(learner: Any, p: TrainProblem, seed: int, key: str, kwargs: dict,
                shown: tuple, extra: dict) -> tuple[Any, list[Mistake]]:
    """The learner's train and the weight mistakes on the same net and batch sizes with other
    weights and data: what tells apart mistakes that agree on one problem."""
    q = train_problem([len(y) for _, y in p.train], [len(y) for _, y in p.test], p.epochs,
                      p.lr, seed, spec=p.spec)
    got = learner.probe("call_with_net", q.spec, q.train, q.test, q.epochs, q.lr, **kwargs,
                        shown=shown, start_mode="eval", **extra)
    return got["state"].get(key), [Mistake(reference_train(q, name).state[key],
                                           *TRAIN_MISTAKES[name]) for name in WEIGHT_MISTAKES]


WEIGHT_SCALE = 5.0  # float32 training drifts from the float64 reference by ~1e-6 of this


def weights_close(have: torch.Tensor, want: torch.Tensor, factor: float = 1.0) -> bool:
    from grader.compare import close

    return close(have, want, WEIGHT_SCALE * factor)


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "…"


@pytest.mark.exercise("train")
def test_train_follows_d2l(learner):
    p = train_problem([6, 6, 4], [5, 3], epochs=3, lr=0.5, seed=3)
    expect_training(learner, p)


@pytest.mark.exercise("train")
def test_train_with_device_argument(learner):
    p = train_problem([5, 2], [4], epochs=2, lr=0.9, seed=4)
    expect_training(learner, p, device=learner.device)


@pytest.mark.exercise("train")
def test_train_evaluates_in_eval_mode(learner):
    """On a net with batch norm, whose output and statistics depend on the mode."""
    p = train_problem([6, 5, 4], [5, 3], epochs=2, lr=0.5, seed=6, spec=TRAIN_BN_NET)
    expect_training(learner, p)


@pytest.mark.exercise("train")
@budget(4)
@given(st.integers(2, 6), st.integers(1, 3), st.data())
def test_train_reproduces_reference(learner, batch_size, full_batches, data):
    last = data.draw(st.integers(1, batch_size), label="last batch size")
    epochs = data.draw(st.integers(1, 3), label="num_epochs")
    lr = data.draw(st.sampled_from([0.1, 0.5, 0.9]), label="lr")
    seed = data.draw(st.integers(0, 2**16), label="seed")
    p = train_problem([batch_size] * full_batches + [last], [batch_size, last], epochs, lr, seed)
    expect_training(learner, p)
