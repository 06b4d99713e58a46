"""init_weights(): Xavier-uniform on the weights of nn.Linear and nn.Conv2d only, judged on
nets whose values before are far outside any Xavier bound: the largest value, the spread (a
Kolmogorov-Smirnov distance to the uniform law), and what a wrong spread resembles."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch

from grader.checks.chapter23.failing import fail, type_name
from grader.compare import said
from grader.module_specs import Spec, build, layer, sequential, with_state

CHAPTER = "chapter23"

BOOK_EXAMPLES = """
>>> net = lenet()
>>> _ = net.apply(init_weights)
>>> bool(net[0].weight.abs().max() <= (6 / (1 * 25 + 6 * 25)) ** 0.5)
True
"""

def xavier_bound(weight: torch.Tensor) -> float:
    fan_out, fan_in = weight.shape[0], weight.shape[1]
    receptive = math.prod(weight.shape[2:]) if weight.dim() > 2 else 1
    return math.sqrt(6.0 / (fan_in * receptive + fan_out * receptive))


def _ks(values: torch.Tensor, cdf: Any) -> float:
    """Kolmogorov-Smirnov distance between the values and the law whose distribution function
    is ``cdf`` (sorted float64 values -> probabilities)."""
    x = values.detach().double().reshape(-1).sort().values
    n = x.numel()
    F = cdf(x)
    i = torch.arange(1, n + 1, dtype=torch.float64)
    return float(torch.maximum(i / n - F, F - (i - 1) / n).max())


def ks_uniform(values: torch.Tensor, bound: float) -> float:
    """Kolmogorov-Smirnov distance between the values and the uniform law on [-bound, bound]."""
    return _ks(values, lambda x: ((x + bound) / (2 * bound)).clamp(0, 1))


def ks_normal(values: torch.Tensor) -> float:
    """Kolmogorov-Smirnov distance between the values and the normal law centred on 0 with
    their own standard deviation."""
    std = float(values.detach().double().std())
    if not std > 0:
        return 1.0
    return _ks(values, lambda x: 0.5 * (1 + torch.erf(x / (std * math.sqrt(2)))))


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
              (said("chapter23.init_weights.values_before"),
               said("chapter23.init_weights.values_around_3"))]
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
            fail("chapter23.init_weights.reason.init_changed", call, inputs, name=shown)
        if not xavier:
            if not torch.equal(new.cpu(), old.cpu()):
                why = None
                if key.endswith("bias"):
                    why = said("chapter23.init_weights.mistake.biases")
                elif owner not in ("Linear", "Conv2d"):
                    why = said("chapter23.init_weights.mistake.other_module", owner=owner)
                fail("chapter23.init_weights.reason.init_changed", call, inputs, diagnosis=why, name=shown)
            continue
        if torch.equal(new.cpu(), old.cpu()):
            fail("chapter23.init_weights.reason.init_unchanged", call, inputs, name=shown)
        bound = xavier_bound(old)
        largest = float(new.detach().abs().max())
        std = float(new.detach().double().std())
        if largest > bound * (1 + 1e-5):
            why = None
            if abs(std - bound / math.sqrt(3)) < 0.1 * bound / math.sqrt(3):
                why = said("chapter23.init_weights.mistake.xavier_normal")
            elif largest <= math.sqrt(2) * bound * (1 + 1e-5) and largest > 1.3 * bound:
                why = said("chapter23.init_weights.mistake.relu_gain")
            fail("chapter23.init_weights.reason.init_bound", call, inputs, diagnosis=why, name=shown, got=largest,
                 bound=bound)
        distance = ks_uniform(new, bound)
        if distance > 2.5 / math.sqrt(new.numel()):
            fan_in = old.shape[1] * (math.prod(old.shape[2:]) if old.dim() > 2 else 1)
            why = None
            close = 2.5 / math.sqrt(new.numel())
            default = 1 / math.sqrt(fan_in)
            if largest <= default * (1 + 1e-5) and ks_uniform(new, default) <= close:
                why = said("chapter23.init_weights.mistake.default_init")
            elif ks_normal(new) <= close:
                why = said("chapter23.init_weights.mistake.normal")
            fail("chapter23.init_weights.reason.init_spread", call, inputs, diagnosis=why, name=shown, bound=bound,
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
