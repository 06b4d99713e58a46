"""The runner's words are keys and data (issue 17), rendered in the reader's language: how a
process ended, what the learner's code opened that it may not, why an input must raise, and
why an isolation level cannot be had."""

from __future__ import annotations

import sys

import pytest

from grader import launcher, learner, text
from grader.process_tree import how_it_ended
from grader.verdict_text import render
from tests.chinese import english_left


@pytest.fixture(autouse=True)
def strict(monkeypatch):
    monkeypatch.setattr(text, "STRICT", True)


def _both(value) -> tuple[str, str]:
    return text.render_value(value, "en"), text.render_value(value, "zh")


def test_how_a_process_ended_is_a_sentence(monkeypatch):
    assert _both(how_it_ended(None)) == ("it stopped answering", "它不再响应")
    assert _both(how_it_ended(-11)) == ("it was killed by SIGSEGV", "它被信号 SIGSEGV 终止")
    assert _both(how_it_ended(3)) == ("it exited with status 3", "它以状态码 3 退出")
    monkeypatch.setattr(sys, "platform", "win32")
    en, zh = _both(how_it_ended(0xC00000FD))
    assert en == "it crashed with a stack overflow (0xC00000FD, SIGSEGV elsewhere)"
    assert "栈溢出" in zh and "0xC00000FD" in zh and english_left(zh) == []
    assert "0xC0000123" in _both(how_it_ended(0xC0000123))[1]


def test_a_crash_verdict_renders_how_in_each_language():
    data = {"call": "corr2d(…)", "how": how_it_ended(-6), "inputs": [], "output": ""}
    assert "it was killed by SIGABRT" in render("crashed", data, "en")
    zh = render("crashed", data, "zh")
    assert "它被信号 SIGABRT 终止" in zh and english_left(zh) == []
    memory = {"call": "corr2d(…)", "limit": 512, "message": text.said("memory.stopped"),
              "inputs": []}
    assert "its process was stopped" in render("memory", memory, "en")
    zh = render("memory", memory, "zh")
    assert "它的进程被停止了" in zh and english_left(zh) == []


@pytest.mark.parametrize("opened, en, zh", [
    ("solutions", "the reference solutions (solutions/chapter19_conv.py)", "参考答案"),
    ("checks", "the grader's checks (checks/chapter19.py)", "评分器的检查代码"),
])
def test_an_opened_file_is_named_in_the_readers_language(opened, en, zh):
    name = f"{opened}/chapter19{'_conv' if opened == 'solutions' else ''}.py"
    op = learner._opened({"call": "…", "opened": opened, "file": name})
    data = {"op": op, "where": "chapter19_conv.py, line 3, in corr2d: open(path)"}
    assert en in render("forbidden_file", data, "en")
    rendered = render("forbidden_file", data, "zh")
    assert zh in rendered and english_left(rendered) == [], rendered
    assert learner._opened({"call": "torch.conv2d"}) == "torch.conv2d"


def test_why_an_input_must_raise():
    why = text.said("chapter20.conv_output_shape.invalid.kernel_larger", k=3, n=2)
    data = {"call": "f(…)", "got": "(0, 0)", "expected": "ValueError", "inputs": [],
            "why": text.said("raise.why", reason=why)}
    en, zh = render("raise.missing", data, "en"), render("raise.missing", data, "zh")
    assert "must raise ValueError: " in en and "应该抛出 ValueError：" in zh
    assert text.render_value(why, "en") in en and text.render_value(why, "zh") in zh
    assert english_left(zh) == []


def test_isolation_unavailable_has_a_key_and_both_languages(monkeypatch):
    levels = {"sandbox": (False, "no bwrap"), "user": (False, "not root"),
              "process": (True, "")}
    monkeypatch.setattr(launcher, "available", lambda level: levels[level])
    with pytest.raises(launcher.IsolationUnavailable) as contra:
        launcher.choose_isolation("user", False, sandbox_default=True)
    assert contra.value.key == "isolation.contradicts"
    assert str(contra.value) == "--no-sandbox contradicts --isolation user"
    assert contra.value.text("zh") == "--no-sandbox 与 --isolation user 相互矛盾"
    with pytest.raises(launcher.IsolationUnavailable) as bad:
        launcher.choose_isolation("box", None, sandbox_default=True)
    assert "'box'" in str(bad.value) and "'box'" in bad.value.text("zh")
    with pytest.raises(launcher.IsolationUnavailable) as none:
        launcher.choose_isolation("auto", None, sandbox_default=True)
    assert none.value.key == "isolation.none"
    assert "no bwrap; not root" in none.value.text("zh")


def test_a_result_that_could_not_be_sent_back_says_so_in_the_readers_language():
    data = {"call": "f(…)", "type": "TypeError", "traceback": "", "inputs": [],
            "message": text.said("raised.unsendable", error="cannot pickle 'generator' object")}
    zh = render("raised", data, "zh")
    assert "无法把结果传回评分器：cannot pickle" in zh and english_left(zh) == [], zh
    assert "the result could not be sent back: cannot pickle" in render("raised", data, "en")


def test_a_complex_number_in_a_returned_tuple_reads_as_a_number():
    """A learner's conv_output_shape returning (8+0j, 8): the verdict shows the value, not the
    descriptor that carries it (the wire now lets complex numbers cross)."""
    from grader import wire
    from grader.plain import to_plain

    got = wire.decode(wire.loads_plain(wire.dumps(wire.encode((8 + 0j, 8)))))
    data = to_plain({"call": "conv_output_shape(…)", "expected": (8, 8), "got": got,
                     "inputs": [], "why": ""})
    text = render("mm.value", data, "en")
    assert "(8+0j), 8)" in text and "$value" not in text, text
