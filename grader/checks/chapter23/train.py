"""train(): d2l's train_ch6 (SGD, cross-entropy, zero_grad/backward/step per batch) on tiny
nets and uneven batches: the weights after training against the float64 reference
(``reference_trainer``), and the history, epoch by epoch; what a wrong one resembles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from grader.checks import budget
from grader.checks.chapter23.batches import Batches
from grader.checks.chapter23.devices import device_name, slack
from grader.checks.chapter23.failing import fail
from grader.checks.chapter23.floats import ACCURACY_TOLERANCE, expect_float
from grader.checks.chapter23.reference_trainer import Trained, TrainProblem, reference_train
from grader.compare import Mistake, expect_tensor, said, tell_apart
from grader.module_specs import Spec, build, layer, sequential, with_state

if TYPE_CHECKING:
    from grader.learner import Learner

CHAPTER = "chapter23"

TRAIN_NET = sequential(layer("Flatten"), layer("Linear", 16, 6), layer("Sigmoid"),
                       layer("Linear", 6, 3))
#: A net whose output depends on its mode (batch norm: batch statistics in training, running
#: statistics in evaluation, which a forward pass in training mode also moves): test accuracy
#: computed in training mode shows on it. Batches of it hold two examples or more.
TRAIN_BN_NET = sequential(layer("Flatten"), layer("Linear", 16, 6), layer("BatchNorm1d", 6),
                          layer("Sigmoid"), layer("Linear", 6, 3))


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


#: The classic mistakes reference_train imitates, and the sentence that names each.
TRAIN_MISTAKES = {
    "no_zero_grad": "chapter23.train.mistake.no_zero_grad",
    "sum_loss": "chapter23.train.mistake.sum_loss",
    "untouched": "chapter23.train.mistake.untouched",
    "reinit": "chapter23.train.mistake.reinit",
    "batch_mean_acc": "chapter23.train.mistake.batch_mean_acc",
    "batch_mean_loss": "chapter23.train.mistake.batch_mean_loss",
    "acc_after_step": "chapter23.train.mistake.acc_after_step",
    "test_on_train": "chapter23.train.mistake.test_on_train",
    "test_train_mode": "chapter23.train.mistake.test_train_mode",
}
WEIGHT_MISTAKES = ("no_zero_grad", "sum_loss", "untouched", "reinit", "test_train_mode")
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
    inputs = [("net", said("chapter23.train.net", net=p.spec.label)),
              ("train_iter", p.train.shown()), ("test_iter", p.test.shown()), ("num_epochs", p.epochs),
              ("lr", p.lr)] + list(kwargs.items())
    extra = {"net_device": learner.device} if learner.device != "cpu" else {}
    got = learner.probe("call_with_net", p.spec, p.train, p.test, p.epochs, p.lr, **kwargs,
                        shown=(call, inputs), start_mode="eval", **extra)
    history = history_values(got["value"], p.epochs, call, inputs)
    if history is None:
        fail("chapter23.train.reason.history", call, inputs, epochs=p.epochs, got=short(got["value"]))
    # A training step is a call with autograd on; those train makes must be in training mode.
    # Calls made inside the learner's evaluate_accuracy are that exercise's, judged there.
    if any(grad and not train for train, grad, by in got.get("modes") or []
           if by != "evaluate_accuracy"):
        fail("chapter23.train.reason.not_training", call, inputs)
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
        mistakes = [Mistake(variant(name).state[key], TRAIN_MISTAKES[name])
                    for name in WEIGHT_MISTAKES]
        known = any(isinstance(have, torch.Tensor) and weights_close(have, m.value)
                    for m in mistakes)
        if not known and not same_value("train_loss", history["train_loss"][0],
                                        ref.history["train_loss"][0], 0.0):
            mistakes.append(Mistake(have, "chapter23.train.mistake.first_epoch_differs"))
        expect_tensor(have, want, call=said("chapter23.train.weight_after", name=key, call=call),
                      inputs=inputs,
                      scale=WEIGHT_SCALE * slack(learner), device=device_name(learner),
                      mistakes=mistakes, floating=want.dtype.is_floating_point,
                      shape_why=said("chapter23.train.shape"),
                      further=tell_apart(
                          lambda seed, key=key: train_again(learner, p, seed, key, kwargs,
                                                            (call, inputs), extra),
                          lambda: [(1000 + i,) for i in range(3)]))
    for key in ("train_loss", "train_acc", "test_acc"):
        for epoch, (have, want) in enumerate(zip(history[key], ref.history[key], strict=True)):
            room = ref.slack.get(key, [0.0] * p.epochs)[epoch]
            if same_value(key, have, want, room):
                continue
            diagnosis = next((said(TRAIN_MISTAKES[name]) for name in HISTORY_MISTAKES
                              if same_value(key, have, variant(name).history[key][epoch],
                                            room)), None)
            fail("chapter23.train.reason.history_value", call, inputs, diagnosis=diagnosis, series=key,
                 epoch=epoch + 1, expected=want, got=have,
                 values=", ".join(f"{v:.6g}" for v in history[key]),
                 want_values=", ".join(f"{v:.6g}" for v in ref.history[key]))


def train_again(learner: Learner, p: TrainProblem, seed: int, key: str, kwargs: dict,
                shown: tuple, extra: dict) -> tuple[Any, list[Mistake]]:
    """The learner's train and the weight mistakes on the same net and batch sizes with other
    weights and data: what tells apart mistakes that agree on one problem."""
    q = train_problem([len(y) for _, y in p.train], [len(y) for _, y in p.test], p.epochs,
                      p.lr, seed, spec=p.spec)
    got = learner.probe("call_with_net", q.spec, q.train, q.test, q.epochs, q.lr, **kwargs,
                        shown=shown, start_mode="eval", **extra)
    return got["state"].get(key), [Mistake(reference_train(q, name).state[key],
                                           TRAIN_MISTAKES[name]) for name in WEIGHT_MISTAKES]


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
