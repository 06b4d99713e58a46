"""JUnit XML (``--junit``): valid against the Jenkins/Ant junit-10.xsd (vendored in tests/data/),
one testcase per exercise, outcomes as CI tools read them, points kept where the schema allows,
and learner output that XML cannot hold made safe."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from lxml import etree

from grader import catalog, junit
from tests.support import EXERCISES

CH19 = [ex.qualname for ex in catalog.load().chapter("chapter19").exercises]
XSD = Path(__file__).with_name("data") / "junit-10.xsd"
ALL_OUTCOMES = {"chapter19.corr2d": "passed", "chapter19.Conv2D": "failed",
                "chapter19.corr1d": "not_started", "chapter19.corr3d": "forbidden",
                "chapter19.conv2d_true": "error", "chapter19.edge_kernel": "timeout",
                "chapter19.learn_kernel": "crashed"}


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(XSD)))


def assert_valid(schema, path) -> None:
    doc = etree.parse(str(path))
    assert schema.validate(doc), "\n".join(str(e) for e in schema.error_log)


def _results(outcomes: dict[str, str], output: str = "wrong") -> dict:
    tests = []
    for i, (name, outcome) in enumerate(outcomes.items()):
        passed = outcome == "passed"
        tests.append({"name": name, "score": 1.0 if passed else 0.0, "max_score": 1.0 + (i == 0),
                      "status": "passed" if passed else "failed",
                      "output": "passed" if passed else output,
                      "extra_data": {"outcome": outcome, "seconds": 0.25}})
    return {"score": sum(t["score"] for t in tests),
            "max_score": sum(t["max_score"] for t in tests), "execution_time": 1.0, "tests": tests}


def test_outcomes_map_to_failures_and_errors(tmp_path):
    outcomes = ALL_OUTCOMES
    path = tmp_path / "out" / "junit.xml"
    junit.write(path, [(None, _results(outcomes))])
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == list(outcomes)
    assert [c.get("classname") for c in cases] == ["chapter19"] * 7
    kinds = {c.get("name"): [e.tag for e in c if e.tag in ("failure", "error", "skipped")]
             for c in cases}
    assert kinds == {"chapter19.corr2d": [], "chapter19.Conv2D": ["failure"],
                     "chapter19.corr1d": ["failure"], "chapter19.corr3d": ["failure"],
                     "chapter19.conv2d_true": ["error"], "chapter19.edge_kernel": ["error"],
                     "chapter19.learn_kernel": ["error"]}
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("7", "3", "3")
    # points per exercise, from the report (that is, from the catalog): in the suite's
    # properties (the schema has none on a testcase) and first in each testcase's system-out
    assert cases[0].find("properties") is None
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert (props["score"], props["max_score"]) == ("1", "8")
    assert (props["chapter19.corr2d.score"], props["chapter19.corr2d.max_score"],
            props["chapter19.corr2d.outcome"]) == ("1", "2", "passed")
    assert (props["chapter19.corr1d.score"], props["chapter19.corr1d.outcome"]) == \
        ("0", "not_started")
    assert len(props) == 2 + 3 * len(outcomes)
    assert cases[0].find("system-out").text.startswith("1/2 points")
    assert cases[1].find("system-out").text.startswith("0/1 points\nwrong")
    assert cases[1].find("failure").get("type") == "failed"
    assert [c.get("time") for c in cases] == ["0.250"] * 7
    assert (suite.get("time"), root.get("time")) == ("1.000", "1.000")


def test_every_outcome_validates_against_junit_10_xsd(tmp_path, schema):
    nasty = "line one\n\x00\x1b[31m <b>&amp; ]]> \"quoted\" 中文 \ud800 end"
    path = tmp_path / "junit.xml"
    report = _results(ALL_OUTCOMES, nasty)
    report["execution_time"] = 1234.56789  # more decimals than the schema's time allows
    report["tests"][1]["extra_data"]["seconds"] = 0.1234567
    junit.write(path, [("alice", report), ("bob", _results({"chapter19.corr2d": "passed"})),
                       ("carol", {"score": 0, "max_score": 0, "tests": []})])
    assert_valid(schema, path)
    root = ET.parse(path).getroot()
    assert root.get("skipped") is None  # not an attribute junit-10.xsd knows on <testsuites>
    assert root.find("testsuite").get("time") == "1234.568"


def test_the_schema_check_rejects_what_ci_servers_reject(tmp_path, schema):
    """The validator is not vacuous: the shapes issue 20 found (testcase-level properties, a
    ``skipped`` attribute on testsuites, a six-decimal time) fail it."""
    good = tmp_path / "good.xml"
    junit.write(good, [(None, _results({"chapter19.corr2d": "failed"}))])
    assert_valid(schema, good)
    for mutate in (
        lambda r: r.find("testsuite/testcase").insert(0, etree.Element("properties")),
        lambda r: r.set("skipped", "0"),
        lambda r: r.find("testsuite").set("time", "0.123456"),
        lambda r: r.find("testsuite").attrib.pop("failures"),
    ):
        doc = etree.parse(str(good))
        mutate(doc.getroot())
        assert not schema.validate(doc), etree.tostring(doc)[:200]


def test_output_that_xml_cannot_hold_is_cleaned(tmp_path, schema):
    nasty = "printed \x00\x1b[31m red <b>&amp; ]]> 中文 \ud800 end"
    path = tmp_path / "junit.xml"
    junit.write(path, [("alice", _results({"chapter19.corr2d": "failed"}, nasty))])
    assert_valid(schema, path)  # parsing would raise on an invalid character
    root = ET.parse(path).getroot()
    case = root.find("testsuite/testcase")
    assert case.get("classname") == "alice.chapter19"
    text = case.find("failure").text
    assert "<b>&amp; ]]> 中文" in text and "\x00" not in text and text.endswith("end")


def test_one_suite_per_student(tmp_path):
    path = tmp_path / "junit.xml"
    junit.write(path, [("alice", _results({"chapter19.corr2d": "passed"})),
                       ("bob", _results({"chapter19.corr2d": "not_started"}))])
    root = ET.parse(path).getroot()
    assert [s.get("name") for s in root.findall("testsuite")] == ["alice", "bob"]
    assert (root.get("tests"), root.get("failures")) == ("2", "1")


@pytest.mark.slow
def test_check_writes_junit(tmp_path, schema):
    """``grader check --junit``: one testcase per graded exercise, stubs fail as not started."""
    folder = tmp_path / "learner"
    folder.mkdir()
    for path in EXERCISES.glob("chapter*.py"):
        (folder / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "junit.xml"
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GRADER_SOLUTIONS", None)
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "check", "chapter19", "--exercises", str(folder),
         "--seed", "0", "--device", "cpu", "--lang", "en", "--junit", str(out)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert_valid(schema, out)
    root = ET.parse(out).getroot()
    cases = root.findall("testsuite/testcase")
    assert [c.get("name") for c in cases] == CH19
    for case in cases:
        (failure,) = case.findall("failure")
        assert failure.get("type") == "not_started"
        assert "NotImplementedError" in failure.text
