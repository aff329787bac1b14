"""Batch renderers: the terminal summary, the HTML matrix and the GitHub annotations/summary."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from koppelcheck.i18n import catalogue
from koppelcheck.models import (
    BatchReport,
    CheckResult,
    EmployerReport,
    Fix,
    Report,
    Status,
    Summary,
    ToolInfo,
    decide_exit_code,
)
from koppelcheck.report.batch_html import column_label, render_batch_html
from koppelcheck.report.batch_text import render_batch_text, short_check_id
from koppelcheck.report.github import batch_annotations, step_summary_markdown

HOSTILE_ID = "<script>alert(1)</script>"
STARTED = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
CHILDREN = "nmbrs.call.EmployeeService.Children_Get"
ADDRESS = "nmbrs.call.EmployeeService.Address_GetListCurrent"
COMPANIES = "nmbrs.call.CompanyService.List_GetAll"


def check(check_id: str, status: Status, message: str = "", **extra: object) -> CheckResult:
    """A check with a title and a message."""
    return CheckResult(
        id=check_id, status=status, title=check_id, message=message or status.value, **extra
    )


def employer(employer_id: str, system: str, checks: list[CheckResult]) -> EmployerReport:
    """An employer line around a report of ``checks``, exit code as the contract decides."""
    summary = Summary.of(c.status for c in checks)
    report = Report(
        tool=ToolInfo(version="9.8.7"),
        system=system,
        target={"domain": "bureau"} if system == "nmbrs" else {"environment_id": "12345"},
        started_at=STARTED,
        duration_ms=1000,
        summary=summary,
        exit_code=decide_exit_code(summary),
        checks=checks,
    )
    return EmployerReport(id=employer_id, system=system, exit_code=report.exit_code, report=report)


def batch_of(employers: list[EmployerReport]) -> BatchReport:
    """A batch report over ``employers`` with a consistent summary."""
    summary = Summary.of(c.status for e in employers for c in e.report.checks)
    return BatchReport(
        tool=ToolInfo(version="9.8.7"),
        started_at=STARTED,
        duration_ms=8000,
        summary=summary,
        exit_code=decide_exit_code(summary),
        employers=employers,
    )


def sample_batch() -> BatchReport:
    """Four employers, healthy ones first in the file: an all-pass AFAS one, a passing Nmbrs
    one with a warning, an AFAS one with a hostile id whose auth errored, and an Nmbrs one with
    two failing calls."""
    return batch_of(
        [
            employer(
                "garage-de-vries",
                "afas",
                [
                    check("afas.auth", Status.PASS),
                    check("afas.connector.Profit_Employees_asr", Status.PASS),
                ],
            ),
            employer(
                "kapsalon-de-boer",
                "nmbrs",
                [
                    check("nmbrs.auth", Status.PASS),
                    check("nmbrs.company", Status.WARN, "Hoofdletters wijken af"),
                    check(CHILDREN, Status.PASS),
                    check("nmbrs.step.2", Status.MANUAL, "Gemaild", confirmed=True),
                ],
            ),
            employer(
                HOSTILE_ID,
                "afas",
                [
                    check("afas.auth", Status.ERROR, f"{HOSTILE_ID} timeout\x1b[31m"),
                    check("afas.connector.Profit_Employees_asr", Status.SKIP, "auth onbepaald"),
                ],
            ),
            employer(
                "bakkerij-jansen",
                "nmbrs",
                [
                    check("nmbrs.auth", Status.PASS),
                    check("nmbrs.company", Status.PASS),
                    check(
                        CHILDREN,
                        Status.FAIL,
                        "Call staat niet op Actief",
                        fix=Fix(text="Zet de call op Actief", links=["https://example.nl/h"]),
                    ),
                    check(ADDRESS, Status.FAIL, "Call staat niet op Actief"),
                    check(COMPANIES, Status.PASS),
                    check("nmbrs.step.10", Status.MANUAL, "Formulier", confirmed=False),
                    check("nmbrs.step.2", Status.MANUAL, "Gemaild", confirmed=True),
                ],
            ),
        ]
    )


def healthy_batch() -> BatchReport:
    """Two employers where everything passed."""
    return batch_of(
        [
            employer("a", "afas", [check("afas.auth", Status.PASS)]),
            employer("b", "nmbrs", [check("nmbrs.auth", Status.PASS)]),
        ]
    )


# --- terminal summary ------------------------------------------------------------------------


def _table_rows(text: str) -> dict[str, str]:
    """Rows of the summary table by the employer id they start with."""
    ids = ("garage-de-vries", "kapsalon-de-boer", "bakkerij-jansen", HOSTILE_ID)
    return {i: line for line in text.splitlines() for i in ids if line.strip().startswith(i)}


def test_text_lists_exactly_the_broken_employers_with_their_failing_checks() -> None:
    out = render_batch_text(sample_batch(), width=120)
    rows = _table_rows(out)
    assert set(rows) == {"bakkerij-jansen", HOSTILE_ID}
    assert "garage-de-vries" not in out and "kapsalon-de-boer" not in out
    jansen = rows["bakkerij-jansen"].split()
    assert jansen[:3] == ["bakkerij-jansen", "nmbrs", "1"]
    assert "Children_Get," in jansen and "Address_GetListCurrent" in jansen
    assert "nmbrs.call." not in out and "List_GetAll" not in out
    hostile = rows[HOSTILE_ID].split()
    assert hostile[1:3] == ["afas", "4"] and "afas.auth" in hostile
    assert "Profit_Employees_asr" not in rows[HOSTILE_ID]  # skipped, not failing
    # failures first, even though the error employer comes earlier in the file
    assert out.index("bakkerij-jansen") < out.index(HOSTILE_ID)


def test_text_counts_line_and_verdict() -> None:
    out = render_batch_text(sample_batch())
    assert (
        "4 werkgevers gecontroleerd, 1 met mislukte controles, 1 met onbepaalde controles, "
        "2 in orde" in out
    )
    assert out.rstrip().endswith("Niet alle koppelingen zijn in orde.")
    en = render_batch_text(sample_batch(), lang="en")
    assert "4 employers checked, 1 with failures, 1 with errors, 2 OK" in en
    assert "Exit code" in en


def test_text_when_nothing_failed_says_so_in_one_line() -> None:
    out = render_batch_text(healthy_batch(), lang="en")
    lines = out.strip().splitlines()
    assert lines[1] == "No employer has failing or undetermined checks."
    assert "Exit code" not in out
    assert "2 employers checked, 0 with failures, 0 with errors, 2 OK" in out
    assert lines[-1] == "All couplings are in order."


def test_text_is_inert_plain_and_fits_the_encoding() -> None:
    out = render_batch_text(sample_batch())
    assert "\x1b" not in out and "✗ Children_Get" in out
    ascii_out = render_batch_text(sample_batch(), encoding="ascii")
    ascii_out.encode("ascii")
    assert "x Children_Get" in ascii_out
    assert "\x1b[" in render_batch_text(sample_batch(), color=True)


def test_short_check_id() -> None:
    assert short_check_id(CHILDREN) == "Children_Get"
    assert short_check_id("afas.connector.X") == "afas.connector.X"
    assert short_check_id("nmbrs.auth") == "nmbrs.auth"


# --- HTML matrix -----------------------------------------------------------------------------


class _Page(HTMLParser):
    """Collects the matrix (column ids, rows with their cells), script text and CSP."""

    def __init__(self) -> None:
        super().__init__()
        self.columns: list[str] = []
        self.rows: list[dict[str, object]] = []
        self.scripts: list[str] = []
        self.csp = ""
        self.html_lang = ""
        self.controls_hidden = False
        self.hidden_elements = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if "hidden" in a and a.get("id") != "controls":
            self.hidden_elements += 1
        if tag == "html":
            self.html_lang = a.get("lang") or ""
        elif tag == "meta" and a.get("http-equiv") == "Content-Security-Policy":
            self.csp = a.get("content") or ""
        elif tag == "div" and a.get("id") == "controls":
            self.controls_hidden = "hidden" in a
        elif tag == "th" and "check" in classes:
            self.columns.append(a["title"] or "")
        elif tag == "tr" and "data-employer" in a:
            self.rows.append(
                {"employer": a["data-employer"], "outcome": a["data-outcome"], "cells": []}
            )
        elif tag == "th" and "emp" in classes and self.rows and "title" in a:
            self.rows[-1]["id"] = a["title"]
        elif tag == "td" and "c" in classes and self.rows:
            self.rows[-1]["cells"].append((classes, a.get("title") or ""))  # type: ignore[union-attr]
        elif tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def parse(page: str) -> _Page:
    """The page, parsed."""
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def test_html_has_a_cell_per_employer_and_check_with_its_status() -> None:
    batch = sample_batch()
    page = parse(render_batch_html(batch))
    all_ids = {c.id for e in batch.employers for c in e.report.checks}
    assert sorted(page.columns) == sorted(all_ids)
    assert page.columns[:2] == ["afas.auth", "nmbrs.auth"]
    assert page.columns[-2:] == ["nmbrs.step.2", "nmbrs.step.10"]
    by_id = {e.id: e for e in batch.employers}
    assert [row["id"] for row in page.rows] == [
        "bakkerij-jansen",
        HOSTILE_ID,
        "garage-de-vries",
        "kapsalon-de-boer",
    ]
    assert [row["outcome"] for row in page.rows] == ["fail", "error", "pass", "pass"]
    for row in page.rows:
        cells = row["cells"]
        assert isinstance(cells, list) and len(cells) == len(page.columns)
        statuses = {c.id: c for c in by_id[str(row["id"])].report.checks}
        for column, (classes, title) in zip(page.columns, cells, strict=True):
            if column in statuses:
                assert f"s-{statuses[column].status.value}" in classes
                assert column in title and statuses[column].message.split()[0] in title
            else:
                assert "none" in classes
    jansen = page.rows[0]["cells"]
    assert isinstance(jansen, list)
    assert "s-fail" in jansen[page.columns.index(CHILDREN)][0]
    assert "Call staat niet op Actief" in jansen[page.columns.index(CHILDREN)][1]


def test_html_cells_carry_a_symbol_readable_without_colour() -> None:
    page = render_batch_html(sample_batch())
    assert re.search(r'<td class="c s-fail" title="[^"]*">✗</td>', page)
    assert re.search(r'<td class="c s-pass" title="[^"]*">✓</td>', page)
    assert re.search(r'<td class="c s-error" title="[^"]*">\?</td>', page)
    assert re.search(r'<td class="c s-manual" title="[^"]*">☐</td>', page)


def test_html_escapes_hostile_text() -> None:
    page = render_batch_html(sample_batch())
    assert HOSTILE_ID not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<script") == 1
    assert "\x1b" not in page
    assert parse(page).rows[1]["id"] == HOSTILE_ID  # the parser sees the text, not markup


def test_html_is_self_contained() -> None:
    page = render_batch_html(sample_batch())
    assert not re.search(r"""\b(src|srcset|action|poster|data)\s*=""", page)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    # the only http(s) address is the fix link, an anchor a person may follow
    assert re.findall(r"https?://[^\s\"'<]+", page) == ["https://example.nl/h"] * 2
    assert 'href="https://example.nl/h"' in page


def test_html_csp_allows_exactly_the_inline_script_by_hash() -> None:
    page = parse(render_batch_html(sample_batch()))
    (script,) = page.scripts
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    directives = dict(d.strip().split(" ", 1) for d in page.csp.split(";"))
    assert directives["script-src"] == f"'sha256-{digest}'"
    assert directives["default-src"] == "'none'"
    assert "unsafe" not in directives["script-src"]
    # the script is the same in every language, so the hash is stable
    assert parse(render_batch_html(sample_batch(), lang="en")).csp == page.csp


def test_html_shows_everything_without_javascript() -> None:
    page = parse(render_batch_html(sample_batch()))
    assert page.controls_hidden  # the script reveals the controls
    assert page.hidden_elements == 0  # no row, no detail is hidden to begin with


def test_html_language_summary_and_print() -> None:
    nl = render_batch_html(sample_batch())
    en = render_batch_html(sample_batch(), lang="en")
    assert parse(nl).html_lang == "nl" and parse(en).html_lang == "en"
    assert "4 werkgevers gecontroleerd, 1 met mislukte controles" in nl
    assert "With failures" in en and "Find employer" in en
    assert "@page { size: A4 landscape" in nl
    assert 'class="n">4</span>Werkgevers' in nl


def test_html_column_headers_are_shortened_with_the_full_id_in_title() -> None:
    page = render_batch_html(sample_batch())
    assert f'title="{CHILDREN}"><span>Children_Get</span>' in page
    assert column_label("afas.connector.Profit_Employees_asr") == "Profit_Employees_asr"
    long = column_label("nmbrs.call.ReportService.Reports_BackgroundTask_Result_Very_Long")
    assert len(long) == 24 and "…" in long and long.endswith("Result_Very_Long"[-12:])


def test_html_details_list_failing_checks_with_their_fix() -> None:
    page = render_batch_html(sample_batch())
    details = page[page.index('<section class="detail"') :]
    assert "Zet de call op Actief" in details and ADDRESS in details
    assert "garage-de-vries" not in details
    healthy = render_batch_html(healthy_batch())
    assert '<section class="detail"' not in healthy


# --- GitHub ----------------------------------------------------------------------------------


def test_batch_annotations_name_employer_and_check() -> None:
    lines = batch_annotations(sample_batch())
    assert len(lines) == 3
    assert lines[0].startswith(f"::error title=bakkerij-jansen%3A {CHILDREN}::Call staat")
    assert lines[0].endswith("%0AZet de call op Actief")
    assert lines[1].startswith(f"::error title=bakkerij-jansen%3A {ADDRESS}::")
    assert lines[2].startswith("::error title=<script>alert(1)</script>%3A afas.auth::")
    for line in lines:
        assert "\n" not in line and "\x1b" not in line and line.count("::") == 2
    assert batch_annotations(healthy_batch()) == []


def test_batch_annotations_are_capped_at_ten() -> None:
    many = batch_of(
        [
            employer(
                f"werkgever-{n}",
                "afas",
                [check(f"afas.connector.C{i}", Status.FAIL) for i in range(3)],
            )
            for n in range(5)
        ]
    )
    lines = batch_annotations(many, lang="en")
    assert len(lines) == 10
    assert lines[-1].startswith("::error title=koppelcheck::")
    assert "6" in lines[-1]  # 15 failing, 9 shown
    assert len(batch_annotations(many, limit=20)) == 15
    assert batch_annotations(many, limit=0) == []


def test_step_summary_reuses_the_batch_markdown() -> None:
    md = step_summary_markdown(sample_batch(), "en")
    assert md.startswith("# koppelcheck — 4 employers")
    assert "| garage-de-vries |" in md and "bakkerij-jansen" in md
    assert "&lt;script&gt;" in md and HOSTILE_ID not in md
    assert "4 employers checked, 1 with failures, 1 with errors, 2 OK" in md


@pytest.mark.parametrize("max_bytes", [1500, 900])
def test_step_summary_stays_under_the_limit(max_bytes: int) -> None:
    batch = batch_of(
        [employer(f"gezond-{n}", "afas", [check("afas.auth", Status.PASS)]) for n in range(40)]
        + [employer("kapot", "afas", [check("afas.auth", Status.FAIL)])]
    )
    assert len(step_summary_markdown(batch, "en").encode()) > max_bytes
    md = step_summary_markdown(batch, "en", max_bytes=max_bytes)
    assert len(md.encode()) <= max_bytes
    assert "gezond-1 " not in md
    assert "41 employers checked, 1 with failures" in md
    assert md.startswith("# koppelcheck — 41 employers\n")
    if max_bytes == 1500:
        assert "| kapot |" in md and "Only the one employer with failing" in md


def test_one_employer_is_singular_in_every_title() -> None:
    one = batch_of([employer("alleen", "afas", [check("afas.auth", Status.FAIL)])])
    assert step_summary_markdown(one, "en").startswith("# koppelcheck — 1 employer\n")
    assert step_summary_markdown(one, "nl").startswith("# koppelcheck — 1 werkgever\n")
    assert "1 werkgever gecontroleerd" in step_summary_markdown(one, "nl")


# --- catalogues ------------------------------------------------------------------------------


def test_nl_and_en_have_the_same_batch_keys() -> None:
    keys = {lang: {k for k in catalogue(lang) if k.startswith("batch.")} for lang in ("nl", "en")}
    assert keys["nl"] == keys["en"] and keys["nl"]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_message_key_is_missing(lang: str) -> None:
    outputs = [
        render_batch_text(sample_batch(), lang=lang),
        render_batch_text(healthy_batch(), lang=lang),
        render_batch_html(sample_batch(), lang=lang),
        step_summary_markdown(sample_batch(), lang, max_bytes=900),
    ]
    for output in outputs:
        assert not re.search(r"\b(batch|report)\.[a-z_]", output), output
