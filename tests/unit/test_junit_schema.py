"""JUnit output is valid against the common Jenkins/Ant JUnit XML Schema (tests/data/junit.xsd)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

from koppelcheck.models import CheckResult, Report, Status
from koppelcheck.report.junit import render_batch_junit, render_junit
from tests.unit.test_batch_renderers import healthy_batch, sample_batch
from tests.unit.test_report_samples import afas_report, batch_report, hostile_report, make_report

XSD = Path(__file__).resolve().parents[1] / "data" / "junit.xsd"


@cache
def schema() -> etree.XMLSchema:
    """The JUnit schema, parsed once."""
    return etree.XMLSchema(etree.parse(str(XSD)))


def assert_valid(document: str) -> etree._Element:
    """Parse ``document`` as XML and validate it; fail with the schema's own error log."""
    root = etree.fromstring(document.encode("utf-8"))
    if not schema().validate(root):
        pytest.fail("invalid JUnit XML:\n" + "\n".join(str(e) for e in schema().error_log))
    return root


def _with_microseconds() -> Report:
    report = make_report()
    return report.model_copy(update={"started_at": datetime(2026, 1, 2, 3, 4, 5, 678901, UTC)})


def _without_checks() -> Report:
    return make_report([])


def _control_characters() -> Report:
    check = CheckResult(
        id="afas.auth", status=Status.ERROR, title="T", message="\x00nul \x1b[31mred\x07 \ufffe"
    )
    return make_report([check], system="afas", target={"environment_id": "12345"})


@pytest.mark.parametrize(
    "report",
    [
        make_report,
        hostile_report,
        afas_report,
        _with_microseconds,
        _without_checks,
        _control_characters,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_single_report_junit_is_valid(report: object) -> None:
    root = assert_valid(render_junit(report(), lang="en"))  # type: ignore[operator]
    assert root.tag == "testsuites" and len(root.findall("testsuite")) == 1


@pytest.mark.parametrize(
    "batch", [batch_report, sample_batch, healthy_batch], ids=lambda f: f.__name__
)
def test_batch_junit_is_valid(batch: object) -> None:
    built = batch()  # type: ignore[operator]
    root = assert_valid(render_batch_junit(built))
    assert [s.get("name").split(":", 1)[1] for s in root.findall("testsuite")] == [
        e.id for e in built.employers
    ]


def test_every_status_maps_to_its_element() -> None:
    root = assert_valid(render_junit(make_report()))
    outcomes = {case.get("name"): [child.tag for child in case] for case in root.iter("testcase")}
    assert outcomes["nmbrs.call.EmployeeService.Address_GetListCurrent"] == ["failure"]
    assert ["error"] in outcomes.values() and ["skipped"] in outcomes.values()
    assert ["system-out"] in outcomes.values()  # the warning


@pytest.mark.parametrize(
    "broken",
    [
        '<testsuites><testsuite name="x" tests="1" failures="0" errors="0" skipped="0" time="1">'
        '<testcase classname="c" time="0"/></testsuite></testsuites>',  # testcase without name
        '<testsuites><testsuite name="x" tests="-1" failures="0" errors="0" skipped="0" time="1"/>'
        "</testsuites>",  # negative count
        '<testsuites><testsuite name="x" tests="1" failures="0" errors="0" skipped="0" time="1">'
        '<testcase name="n" classname="c" time="0"><failure/><error/></testcase>'
        "</testsuite></testsuites>",  # two outcomes
        '<testsuites><testsuite name="x" tests="0" failures="0" errors="0" skipped="0" time="1" '
        'timestamp="yesterday"/></testsuites>',  # not a date-time
    ],
)
def test_the_schema_has_teeth(broken: str) -> None:
    assert not schema().validate(etree.fromstring(broken))
