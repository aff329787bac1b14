"""One self-contained HTML page for a batch run: summary, then a matrix employer × check.

A bureau manager reads it at a glance: one row per employer (failures first), one column per
check id seen in any employer (``*.auth`` first, manual steps last), each cell coloured by status
with a symbol inside (readable without colour) and the message in its ``title``. Below the matrix
every failing or undetermined check is listed with its fix, so a printout carries the messages.

A small inline script adds a search box and status toggles (``#q=jansen&show=fail,error`` in
the address pre-fills them). Without JavaScript the controls stay hidden and everything is
shown. The Content-Security-Policy allows that one script by its SHA-256 hash, inline styles and
nothing else; every text from a report goes through :func:`~koppelcheck.report.html.escape`.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
from collections.abc import Callable

from koppelcheck.batch.outcome import (
    NOT_RUN_CODES,
    BatchTally,
    employer_outcome,
    worst_outcome,
)
from koppelcheck.batch.store import BatchLines, as_lines
from koppelcheck.i18n import Translator
from koppelcheck.models import BatchReport, CheckResult, EmployerReport, Status
from koppelcheck.report._batch import batch_verdict, short_check_id, tally_line
from koppelcheck.report._common import (
    STATUS_ORDER,
    check_text,
    seconds,
    status_label,
    summary_line,
)
from koppelcheck.report.html import CSS, _fix_html, escape
from koppelcheck.report.text import symbols_for

Write = Callable[[str], object]

#: Additions to the single report's stylesheet: a full-width page, the matrix, A4 landscape.
BATCH_CSS = """
:root { --error: #bf3989; --warn-bg: #eac54f; --skip-bg: #d1d9e0; }
body { max-width: none; margin: 1.5rem; }
[hidden] { display: none !important; }
.tiles { display: flex; flex-wrap: wrap; gap: .75rem; list-style: none; padding: 0; }
.tiles li { border: 1px solid #d1d9e0; border-left: .3rem solid #d1d9e0; padding: .4rem .8rem;
            min-width: 9rem; }
.tiles li.s-fail, .tiles li.s-error, .tiles li.s-pass { border-left-color: currentColor; }
.tiles .n { display: block; font-size: 1.6rem; font-weight: 700; }
.counts { display: flex; flex-wrap: wrap; gap: .35rem 1.25rem; list-style: none; padding: 0; }
.controls { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center;
            margin: .75rem 0; }
.controls input[type=search] { font: inherit; padding: .2rem .4rem; min-width: 16rem; }
.legend span.c { display: inline-block; min-width: 1.3rem; margin-left: .6rem; }
.matrix-wrap { overflow: auto; max-height: 80vh; border: 1px solid #d1d9e0; }
table.matrix { width: auto; margin: 0; border-collapse: separate; border-spacing: 0; }
.matrix th, .matrix td { border-bottom: 1px solid #eef1f4; padding: .2rem .45rem;
                         white-space: nowrap; }
.matrix thead th { position: sticky; top: 0; background: #fff; vertical-align: bottom;
                   z-index: 1; border-bottom: 1px solid #d1d9e0; }
.matrix th.emp { position: sticky; left: 0; background: #fff; z-index: 2;
                 font-family: ui-monospace, "SFMono-Regular", Consolas, monospace;
                 font-size: .85em; font-weight: 600; max-width: 22rem; overflow: hidden;
                 text-overflow: ellipsis; }
.matrix thead th.emp { z-index: 3; }
.matrix th.check { padding: .3rem .1rem; }
.matrix th.check span { display: inline-block; writing-mode: vertical-rl;
                        transform: rotate(180deg); font-size: .78rem; font-weight: 500; }
.matrix td.num { text-align: right; }
.c { text-align: center; font-weight: 700; min-width: 1.3rem; padding: .2rem .25rem;
     border: 1px solid #fff; }
td.c, span.c { color: #fff; }
.c.s-pass { background: var(--pass); }
.c.s-fail { background: var(--fail); }
.c.s-error { background: var(--error); }
.c.s-warn { background: var(--warn-bg); color: #1f2328; }
.c.s-skip { background: var(--skip-bg); color: #1f2328; }
.c.s-manual { background: var(--manual); }
.c.none { background: transparent; }
.legend span.c.none { border: 1px dashed #8c959f; height: 1em; vertical-align: middle; }
.legend { white-space: normal; }
tr.o-fail th.emp { color: var(--fail); }
tr.o-error th.emp { color: var(--error); }
.detail h3 { font-size: 1rem; margin: 1.25rem 0 .25rem; }
.detail ul { margin: .25rem 0; }
@page { size: A4 landscape; margin: 10mm; }
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .controls { display: none !important; }
  .matrix-wrap { overflow: visible; max-height: none; border: 0; }
  .matrix thead th, .matrix th.emp { position: static; }
  .matrix thead { display: table-header-group; }
  .matrix th, .matrix td { font-size: 8pt; padding: 1px 3px; }
  .detail { break-inside: avoid; }
}
"""

#: The page's only script: search box and status toggles over ``[data-employer]`` elements.
SCRIPT = """
(() => {
  const controls = document.getElementById("controls");
  const search = document.getElementById("q");
  const shown = document.getElementById("shown");
  const toggles = [...controls.querySelectorAll("input[type=checkbox]")];
  const items = [...document.querySelectorAll("[data-employer]")];
  const rows = items.filter((item) => item.tagName === "TR");
  const params = new URLSearchParams(location.hash.slice(1));
  if (params.has("q")) search.value = params.get("q");
  if (params.has("show")) {
    const show = params.get("show").split(",");
    for (const box of toggles) box.checked = show.includes(box.value);
  }
  const apply = () => {
    const text = search.value.trim().toLowerCase();
    const allowed = new Set(toggles.filter((box) => box.checked).map((box) => box.value));
    for (const item of items) {
      const match = item.dataset.employer.includes(text);
      item.hidden = !(match && allowed.has(item.dataset.outcome));
    }
    const count = rows.filter((row) => !row.hidden).length;
    shown.textContent = shown.dataset.template
      .replace("{shown}", count).replace("{total}", rows.length);
  };
  controls.addEventListener("input", apply);
  controls.addEventListener("change", apply);
  controls.hidden = false;
  apply();
})();
"""


def script_hash(script: str) -> str:
    """The CSP source that allows exactly ``script`` inline: ``'sha256-<base64>'``."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


#: No network, no plugins, no forms: inline styles, and the one script above by its hash.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; "
    f"script-src {script_hash(SCRIPT)}; base-uri 'none'; form-action 'none'"
)

#: Outcome classes of employers, in the order of the tiles and toggles.
_OUTCOMES = (
    (Status.FAIL, "batch.html.with_failures"),
    (Status.ERROR, "batch.html.with_errors"),
    (Status.PASS, "batch.html.ok"),
)

_SYMBOLS = symbols_for("utf-8")
_HEADER_MAX = 24
_CONNECTOR = re.compile(r"^[a-z]+\.connector\.(?P<connector>.+)$")


def _natural(text: str) -> list[str | int]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def column_order(check_id: str) -> tuple[int, list[str | int]]:
    """Sort key of the matrix columns: ``*.auth`` first, manual ``*.step.<n>`` last, else by id
    (numbers in natural order, so ``step.2`` precedes ``step.10``)."""
    if check_id.endswith(".auth"):
        rank = 0
    elif ".step." in check_id:
        rank = 2
    else:
        rank = 1
    return rank, _natural(check_id)


def check_columns(batch: BatchReport | BatchLines) -> list[str]:
    """Every distinct check id of the batch, in :func:`column_order`."""

    return sorted(as_lines(batch).stats.check_ids, key=column_order)


def column_label(check_id: str) -> str:
    """The visible header of a column: the Nmbrs operation or AFAS connector, else the id,
    shortened in the middle (``…``) when longer than 24 characters."""
    match = _CONNECTOR.match(check_id)
    label = match["connector"] if match else short_check_id(check_id)
    if len(label) <= _HEADER_MAX:
        return label
    keep = _HEADER_MAX - 1
    return f"{label[: keep // 2]}…{label[-(keep - keep // 2) :]}"


def _symbol(check: CheckResult) -> str:
    if check.status is Status.MANUAL:
        return _SYMBOLS["manual_done" if check.confirmed else "manual_open"]
    return _SYMBOLS[check.status.value]


def _cell(t: Translator, check: CheckResult | None) -> str:
    if check is None:
        return f'<td class="c none" title="{escape(t("batch.html.absent"))}"></td>'
    title = f"{check.id} — {status_label(t, check)}: {check_text(check)}"
    return f'<td class="c s-{check.status.value}" title="{escape(title)}">{_symbol(check)}</td>'


def _data(employer: EmployerReport) -> str:
    """The attributes the script filters on: the lower-cased id and the outcome."""
    outcome = employer_outcome(employer).value
    return f'data-employer="{escape(employer.id.lower())}" data-outcome="{outcome}"'


def _row(t: Translator, employer: EmployerReport, columns: list[str]) -> str:
    by_id = {check.id: check for check in employer.report.checks}
    outcome = employer_outcome(employer).value
    cells = "".join(_cell(t, by_id.get(column)) for column in columns)
    return (
        f'<tr class="o-{outcome}" {_data(employer)}>'
        f'<th scope="row" class="emp" title="{escape(employer.id)}">{escape(employer.id)}</th>'
        f"<td>{escape(employer.system)}</td>"
        f'<td class="num">{employer.exit_code}</td>{cells}</tr>'
    )


def _matrix(t: Translator, batch: BatchLines, put: Write) -> None:
    columns = check_columns(batch)
    fixed = "".join(
        f'<th scope="col"{css}>{escape(t(key))}</th>'
        for key, css in (
            ("report.batch.column.employer", ' class="emp"'),
            ("report.batch.column.system", ""),
            ("batch.column.exit_code", ""),
        )
    )
    checks = "".join(
        f'<th scope="col" class="check" title="{escape(column)}">'
        f"<span>{escape(column_label(column))}</span></th>"
        for column in columns
    )
    put(
        '<div class="matrix-wrap">\n<table class="matrix">\n'
        f"<thead><tr>{fixed}{checks}</tr></thead>\n<tbody>\n"
    )
    for index, employer in enumerate(batch.attention_first()):
        put(("\n" if index else "") + _row(t, employer, columns))
    put("\n</tbody>\n</table>\n</div>")


def _tiles(t: Translator, counts: BatchTally) -> str:
    numbers = {Status.FAIL: counts.failed, Status.ERROR: counts.errored, Status.PASS: counts.ok}
    tiles = [f'<li><span class="n">{counts.total}</span>{escape(t("batch.html.employers"))}</li>']
    tiles.extend(
        f'<li class="s-{status.value}"><span class="n">{numbers[status]}</span>'
        f"{escape(t(key))}</li>"
        for status, key in _OUTCOMES
    )
    return f'<ul class="tiles">{"".join(tiles)}</ul>'


def _status_counts(t: Translator, batch: BatchLines) -> str:
    items = "".join(
        f'<li class="s-{status.value}"><span class="c s-{status.value}">'
        f"{_SYMBOLS['manual_open' if status is Status.MANUAL else status.value]}</span> "
        f"{escape(t(f'report.count.{status.value}', n=batch.header.summary.count(status)))}</li>"
        for status in STATUS_ORDER
    )
    return (
        f"<h2>{escape(t('batch.html.checks_heading'))}</h2>\n"
        f'<ul class="counts">{items}</ul>\n'
        f'<p class="meta">{escape(summary_line(t, batch.header.summary))}</p>'
    )


def _controls(t: Translator, counts: BatchTally) -> str:
    numbers = {Status.FAIL: counts.failed, Status.ERROR: counts.errored, Status.PASS: counts.ok}
    toggles = "".join(
        f'<label><input type="checkbox" value="{status.value}" checked> '
        f"{escape(t(key))} ({numbers[status]})</label>"
        for status, key in _OUTCOMES
    )
    return (
        '<div id="controls" class="controls" hidden>'
        f"<label>{escape(t('batch.html.filter'))} "
        '<input type="search" id="q" autocomplete="off"></label>'
        f"<span>{escape(t('batch.html.show'))}</span>{toggles}"
        f'<span id="shown" class="meta" data-template="{escape(t("batch.html.shown"))}"></span>'
        "</div>"
    )


def _legend(t: Translator) -> str:
    items = [
        (f"s-{status.value}", _SYMBOLS[status.value], t(f"report.status.{status.value}"))
        for status in STATUS_ORDER
        if status is not Status.MANUAL
    ]
    items += [
        ("s-manual", _SYMBOLS["manual_open"], t("report.status.manual_open")),
        ("s-manual", _SYMBOLS["manual_done"], t("report.status.manual_done")),
        ("none", "", t("batch.html.absent")),
    ]
    spans = "".join(
        f'<span class="c {css}">{symbol}</span> {escape(label)}' for css, symbol, label in items
    )
    return f'<p class="legend meta">{escape(t("batch.html.legend"))}{spans}</p>'


def _detail_item(t: Translator, check: CheckResult) -> str:
    fix = _fix_html(check)
    return (
        f'<li><span class="id">{escape(check.id)}</span> '
        f'<span class="status s-{check.status.value}">{escape(status_label(t, check))}</span> '
        f"{escape(check_text(check))}" + (f'<div class="fix">{fix}</div>' if fix else "") + "</li>"
    )


def _detail(t: Translator, employer: EmployerReport) -> str:
    items = [_detail_item(t, c) for c in employer.report.failing()]
    if not items and employer.exit_code in NOT_RUN_CODES:
        items.append(f"<li>{escape(t('batch.html.not_run', code=employer.exit_code))}</li>")
    return (
        f'<section class="detail" {_data(employer)}>'
        f'<h3>{escape(employer.id)} <span class="meta">({escape(employer.system)}, '
        f"{escape(t('batch.column.exit_code'))} {employer.exit_code})</span></h3>"
        f"<ul>{''.join(items)}</ul></section>"
    )


def _details(t: Translator, batch: BatchLines, put: Write) -> None:
    if not batch.attention_count():
        return
    put(f"<h2>{escape(t('batch.html.details_heading'))}</h2>\n")
    for index, employer in enumerate(batch.needing_attention()):
        put(("\n" if index else "") + _detail(t, employer))


def render_batch_html(batch: BatchReport, *, lang: str | None = None) -> str:
    """The batch report as one self-contained HTML page in the chosen language.

    Inline CSS and one inline script allowed by its hash; no external assets; prints on A4
    landscape; with JavaScript disabled every employer is shown.
    """
    out = io.StringIO()
    write_batch_html(batch, out.write, lang=lang)
    return out.getvalue()


def write_batch_html(
    batch: BatchReport | BatchLines, put: Write, *, lang: str | None = None
) -> None:
    """:func:`render_batch_html`, one row at a time: the same bytes, never the page in memory."""

    t = Translator(lang)
    lines = as_lines(batch)
    header = lines.header
    counts = lines.tally()
    title = escape(t.plural("report.batch.title", counts.total))
    started = header.started_at.isoformat(timespec="seconds")
    when = t("report.started", started_at=started, seconds=seconds(header.duration_ms))
    worst = worst_outcome(counts).value
    verdict = f"{tally_line(t, counts)} — {batch_verdict(t, counts)}"
    head = [
        "<!DOCTYPE html>",
        f'<html lang="{t.lang}">',
        '<head>\n<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{title}</title>\n<style>{CSS}{BATCH_CSS}</style>\n</head>",
        f"<body>\n<h1>{title}</h1>",
        f'<p class="meta">{escape(when)}</p>',
        f'<p class="summary s-{worst}">{escape(verdict)}</p>',
        _tiles(t, counts),
        _status_counts(t, lines),
        f"<h2>{escape(t('batch.html.matrix_heading'))}</h2>",
        _controls(t, counts),
        _legend(t),
    ]
    put("\n".join(head) + "\n")
    _matrix(t, lines, put)
    put("\n")
    _details(t, lines, put)
    put(f"\n<script>{SCRIPT}</script>\n</body>\n</html>\n")
