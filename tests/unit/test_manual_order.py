"""Reports in the manual's order, with step titles and problem titles for failures."""

from __future__ import annotations

from datetime import UTC, datetime

from koppelcheck.manual_order import in_manual_order
from koppelcheck.models import CheckResult, Report, Status, Summary, ToolInfo


def report(system: str, option: str | None, checks: list[tuple[str, Status, str]]) -> Report:
    results = [CheckResult(id=i, status=s, title=t, message="m") for i, s, t in checks]
    return Report(
        tool=ToolInfo(version="0"),
        system=system,
        option=option,
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        duration_ms=1,
        summary=Summary.of(r.status for r in results),
        exit_code=1,
        checks=results,
    )


def test_afas_checks_follow_the_manual_with_step_titles() -> None:
    ordered = in_manual_order(
        report(
            "afas",
            None,
            [
                ("afas.token", Status.PASS, "Token"),
                ("afas.auth", Status.PASS, "AFAS accepts the token"),
                (
                    "afas.connector.BP_Salarissen",
                    Status.FAIL,
                    "GetConnector BP_Salarissen is reachable",
                ),
                ("afas.step.2.7", Status.MANUAL, "Convert"),
                ("afas.step.1.1", Status.MANUAL, "Ask for the ZIP"),
            ],
        ),
        lang="en",
    )
    assert [c.id for c in ordered.checks] == [
        "afas.step.1.1",
        "afas.connector.BP_Salarissen",
        "afas.step.2.7",
        "afas.token",
        "afas.auth",
    ]
    failing = ordered.checks[1]
    assert failing.title == "GetConnector BP_Salarissen is not reachable"
    assert failing.step.startswith("Step 1: ")
    assert ordered.checks[3].step.startswith("Step 3: ")
    assert ordered.checks[3].title == "Token"  # a passing check keeps its goal as title


def test_nmbrs_failures_say_what_is_wrong_in_dutch() -> None:
    ordered = in_manual_order(
        report(
            "nmbrs",
            "overkoepelend",
            [
                ("nmbrs.auth", Status.FAIL, "Inloggen"),
                ("nmbrs.call.CompanyService.List_GetAll", Status.FAIL, "List_GetAll"),
                ("nmbrs.call.EmployeeService.Children_Get", Status.ERROR, "Children_Get"),
                ("form.payroll_tax_number", Status.FAIL, "Loonheffingennummer klopt niet"),
            ],
        ),
        lang="nl",
    )
    titles = {c.id: (c.title, c.step) for c in ordered.checks}
    assert titles["nmbrs.auth"][0] == "Nmbrs weigert de login"
    assert titles["nmbrs.call.CompanyService.List_GetAll"][0] == "List_GetAll staat niet op Actief"
    assert titles["nmbrs.call.EmployeeService.Children_Get"][0].startswith("Kon niet worden")
    assert titles["form.payroll_tax_number"][1].startswith("Stap 4: ")
    assert [c.id for c in ordered.checks][-1] == "form.payroll_tax_number"
