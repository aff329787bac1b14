"""The AppConnector Auditor export (Markdown and HTML) as ``afas.auditor.*`` checks."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from koppelcheck.afas import facts
from koppelcheck.afas.auditor import parse_auditor_lines, read_auditor
from koppelcheck.afas.auditor_checks import auditor_checks
from koppelcheck.errors import InputError
from koppelcheck.i18n import Translator
from koppelcheck.models import Status

DATA = Path(__file__).parent.parent / "data" / "auditor"
MARKDOWN = DATA / "auditor-report.md"
HTML = DATA / "auditor-report.html"


def outcomes(path: Path, lang: str = "en") -> dict[str, object]:
    t = Translator(lang)
    specs = auditor_checks(read_auditor(path), t)

    async def run_all() -> dict[str, object]:
        return {spec.id: await spec.run() for spec in specs}

    return asyncio.run(run_all())


def test_markdown_export() -> None:
    report = read_auditor(MARKDOWN)
    assert report.form == "markdown"
    assert report.app_connectors == ("Benefits-Plaza",)
    assert {f.key for f in report.findings} == {
        "group-users",
        "token-count",
        "token-age",
        "profit-windows",
        "ip-restrictions",
    }
    assert {p.connector: p.fields for p in report.privacy} == {
        "BP_Werknemers": ("BSN", "Geboortedatum", "IBAN"),
        "BP_Salarissen": ("Salaris", "IBAN"),
    }


def test_html_export() -> None:
    report = read_auditor(HTML)
    assert report.form == "html"
    assert report.app_connectors == ("Benefits-Plaza",)
    assert {f.key for f in report.findings} == {
        "group-users",
        "token-unused",
        "token-validity",
        "profit-windows",
        "afas-connect-ips",
    }
    assert {p.connector: p.fields for p in report.privacy} == {
        "BP_Dienstverbanden": ("Salaris", "Geboortedatum"),
    }


def test_the_manuals_deliberate_messages_are_information_naming_the_step() -> None:
    found = outcomes(MARKDOWN)
    for key, step in (("profit-windows", "2.5"), ("group-users", "2.8"), ("ip-restrictions", "3")):
        check = found[f"afas.auditor.{key}"]
        assert check.status is Status.PASS, key
        assert f"step {step}" in check.message and "on purpose" in check.message


def test_token_messages_are_warnings_with_the_fix() -> None:
    found = {**outcomes(MARKDOWN), **outcomes(HTML)}
    for key in ("token-count", "token-age", "token-unused", "token-validity"):
        check = found[f"afas.auditor.{key}"]
        assert check.status is Status.WARN, key
        assert check.fix.text, key
    assert "Hybrid or OAuth" in found["afas.auditor.token-age"].fix.text
    assert "User tokens" in found["afas.auditor.token-count"].fix.text


def test_privacy_fields_are_listed_per_getconnector() -> None:
    check = outcomes(MARKDOWN)["afas.auditor.privacy.BP_Werknemers"]
    assert check.status is Status.PASS
    assert "BSN, Geboortedatum, IBAN" in check.message


def test_every_documented_title_is_recognised() -> None:
    titles = [
        *facts.AUDITOR_EXPECTED,
        *facts.AUDITOR_TOKEN_MESSAGES,
        *facts.AUDITOR_OTHER_MESSAGES,
    ]
    report = parse_auditor_lines(['App Connector "X"', *(f"### {title}" for title in titles)])
    assert len(report.findings) == len(titles) == 9


def test_dutch_messages() -> None:
    check = outcomes(HTML, lang="nl")["afas.auditor.profit-windows"]
    assert "stap 2.5" in check.message


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"%PDF-1.7\n...", ("PDF", "HTML")),
        (b"\xff\xfe\x00binary", ("UTF-8",)),
        (b"# Shopping list\n\n- milk\n", ("AppConnector Auditor", 'App Connector "Name"')),
        (b"<html><body><p>Hello</p></body></html>", ("Authorization group has more than 1 user",)),
    ],
)
def test_an_unreadable_export_is_an_input_error_naming_what_was_expected(
    tmp_path, content, words
) -> None:
    path = tmp_path / "export.md"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_auditor(path)
    assert caught.value.field == "auditor"
    text = " ".join(caught.value.said(Translator("en")))
    for word in words:
        assert word in text


def test_a_missing_file_or_a_folder(tmp_path) -> None:
    for path in (tmp_path / "nope.md", tmp_path):
        with pytest.raises(InputError) as caught:
            read_auditor(path)
        assert caught.value.field == "auditor"
