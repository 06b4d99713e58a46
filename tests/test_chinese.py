"""Everything a learner reads exists in Chinese: every message key rendered in Chinese with
sample data, and the words checks pass to messages (``grader.compare.said``), hold no English
sentence (the rule is ``tests/chinese.py``'s). The failure outputs of the mutants are checked
the same way, in each chapter's suite (``test_chinese_failure_output``)."""

from __future__ import annotations

import pytest

from grader import text
from grader.text import fields, t
from grader.verdict_text import render
from tests.chinese import english_left


class Sample(str):
    """A placeholder's sample value: any format spec, any conversion."""

    def __new__(cls) -> Sample:
        return super().__new__(cls, "X1")

    def __format__(self, spec: str) -> str:
        return "X1"

    def __repr__(self) -> str:
        return "X1"

    def __str__(self) -> str:
        return "X1"


@pytest.mark.parametrize("key", sorted(k for k, v in text.sentences("zh").items()
                                        if isinstance(v, str)))
def test_every_message_reads_as_chinese(key):
    data = {name: Sample() for name in fields(text.sentences("zh")[key])}
    rendered = t(key, "zh", **data)
    assert english_left(rendered) == [], (key, rendered)


def test_the_rule_finds_what_issue_18_found():
    found = english_left("  net = nn.Sequential(Flatten()), weights fixed by the grader\n"
                         "  its values before = random, around 3.0, so any change shows\n"
                         "net.state_dict()['3.bias'] after train(…) 返回的结果不正确\n输入: X")
    assert found == ["weights fixed by the grader", "its values before", "so any change shows",
                     "入:"]
    assert english_left("X = nn.Conv2d(1, 6, kernel_size=5)，NotImplementedError，"
                        "count_include_pad=True，[3 个批量 (X, y)] `grader hint chapter19.corr2d`"
                        "\n你的代码打印了：\n  hello from my code\n") == []
    assert english_left("f(…) 抛出了 ZeroDivisionError（integer division or modulo by zero），"
                        "但这里应该抛出 ValueError：stride 必须至少为 1。\n"
                        "f(…) 抛出了 RuntimeError：mat1 and mat2 must have the same dtype") == []


def test_chapter23_inputs_and_calls_in_chinese():
    """Issue 18's examples: the inputs of train and init_weights, and a weight's call."""
    from grader.checks.chapter23.train import train_problem
    from grader.compare import said

    p = train_problem([6, 6, 4], [5, 3], epochs=3, lr=0.5, seed=3)
    data = {"call": said("chapter23.train.weight_after", name="3.bias", call="train(…)"),
            "reason": "mm.values", "params": {"diff": 1.0, "index": (0,)},
            "inputs": [("net", said("chapter23.train.net", net="Linear")),
                       ("train_iter", p.train.shown()),
                       (said("chapter23.init_weights.values_before"),
                        said("chapter23.init_weights.values_around_3"))],
            "expected": None, "actual": None, "diagnosis": None, "shape_why": None}
    zh = render("mismatch", data, "zh")
    assert english_left(zh) == [], zh
    assert "[3 个批量 (X, y)，大小依次为 6, 6, 4" in zh
    en = render("mismatch", data, "en")
    assert "weights fixed by the grader" in en and "[3 batches (X, y), sizes 6, 6, 4" in en
