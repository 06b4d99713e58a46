"""init_weights' mutants and alternatives."""

from __future__ import annotations

from tests.variants import Variant, edit
from tests.variants.chapter23._texts import english

XAVIER = "nn.init.xavier_uniform_(module.weight)"
KINDS = "if type(module) in (nn.Linear, nn.Conv2d):"

VARIANTS = [
    Variant("also overwrites biases",
            edit(f"        {XAVIER}\n", f"        {XAVIER}\n        nn.init.zeros_(module.bias)\n"),
            "failed", "biases alone",
            diagnosis=english("chapter23.init_weights.mistake.biases")),
    Variant("Xavier normal", edit(XAVIER, "nn.init.xavier_normal_(module.weight)"),
            "failed", "xavier-normal",
            diagnosis=english("chapter23.init_weights.mistake.xavier_normal")),
    Variant("Linear only", edit(KINDS, "if type(module) == nn.Linear:"),
            "failed", "was not initialised"),
    Variant("normal with std 0.01 (d2l's MLP init)",
            edit(XAVIER, "nn.init.normal_(module.weight, std=0.01)"),
            "failed", "not spread uniformly",
            diagnosis=english("chapter23.init_weights.mistake.normal")),
    Variant("PyTorch's default init", edit(XAVIER, "module.reset_parameters()"),
            "failed", "default initialisation",
            diagnosis=english("chapter23.init_weights.mistake.default_init")),
    Variant("ReLU gain",
            edit(XAVIER, 'nn.init.xavier_uniform_(module.weight, gain=nn.init.calculate_gain("relu"))'),
            "failed", "sqrt(2)",
            diagnosis=english("chapter23.init_weights.mistake.relu_gain")),
    Variant("every module with a weight", """
def init_weights(module):
    if hasattr(module, "weight") and module.weight is not None:
        with torch.no_grad():
            fan_in = module.weight[0].numel()
            w = module.weight
            fan_out = w.shape[0] * w[0, 0].numel() if w.dim() > 1 else 1
            a = (6 / (fan_in + fan_out)) ** 0.5
            module.weight.uniform_(-a, a)
""", "failed", "batchnorm2d",
            diagnosis=english("chapter23.init_weights.mistake.other_module", owner="BatchNorm2d")),
    # Issue 16: classes of misses found with code written apart from the suite.
    Variant("class-name substring test", """
def init_weights(module):
    name = type(module).__name__
    if "Conv" in name or "Linear" in name:
        nn.init.xavier_uniform_(module.weight)
""", "failed", "only nn.linear and nn.conv2d",
            diagnosis=english("chapter23.init_weights.mistake.other_module", owner="Conv1d")),
    Variant("every convolution (_ConvNd) and Linear",
            edit(KINDS, "if isinstance(module, (nn.Linear, nn.modules.conv._ConvNd)):"),
            "failed", "leave conv1d alone",
            diagnosis=english("chapter23.init_weights.mistake.other_module", owner="Conv1d")),

    # alternatives
    Variant("isinstance", """
def init_weights(module):
    if isinstance(module, (nn.Linear, nn.Conv2d)):
        torch.nn.init.xavier_uniform_(module.weight)
"""),
    Variant("the bound by hand", """
def init_weights(m):
    if type(m) == nn.Linear or type(m) == nn.Conv2d:
        fan_out, fan_in = m.weight.shape[0], m.weight.shape[1]
        receptive = m.weight[0, 0].numel()
        a = (6.0 / (fan_in * receptive + fan_out * receptive)) ** 0.5
        with torch.no_grad():
            m.weight.uniform_(-a, a)
"""),
    Variant("d2l's type(m) == test", """
def init_weights(m):
    if type(m) == nn.Linear or type(m) == nn.Conv2d:
        nn.init.xavier_uniform_(m.weight)
"""),
]
