"""One convention for learner-facing text (issue 17): a key and its data in the code, the
sentences in ``grader/texts/<lang>/*.toml``. Every language has every key, with the same
placeholders; every key the code names exists; no key is unused; a chapter's file holds only
that chapter's keys. Read from the source (an AST walk), so a key named only on a rare path
is proven as well as a common one."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from grader import text
from tests.support import ROOT

GRADER = ROOT / "grader"
#: Calls whose first argument (Mistake: second) is a sentence's key.
KEY_CALLS = {"t": 0, "said": 0, "raw": 0, "Mistake": 1, "UsageError": 0}


def _sources() -> dict[Path, ast.AST]:
    return {p: ast.parse(p.read_text("utf-8"), str(p)) for p in sorted(GRADER.rglob("*.py"))}


def _callee(node: ast.Call) -> str:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")


def _pattern(node: ast.JoinedStr) -> str:
    """An f-string as a regular expression: f"{chapter.id}.title" names every ``*.title``."""
    return "".join(re.escape(str(v.value)) if isinstance(v, ast.Constant) else ".+"
                   for v in node.values)


def _named_keys() -> tuple[dict[str, str], set[str], set[str]]:
    """(keys named literally in a key call → where, every string constant of grader/, the
    f-strings with a dot in them as patterns: f"outcome.{x}" names every outcome.* key)."""
    named: dict[str, str] = {}
    constants: set[str] = set()
    patterns: set[str] = set()
    for path, tree in _sources().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                constants.add(node.value)
            elif isinstance(node, ast.JoinedStr) and any(
                    isinstance(v, ast.Constant) and "." in str(v.value) for v in node.values):
                patterns.add(_pattern(node))
            elif isinstance(node, ast.Call) and _callee(node) in KEY_CALLS:
                at = KEY_CALLS[_callee(node)]
                if len(node.args) > at and isinstance(node.args[at], ast.Constant) \
                        and isinstance(node.args[at].value, str):
                    named.setdefault(node.args[at].value,
                                     f"{path.relative_to(ROOT)}:{node.lineno}")
    return named, constants, patterns


def test_there_are_languages_and_english_is_one():
    assert "en" in text.languages() and "zh" in text.languages()


@pytest.mark.parametrize("lang", [lang for lang in text.languages() if lang != "en"])
def test_every_language_has_every_key_with_the_same_placeholders(lang):
    en, other = text.sentences("en"), text.sentences(lang)
    assert sorted(set(en) - set(other)) == [], f"missing in {lang}"
    assert sorted(set(other) - set(en)) == [], f"only in {lang}"
    for key, sentence in en.items():
        theirs = other[key]
        assert type(theirs) is type(sentence), key
        if isinstance(sentence, tuple):  # a hint's levels
            assert len(theirs) == len(sentence), key
            pairs = list(zip(sentence, theirs, strict=True))
        else:
            pairs = [(sentence, theirs)]
        for a, b in pairs:
            assert text.fields(a) == text.fields(b), (key, a, b)


def test_every_key_the_code_names_exists():
    named, _, _ = _named_keys()
    keys = text.sentences("en")
    # a key call with a literal that is plainly not a key (a module name, a sentence) is a
    # caller of the old convention: the test names it
    missing = {k: where for k, where in named.items() if k not in keys}
    assert missing == {}


def test_no_key_is_unused():
    _, constants, patterns = _named_keys()
    unused = [k for k in text.sentences("en")
              if k not in constants and not any(re.fullmatch(p, k) for p in patterns)]
    assert unused == []


def test_a_chapter_file_holds_only_its_chapter():
    for lang in text.languages():
        for path in (text.TEXTS / lang).glob("chapter*.toml"):
            keys: dict = {}
            text._flatten(text._toml(path), "", keys, path)
            assert [k for k in keys if not k.startswith(path.stem + ".")] == [], path


def test_a_missing_key_never_crashes_a_report(monkeypatch):
    monkeypatch.setattr(text, "STRICT", False)
    assert text.t("no.such.key", "zh", n=1) == "no.such.key {'n': 1}"
    assert text.t("outcome.passed", "xx") == text.t("outcome.passed", "en")
    monkeypatch.setattr(text, "STRICT", True)
    with pytest.raises(KeyError):
        text.t("no.such.key", "en")


def test_nested_sentences_render_in_the_same_language():
    inner = text.said("outcome.failed")
    assert text.t("hint", "zh", text=inner) == text.t("hint", "zh", text="未通过")
    assert text.t("hint", "en", text=inner) == "Hint: failed"


def test_the_locale_picks_a_language_there_are_files_for():
    assert text.default_lang({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert text.default_lang({"LC_ALL": "fr_FR.UTF-8", "LANG": "zh_CN"}) == "en"
    assert text.default_lang({}) == "en"
