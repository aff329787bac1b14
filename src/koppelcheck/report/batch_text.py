"""The terminal summary of a batch run, drawn with rich.

A payroll bureau checks tens to thousands of employers a night; the terminal summary lists only
the employers that need attention (a failing or undetermined check), each on one row with its
failing checks, then one line with the counts and the verdict. When nothing failed it says so in
one line. Rendered with rich into a string, like :mod:`koppelcheck.report.text`.

Who is broken is decided in :mod:`koppelcheck.batch.outcome` (re-exported here for older imports),
the shared wording in :mod:`koppelcheck.report._batch`; this module only draws.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from koppelcheck.batch.outcome import (
    NOT_RUN_CODES,
    BatchTally,
    attention_first,
    employer_outcome,
    needing_attention,
    tally,
    worst_outcome,
)
from koppelcheck.batch.store import BatchLines, as_lines
from koppelcheck.i18n import Translator
from koppelcheck.models import BatchReport, CheckResult, EmployerReport, Status
from koppelcheck.report._batch import batch_verdict, short_check_id, tally_line
from koppelcheck.report._common import strip_controls
from koppelcheck.report.text import _STYLES, DEFAULT_WIDTH, render_renderable, symbols_for

__all__ = [  # the outcome helpers lived here; their names still import from this module
    "NOT_RUN_CODES",
    "BatchTally",
    "attention_first",
    "batch_text_renderable",
    "batch_verdict",
    "employer_outcome",
    "needing_attention",
    "render_batch_text",
    "short_check_id",
    "tally",
    "tally_line",
    "worst_outcome",
]


def _failing_text(employer: EmployerReport, symbols: dict[str, str]) -> Text:
    """``✗ Children_Get, ? afas.auth``: each failing check with its status symbol and colour."""
    text = Text()
    for index, check in enumerate(employer.report.failing()):
        if index:
            text.append(", ")
        text.append(_failing_item(check, symbols), style=_STYLES[check.status])
    if not text and employer.exit_code in NOT_RUN_CODES:
        text.append(f"{symbols['error']} exit {employer.exit_code}", style=_STYLES[Status.ERROR])
    return text


def _failing_item(check: CheckResult, symbols: dict[str, str]) -> str:
    return f"{symbols[check.status.value]} {strip_controls(short_check_id(check.id))}"


def _table(
    t: Translator, employers: Iterable[EmployerReport], symbols: dict[str, str], unicode: bool
) -> Table:
    table = Table(box=box.SIMPLE_HEAD if unicode else box.ASCII2, show_edge=False, pad_edge=False)
    table.add_column(t("report.batch.column.employer"), overflow="fold", max_width=40)
    table.add_column(t("report.batch.column.system"), no_wrap=True)
    table.add_column(t("batch.column.exit_code"), justify="right", no_wrap=True)
    table.add_column(t("report.batch.column.failing"), overflow="fold", ratio=1)
    for employer in employers:
        table.add_row(
            Text(strip_controls(employer.id), style="bold"),
            Text(strip_controls(employer.system)),
            Text(str(employer.exit_code)),
            _failing_text(employer, symbols),
        )
    return table


def batch_text_renderable(
    batch: BatchReport | BatchLines, *, lang: str | None = None, encoding: str = "utf-8"
) -> RenderableType:
    """The batch summary as a rich renderable: the table of broken employers, counts, verdict.

    Only the employers needing attention are read (the healthy ones are not listed)."""

    t = Translator(lang)
    symbols = symbols_for(encoding)
    unicode = symbols["pass"] != "+"
    lines = as_lines(batch)
    counts = lines.tally()
    worst = worst_outcome(counts)
    parts: list[RenderableType] = [Text(t.plural("report.batch.title", counts.total), style="bold")]
    if lines.attention_count():
        parts.append(_table(t, lines.needing_attention(), symbols, unicode))
    else:
        parts.append(Text(t("batch.none_broken"), style=_STYLES[Status.PASS]))
    parts.append(Text(f"{symbols[worst.value]} {tally_line(t, counts)}", style=_STYLES[worst]))
    parts.append(Text(batch_verdict(t, counts), style=_STYLES[worst]))
    return Group(*parts)


def render_batch_text(
    batch: BatchReport | BatchLines,
    *,
    lang: str | None = None,
    color: bool = False,
    width: int = DEFAULT_WIDTH,
    encoding: str = "utf-8",
) -> str:
    """The batch summary for the terminal as a string; ANSI colours only when ``color``.

    Lists only employers with a failing or undetermined check (failures first). ``encoding`` is
    the output stream's; when it cannot carry the symbols, ASCII ones (and an ASCII table) are used.
    """
    return render_renderable(
        batch_text_renderable(batch, lang=lang, encoding=encoding),
        color=color,
        width=width,
        encoding=encoding,
    )
