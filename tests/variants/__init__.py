"""Mutants and alternatives as data: ``tests/variants/<chapter>/<exercise>.py`` holds
``VARIANTS``, a list of ``Variant`` for that exercise, found from its name.

A variant is the reference solution with the exercise's definition changed: by ``edit``s of
the reference's own code (a mutant: one plausible wrong step), or by a whole definition in
another style (an alternative written with loops, ``unfold``, einsum, NumPy, the book's code).
An edit names text of the reference: when the reference changes so that the text is no longer
there (or is there more often than said), the variant fails loudly instead of silently testing
something else. ``chapter_suite(chapter)`` gives a chapter's test module its one parametrised
test over every variant, graded in one batch (``tests/batch_grade.py``).
"""

from __future__ import annotations

import ast
import importlib
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from grader.outcomes import PASSED

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Edit:
    """Replace ``old`` by ``new`` in the reference's definition, exactly ``count`` times."""

    old: str
    new: str
    count: int = 1


def edit(old: str, new: str, count: int = 1) -> Edit:
    return Edit(old, new, count)


@dataclass(frozen=True)
class Variant:
    """``name``: what it does, in a few words. ``code``: edits of the reference's definition
    (one ``Edit`` or a tuple), or the whole definition as source. ``outcome``: what the grader
    must say (``passed`` for an alternative). ``phrase``: words the English output must hold.
    ``diagnosis``: the one "Diagnosis:" sentence it must get, when it must. ``also``: other
    top-level definitions replaced too ({name: source}: a helper the variant calls)."""

    name: str
    code: str | Edit | tuple[Edit, ...]
    outcome: str = PASSED
    phrase: str = ""
    diagnosis: str | None = None
    also: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return "alt" if self.outcome == PASSED else "mutant"


def definition(source: str, name: str) -> str:
    """The source of the top-level function or class ``name`` (decorators included)."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
            return "".join(lines[start:node.end_lineno])
    raise LookupError(f"the reference defines no {name}")


def source_of(variant: Variant, reference: str, exercise: str) -> str:
    """The variant's definition of ``exercise``, given the reference module's source."""
    if isinstance(variant.code, str):
        return textwrap.dedent(variant.code).strip("\n") + "\n"
    code = definition(reference, exercise)
    edits = (variant.code,) if isinstance(variant.code, Edit) else variant.code
    for e in edits:
        found = code.count(e.old)
        if found != e.count:
            raise ValueError(f"{exercise} / {variant.name}: the edit {e.old!r} matches "
                             f"{found} times in the reference, not {e.count}: update the variant")
        code = code.replace(e.old, e.new)
    return code


def variants_of(chapter: str) -> list[tuple[str, Variant]]:
    """(exercise, variant) for every variant module of ``chapter``, in file-name order."""
    out = []
    for path in sorted((HERE / chapter).glob("*.py")):
        if path.name.startswith("_"):
            continue
        module = importlib.import_module(f"tests.variants.{chapter}.{path.stem}")
        out += [(path.stem, v) for v in module.VARIANTS]
    return out


def case_id(case: tuple[str, Variant]) -> str:
    exercise, variant = case
    return f"{variant.kind}: {exercise}: {variant.name}"


def chapter_suite(chapter: str, module: str) -> dict:
    """The tests every chapter's variants get, for its test module's globals: ``graded`` (one
    batch for all), ``test_variant`` (the outcome, the phrase, the diagnosis), and the
    chapter-wide ``test_no_mutant_gets_two_diagnoses`` and ``test_chinese_failure_output``."""
    from tests import support

    cases = variants_of(chapter)
    reference = (support.SOLUTIONS / f"{module}.py").read_text("utf-8")

    @pytest.fixture(scope="module")
    def graded(tmp_path_factory):
        jobs, rows = [], []
        for i, (exercise, variant) in enumerate(cases):
            code = source_of(variant, reference, exercise)
            folder = support.make_folder(tmp_path_factory.mktemp(f"v{i}"), module,
                                         {exercise: code, **variant.also})
            jobs.append((folder, [f"{chapter}.{exercise}"]))
            rows.append((variant.kind, exercise, variant.name, code, variant.outcome,
                         variant.phrase))
        return support.variant_results(rows, support.grade_batch(jobs), chapter)

    @pytest.mark.slow
    @pytest.mark.parametrize("case", cases, ids=case_id)
    def test_variant(graded, case):
        exercise, variant = case
        outcome, output = graded[(variant.kind, exercise, variant.name)]
        assert outcome == variant.outcome, output
        assert variant.phrase.lower() in output.lower(), output
        assert "the grader itself failed" not in output.lower(), output
        if variant.diagnosis is not None:
            assert support.diagnosis_lines(output) == [f"Diagnosis: {variant.diagnosis}"], \
                output

    @pytest.mark.slow
    def test_no_mutant_gets_two_diagnoses(graded):
        support.assert_no_two_diagnoses(graded)

    @pytest.mark.slow
    def test_chinese_failure_output(graded):
        """Every failure reads as Chinese under --lang zh (the same verdicts)."""
        support.assert_chinese(graded)

    def test_every_edit_still_matches_the_reference():
        for exercise, variant in cases:
            source_of(variant, reference, exercise)

    return {"graded": graded, "test_variant": test_variant,
            "test_no_mutant_gets_two_diagnoses": test_no_mutant_gets_two_diagnoses,
            "test_chinese_failure_output": test_chinese_failure_output,
            "test_every_edit_still_matches_the_reference":
                test_every_edit_still_matches_the_reference}
