"""The project's own tests render every sentence strictly: a key missing from grader/texts, or
a template its data cannot fill, is an error here (for a learner it falls back and never
crashes a report: tests/test_texts.py)."""

from grader import text

text.STRICT = True
