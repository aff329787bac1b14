"""Hand-built reports for the renderer tests (imported by the ``test_report_*`` modules).

``sample_report()`` holds one check of every status, both kinds of manual step, and the
characters that trip renderers up: XML and HTML markup, a pipe, a newline, an escape code.
"""

from __future__ import annotations

from datetime import UTC, datetime

from koppelcheck.models import (
    BatchReport,
    CheckResult,
    EmployerReport,
    Fix,
    Report,
    Status,
    Summary,
    ToolInfo,
    decide_exit_code,
)

HOSTILE = 'Call <script>alert("x")</script> & co | "quoted"'
FAIL_FIX = "Zet de call op Actief in Nmbrs."
STARTED = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def sample_checks() -> list[CheckResult]:
    """One check of each status (manual twice: open and confirmed), across three steps."""
    return [
        CheckResult(
            id="nmbrs.auth",
            status=Status.PASS,
            title="Inloggen",
            message="Token OK",
            step="Stap 1",
            duration_ms=120,
        ),
        CheckResult(
            id="nmbrs.call.EmployeeService.Address_GetListCurrent",
            status=Status.FAIL,
            title="Address_GetListCurrent",
            message="Call staat niet op Actief",
            step="Stap 2",
            duration_ms=1500,
            fix=Fix(text=FAIL_FIX, links=["https://support.nmbrs.com/a?b=1&c=2"]),
        ),
        CheckResult(
            id="nmbrs.company",
            status=Status.ERROR,
            title="Bedrijf",
            message="Geen antwoord binnen 30 s",
            step="Stap 2",
            fix=Fix(text="Probeer het later opnieuw."),
        ),
        CheckResult(
            id="nmbrs.call.CompanyService.List_GetAll",
            status=Status.WARN,
            title="List_GetAll",
            message="Traag antwoord",
            step="Stap 2",
            fix=Fix(text="Controleer de verbinding."),
        ),
        CheckResult(
            id="nmbrs.call.DebtorService.Environment_Get",
            status=Status.SKIP,
            title="Environment_Get",
            message="Niet uitgevoerd: nmbrs.auth",
            step="Stap 2",
        ),
        CheckResult(
            id="nmbrs.step.3",
            status=Status.MANUAL,
            title="Mail a.s.r.",
            message="Connector-ZIP aangevraagd",
            step="Stap 3",
            confirmed=False,
        ),
        CheckResult(
            id="nmbrs.step.4",
            status=Status.MANUAL,
            title="Formulier",
            message="Formulier ingevuld",
            step="Stap 3",
            confirmed=True,
        ),
    ]


def make_report(
    checks: list[CheckResult] | None = None,
    *,
    system: str = "nmbrs",
    target: dict[str, object] | None = None,
    option: str | None = "overkoepelend",
) -> Report:
    """A report around ``checks`` (default: :func:`sample_checks`) with a consistent summary."""
    checks = sample_checks() if checks is None else checks
    summary = Summary.of(c.status for c in checks)
    return Report(
        tool=ToolInfo(version="9.8.7"),
        system=system,
        option=option,
        target={"domain": "acme", "username": "salaris@acme.nl", "environment": "production"}
        if target is None
        else target,
        started_at=STARTED,
        duration_ms=4120,
        summary=summary,
        exit_code=decide_exit_code(summary),
        checks=checks,
    )


def hostile_report() -> Report:
    """A failing check whose message, fix and link try to break out of their format."""
    check = CheckResult(
        id="nmbrs.call.X.Y",
        status=Status.FAIL,
        title="X",
        message=HOSTILE + "\nregel 2\x1b[31m",
        fix=Fix(text="Fix <b>bold</b> | pipe\nline two", links=["javascript:alert(1)"]),
    )
    return make_report([check])


def afas_report() -> Report:
    """An AFAS report: everything passes."""
    check = CheckResult(id="afas.auth", status=Status.PASS, title="Token", message="OK")
    return make_report([check], system="afas", target={"environment_id": "12345"}, option=None)


def batch_report() -> BatchReport:
    """A batch of two employers: the sample Nmbrs report and a passing AFAS one."""
    reports = {"bakkerij-jansen": make_report(), "garage-de-vries": afas_report()}
    employers = [
        EmployerReport(id=key, system=r.system, exit_code=r.exit_code, report=r)
        for key, r in reports.items()
    ]
    summary = Summary.of(c.status for r in reports.values() for c in r.checks)
    return BatchReport(
        tool=ToolInfo(version="9.8.7"),
        started_at=STARTED,
        duration_ms=5000,
        summary=summary,
        exit_code=decide_exit_code(summary),
        employers=employers,
    )
