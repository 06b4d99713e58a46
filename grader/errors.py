"""Exit statuses and the usage error every command raises for bad input (exit 2)."""

from __future__ import annotations

from typing import Any

from grader.text import FALLBACK, t

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A usage error (exit 2): a sentence's key and its data (``grader/texts``), rendered in the
    reader's language by ``text(lang)``; ``str()`` is the English."""

    def __init__(self, key: str, **data: Any) -> None:
        self.key = key
        self.data = data
        super().__init__(t(key, FALLBACK, **data))

    def text(self, lang: str) -> str:
        return t(self.key, lang, **self.data)
