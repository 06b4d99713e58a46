"""grader.catalog on its own: what a target names (``resolve``), the errors for unknown ones
and their suggestions, and ``chapter 19`` typed as two words."""

from __future__ import annotations

import pytest

from grader import catalog
from grader.catalog import TargetError, join_split_targets

CAT = catalog.load()


def names(targets):
    return [ex.qualname for ex in CAT.resolve(targets)]


CHAPTER19 = [f"chapter19.{ex.name}" for ex in CAT.chapter("chapter19").exercises]


def test_the_catalog_holds_the_contracts_chapters_in_order():
    assert [ch.id for ch in CAT.chapters] == [f"chapter{n}" for n in range(19, 24)]
    assert [ch.number for ch in CAT.chapters] == list(range(19, 24))
    assert CHAPTER19[:2] == ["chapter19.corr2d", "chapter19.Conv2D"]


def test_a_chapter_by_id_or_by_number():
    assert names(["chapter19"]) == CHAPTER19
    assert names(["19"]) == CHAPTER19
    assert names([" chapter19 "]) == CHAPTER19


def test_one_exercise_by_chapter_id_or_number():
    assert names(["chapter21.corr2d_multi_in"]) == ["chapter21.corr2d_multi_in"]
    assert names(["21.corr2d_multi_in"]) == ["chapter21.corr2d_multi_in"]


def test_all_and_no_target_mean_every_exercise_in_course_order():
    every = [ex.qualname for ex in CAT.exercises()]
    assert names(["all"]) == every
    assert names([]) == every
    assert len(every) == len(set(every))


def test_targets_come_back_in_course_order_without_duplicates():
    assert names(["chapter21.corr2d_multi_in", "chapter19.corr2d", "19.corr2d", "19"]) == \
        CHAPTER19 + ["chapter21.corr2d_multi_in"]
    assert names(["chapter20", "chapter19.corr2d"])[0] == "chapter19.corr2d"


@pytest.mark.parametrize(("target", "suggestion"), [
    ("chap19", "chapter19"),
    ("Chapter21", "chapter21"),
    ("nonsense", None),
    ("99", None),
])
def test_an_unknown_chapter_is_a_target_error_listing_the_valid_ones(target, suggestion):
    with pytest.raises(TargetError) as caught:
        CAT.resolve([target])
    message = str(caught.value)
    assert repr(target) in message and "all, chapter19" in message and "chapter23" in message
    assert caught.value.suggestion == suggestion
    zh = caught.value.text("zh")
    assert target in zh and "未知的目标" in zh


@pytest.mark.parametrize(("target", "suggestion"), [
    ("chapter19.corr2D", "chapter19.corr2d"),
    ("19.conv2d", "chapter19.Conv2D"),
    ("chapter21.corr2d_multi", "chapter21.corr2d_multi_in"),
    ("chapter19.nothing_like_it", None),
])
def test_an_unknown_exercise_is_a_target_error_listing_the_chapters_exercises(target,
                                                                              suggestion):
    with pytest.raises(TargetError) as caught:
        CAT.resolve([target])
    message = str(caught.value)
    assert "chapter19" in message or "chapter21" in message
    assert "has no exercise named" in message
    assert caught.value.suggestion == suggestion


def test_a_bad_target_fails_the_whole_resolve():
    with pytest.raises(TargetError):
        CAT.resolve(["chapter19", "chapter99"])


def test_chapter_19_as_two_words_is_joined_and_noted():
    assert join_split_targets(["chapter", "19"]) == (["chapter19"], [("chapter 19", "chapter19")])
    assert join_split_targets(["Chapter", "21.corr2d_multi_in", "all"]) == \
        (["chapter21.corr2d_multi_in", "all"], [("Chapter 21.corr2d_multi_in",
                                                  "chapter21.corr2d_multi_in")])
    assert join_split_targets(["chapter", "x"]) == (["chapter", "x"], [])
    assert join_split_targets(["chapter"]) == (["chapter"], [])
    joined, _ = join_split_targets(["chapter", "19"])
    assert names(joined) == CHAPTER19


def test_unjoined_two_words_are_not_guessed():
    with pytest.raises(TargetError):
        CAT.resolve(["chapter", "19"])  # "chapter" alone is no target
    with pytest.raises(TargetError):
        CAT.resolve(["chapter 19"])  # one argument with a space: not silently taken


def test_exercise_and_chapter_lookups():
    ex = CAT.exercise("chapter21.corr2d_multi_in")
    assert (ex.chapter, ex.name, ex.qualname) == ("chapter21", "corr2d_multi_in",
                                                  "chapter21.corr2d_multi_in")
    assert CAT.chapter(21) is CAT.chapter("chapter21") is CAT.chapter("chapter21_channels")
    assert CAT.chapter("chapter21").filename == "chapter21_channels.py"
    with pytest.raises(KeyError):
        CAT.exercise("chapter21.nope")
    assert CAT.exercise("chapter19.corr2d").arg_names == ("X", "K")
    assert CAT.exercise("chapter22.pool2d").arg_names == ("X", "pool_size", "mode")
