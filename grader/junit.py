"""JUnit XML from results.json reports, for CI systems and GitHub Classroom.

A renderer like ``grader.report``: it reads the contract's results.json dictionaries (one per
graded folder) and writes; it never grades. The output is valid against the Jenkins/Ant
``junit-10.xsd`` (the xunit plugin's, which CI servers validate against; tests/data/ holds a
copy): ``<testsuites>`` with one ``<testsuite>`` per folder, each exercise one ``<testcase>``
named ``chapterNN.<exercise>``. Outcomes map as CI tools expect: ``passed`` has no result
element; a wrong answer, ``forbidden`` and ``not_started`` are ``<failure>``s (an unsolved
exercise must turn CI red, so never ``<skipped>``); ``error``, ``timeout`` and ``crashed`` are
``<error>``s; the ``type`` attribute is the outcome.

Points: the schema allows ``<properties>`` only on a testsuite, so each suite carries
``score`` and ``max_score`` (its total) and ``<exercise>.score``, ``<exercise>.max_score``,
``<exercise>.outcome`` per testcase; each testcase's ``<system-out>`` starts with
``<score>/<max_score> points``. Times have at most three decimals (the schema's pattern).
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from grader.outcomes import PASSED

_ERRORS = ("error", "timeout", "crashed")

# Characters XML 1.0 cannot hold at all; learner output may contain them (print("\x00")).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """``text`` with the characters XML 1.0 forbids replaced by U+FFFD."""
    return _INVALID_XML.sub("\ufffd", text)


def _seconds(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and value >= 0 else None


def _time(seconds: float) -> str:
    return f"{seconds:.3f}"  # junit-10.xsd's SUREFIRE_TIME: digits, at most 3 decimals


def _points(value: float) -> str:
    return f"{value:g}"


class _Counts:
    def __init__(self) -> None:
        self.tests = self.failures = self.errors = 0
        self.time = 0.0

    def add(self, other: _Counts) -> None:
        self.tests += other.tests
        self.failures += other.failures
        self.errors += other.errors
        self.time += other.time

    def attrs(self) -> dict[str, str]:
        return {"tests": str(self.tests), "failures": str(self.failures),
                "errors": str(self.errors)}


def _case(test: dict, suite_name: str | None, counts: _Counts) -> tuple[ET.Element, list]:
    """(the testcase element, its (name, value) points properties for the suite)."""
    qualname = clean(str(test.get("name", "?")))
    chapter = qualname.partition(".")[0]
    extra = test.get("extra_data") if isinstance(test.get("extra_data"), dict) else {}
    outcome = clean(str(extra.get("outcome", test.get("status", "failed"))))
    output = clean(str(test.get("output", "")))
    score, max_score = float(test.get("score", 0)), float(test.get("max_score", 0))
    attrs = {"name": qualname,
             "classname": clean(f"{suite_name}.{chapter}" if suite_name else chapter)}
    seconds = _seconds(extra.get("seconds"))
    if seconds is not None:
        attrs["time"] = _time(seconds)
        counts.time += seconds
    case = ET.Element("testcase", attrs)
    counts.tests += 1
    if outcome != PASSED:
        first = output.strip().splitlines()[0] if output.strip() else outcome
        kind = "error" if outcome in _ERRORS else "failure"
        if kind == "error":
            counts.errors += 1
        else:
            counts.failures += 1
        result = ET.SubElement(case, kind, {"message": first[:300], "type": outcome})
        result.text = output
    ET.SubElement(case, "system-out").text = \
        f"{_points(score)}/{_points(max_score)} points\n{output}".rstrip()
    points = [(f"{qualname}.score", _points(score)), (f"{qualname}.max_score",
                                                       _points(max_score)),
              (f"{qualname}.outcome", outcome)]
    return case, points


def build(reports: Iterable[tuple[str | None, dict]], name: str = "convgrade") -> ET.Element:
    """The ``<testsuites>`` element: one testsuite per ``(suite name, results.json dict)``. A
    suite name of None (one folder, ``grader check``) keeps test classes as bare chapter ids."""
    root = ET.Element("testsuites", {"name": clean(name)})
    total = _Counts()
    for suite_name, data in reports:
        counts = _Counts()
        suite = ET.SubElement(root, "testsuite", {"name": clean(suite_name or name)})
        properties = ET.SubElement(suite, "properties")
        rows = [("score", _points(float(data.get("score", 0)))),
                ("max_score", _points(float(data.get("max_score", 0))))]
        cases = []
        for test in data.get("tests", []):
            case, points = _case(test, suite_name, counts)
            cases.append(case)
            rows += points
        for key, value in rows:
            ET.SubElement(properties, "property", {"name": key, "value": value})
        suite.extend(cases)
        seconds = _seconds(data.get("execution_time"))
        counts.time = seconds if seconds is not None else counts.time
        suite.attrib.update({**counts.attrs(), "skipped": "0", "time": _time(counts.time)})
        total.add(counts)
    root.attrib.update({**total.attrs(), "time": _time(total.time)})
    return root


def write(path: str | os.PathLike, reports: Iterable[tuple[str | None, dict]],
          name: str = "convgrade") -> None:
    """Write the JUnit XML for ``reports`` to ``path`` (atomically, parents created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tree = ET.ElementTree(build(reports, name))
    ET.indent(tree)
    tmp = path.with_name(path.name + ".tmp")
    tree.write(tmp, encoding="utf-8", xml_declaration=True)
    os.replace(tmp, path)
