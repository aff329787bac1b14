"""The Markdown report: a table of checks and a "To fix" list (also for ``$GITHUB_STEP_SUMMARY``).

Cell text is escaped: ``|`` would end a cell and a newline would end the table; ``<``, ``>`` and
``&`` are entity-escaped because GitHub renders inline HTML.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from urllib.parse import quote

from koppelcheck.batch.store import BatchLines, as_lines
from koppelcheck.i18n import Translator
from koppelcheck.models import BatchReport, CheckResult, Report
from koppelcheck.report._common import (
    check_text,
    fix_checks,
    status_label,
    strip_controls,
    summary_line,
    target_label,
    title_line,
    verdict,
)

_MARKDOWN_SYNTAX = re.compile(r"([\\`*\[\]|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
"""The characters that make Markdown (and GitHub's flavour) inside a line: link and image
brackets, code, emphasis, table pipes, strikethrough. Each is backslash-escaped, so a server's
text stays text (``(`` and ``!`` make nothing without a ``[``; ``<`` is entity-escaped; an
underscore inside a word, as in ``Address_GetListCurrent``, makes no emphasis in GFM)."""


def escape_cell(text: str) -> str:
    """Text made inert for one Markdown table cell: every Markdown syntax character escaped
    (a server's ``[click](https://…)`` or ``![x](…)`` is not a live link or image), HTML
    entity-escaped, control and bidi characters replaced, newlines as ``<br>``."""
    text = _MARKDOWN_SYNTAX.sub(r"\\\1", html.escape(strip_controls(text), quote=False))
    return "<br>".join(text.splitlines()) if text else ""


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = [_row(*header), _row(*(["---"] * len(header)))]
    lines.extend(_row(*(escape_cell(cell) for cell in row)) for row in rows)
    return lines


def _link(url: str) -> str:
    """A Markdown link for an http(s) address; anything else stays inert text."""
    if not url.lower().startswith(("https://", "http://")):
        return escape_cell(url)
    target = quote(url, safe=":/?#[]@!$&'*+,;=%~-._")
    return f"[{escape_cell(url)}]({target})"


def _fix_item(check: CheckResult) -> str:
    parts = [escape_cell(check.fix.text)] if check.fix.text else []
    parts.extend(_link(link) for link in check.fix.links)
    return f"- **`{check.id.replace('`', '')}`**: " + " ".join(parts)


def _fix_section(t: Translator, report: Report) -> list[str]:
    checks = fix_checks(report)
    lines = ["", f"## {t('report.fix.heading')}", ""]
    if not checks:
        return [*lines, t("report.fix.none")]
    return lines + [_fix_item(check) for check in checks]


def render_markdown(report: Report, *, lang: str | None = None) -> str:
    """The report as Markdown: heading, summary, table id | status | message, then "To fix"."""
    t = Translator(lang)
    header = [t("report.column.id"), t("report.column.status"), t("report.column.message")]
    rows = [[f"{c.id}", status_label(t, c), check_text(c)] for c in report.checks]
    lines = [
        f"# {escape_cell(title_line(t, report))}",
        "",
        f"**{summary_line(t, report.summary)}** — {verdict(t, report.summary)}",
        "",
        *_table(header, rows),
        *_fix_section(t, report),
    ]
    return "\n".join(lines) + "\n"


def render_batch_markdown(batch: BatchReport, *, lang: str | None = None) -> str:
    """A batch report as Markdown: one row per employer with its failing checks."""
    out = io.StringIO()
    write_batch_markdown(batch, out.write, lang=lang)
    return out.getvalue()


def write_batch_markdown(
    batch: BatchReport | BatchLines, put: Callable[[str], object], *, lang: str | None = None
) -> None:
    """:func:`render_batch_markdown`, one row at a time."""

    t = Translator(lang)
    lines = as_lines(batch)
    summary = lines.header.summary
    header = [
        t("report.batch.column.employer"),
        t("report.batch.column.system"),
        t("report.column.target"),
        t("report.summary.heading"),
        t("report.batch.column.failing"),
    ]
    head = [
        f"# {t.plural('report.batch.title', len(lines))}",
        "",
        f"**{summary_line(t, summary)}** — {verdict(t, summary)}",
        "",
        *_table(header, []),
    ]
    put("\n".join(head) + "\n")
    for e in lines.employers():
        row = [
            e.id,
            e.system,
            target_label(e.report),
            summary_line(t, e.report.summary),
            ", ".join(c.id for c in e.report.failing()),
        ]
        put(_row(*(escape_cell(cell) for cell in row)) + "\n")
