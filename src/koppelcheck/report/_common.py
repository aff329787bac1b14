"""What every renderer shares: labels, the target's short name, grouping by step, the summary.

Everything here is a pure function of the models and a language; no renderer prints or opens
files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from koppelcheck.i18n import Translator
from koppelcheck.models import CheckResult, Report, Status, Summary
from koppelcheck.systems import find_system

#: The order in which statuses are counted and listed everywhere.
STATUS_ORDER: tuple[Status, ...] = (
    Status.PASS,
    Status.FAIL,
    Status.ERROR,
    Status.WARN,
    Status.SKIP,
    Status.MANUAL,
)

# C0 and C1 control characters other than tab and newline: an escape sequence in a message from
# a remote service must not reach a terminal (or a log) and recolour or rewrite it. Bidi
# overrides, embeddings, isolates and marks (U+202E turns "exe.txt" into "txt.exe") and lone
# surrogates (no UTF-8 file can hold one) go the same way.
_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)

#: Statuses under which a renderer shows the check's fix.
FIX_STATUSES = frozenset({Status.FAIL, Status.ERROR, Status.WARN})


@cache
def _label_keys(system: str) -> tuple[str, ...]:
    """The target keys that name what a system checked (its ``target_label_keys``), asked once
    per system and process: a batch report renders thousands of lines. An unknown system
    (a report file from elsewhere) has none."""
    found = find_system(system)
    return tuple(found.target_label_keys) if found is not None else ()


def target_label(report: Report) -> str:
    """The short name of what was checked: ``acme`` for Nmbrs, ``12345`` for AFAS, the first
    of the system's ``target_label_keys`` with a value; else ``-``."""
    for key in _label_keys(report.system):
        value = report.target.get(key)
        if value not in (None, ""):
            return str(value)
    return "-"


def is_open_manual(check: CheckResult) -> bool:
    """Whether a ``manual`` check still waits for a person (not confirmed)."""
    return check.status is Status.MANUAL and not check.confirmed


def status_label(t: Translator, check: CheckResult) -> str:
    """The human name of a check's status, telling confirmed and open manual steps apart."""
    if check.status is Status.MANUAL:
        return t("report.status.manual_done" if check.confirmed else "report.status.manual_open")
    return t(f"report.status.{check.status.value}")


def summary_line(t: Translator, summary: Summary) -> str:
    """``Samenvatting: 5 geslaagd, 1 mislukt, ...``: every status with a count, in fixed order."""
    parts = [
        t(f"report.count.{status.value}", n=summary.count(status))
        for status in STATUS_ORDER
        if summary.count(status)
    ]
    counts = ", ".join(parts) if parts else t("report.count.none")
    return t("report.summary", counts=counts)


def needs_fix(check: CheckResult) -> bool:
    """Whether a renderer should show this check's fix (fail, error, warn with a fix text)."""
    return check.status in FIX_STATUSES and bool(check.fix.text or check.fix.links)


def fix_checks(report: Report) -> list[CheckResult]:
    """The checks whose fix a reader needs, in report order."""
    return [c for c in report.checks if needs_fix(c)]


def group_by_step(checks: Iterable[CheckResult]) -> list[tuple[str, list[CheckResult]]]:
    """Checks grouped by their ``step``, groups in order of first appearance (``""`` = no step)."""
    groups: dict[str, list[CheckResult]] = {}
    for check in checks:
        groups.setdefault(check.step, []).append(check)
    return list(groups.items())


def _system_name(t: Translator, system: str) -> str:
    """A system's display name, ``system.<name>`` from its own catalogue; ``-`` for none."""
    return t(f"system.{system}") if system else "-"


def title_line(t: Translator, report: Report) -> str:
    """``koppelcheck — Nmbrs acme (optie overkoepelend)``: what this report is about."""
    system = _system_name(t, report.system)
    line = t("report.title", system=system, target=target_label(report))
    if report.option:
        line += " " + t("report.option", option=report.option)
    return line


def target_details(t: Translator, report: Report) -> list[tuple[str, str]]:
    """The target's fields as ``(label, value)`` pairs, labels translated where known."""
    return [
        (_field_label(t, report.system, key), "" if value is None else str(value))
        for key, value in report.target.items()
    ]


def _field_label(t: Translator, system: str, key: str) -> str:
    """``report.target.<system>.<key>`` (a system's own catalogue), else the shared
    ``report.target.<key>``, else the key itself."""
    for catalogue_key in (f"report.target.{system}.{key}", f"report.target.{key}"):
        if t.has(catalogue_key):
            return t(catalogue_key)
    return key


def check_text(check: CheckResult) -> str:
    """The one-line description of a check: its title and message (or whichever is present)."""
    if check.title and check.message and check.title != check.message:
        return f"{check.title}: {check.message}"
    return check.message or check.title or check.id


def verdict(t: Translator, summary: Summary) -> str:
    """One sentence on the whole run: not right yet, not determined, or all good."""
    if summary.fail:
        return t("report.verdict.fail")
    if summary.error:
        return t("report.verdict.error")
    return t("report.verdict.ok")


def worst_status(summary: Summary) -> Status:
    """The status that colours the whole run: fail, else error, else warn, else pass."""
    for status in (Status.FAIL, Status.ERROR, Status.WARN):
        if summary.count(status):
            return status
    return Status.PASS


def seconds(duration_ms: int) -> str:
    """Milliseconds as seconds with three decimals (``1234`` -> ``"1.234"``)."""
    return f"{duration_ms / 1000:.3f}"


def strip_controls(text: str) -> str:
    """``text`` with control characters (other than tab and newline), bidi controls and lone
    surrogates shown as U+FFFD."""
    return _CONTROLS.sub("\ufffd", text)
