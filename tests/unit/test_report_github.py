"""GitHub Actions annotations: fail and error only, escaped, capped."""

from __future__ import annotations

from koppelcheck.models import CheckResult, Status
from koppelcheck.report.github import escape_data, escape_property, github_annotations
from tests.unit.test_report_samples import afas_report, hostile_report, make_report


def test_nothing_failing_gives_no_lines() -> None:
    assert github_annotations([afas_report()]) == []
    assert github_annotations([]) == []


def test_fail_and_error_become_error_lines() -> None:
    lines = github_annotations([make_report()])
    assert len(lines) == 2
    assert lines[0].startswith(
        "::error title=nmbrs.call.EmployeeService.Address_GetListCurrent (nmbrs%3Aacme)::"
    )
    assert "Call staat niet op Actief%0AZet de call op Actief" in lines[0]
    assert lines[1].startswith("::error title=nmbrs.company (nmbrs%3Aacme)::")


def test_escaping() -> None:
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    (line,) = github_annotations([hostile_report()])
    assert "\n" not in line and "\r" not in line
    assert line.count("::") == 2


def test_capped_at_limit_with_a_count_of_the_rest() -> None:
    checks = [
        CheckResult(id=f"afas.connector.C{i}", status=Status.FAIL, title="c", message="m")
        for i in range(15)
    ]
    report = make_report(checks, system="afas", target={"environment_id": "12345"})
    lines = github_annotations([report, report], limit=10, lang="en")
    assert len(lines) == 10
    assert (
        lines[-1]
        == "::error title=koppelcheck::21 more failed or undetermined checks; see the full report."
    )
    assert len(github_annotations([report], limit=20)) == 15
    assert github_annotations([report], limit=0) == []
