"""JUnit XML from results.json reports, for CI systems and GitHub Classroom.

A renderer like ``grader.report``: it reads the contract's results.json dictionaries (one per
graded folder) and writes; it never grades. Each folder becomes a ``<testsuite>``, each exercise
one ``<testcase>`` named ``chapterNN.<exercise>`` with its points as properties. Outcomes map as
CI tools expect: ``passed`` has no result element; a wrong answer, ``forbidden`` and
``not_started`` are ``<failure>``s (an unsolved exercise must turn CI red, so never
``<skipped>``); ``error``, ``timeout`` and ``crashed`` are ``<error>``s.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from junitparser import Error, Failure, JUnitXml, Properties, Property, TestCase, TestSuite

_ERRORS = ("error", "timeout", "crashed")

# Characters XML 1.0 cannot hold at all; learner output may contain them (print("\x00")).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """``text`` with the characters XML 1.0 forbids replaced by U+FFFD."""
    return _INVALID_XML.sub("\ufffd", text)


def _case(test: dict, suite_name: str | None) -> TestCase:
    qualname = str(test.get("name", "?"))
    chapter = qualname.partition(".")[0]
    seconds = (test.get("extra_data") or {}).get("seconds")
    case = TestCase(clean(qualname),
                    classname=clean(f"{suite_name}.{chapter}" if suite_name else chapter),
                    time=float(seconds) if isinstance(seconds, (int, float)) else None)
    outcome = str((test.get("extra_data") or {}).get("outcome", test.get("status", "failed")))
    output = clean(str(test.get("output", "")))
    score, max_score = float(test.get("score", 0)), float(test.get("max_score", 0))
    # Points as testcase properties (the shape pytest's record_property writes), first.
    properties = Properties()
    for key, value in (("outcome", outcome), ("score", f"{score:g}"),
                       ("max_score", f"{max_score:g}")):
        properties.add_property(Property(key, value))
    case.append(properties)
    if outcome != "passed":
        first = output.strip().splitlines()[0] if output.strip() else outcome
        result = (Error if outcome in _ERRORS else Failure)(first[:300], outcome)
        result.text = output
        case.result = [result]
    case.system_out = f"{score:g}/{max_score:g} points\n{output}".rstrip()
    return case


def build(reports: Iterable[tuple[str | None, dict]], name: str = "convgrade") -> JUnitXml:
    """One testsuite per ``(suite name, results.json dict)``. A suite name of None (one folder,
    ``grader check``) keeps test classes as bare chapter ids."""
    xml = JUnitXml(name)
    for suite_name, data in reports:
        suite = TestSuite(clean(suite_name or name))
        suite.add_property("score", f"{float(data.get('score', 0)):g}")
        suite.add_property("max_score", f"{float(data.get('max_score', 0)):g}")
        for test in data.get("tests", []):
            suite.add_testcase(_case(test, suite_name))
        suite.update_statistics()
        xml.add_testsuite(suite)
    xml.update_statistics()
    return xml


def write(path: str | os.PathLike, reports: Iterable[tuple[str | None, dict]],
          name: str = "convgrade") -> None:
    """Write the JUnit XML for ``reports`` to ``path`` (atomically, parents created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    build(reports, name).write(str(tmp), pretty=True)
    os.replace(tmp, path)
