"""convgrade: auto-graded convolutional-network exercises checked against PyTorch."""

__version__ = "0.1.0"
