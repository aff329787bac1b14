"""GitHub Actions workflow commands: one ``::error`` line per failed or undetermined check.

GitHub shows at most 10 error annotations per step and drops the rest silently, so the lines are
capped at ``limit``; when checks are left out, the last line says how many. The caller emits them
only when ``GITHUB_ACTIONS=true`` and writes the full table to ``$GITHUB_STEP_SUMMARY``
(:func:`step_summary_markdown` for a batch).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from koppelcheck.batch.outcome import needing_attention, tally
from koppelcheck.i18n import Translator
from koppelcheck.models import BatchReport, CheckResult, Report
from koppelcheck.report._batch import batch_verdict, tally_line
from koppelcheck.report._common import strip_controls, target_label
from koppelcheck.report.markdown import render_batch_markdown

#: GitHub's limit on one step's ``$GITHUB_STEP_SUMMARY`` (1 MiB).
STEP_SUMMARY_LIMIT = 1024 * 1024


def escape_data(text: str) -> str:
    """Escape a workflow command's message (``%``, CR, LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (as a message, plus ``:`` and ``,``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _message(check: CheckResult) -> str:
    return f"{check.message}\n{check.fix.text}" if check.fix.text else check.message


def _line(title: str, message: str) -> str:
    # An escape sequence from a remote message must not recolour or rewrite the CI log.
    title, message = strip_controls(title), strip_controls(message)
    return f"::error title={escape_property(title)}::{escape_data(message)}"


def _capped(items: Sequence[tuple[str, CheckResult]], limit: int, lang: str | None) -> list[str]:
    """One line per ``(title, check)``, at most ``limit``; the last counts the ones left out."""
    if limit <= 0 or not items:
        return []
    if len(items) <= limit:
        return [_line(title, _message(check)) for title, check in items]
    shown = [_line(title, _message(check)) for title, check in items[: limit - 1]]
    more = Translator(lang)("report.github.more", n=len(items) - (limit - 1))
    return [*shown, _line("koppelcheck", more)]


def github_annotations(
    reports: Iterable[Report], limit: int = 10, *, lang: str | None = None
) -> list[str]:
    """``::error`` lines for every ``fail``/``error`` check, at most ``limit`` in all.

    Returns ``[]`` when nothing failed or errored. When more checks failed than fit, the last
    line counts the ones left out.
    """
    items = [
        (f"{check.id} ({report.system}:{target_label(report)})", check)
        for report in reports
        for check in report.failing()
    ]
    return _capped(items, limit, lang)


def batch_annotations(batch: BatchReport, limit: int = 10, *, lang: str | None = None) -> list[str]:
    """``::error title=<employer>: <check>::message`` for every failing or undetermined check of
    a batch, employers with failures first, at most ``limit`` lines in all (the last then says how
    many more there are). ``[]`` when nothing failed or errored.
    """
    items = [
        (f"{employer.id}: {check.id}", check)
        for employer in needing_attention(batch)
        for check in employer.report.failing()
    ]
    return _capped(items, limit, lang)


def step_summary_markdown(
    batch: BatchReport, lang: str | None = None, *, max_bytes: int = STEP_SUMMARY_LIMIT
) -> str:
    """The Markdown for ``$GITHUB_STEP_SUMMARY``: :func:`render_batch_markdown` plus the employer
    counts.

    GitHub refuses a step summary over 1 MiB; a batch of thousands of employers may exceed it.
    Then only the employers needing attention are listed (with a note saying so), and if that is
    still too large the table is cut at a row boundary, again with a note.
    """
    t = Translator(lang)
    counts = tally(batch)
    closing = f"\n{tally_line(t, counts)} — {batch_verdict(t, counts)}\n"
    full = render_batch_markdown(batch, lang=lang) + closing
    if _size(full) <= max_bytes:
        return full
    broken = needing_attention(batch)
    trimmed = render_batch_markdown(batch.model_copy(update={"employers": broken}), lang=lang)
    # The heading counts the employers listed; it must still say how many were checked.
    trimmed = f"# {t('report.batch.title', n=counts.total)}\n" + trimmed.split("\n", 1)[1]
    note = "\n" + t("batch.summary.trimmed", shown=len(broken), total=counts.total) + "\n"
    text = trimmed + note + closing
    if _size(text) <= max_bytes:
        return text
    cut = "\n" + t("batch.summary.truncated") + "\n"
    budget = max_bytes - _size(note + closing + cut)
    kept: list[str] = []
    for line in trimmed.splitlines(keepends=True):
        budget -= _size(line)
        if budget < 0:
            break
        kept.append(line)
    return "".join(kept) + cut + note + closing


def _size(text: str) -> int:
    return len(text.encode("utf-8"))
