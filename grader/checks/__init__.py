"""The properties each chapter's exercises must satisfy: one pytest module per chapter.

Check modules set ``CHAPTER = "chapterNN"`` and mark every test with
``@pytest.mark.exercise(name)``; they use the ``learner`` fixture to call the learner's code in
the isolated worker and ``grader.compare`` to judge what comes back.
"""

from __future__ import annotations

import os

from hypothesis import settings

#: ``--thorough`` multiplies every property's example budget (instructors, CI).
THOROUGH = float(os.environ.get("GRADER_THOROUGH_FACTOR", "1"))


def budget(examples: int) -> settings:
    """Settings for one property: ``examples`` Hypothesis examples (×10 when thorough)."""
    return settings(max_examples=max(1, int(examples * THOROUGH)))
