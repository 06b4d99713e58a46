"""Conv2D's mutants (edits of the reference, or other programs) and alternatives."""

from tests.variants import Variant, edit

VARIANTS = [
    Variant("forward ignores the bias",
            edit("return corr2d(x, self.weight) + self.bias", "return corr2d(x, self.weight)"),
            "failed", "ignores the bias", diagnosis="your forward ignores the bias."),
    Variant("forward through .item() (no gradient reaches the weight)", """
class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        h, w = self.weight.shape
        Y = torch.zeros((x.shape[0] - h + 1, x.shape[1] - w + 1))
        for i in range(Y.shape[0]):
            for j in range(Y.shape[1]):
                Y[i, j] = (x[i:i + h, j:j + w] * self.weight).sum().item()
        return Y + self.bias
""", "failed", "cut the graph"),
    Variant("bias is a plain tensor, not a parameter",
            edit("self.bias = nn.Parameter(torch.zeros(1))", "self.bias = torch.zeros(1)"),
            "failed", "nn.Parameter"),
    Variant("weight with the kernel's shape transposed",
            edit("torch.rand(kernel_size)", "torch.rand(kernel_size[::-1])"), "failed"),
    Variant("weight detached in forward (no gradient)",
            edit("corr2d(x, self.weight)", "corr2d(x, self.weight.detach())"),
            "failed", "weight.grad"),
    Variant("bias with the kernel's shape",
            (edit("nn.Parameter(torch.zeros(1))", "nn.Parameter(torch.zeros(kernel_size))"),
             edit("+ self.bias", "+ self.bias[0, 0]")),
            "failed"),
    # alternatives
    Variant("register_parameter and randn", """
class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.register_parameter("weight", nn.Parameter(torch.randn(*kernel_size)))
        self.register_parameter("bias", nn.Parameter(torch.zeros(1)))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias
"""),
]
