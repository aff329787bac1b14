"""The terminal summary of a batch run, and what every batch renderer shares.

A payroll bureau checks tens to thousands of employers a night; the terminal summary lists only
the employers that need attention (a failing or undetermined check), each on one row with its
failing checks, then one line with the counts and the verdict. When nothing failed it says so in
one line. Rendered with rich into a string, like :mod:`koppelcheck.report.text`.

The helpers here (:func:`employer_outcome`, :func:`tally`, :func:`attention_first`,
:func:`short_check_id`, :func:`tally_line`, :func:`batch_verdict`) are shared by the HTML page and
the GitHub summary, so the three always agree on who is broken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from koppelcheck.exitcodes import ExitCode
from koppelcheck.i18n import Translator
from koppelcheck.models import BatchReport, CheckResult, EmployerReport, Status
from koppelcheck.report._common import strip_controls
from koppelcheck.report.text import _STYLES, DEFAULT_WIDTH, render_renderable, symbols_for

#: Exit codes that mean an employer's run did not complete (bad input, missing credential).
NOT_RUN_CODES = frozenset({ExitCode.USAGE, ExitCode.CANNOT_RUN, ExitCode.INTERRUPTED})

#: The order employers are listed in: failures first, then undetermined, then the healthy ones.
_OUTCOME_RANK = {Status.FAIL: 0, Status.ERROR: 1, Status.PASS: 2}

_NMBRS_CALL = re.compile(r"^nmbrs\.call\.[^.]+\.(?P<operation>[^.]+)$")


def employer_outcome(employer: EmployerReport) -> Status:
    """``fail`` when a check failed, ``error`` when one is undetermined (or the run could not
    complete), else ``pass``. Decided from the checks, so ``--exit-zero`` does not hide anything.
    """
    summary = employer.report.summary
    if summary.fail:
        return Status.FAIL
    if summary.error or employer.exit_code in NOT_RUN_CODES:
        return Status.ERROR
    return Status.PASS


@dataclass(frozen=True)
class BatchTally:
    """How many employers were checked, and how many ended in each outcome.

    ``failed``, ``errored`` and ``ok`` add up to ``total``: an employer with both a failing and an
    undetermined check counts as failed.
    """

    total: int
    failed: int
    errored: int
    ok: int


def tally(batch: BatchReport) -> BatchTally:
    """Count the employers of ``batch`` by :func:`employer_outcome`."""
    outcomes = [employer_outcome(e) for e in batch.employers]
    return BatchTally(
        total=len(outcomes),
        failed=outcomes.count(Status.FAIL),
        errored=outcomes.count(Status.ERROR),
        ok=outcomes.count(Status.PASS),
    )


def attention_first(batch: BatchReport) -> list[EmployerReport]:
    """All employers, those with failures first, then undetermined ones; else in batch order."""
    return sorted(batch.employers, key=lambda e: _OUTCOME_RANK[employer_outcome(e)])


def needing_attention(batch: BatchReport) -> list[EmployerReport]:
    """The employers with a failing or undetermined outcome, failures first."""
    return [e for e in attention_first(batch) if employer_outcome(e) is not Status.PASS]


def short_check_id(check_id: str) -> str:
    """A check id as short as a reader needs: the operation for an Nmbrs call, else the id.

    ``nmbrs.call.EmployeeService.Children_Get`` -> ``Children_Get``; ``afas.auth`` stays.
    """
    match = _NMBRS_CALL.match(check_id)
    return match["operation"] if match else check_id


def tally_line(t: Translator, counts: BatchTally) -> str:
    """``4 werkgevers gecontroleerd, 1 met mislukte controles, 1 met onbepaalde, 2 in orde``."""
    checked = t.plural("batch.tally.checked", counts.total)
    rest = t("batch.tally.rest", failed=counts.failed, errored=counts.errored, ok=counts.ok)
    return f"{checked}, {rest}"


def batch_verdict(t: Translator, counts: BatchTally) -> str:
    """One sentence on the whole batch: some couplings are wrong, undetermined, or all fine."""
    if counts.failed:
        return t("batch.verdict.fail")
    if counts.errored:
        return t("batch.verdict.error")
    return t("batch.verdict.ok")


def worst_outcome(counts: BatchTally) -> Status:
    """The outcome that colours the whole batch: ``fail``, else ``error``, else ``pass``."""
    if counts.failed:
        return Status.FAIL
    return Status.ERROR if counts.errored else Status.PASS


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
    t: Translator, employers: list[EmployerReport], symbols: dict[str, str], unicode: bool
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
    batch: BatchReport, *, lang: str | None = None, encoding: str = "utf-8"
) -> RenderableType:
    """The batch summary as a rich renderable: the table of broken employers, counts, verdict."""
    t = Translator(lang)
    symbols = symbols_for(encoding)
    unicode = symbols["pass"] != "+"
    counts = tally(batch)
    broken = needing_attention(batch)
    worst = worst_outcome(counts)
    parts: list[RenderableType] = [Text(t("report.batch.title", n=counts.total), style="bold")]
    if broken:
        parts.append(_table(t, broken, symbols, unicode))
    else:
        parts.append(Text(t("batch.none_broken"), style=_STYLES[Status.PASS]))
    parts.append(Text(f"{symbols[worst.value]} {tally_line(t, counts)}", style=_STYLES[worst]))
    parts.append(Text(batch_verdict(t, counts), style=_STYLES[worst]))
    return Group(*parts)


def render_batch_text(
    batch: BatchReport,
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
