"""JUnit XML: counts, one element kind per status, escaping, one suite per employer."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from koppelcheck.report.junit import render_batch_junit, render_junit
from tests.unit.test_report_samples import (
    FAIL_FIX,
    HOSTILE,
    afas_report,
    batch_report,
    hostile_report,
    make_report,
)


def _cases(root: ET.Element) -> dict[str, ET.Element]:
    return {case.get("name", ""): case for case in root.iter("testcase")}


def _children(case: ET.Element) -> list[str]:
    return [child.tag for child in case]


def test_counts_match_on_testsuites_and_testsuite() -> None:
    root = ET.fromstring(render_junit(make_report()))
    suite = root.find("testsuite")
    assert suite is not None
    for element in (root, suite):
        assert element.get("tests") == "7"
        assert element.get("failures") == "1"
        assert element.get("errors") == "1"
        assert element.get("skipped") == "2"  # the skip and the unconfirmed manual step
    assert root.get("time") == "4.120"


def test_each_status_maps_to_its_element() -> None:
    cases = _cases(ET.fromstring(render_junit(make_report())))
    assert _children(cases["nmbrs.auth"]) == []
    assert _children(cases["nmbrs.call.EmployeeService.Address_GetListCurrent"]) == ["failure"]
    assert _children(cases["nmbrs.company"]) == ["error"]
    assert _children(cases["nmbrs.call.DebtorService.Environment_Get"]) == ["skipped"]
    assert _children(cases["nmbrs.step.3"]) == ["skipped"]
    assert _children(cases["nmbrs.step.4"]) == []
    assert _children(cases["nmbrs.call.CompanyService.List_GetAll"]) == ["system-out"]
    out = cases["nmbrs.call.CompanyService.List_GetAll"].find("system-out")
    assert out is not None and (out.text or "").startswith("WARN Traag antwoord")


def test_failure_carries_message_type_and_fix() -> None:
    case = _cases(ET.fromstring(render_junit(make_report())))[
        "nmbrs.call.EmployeeService.Address_GetListCurrent"
    ]
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == "Call staat niet op Actief"
    assert failure.get("type") == "fail"
    assert (failure.text or "").startswith(FAIL_FIX)
    assert "https://support.nmbrs.com/a?b=1&c=2" in (failure.text or "")
    assert case.get("time") == "1.500"


def test_suite_and_class_names() -> None:
    root = ET.fromstring(render_junit(make_report()))
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "nmbrs:acme"
    assert {c.get("classname") for c in root.iter("testcase")} == {"nmbrs.acme"}
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["koppelcheck.version"] == "9.8.7"
    assert props["option"] == "overkoepelend"
    afas = ET.fromstring(render_junit(afas_report())).find("testsuite")
    assert afas is not None and afas.get("name") == "afas:12345"


def test_special_characters_are_escaped_and_round_trip() -> None:
    text = render_junit(hostile_report())
    assert "<script>" not in text
    failure = ET.fromstring(text).find(".//failure")
    assert failure is not None
    assert (failure.get("message") or "").startswith(HOSTILE)
    assert "Fix <b>bold</b> | pipe" in (failure.text or "")


def test_control_characters_do_not_break_the_xml() -> None:
    text = render_junit(hostile_report())
    assert "\x1b" not in text
    ET.fromstring(text)  # parses


def test_batch_has_one_suite_per_employer_and_totals() -> None:
    root = ET.fromstring(render_batch_junit(batch_report()))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["nmbrs:bakkerij-jansen", "afas:garage-de-vries"]
    assert root.get("tests") == "8"
    assert root.get("failures") == "1"
    assert suites[1].get("tests") == "1" and suites[1].get("failures") == "0"
    classes = {c.get("classname") for c in suites[1].iter("testcase")}
    assert classes == {"afas.garage-de-vries"}
