"""The terminal report: fixes under their checks, summary last, ASCII fallback, no injection."""

from __future__ import annotations

from koppelcheck.models import CheckResult, Status
from koppelcheck.report.text import render_text
from tests.unit.test_report_samples import FAIL_FIX, hostile_report, make_report


def _lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.strip()]


def test_fix_is_right_under_the_failing_check() -> None:
    lines = _lines(render_text(make_report(), lang="nl", color=False, width=120))
    at = next(i for i, line in enumerate(lines) if "Address_GetListCurrent" in line)
    assert lines[at].lstrip().startswith("✗")
    assert lines[at + 1].strip() == f"→ {FAIL_FIX}"
    assert lines[at + 1].index("→") > lines[at].index("✗")  # indented under the check


def test_fix_shown_for_error_and_warn_not_for_pass() -> None:
    out = render_text(make_report(), lang="nl", color=False, width=120)
    assert "→ Probeer het later opnieuw." in out
    assert "→ Controleer de verbinding." in out
    assert out.count("→") == 3


def test_summary_line_is_last() -> None:
    nl = _lines(render_text(make_report(), lang="nl", color=False, width=200))
    assert nl[-1].startswith("✗ Samenvatting: 1 geslaagd, 1 mislukt, 1 onbepaald")
    en = _lines(render_text(make_report(), lang="en", color=False, width=200))
    assert en[-1].startswith("✗ Summary: 1 passed, 1 failed, 1 undetermined")


def test_symbols_per_status() -> None:
    out = render_text(make_report(), lang="nl", color=False, width=120)
    for symbol, check_id in [
        ("✓", "nmbrs.auth"),
        ("?", "nmbrs.company"),
        ("!", "List_GetAll"),
        ("–", "Environment_Get"),
        ("☐", "nmbrs.step.3"),
        ("☑", "nmbrs.step.4"),
    ]:
        line = next(line for line in out.splitlines() if check_id in line)
        assert line.lstrip().startswith(symbol), line


def test_checks_are_grouped_by_step() -> None:
    lines = _lines(render_text(make_report(), lang="nl", color=False, width=120))
    assert lines.index("Stap 1") < lines.index("Stap 2") < lines.index("Stap 3")
    assert any("nmbrs.auth" in line for line in lines[lines.index("Stap 1") :][:2])


def test_no_step_headings_without_steps() -> None:
    check = CheckResult(id="afas.auth", status=Status.PASS, title="Token", message="OK")
    out = render_text(make_report([check]), lang="nl", color=False, width=80)
    assert "Overige controles" not in out
    assert "✓ Token: OK" in out


def test_ascii_fallback() -> None:
    out = render_text(make_report(), lang="nl", color=False, width=120, encoding="ascii")
    out.encode("ascii")  # nothing that an ASCII stream cannot carry
    assert "x Samenvatting" in out
    assert f"-> {FAIL_FIX}" in out
    assert "[ ]" in out and "[x]" in out


def test_cp1252_falls_back_but_keeps_accents() -> None:
    check = CheckResult(id="a", status=Status.FAIL, title="Geïnstalleerd", message="café")
    out = render_text(make_report([check]), lang="nl", color=False, width=80, encoding="cp1252")
    out.encode("cp1252")
    assert "Geïnstalleerd: café" in out
    assert "✗" not in out


def test_colour_only_when_asked() -> None:
    plain = render_text(make_report(), lang="nl", color=False, width=100)
    coloured = render_text(make_report(), lang="nl", color=True, width=100)
    assert "\x1b[" not in plain
    assert "\x1b[" in coloured


def test_messages_cannot_inject_markup_or_escape_codes() -> None:
    check = CheckResult(id="a", status=Status.FAIL, title="t", message="[bold red]boo[/] \x1b[2J")
    out = render_text(make_report([check]), lang="nl", color=True, width=100)
    assert "[bold red]boo[/]" in out
    assert "\x1b[2J" not in out
    assert "\x1b" not in render_text(hostile_report(), lang="nl", color=False, width=100)


def test_width_is_respected() -> None:
    out = render_text(make_report(), lang="nl", color=False, width=60)
    assert max(len(line) for line in out.splitlines()) <= 60
