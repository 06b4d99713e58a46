"""Chapter 23 — Convolutional neural networks: LeNet (d2l 6.6, 卷积神经网络（LeNet）).

LeNet-5 (LeCun et al., 1998) was one of the first convolutional networks to be trained end to
end by backpropagation. It has two parts:

- a convolutional encoder: two blocks of (5x5 convolution -> sigmoid -> 2x2 average pooling);
  the first block has 6 output channels, the second 16;
- a dense block of three fully connected layers with 120, 84 and 10 outputs.

On a (1, 1, 28, 28) Fashion-MNIST batch, the shapes are (d2l's table)::

    Conv2d      (1, 6, 28, 28)    5x5 kernel, padding 2: 28 + 2*2 - 5 + 1 = 28
    Sigmoid     (1, 6, 28, 28)
    AvgPool2d   (1, 6, 14, 14)    2x2 window, stride 2 halves height and width
    Conv2d      (1, 16, 10, 10)   no padding: 14 - 5 + 1 = 10
    Sigmoid     (1, 16, 10, 10)
    AvgPool2d   (1, 16, 5, 5)
    Flatten     (1, 400)          16 * 5 * 5 = 400 features per example
    Linear      (1, 120)
    Sigmoid     (1, 120)
    Linear      (1, 84)
    Sigmoid     (1, 84)
    Linear      (1, 10)           one score (logit) per class

Parameters: 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706.

Why a sigmoid LeNet starts slowly: sigmoid's slope is at most 1/4, and it is nearly flat for
large |x|. Four sigmoids are stacked between the loss and the first convolution, so the gradient
that reaches the early layers is shrunk many times over; with small random weights every class
gets about the same score and the loss sits near ln(10) ≈ 2.30 (10% accuracy) for a while. d2l
counters this with Xavier initialisation (``init_weights``, which keeps each layer's outputs and
gradients at a similar scale) and a large learning rate (0.9). ReLU activations and max pooling,
used by later networks, train much faster, but these exercises build d2l's LeNet exactly.

Run ``grader check chapter23`` to grade this file, and ``grader train lenet`` to train your
network with your ``train`` (on small synthetic data offline, or on Fashion-MNIST).
"""

import torch
from torch import nn


def lenet():
    """A fresh LeNet, exactly as d2l builds it, as an ``nn.Sequential``::

        Conv2d(1, 6, kernel_size=5, padding=2), Sigmoid(), AvgPool2d(kernel_size=2, stride=2),
        Conv2d(6, 16, kernel_size=5), Sigmoid(), AvgPool2d(kernel_size=2, stride=2),
        Flatten(),
        Linear(16 * 5 * 5, 120), Sigmoid(),
        Linear(120, 84), Sigmoid(),
        Linear(84, 10)

    Every call returns a new network (with new random weights). The network maps a
    (batch, 1, 28, 28) image batch to (batch, 10) logits and has 61,706 parameters.

    Example::

        >>> net = lenet()
        >>> net(torch.rand(2, 1, 28, 28)).shape
        torch.Size([2, 10])
        >>> sum(p.numel() for p in net.parameters())
        61706
    """
    # BEGIN SOLUTION
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))
    # END SOLUTION


def layer_shapes(net, input_shape=(1, 1, 28, 28)):
    """Run a random input of shape ``input_shape`` through ``net`` one layer at a time.

    ``net`` is an ``nn.Sequential`` (iterating over it gives its layers in order). Returns a
    list with one ``(layer class name, output shape)`` pair per layer, the shape as a tuple of
    ints: the table in this file's docstring.

    Example::

        >>> layer_shapes(lenet())[:3]
        [('Conv2d', (1, 6, 28, 28)), ('Sigmoid', (1, 6, 28, 28)), ('AvgPool2d', (1, 6, 14, 14))]

    d2l prints ``layer.__class__.__name__, 'output shape: \\t', X.shape`` in the same loop.
    """
    # BEGIN SOLUTION
    first = next(net.parameters(), None)
    device = first.device if first is not None else "cpu"
    X = torch.rand(size=input_shape, dtype=torch.float32, device=device)
    shapes = []
    with torch.no_grad():
        for layer in net:
            X = layer(X)
            shapes.append((layer.__class__.__name__, tuple(X.shape)))
    return shapes
    # END SOLUTION


def init_weights(module):
    """Xavier-uniform initialisation, to be used as ``net.apply(init_weights)``.

    ``net.apply(f)`` calls ``f`` on every submodule (and on ``net`` itself). For an
    ``nn.Linear`` or ``nn.Conv2d``, fill its ``weight`` with values drawn uniformly from
    [-a, a] where

        a = sqrt(6 / (fan_in + fan_out))

    (fan_in = inputs per output unit, e.g. in_channels * k_h * k_w for a convolution; fan_out
    likewise for outputs). This keeps the variance of activations and gradients about the same
    from layer to layer (Glorot & Bengio, 2010). ``nn.init.xavier_uniform_`` does exactly this.
    Leave biases, and every other kind of module, unchanged.

    Example::

        >>> net = lenet()
        >>> _ = net.apply(init_weights)
        >>> bool(net[0].weight.abs().max() <= (6 / (1 * 25 + 6 * 25)) ** 0.5)
        True
    """
    # BEGIN SOLUTION
    if type(module) in (nn.Linear, nn.Conv2d):
        nn.init.xavier_uniform_(module.weight)
    # END SOLUTION


def evaluate_accuracy(net, data_iter, device=None):
    """The fraction of examples in ``data_iter`` whose predicted class is right, as a float.

    ``data_iter`` yields ``(X, y)`` batches; the prediction for an example is the index of its
    largest logit, ``net(X).argmax(dim=1)``. Count correct predictions and examples over ALL
    batches and divide once at the end: the mean of per-batch accuracies is wrong when batches
    differ in size (the last batch of an epoch usually does).

    Put the net in evaluation mode (``net.eval()``) and compute without gradients. Move each
    batch to ``device``; when ``device`` is None, use the device the net's parameters are on
    (d2l's ``evaluate_accuracy_gpu``).

    Example: batches of 4 and 2 examples with 3 and 0 correct give 3 / 6 = 0.5 (not
    (3/4 + 0/2) / 2 = 0.375).
    """
    # BEGIN SOLUTION
    if isinstance(net, nn.Module):
        net.eval()
        if device is None:
            first = next(net.parameters(), None)
            device = first.device if first is not None else None
    correct, total = 0, 0  # d2l keeps these in an Accumulator(2)
    with torch.no_grad():
        for X, y in data_iter:
            if device is not None:
                X, y = X.to(device), y.to(device)
            y_hat = net(X)
            correct += int((y_hat.argmax(dim=1) == y).sum())
            total += y.numel()
    return correct / total
    # END SOLUTION


def train(net, train_iter, test_iter, num_epochs, lr, device=None):
    """Train ``net`` with minibatch SGD: d2l's ``train_ch6`` without the plots and without
    re-initialising the net (call ``net.apply(init_weights)`` before, as ``grader train`` does).

    - Move the net to ``device`` (None: leave it where it is and use its device).
    - ``optimizer = torch.optim.SGD(net.parameters(), lr=lr)``, ``loss = nn.CrossEntropyLoss()``
      (the mean over the batch).
    - Each epoch: ``net.train()``; for every batch ``(X, y)``: move it to the device,
      ``optimizer.zero_grad()``, ``y_hat = net(X)``, ``l = loss(y_hat, y)``, ``l.backward()``,
      ``optimizer.step()``. Accumulate ``l * batch size``, the number of correct predictions
      of ``y_hat`` (the logits computed before this batch's update) and the number of examples.
    - After the epoch: train loss = summed loss / examples, train accuracy = correct / examples,
      test accuracy = ``evaluate_accuracy(net, test_iter, device)``.

    Returns ``{"train_loss": [...], "train_acc": [...], "test_acc": [...]}`` with one float per
    epoch. Forgetting ``zero_grad`` makes gradients pile up from batch to batch; averaging
    per-batch accuracies weighs the small last batch too much: both are checked.

    Example (the book's run, on a GPU)::

        >>> train_iter, test_iter = grader.data.load_data_fashion_mnist(batch_size=256)
        >>> net = lenet(); _ = net.apply(init_weights)
        >>> history = train(net, train_iter, test_iter, num_epochs=10, lr=0.9, device="cuda")
        >>> # d2l reports loss 0.469, train acc 0.823, test acc 0.779 after 10 epochs
    """
    # BEGIN SOLUTION
    if device is None:
        first = next(net.parameters(), None)
        device = first.device if first is not None else "cpu"
    net.to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    history = {"train_loss": [], "train_acc": [], "test_acc": []}
    for _ in range(num_epochs):
        loss_sum, correct, n = 0.0, 0, 0  # d2l keeps these in an Accumulator(3)
        net.train()
        for X, y in train_iter:
            X, y = X.to(device), y.to(device)
            optimizer.zero_grad()
            y_hat = net(X)
            l = loss(y_hat, y)  # noqa: E741  (d2l's name)
            l.backward()
            optimizer.step()
            with torch.no_grad():
                loss_sum += float(l) * X.shape[0]
                correct += int((y_hat.argmax(dim=1) == y).sum())
                n += X.shape[0]
        history["train_loss"].append(loss_sum / n)
        history["train_acc"].append(correct / n)
        history["test_acc"].append(evaluate_accuracy(net, test_iter, device))
    return history
    # END SOLUTION
