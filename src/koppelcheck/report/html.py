"""One self-contained HTML page: inline CSS, no scripts, no external assets, prints on A4.

Every piece of text goes through ``html.escape``; a link becomes an ``<a>`` only when it is an
http(s) address, so a hostile message or fix cannot inject markup or a ``javascript:`` link.
"""

from __future__ import annotations

import html

from koppelcheck.i18n import Translator
from koppelcheck.models import CheckResult, Report
from koppelcheck.report._common import (
    check_text,
    fix_checks,
    seconds,
    status_label,
    strip_controls,
    summary_line,
    target_details,
    title_line,
    verdict,
    worst_status,
)


def escape(text: str) -> str:
    """Text made safe for HTML content and attribute values (markup and control codes)."""
    return html.escape(strip_controls(text))


#: The page's stylesheet; status colours are the classes ``s-pass``, ``s-fail``, ...
CSS = """
:root { --pass: #1a7f37; --fail: #cf222e; --error: #8250df; --warn: #9a6700;
        --skip: #6e7781; --manual: #0969da; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #1f2328; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; }
.meta { color: #59636e; margin: .25rem 0; }
.summary { font-weight: 600; padding: .5rem .75rem; border-left: .3rem solid; }
table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem;
         border-bottom: 1px solid #d1d9e0; }
td.id { font-family: ui-monospace, "SFMono-Regular", Consolas, monospace; font-size: .85em;
        overflow-wrap: anywhere; }
.status { font-weight: 600; white-space: nowrap; }
.fix { margin-top: .25rem; white-space: pre-line; }
.s-pass { color: var(--pass); border-color: var(--pass); }
.s-fail { color: var(--fail); border-color: var(--fail); }
.s-error { color: var(--error); border-color: var(--error); }
.s-warn { color: var(--warn); border-color: var(--warn); }
.s-skip { color: var(--skip); border-color: var(--skip); }
.s-manual { color: var(--manual); border-color: var(--manual); }
@page { size: A4; margin: 15mm; }
@media print {
  body { font-size: 10pt; max-width: none; margin: 0; padding: 0; }
  tr { break-inside: avoid; }
  a { color: inherit; }
  a[href]::after { content: " (" attr(href) ")"; font-size: .85em; }
}
"""


# Defence in depth: even if markup slipped through, the page may run no script and load nothing.
_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _link(url: str) -> str:
    text = escape(url)
    if url.lower().startswith(("https://", "http://")):
        return f'<a href="{text}">{text}</a>'
    return text


def _fix_html(check: CheckResult) -> str:
    parts = [escape(check.fix.text)] if check.fix.text else []
    parts.extend(_link(link) for link in check.fix.links)
    return "<br>".join(parts)


def _check_row(t: Translator, check: CheckResult) -> str:
    css = f"s-{check.status.value}"
    return (
        f'<tr><td class="id">{escape(check.id)}</td>'
        f'<td class="status {css}">{escape(status_label(t, check))}</td>'
        f"<td>{escape(check_text(check))}</td></tr>"
    )


def _checks_table(t: Translator, report: Report) -> str:
    head = "".join(
        f"<th>{escape(t(key))}</th>"
        for key in ("report.column.id", "report.column.status", "report.column.message")
    )
    rows = "\n".join(_check_row(t, c) for c in report.checks)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>"


def _fix_section(t: Translator, report: Report) -> str:
    items = [
        f'<li><span class="id">{escape(c.id)}</span> '
        f'<span class="status s-{c.status.value}">{escape(status_label(t, c))}</span>'
        f'<div class="fix">{_fix_html(c)}</div></li>'
        for c in fix_checks(report)
    ]
    body = (
        f"<ul>\n{chr(10).join(items)}\n</ul>" if items else f"<p>{escape(t('report.fix.none'))}</p>"
    )
    return f"<h2>{escape(t('report.fix.heading'))}</h2>\n{body}"


def _meta(t: Translator, report: Report) -> str:
    details = " · ".join(f"{label}: {value}" for label, value in target_details(t, report))
    started = report.started_at.isoformat(timespec="seconds")
    when = t("report.started", started_at=started, seconds=seconds(report.duration_ms))
    return "\n".join(f'<p class="meta">{escape(line)}</p>' for line in (details, when) if line)


def _summary(t: Translator, report: Report) -> str:
    css = f"s-{worst_status(report.summary).value}"
    text = f"{summary_line(t, report.summary)} — {verdict(t, report.summary)}"
    return f'<p class="summary {css}">{escape(text)}</p>'


def render_html(report: Report, *, lang: str | None = None) -> str:
    """The report as one self-contained HTML page in the chosen language."""
    t = Translator(lang)
    title = escape(title_line(t, report))
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{t.lang}">',
            '<head>\n<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
            f"<title>{title}</title>\n<style>{CSS}</style>\n</head>",
            f"<body>\n<h1>{title}</h1>",
            _meta(t, report),
            _summary(t, report),
            f"<h2>{escape(t('report.checks.heading'))}</h2>",
            _checks_table(t, report),
            _fix_section(t, report),
            "</body>\n</html>\n",
        ]
    )
