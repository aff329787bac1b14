"""The HTML report: self-contained, escaped, language-tagged, printable."""

from __future__ import annotations

import re

from koppelcheck.report.html import render_html
from tests.unit.test_report_samples import FAIL_FIX, hostile_report, make_report


def test_language_attribute() -> None:
    assert '<html lang="nl">' in render_html(make_report(), lang="nl")
    assert '<html lang="en">' in render_html(make_report(), lang="en")


def test_hostile_text_is_escaped() -> None:
    out = render_html(hostile_report(), lang="nl")
    assert "<script" not in out.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in out
    assert "<b>" not in out
    assert "\x1b" not in out
    assert 'href="javascript:' not in out


def test_self_contained_and_printable() -> None:
    out = render_html(make_report(), lang="nl")
    assert "<style>" in out and "@media print" in out and "size: A4" in out
    assert not re.search(r"<(script|link|img|iframe)\b", out)
    assert "@import" not in out and "url(" not in out


def test_statuses_fix_and_links() -> None:
    out = render_html(make_report(), lang="nl")
    assert 'class="status s-fail">mislukt<' in out
    assert 'class="status s-error">onbepaald<' in out
    assert "handmatig, nog niet bevestigd" in out
    assert FAIL_FIX in out
    assert '<a href="https://support.nmbrs.com/a?b=1&amp;c=2">' in out
    assert out.rstrip().endswith("</html>")
