"""``afas.auditor.*``: what an AppConnector Auditor export says, as checks (no remote call).

The three messages a.s.r.'s manual causes on purpose are information naming the manual's step
(migration-rest-oauth.md §4.4: "report these as 'Auditor will flag', not as failures"); token
age and count messages are warnings with the fix; per GetConnector, the privacy-sensitive fields
are listed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from koppelcheck.checks import CheckFunction, CheckSpec, Outcome, outcome
from koppelcheck.models import Status

if TYPE_CHECKING:
    from koppelcheck.afas.auditor import AuditorFinding, AuditorReport, PrivacyFields
    from koppelcheck.i18n import Translator

AUDITOR_CHECK = "afas.auditor"
_SAFE_ID = re.compile(r"[^A-Za-z0-9_.-]+")


def auditor_checks(report: AuditorReport, t: Translator) -> list[CheckSpec]:
    """One check for the report itself, one per documented message, one per GetConnector."""
    specs = [
        CheckSpec(
            AUDITOR_CHECK, t("afas.title.auditor"), t("afas.step.3"), _constant(_read(report, t))
        )
    ]
    for finding in report.findings:
        step = t("afas.step.2") if finding.manual_step.startswith("2") else t("afas.step.3")
        specs.append(
            CheckSpec(
                f"{AUDITOR_CHECK}.{finding.key}",
                t("afas.title.auditor.finding", title=finding.title),
                step,
                _constant(_finding(finding, t)),
            )
        )
    seen: set[str] = set()
    for fields in report.privacy:
        check_id = f"{AUDITOR_CHECK}.privacy.{_SAFE_ID.sub('_', fields.connector)}"
        if check_id in seen:
            continue
        seen.add(check_id)
        specs.append(
            CheckSpec(
                check_id,
                t("afas.title.auditor.privacy", id=fields.connector),
                t("afas.step.1"),
                _constant(_privacy(fields, t)),
            )
        )
    return specs


def _constant(result: Outcome) -> CheckFunction:
    async def run() -> Outcome:
        return result

    return run


def _read(report: AuditorReport, t: Translator) -> Outcome:
    apps = ", ".join(f"'{name}'" for name in report.app_connectors) or "-"
    return outcome(
        Status.PASS,
        t("afas.auditor.read", form=report.form, apps=apps, count=len(report.findings)),
    )


def _finding(finding: AuditorFinding, t: Translator) -> Outcome:
    if finding.kind == "expected":
        return outcome(
            Status.PASS,
            t("afas.auditor.expected", title=finding.title, step=finding.manual_step),
            t(f"afas.auditor.fix.{finding.key}"),
        )
    if finding.kind == "token":
        return outcome(
            Status.WARN,
            t("afas.auditor.token", title=finding.title),
            t(f"afas.auditor.fix.{finding.key}"),
        )
    return outcome(Status.PASS, t("afas.auditor.other", title=finding.title))


def _privacy(fields: PrivacyFields, t: Translator) -> Outcome:
    return outcome(
        Status.PASS,
        t("afas.auditor.privacy", id=fields.connector, fields=", ".join(fields.fields)),
    )
