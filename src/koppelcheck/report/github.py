"""GitHub Actions workflow commands: one ``::error`` line per failed or undetermined check.

GitHub shows at most 10 error annotations per step and drops the rest silently, so the lines are
capped at ``limit``; when checks are left out, the last line says how many. The caller emits them
only when ``GITHUB_ACTIONS=true`` and writes the full table to ``$GITHUB_STEP_SUMMARY``.
"""

from __future__ import annotations

from collections.abc import Iterable

from koppelcheck.i18n import Translator
from koppelcheck.models import CheckResult, Report
from koppelcheck.report._common import target_label


def escape_data(text: str) -> str:
    """Escape a workflow command's message (``%``, CR, LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (as a message, plus ``:`` and ``,``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(report: Report, check: CheckResult) -> str:
    title = f"{check.id} ({report.system}:{target_label(report)})"
    message = check.message
    if check.fix.text:
        message += f"\n{check.fix.text}"
    return f"::error title={escape_property(title)}::{escape_data(message)}"


def github_annotations(
    reports: Iterable[Report], limit: int = 10, *, lang: str | None = None
) -> list[str]:
    """``::error`` lines for every ``fail``/``error`` check, at most ``limit`` in all.

    Returns ``[]`` when nothing failed or errored. When more checks failed than fit, the last
    line counts the ones left out.
    """
    failing = [(report, check) for report in reports for check in report.failing()]
    if limit <= 0 or not failing:
        return []
    if len(failing) <= limit:
        return [_annotation(r, c) for r, c in failing]
    shown = [_annotation(r, c) for r, c in failing[: limit - 1]]
    more = Translator(lang)("report.github.more", n=len(failing) - (limit - 1))
    return [*shown, f"::error title=koppelcheck::{escape_data(more)}"]
