"""evaluate_accuracy(): the fraction of right argmax predictions over every example of uneven
batches (not a mean of batch means), in eval mode and without gradients, on the net's device
or the one given; a Python float."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from grader.checks import budget
from grader.checks.chapter23.batches import Batches
from grader.checks.chapter23.failing import fail
from grader.checks.chapter23.floats import ACCURACY_TOLERANCE, expect_float
from grader.compare import said
from grader.module_specs import Spec, build, layer, sequential, with_state

CHAPTER = "chapter23"

N_CLASSES = 5


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



def accuracy_mistakes(counts: list[tuple[int, int]]) -> list[tuple[float, dict]]:
    correct = sum(c for c, _ in counts)
    out = [
        (sum(c / n for c, n in counts) / len(counts),
         said("chapter23.evaluate_accuracy.mistake.batch_mean")),
        (float(correct),
         said("chapter23.evaluate_accuracy.mistake.count")),
        (correct / (len(counts) * counts[0][1]),
         said("chapter23.evaluate_accuracy.mistake.batches_times_size")),
    ]
    if len(counts) > 1:
        c, n = sum(c for c, _ in counts[:-1]), sum(n for _, n in counts[:-1])
        out.append((c / n, said("chapter23.evaluate_accuracy.mistake.last_left_out")))
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
        fail("chapter23.evaluate_accuracy.reason.still_training", call, inputs)
    if any(grad for _, grad, _ in modes):
        fail("mm.value", call, inputs,
             expected=said("chapter23.evaluate_accuracy.without_gradients"),
             got=said("chapter23.evaluate_accuracy.with_gradients"),
             diagnosis=said("chapter23.evaluate_accuracy.mistake.autograd_on"))
    if abs(value - expected) <= ACCURACY_TOLERANCE:
        return
    diagnosis = next((why for wrong, why in accuracy_mistakes(counts)
                      if abs(value - wrong) <= 1e-6), None)
    fail("chapter23.evaluate_accuracy.reason.accuracy", call, inputs, diagnosis=diagnosis, expected=expected, got=value,
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
