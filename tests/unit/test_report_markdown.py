"""The Markdown report: table, summary, "To fix" list, and escaping."""

from __future__ import annotations

from koppelcheck.report.markdown import escape_cell, render_batch_markdown, render_markdown
from tests.unit.test_report_samples import FAIL_FIX, batch_report, hostile_report, make_report


def _table_rows(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("|")]


def test_heading_summary_table_and_fix_list() -> None:
    out = render_markdown(make_report(), lang="nl")
    lines = out.splitlines()
    assert lines[0] == "# koppelcheck — Nmbrs acme (optie overkoepelend)"
    assert "Samenvatting: 1 geslaagd, 1 mislukt" in out
    rows = _table_rows(out)
    assert rows[0] == "| Controle | Status | Melding |"
    assert len(rows) == 2 + 7
    assert "| nmbrs.company | onbepaald |" in out
    fixes = out.split("## Te herstellen", 1)[1]
    assert FAIL_FIX in fixes
    assert "(https://support.nmbrs.com/a?b=1&c=2)" in fixes
    assert "nmbrs.auth" not in fixes


def test_english_headings() -> None:
    out = render_markdown(make_report(), lang="en")
    assert "| Check | Status | Message |" in out
    assert "## To fix" in out


def test_pipes_and_newlines_are_escaped() -> None:
    assert escape_cell("a | b\nc") == "a \\| b<br>c"
    out = render_markdown(hostile_report(), lang="nl")
    row = _table_rows(out)[2]
    # An escaped pipe does not split the cell: three cells, so four unescaped pipes.
    assert row.replace("\\|", "").count("|") == 4
    assert "regel 2" in row


def test_html_and_unsafe_links_are_inert() -> None:
    out = render_markdown(hostile_report(), lang="nl")
    assert "<script>" not in out and "<b>" not in out
    assert "&lt;script&gt;" in out
    assert "](javascript:" not in out
    assert "\x1b" not in out


def test_batch_markdown_lists_employers_and_failing_checks() -> None:
    out = render_batch_markdown(batch_report(), lang="en")
    assert out.startswith("# koppelcheck — 2 employers")
    row = next(r for r in _table_rows(out) if "bakkerij-jansen" in r)
    assert "nmbrs.call.EmployeeService.Address_GetListCurrent, nmbrs.company" in row


def test_server_links_images_and_emphasis_stay_text() -> None:
    cell = escape_cell("[klik](https://evil.example) ![x](https://evil.example/p.png) *nu* _nu_")
    assert "\\[klik\\](" in cell and "!\\[x\\](" in cell
    assert "\\*nu\\*" in cell and "\\_nu\\_" in cell
    assert escape_cell("Address_GetListCurrent") == "Address_GetListCurrent"
    assert "\u202e" not in escape_cell("abc\u202egnp.exe") and "\x1b" not in escape_cell("\x1b[31m")
