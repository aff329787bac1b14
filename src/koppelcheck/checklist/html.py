"""The checklist as one self-contained HTML page that prints well on A4."""

from __future__ import annotations

import html
from collections.abc import Sequence

from koppelcheck.checklist.model import Checklist, Entry

_CSS = """
*{box-sizing:border-box}
body{font:11pt/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#111;
 max-width:48rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.6em;margin:0 0 .2em}h2{font-size:1.2em;margin:1.6em 0 .4em;
 border-bottom:1px solid #999;padding-bottom:.15em}
.subtitle{font-weight:600;margin:.2em 0 .8em}
.num{color:#555;margin-right:.4em}
ul.items{list-style:none;padding:0;margin:.4em 0}
ul.items li{display:flex;gap:.55em;margin:.55em 0}
ul.items ul.items li{margin:.2em 0}
.box{flex:0 0 auto;width:.95em;height:.95em;border:1.5px solid #111;border-radius:2px;
 margin-top:.25em}
.nobox{flex:0 0 .95em}
.body{margin:.15em 0}.menu{margin:.15em 0;font-weight:600}
.verify{margin:.15em 0;color:#444;font-style:italic;font-size:.92em}
ul.fields{margin:.2em 0 .2em 1.1em;padding:0}
code{font:.92em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
table{border-collapse:collapse;width:100%;font-size:.95em}
th,td{border:1px solid #999;padding:.3em .45em;text-align:left;vertical-align:top}
th{background:#eee}td.tick{width:1.6em}
footer{margin-top:2em;color:#444;font-size:.9em}
@page{size:A4;margin:16mm 14mm}
@media print{
 body{max-width:none;margin:0;padding:0;font-size:10pt}
 h2{break-after:avoid;page-break-after:avoid}
 ul.items li,tr{break-inside:avoid;page-break-inside:avoid}
 section.form{break-before:page;page-break-before:always}
 th{background:none}
}
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _html_entry(entry: Entry) -> str:
    box = f'<span class="{"box" if entry.tick else "nobox"}" aria-hidden="true"></span>'
    parts = [f'<span class="num">{_e(entry.label)}</span><strong>{_e(entry.title)}</strong>']
    parts.append(_html_details(entry))
    if entry.children:
        parts.append(_html_items(entry.children))
    return f"<li>{box}<div>{''.join(parts)}</div></li>"


def _html_details(entry: Entry) -> str:
    parts = [f'<p class="body">{_e(entry.body)}</p>'] if entry.body else []
    if entry.menu:
        parts.append(f'<p class="menu">Menu: {_e(entry.menu)}</p>')
    if entry.fields:
        parts.append(
            '<ul class="fields">' + "".join(f"<li>{_e(f)}</li>" for f in entry.fields) + "</ul>"
        )
    if entry.calls:
        calls = "".join(
            f'<li><span class="box" aria-hidden="true"></span><code>{_e(c)}</code></li>'
            for c in entry.calls
        )
        parts.append(f'<ul class="items">{calls}</ul>')
    parts.append(f'<p class="verify">{_e(entry.verification)}</p>')
    return "".join(parts)


def _html_items(entries: Sequence[Entry]) -> str:
    return '<ul class="items">' + "".join(_html_entry(e) for e in entries) + "</ul>"


def _html_step(entry: Entry) -> str:
    head = f'<h2><span class="num">{_e(entry.label)}</span>{_e(entry.title)}</h2>'
    if entry.children:
        return (
            f'<section class="step">{head}{_html_details(entry)}{_html_items(entry.children)}'
            "</section>"
        )
    return f'<section class="step">{head}{_html_items([entry])}</section>'


def _html_form(checklist: Checklist) -> str:
    if not checklist.form_lines:
        return ""
    field, help_, hint = (_e(c) for c in checklist.form_columns)
    rows = "".join(
        f'<tr><td class="tick"><span class="box" aria-hidden="true"></span></td>'
        f"<td><strong>{_e(line.label)}</strong></td><td>{_e(line.help)}</td>"
        f"<td>{_e(line.hint)}</td></tr>"
        for line in checklist.form_lines
    )
    return (
        f'<section class="form"><h2>{_e(checklist.form_heading)}</h2>'
        f"<p>{_e(checklist.form_intro)}</p><table><thead><tr><th></th><th>{field}</th>"
        f"<th>{help_}</th><th>{hint}</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def render_html(checklist: Checklist) -> str:
    """One self-contained HTML page (inline CSS, no external assets) that prints well on A4."""
    subtitle = f'<p class="subtitle">{_e(checklist.subtitle)}</p>' if checklist.subtitle else ""
    body = "\n".join(_html_step(e) for e in checklist.entries)
    return (
        f'<!DOCTYPE html>\n<html lang="{_e(checklist.lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(checklist.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<header><h1>{_e(checklist.title)}</h1>{subtitle}<p>{_e(checklist.intro)}</p></header>\n"
        f"{body}\n{_html_form(checklist)}\n<footer>{_e(checklist.footer)}</footer>\n"
        "</body>\n</html>\n"
    )
