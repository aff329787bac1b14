"""GitHub Actions workflow commands: one ``::error`` line per failed or undetermined check.

GitHub shows at most 10 error annotations per step and drops the rest silently, so the lines are
capped at ``limit``; when checks are left out, the last line says how many. The caller emits them
only when ``GITHUB_ACTIONS=true`` and writes the full table to ``$GITHUB_STEP_SUMMARY``
(:func:`step_summary_markdown` for a batch).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from koppelcheck.batch.store import BatchLines, as_lines
from koppelcheck.i18n import Translator
from koppelcheck.models import BatchReport, CheckResult, Report
from koppelcheck.report._batch import batch_verdict, tally_line
from koppelcheck.report._common import strip_controls, target_label
from koppelcheck.report.markdown import write_batch_markdown

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
    more = Translator(lang).plural("report.github.more", len(items) - (limit - 1))
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


def batch_annotations(
    batch: BatchReport | BatchLines, limit: int = 10, *, lang: str | None = None
) -> list[str]:
    """``::error title=<employer>: <check>::message`` for every failing or undetermined check of
    a batch, employers with failures first, at most ``limit`` lines in all (the last then says how
    many more there are). ``[]`` when nothing failed or errored.
    """

    lines = as_lines(batch)
    total = lines.stats.failing
    if limit <= 0 or not total:
        return []
    # Only the checks shown are read: at most ``limit`` of the employers needing attention.
    shown = limit if total <= limit else limit - 1
    items: list[tuple[str, CheckResult]] = []
    for employer in lines.needing_attention():
        if len(items) >= shown:
            break
        items.extend((f"{employer.id}: {check.id}", check) for check in employer.report.failing())
    items = items[:shown]
    result = [_line(title, _message(check)) for title, check in items]
    if total > limit:
        more = Translator(lang).plural("report.github.more", total - shown)
        result.append(_line("koppelcheck", more))
    return result


class _Counter:
    """A writer that only counts the UTF-8 bytes written to it."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, text: str) -> None:
        self.size += _size(text)


def _markdown(lines: BatchLines, lang: str | None) -> str:
    out = io.StringIO()
    write_batch_markdown(lines, out.write, lang=lang)
    return out.getvalue()


class _Head:
    """A writer that keeps the first ``cap`` bytes of whole lines and counts them all."""

    def __init__(self, cap: int, first_line: str) -> None:
        self.cap = cap
        self.size = 0
        self.rows: list[str] = []
        self._first_line: str | None = first_line

    def write(self, text: str) -> None:
        for row in text.splitlines(keepends=True):
            if self._first_line is not None:
                row, self._first_line = self._first_line, None
            self.size += _size(row)
            if self.size <= self.cap:
                self.rows.append(row)


def step_summary_markdown(
    batch: BatchReport | BatchLines,
    lang: str | None = None,
    *,
    max_bytes: int = STEP_SUMMARY_LIMIT,
) -> str:
    """The Markdown for ``$GITHUB_STEP_SUMMARY``: :func:`render_batch_markdown` plus the employer
    counts.

    GitHub refuses a step summary over 1 MiB; a batch of thousands of employers may exceed it.
    Then only the employers needing attention are listed (with a note saying so), and if that is
    still too large the table is cut at a row boundary, again with a note. A table is measured
    before it is kept, so no more than ``max_bytes`` of it is ever held.
    """

    t = Translator(lang)
    lines = as_lines(batch)
    counts = lines.tally()
    closing = f"\n{tally_line(t, counts)} — {batch_verdict(t, counts)}\n"
    measured = _Counter()
    write_batch_markdown(lines, measured.write, lang=lang)
    if measured.size + _size(closing) <= max_bytes:
        return _markdown(lines, lang) + closing
    broken = lines.attention_only()
    note = "\n" + t.plural("batch.summary.trimmed", len(broken), total=counts.total) + "\n"
    # The heading counts the employers listed; it must still say how many were checked.
    head = _Head(max_bytes, f"# {t.plural('report.batch.title', counts.total)}\n")
    write_batch_markdown(broken, head.write, lang=lang)
    if head.size + _size(note + closing) <= max_bytes:
        return "".join(head.rows) + note + closing
    cut = "\n" + t("batch.summary.truncated") + "\n"
    budget = max_bytes - _size(note + closing + cut)
    kept: list[str] = []
    for row in head.rows:
        budget -= _size(row)
        if budget < 0:
            break
        kept.append(row)
    return "".join(kept) + cut + note + closing


def _size(text: str) -> int:
    return len(text.encode("utf-8"))
