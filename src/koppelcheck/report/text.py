"""The terminal report: a doctor-style list of checks, grouped by manual step, summary last.

Rendered with rich into a string, so the CLI only writes it. Each check is one line with a
symbol and colour per status; a failing, undetermined or warning check has its fix beneath it
("→ ..."). Where the output encoding cannot carry the symbols (a cp1252 console), plain ASCII
symbols are used and any other character the encoding lacks is replaced.
"""

from __future__ import annotations

import codecs
from io import StringIO

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from koppelcheck.i18n import Translator
from koppelcheck.models import CheckResult, Report, Status
from koppelcheck.report._common import (
    check_text,
    group_by_step,
    needs_fix,
    seconds,
    strip_controls,
    summary_line,
    target_details,
    title_line,
    verdict,
    worst_status,
)

DEFAULT_WIDTH = 100

_STYLES = {
    Status.PASS: "green",
    Status.FAIL: "bold red",
    Status.ERROR: "magenta",
    Status.WARN: "yellow",
    Status.SKIP: "dim",
    Status.MANUAL: "cyan",
}

_UNICODE = {"pass": "✓", "fail": "✗", "warn": "!", "error": "?", "skip": "–"}
_UNICODE |= {"manual_open": "☐", "manual_done": "☑", "arrow": "→"}
_ASCII = {"pass": "+", "fail": "x", "warn": "!", "error": "?", "skip": "-"}
_ASCII |= {"manual_open": "[ ]", "manual_done": "[x]", "arrow": "->"}

# Typographic characters of our own catalogues, and their plain forms.
_PLAIN = str.maketrans({"—": "-", "–": "-", "→": "->", "…": "...", "·": "-", "‘": "'", "’": "'"})


def _can_encode(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def symbols_for(encoding: str) -> dict[str, str]:
    """The status symbols for an output encoding: Unicode where it fits, else plain ASCII."""
    return _UNICODE if _can_encode("".join(_UNICODE.values()), encoding) else _ASCII


def _fit_encoding(text: str, encoding: str) -> str:
    if _can_encode(text, encoding):
        return text
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "ascii"
    return text.translate(_PLAIN).encode(encoding, errors="replace").decode(encoding)


def _symbol(check: CheckResult, symbols: dict[str, str]) -> str:
    if check.status is Status.MANUAL:
        return symbols["manual_done" if check.confirmed else "manual_open"]
    return symbols[check.status.value]


def _text(text: str, style: str = "") -> Text:
    """Text from outside (a message, a fix) as inert rich Text: no markup, no control codes."""
    return Text(strip_controls(text), style=style)


def _grid() -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    return table


def _fix_grid(check: CheckResult, symbols: dict[str, str]) -> Table:
    """The fix under a check: "→ text" with a hanging indent, then its links."""
    grid = _grid()
    style = _STYLES[check.status]
    if check.fix.text:
        grid.add_row(Text(symbols["arrow"], style=style), _text(check.fix.text, style))
    for link in check.fix.links:
        grid.add_row("", _text(link, "underline"))
    return grid


def _check_rows(table: Table, check: CheckResult, symbols: dict[str, str]) -> None:
    line = _text(check_text(check))
    line.append(f"  {strip_controls(check.id)}", style="dim")
    table.add_row(Text(_symbol(check, symbols), style=_STYLES[check.status]), line)
    if needs_fix(check):
        table.add_row("", _fix_grid(check, symbols))


def _checks_table(checks: list[CheckResult], symbols: dict[str, str]) -> Table:
    table = _grid()
    for check in checks:
        _check_rows(table, check, symbols)
    return table


def _header(t: Translator, report: Report) -> list[RenderableType]:
    lines: list[RenderableType] = [_text(title_line(t, report), "bold")]
    details = " · ".join(f"{label}: {value}" for label, value in target_details(t, report))
    if details:
        lines.append(_text(details, "dim"))
    started = report.started_at.isoformat(timespec="seconds")
    lines.append(Text(t("report.started", started_at=started, seconds=seconds(report.duration_ms))))
    return lines


def _body(t: Translator, report: Report, symbols: dict[str, str]) -> list[RenderableType]:
    if not report.checks:
        return [Text(t("report.no_checks")), Text("")]
    groups = group_by_step(report.checks)
    if len(groups) == 1 and groups[0][0] == "":
        return [_checks_table(groups[0][1], symbols), Text("")]
    body: list[RenderableType] = []
    for step, checks in groups:
        body.append(_text(step or t("report.no_step"), "bold"))
        body.append(Padding(_checks_table(checks, symbols), (0, 0, 1, 2)))
    return body


def _closing(t: Translator, report: Report, symbols: dict[str, str]) -> Text:
    worst = worst_status(report.summary)
    text = (
        f"{symbols[worst.value]} {summary_line(t, report.summary)} — {verdict(t, report.summary)}"
    )
    return Text(text, style=_STYLES[worst])


def text_renderable(
    report: Report, *, lang: str | None = None, encoding: str = "utf-8"
) -> RenderableType:
    """The report as a rich renderable (header, checks by step, summary line last)."""
    t = Translator(lang)
    symbols = symbols_for(encoding)
    parts = [
        *_header(t, report),
        Text(""),
        *_body(t, report, symbols),
        _closing(t, report, symbols),
    ]
    return Group(*parts)


def render_text(
    report: Report,
    *,
    lang: str | None = None,
    color: bool = False,
    width: int = DEFAULT_WIDTH,
    encoding: str = "utf-8",
) -> str:
    """The terminal report as a string; ANSI colours only when ``color``.

    ``encoding`` is the output stream's encoding (``sys.stdout.encoding``); when it cannot carry
    the status symbols, ASCII ones are used.
    """
    return render_renderable(
        text_renderable(report, lang=lang, encoding=encoding),
        color=color,
        width=width,
        encoding=encoding,
    )


def render_renderable(renderable: RenderableType, *, color: bool, width: int, encoding: str) -> str:
    """Render a rich renderable to a string (ANSI colours only when ``color``), fitted to
    ``encoding``, without the trailing blanks table cells are padded with."""
    buffer = StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=width,
        highlight=False,
        emoji=False,
        legacy_windows=False,
    )
    console.print(renderable)
    lines = (line.rstrip() for line in buffer.getvalue().splitlines())
    return _fit_encoding("\n".join(lines) + "\n", encoding)
