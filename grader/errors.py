"""Exit statuses and the usage error every command raises for bad input (exit 2)."""

from __future__ import annotations

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A usage error (exit 2). Give the message in English and, where a learner may see it,
    Chinese too: ``UsageError(en, zh)``."""

    def __init__(self, en: str, zh: str | None = None) -> None:
        super().__init__(en)
        self.zh = zh

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" and self.zh else str(self)
