"""What counts as English left in a Chinese text (issue 18: "Chinese is incomplete").

The rule: a run of three or more lowercase English words (letters only, two or more each),
separated by single spaces, is an English sentence (or a piece of one) left untranslated. Names
of code (``corr2d``, ``nn.Conv2d``, ``torch.no_grad()``, ``count_include_pad=True``), technical
terms (``NotImplementedError``, ``Xavier``, ``dtype``), tensors and numbers never make such a
run, and two words (``class indices``) are not a sentence. Left out before looking: commands in
backticks, and what the learner's own code printed or raised (their words, not ours: the
output block, tracebacks, and an exception's message after its type). Also
refused: an ASCII colon right after a Chinese character or full-width punctuation (``输入:``
should read ``输入：``).
"""

from __future__ import annotations

import re

ENGLISH_RUN = re.compile(r"(?<![\w.'`/\\-])[a-z]{2,}(?: [a-z]{2,}){2,}(?![\w('`/\\-])")
ASCII_COLON = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]:")
LEARNER_OUTPUT = re.compile(r"你的代码打印了：\n.*?(?=\n\S|\Z)", re.S)  # the "output" block
#: An exception the learner's code raised, as the report quotes it: its type, then its message
#: (the learner's, or PyTorch's or Python's about the learner's code) to the end of the line, or
#: in brackets after it.
RAISED = re.compile(r"\b[A-Z]\w*(?:Error|Exception|Warning)\b(?:[:：].*|[（(][^）)]*[）)])")
TRACEBACK = re.compile(r"Traceback \(most recent call last\):.*?(?=\n\S|\Z)|  File \".*", re.S)


def english_left(text: str, learner: tuple[str, ...] = ()) -> list[str]:
    """The English runs and ASCII colons in ``text``, a Chinese rendering; ``learner``: strings
    that came from the learner's code (an exception's message), left out."""
    text = re.sub(r"`[^`]*`", " ", text)
    text = LEARNER_OUTPUT.sub(" ", text)
    text = TRACEBACK.sub(" ", text)
    text = RAISED.sub(" ", text)
    for words in learner:
        if words:
            text = text.replace(words, " ")
    return [m.group() for m in ENGLISH_RUN.finditer(text)] + \
        [m.group() for m in ASCII_COLON.finditer(text)]
