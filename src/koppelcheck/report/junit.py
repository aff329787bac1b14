"""JUnit XML, the report CI systems (GitLab, Jenkins, Azure DevOps) read natively.

The mapping (see ``reference/cli-ux-signing-secrets.md`` C.1): one ``<testsuite>`` per report
(``nmbrs:acme``, ``afas:12345``; in a batch, per employer), one ``<testcase>`` per check with
``classname`` ``<system>.<target>`` and ``name`` the check id. ``fail`` becomes ``<failure>``,
``error`` becomes ``<error>``, ``skip`` and an unconfirmed ``manual`` step become ``<skipped>``,
and ``warn`` passes with ``<system-out>WARN ...</system-out>``. Time is in seconds.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence

from koppelcheck.batch.store import BatchLines, as_lines
from koppelcheck.i18n import Translator
from koppelcheck.models import BatchReport, CheckResult, Report, Status, Summary
from koppelcheck.report._common import is_open_manual, seconds, target_label

# XML 1.0 forbids most control characters even when escaped; a message from a remote service
# (an ANSI colour code, a NUL) must not make the whole file unreadable.
_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def _element(parent: ET.Element, tag: str, text: str = "", **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, tag, {k: _clean(v) for k, v in attrs.items()})
    if text:
        child.text = _clean(text)
    return child


def _fix_text(check: CheckResult) -> str:
    lines = [check.fix.text] if check.fix.text else []
    lines.extend(check.fix.links)
    return "\n".join(lines) or check.message


def _add_outcome(case: ET.Element, check: CheckResult, t: Translator) -> None:
    if check.status is Status.FAIL:
        _element(case, "failure", _fix_text(check), message=check.message, type=check.status.value)
    elif check.status is Status.ERROR:
        _element(case, "error", _fix_text(check), message=check.message, type=check.status.value)
    elif check.status is Status.SKIP:
        _element(case, "skipped", message=check.message)
    elif is_open_manual(check):
        _element(case, "skipped", message=t("report.junit.manual_open", message=check.message))
    elif check.status is Status.WARN:
        _element(case, "system-out", f"WARN {check.message}\n{_fix_text(check)}".rstrip())


def _testcase(parent: ET.Element, check: CheckResult, classname: str, t: Translator) -> None:
    case = _element(
        parent, "testcase", classname=classname, name=check.id, time=seconds(check.duration_ms)
    )
    _add_outcome(case, check, t)


def _counts(checks: Sequence[CheckResult]) -> dict[str, str]:
    """The count attributes, taken from the checks themselves so they always match the cases."""
    summary = Summary.of(c.status for c in checks)
    skipped = summary.skip + sum(1 for c in checks if is_open_manual(c))
    return {
        "tests": str(len(checks)),
        "failures": str(summary.fail),
        "errors": str(summary.error),
        "skipped": str(skipped),
    }


def _properties(parent: ET.Element, report: Report, employer: str | None) -> None:
    props = _element(parent, "properties")
    values = {"koppelcheck.version": report.tool.version, "system": report.system}
    values["option"] = report.option or ""
    if employer is not None:
        values["employer"] = employer
    values.update({f"target.{k}": "" if v is None else str(v) for k, v in report.target.items()})
    for name, value in values.items():
        _element(props, "property", name=name, value=value)


def _testsuite(
    root: ET.Element, report: Report, t: Translator, employer: str | None = None
) -> None:
    label = employer if employer is not None else target_label(report)
    suite = _element(
        root,
        "testsuite",
        name=f"{report.system}:{label}",
        **_counts(report.checks),
        time=seconds(report.duration_ms),
        timestamp=report.started_at.isoformat(),
    )
    _properties(suite, report, employer)
    for check in report.checks:
        _testcase(suite, check, f"{report.system}.{label}", t)


def _document(root: ET.Element) -> str:
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def _root(reports: Sequence[Report], duration_ms: int) -> ET.Element:
    checks = [c for r in reports for c in r.checks]
    attrs = {"name": "koppelcheck", **_counts(checks), "time": seconds(duration_ms)}
    return ET.Element("testsuites", attrs)


def render_junit(report: Report, *, lang: str | None = None) -> str:
    """The report as a JUnit XML document with one ``<testsuite>``."""
    t = Translator(lang)
    root = _root([report], report.duration_ms)
    _testsuite(root, report, t)
    return _document(root)


def render_batch_junit(batch: BatchReport, *, lang: str | None = None) -> str:
    """A batch report as JUnit XML: one ``<testsuite>`` per employer, named by its id."""
    out = io.StringIO()
    write_batch_junit(batch, out.write, lang=lang)
    return out.getvalue()


def write_batch_junit(
    batch: BatchReport | BatchLines, put: Callable[[str], object], *, lang: str | None = None
) -> None:
    """:func:`render_batch_junit`, one ``<testsuite>`` at a time: the same bytes, never the
    whole tree in memory."""

    t = Translator(lang)
    lines = as_lines(batch)
    stats = lines.stats
    attrs = {
        "name": "koppelcheck",
        "tests": str(stats.checks),
        "failures": str(stats.statuses[Status.FAIL.value]),
        "errors": str(stats.statuses[Status.ERROR.value]),
        "skipped": str(stats.statuses[Status.SKIP.value] + stats.open_manual),
        "time": seconds(lines.header.duration_ms),
    }
    root = ET.Element("testsuites", attrs)
    if not len(lines):
        put(_document(root))
        return
    root.text = "\x00"  # stands for the suites: split the root's own tags around it
    opening, closing = ET.tostring(root, encoding="unicode").split("\x00")
    put(f'<?xml version="1.0" encoding="UTF-8"?>\n{opening}')
    for employer in lines.employers():
        holder = ET.Element("testsuites")
        _testsuite(holder, employer.report, t, employer=employer.id)
        [suite] = holder
        ET.indent(suite, level=1)  # as ET.indent(root) indents it inside the whole tree
        put("\n  " + ET.tostring(suite, encoding="unicode"))
    put(f"\n{closing}\n")
