"""The report's own words, for chapter 23's variants: the diagnosis a variant must get."""

from __future__ import annotations

from grader.text import t


def english(key: str, **data: str) -> str:
    """The English sentence of ``key``, as the report words it."""
    return t(key, "en", **data)
