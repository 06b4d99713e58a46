"""The tool's own texts (issue 17): a usage error is a key and its data, rendered in the
reader's language; ``--lang`` offers the languages there are sentences for; the words a
runner module still gives as an (English, Chinese) pair render in either."""

from __future__ import annotations

import argparse

import pytest

from grader import catalog, cli, text
from grader.data import DataError
from grader.errors import UsageError
from grader.release import MarkerError, make_stub
from tests.chinese import english_left


def test_a_usage_error_is_a_key_rendered_in_the_readers_language():
    exc = UsageError("usage.device", device="gpu")
    assert str(exc) == "--device must be auto, cpu or cuda, not 'gpu'" == exc.text("en")
    zh = exc.text("zh")
    assert "'gpu'" in zh and zh != str(exc) and not english_left(zh)
    assert (exc.key, exc.data) == ("usage.device", {"device": "gpu"})


def test_an_unknown_target_is_a_usage_error_with_its_suggestion_in_the_same_language():
    with pytest.raises(catalog.TargetError) as found:
        catalog.load().resolve(["chap19"])
    exc = found.value
    assert isinstance(exc, UsageError) and isinstance(exc, ValueError)
    assert exc.suggestion == "chapter19" and "Did you mean chapter19?" in str(exc)
    assert text.t("target.did_you_mean", "zh", suggestion="chapter19") in exc.text("zh")
    with pytest.raises(catalog.TargetError) as found:
        catalog.load().resolve(["chapter19.corr2D"])
    assert "chapter19.corr2d" in found.value.text("zh")
    assert not english_left(found.value.text("zh"))


def test_the_command_line_says_a_usage_error_in_the_language_asked_for(capsys):
    assert cli.main(["--lang", "zh", "check", "chap19"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("grader: 未知的目标") and not english_left(err)
    assert cli.main(["check", "chap19", "--lang", "en"]) == 2
    assert capsys.readouterr().err.startswith("grader: unknown target 'chap19'")


def _lang_choices(parser: argparse.ArgumentParser, where: str = "grader") -> dict:
    found = {}
    for action in parser._actions:  # argparse has no public walk of its options
        if "--lang" in action.option_strings:
            found[where] = tuple(action.choices)
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.update(_lang_choices(sub, f"{where} {name}"))
    return found


def test_every_lang_option_offers_the_languages_there_are_sentences_for():
    choices = _lang_choices(cli.build_parser())
    assert len(choices) == 1 + len(cli.COMMAND_MODULES)
    assert set(choices.values()) == {text.languages()}


def test_how_a_process_ended_renders_in_either_language():
    import signal

    from grader.launcher import how_it_ended

    words = how_it_ended(-signal.SIGKILL)
    assert text.t("train.died", "zh", how=words).startswith("训练进程崩溃了：它被信号 SIGKILL")
    assert "killed by SIGKILL" in text.t("train.died", "en", how=words)


def test_dataset_and_marker_problems_say_why_in_the_readers_language(tmp_path):
    bad = tmp_path / "train-images-idx3-ubyte"
    bad.write_bytes(b"\x01\x02\x03\x04\x05")
    from grader.data import read_idx

    with pytest.raises(DataError) as found:
        read_idx(bad)
    assert "bad magic number 01020304" in found.value.render("en")
    zh = found.value.render("zh")
    assert "01020304" in zh and not english_left(zh)
    reasons = DataError("data.download_failed", file="a.gz", folder="/data", reasons=[
        "https://example.org/a.gz: timed out",
        text.said("data.reason.md5", url="https://example.org/b/a.gz", md5="0", expected="1")])
    assert "timed out\n  https://example.org/b/a.gz：MD5 为 0" in reasons.render("zh")
    with pytest.raises(MarkerError) as marker:
        make_stub("def f():\n    # BEGIN SOLUTION\n    return 1\n", "solutions/x.py")
    assert str(marker.value) == "solutions/x.py:2: BEGIN SOLUTION is never closed"
    assert marker.value.text("zh").startswith("solutions/x.py:2：")


def test_a_reader_that_leaves_early_is_no_internal_error(tmp_path):
    """`grader grade … | head -1`: the pipe closes before the grader has written (grade flushes
    each student's line); it stops quietly (exit 1, as a Unix tool killed by SIGPIPE would
    stop), no "internal error" and no traceback."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    (tmp_path / "class" / "ada").mkdir(parents=True)
    shutil.copy(root / "solutions" / "chapter19_conv.py", tmp_path / "class" / "ada")
    read, write = os.pipe()
    os.close(read)  # nobody will ever read what the grader writes
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "grader", "grade", str(tmp_path / "class"),
             "chapter19.edge_kernel", "--out", str(tmp_path / "out"), "--jobs", "1",
             "--no-sandbox", "--lang", "en"],
            cwd=root, stdout=write, stderr=subprocess.PIPE, text=True, timeout=300)
    finally:
        os.close(write)
    assert proc.returncode == 1, proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert (tmp_path / "out" / "ada" / "results.json").is_file()  # what was done stays done
