"""The format registry, the catalogues, and properties every renderer shares."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from koppelcheck.i18n import Translator
from koppelcheck.models import Status
from koppelcheck.report import FORMATS, render
from koppelcheck.systems import SYSTEMS
from tests.unit.test_report_samples import make_report

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "contract.md"
REPORT_SRC = Path(__file__).resolve().parents[2] / "src" / "koppelcheck" / "report"
I18N = Path(__file__).resolve().parents[2] / "src" / "koppelcheck" / "i18n"


def contract_formats() -> list[str]:
    """The format names of the contract's ``--format a|b|c`` option."""
    found = re.findall(r"`--format ([a-z|\\]+)`", CONTRACT.read_text(encoding="utf-8"))
    assert found, "the contract no longer names --format choices"
    return sorted({name for choices in found for name in choices.replace("\\", "").split("|")})


def test_every_contract_format_has_a_renderer() -> None:
    formats = contract_formats()
    assert {"text", "json", "junit", "markdown", "html"} <= set(formats)
    assert set(formats) <= set(FORMATS)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_format_renders_every_check_in_both_languages(fmt: str, lang: str) -> None:
    report = make_report()
    out = render(report, fmt, lang=lang)
    assert out.endswith("\n")
    for check in report.checks:
        assert check.id in out


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_renderers_are_pure(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    render(make_report(), fmt, lang="nl")
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown report format 'yaml'"):
        render(make_report(), "yaml")


def test_languages_differ() -> None:
    report = make_report()
    assert "Te herstellen" in render(report, "markdown", lang="nl")
    assert "To fix" in render(report, "markdown", lang="en")


def _report_keys(lang: str) -> set[str]:
    data = tomllib.loads((I18N / lang / "report.toml").read_text(encoding="utf-8"))
    assert all(key.startswith("report.") for key in data), "every key carries the report. prefix"
    return set(data)


def test_nl_and_en_have_the_same_report_keys() -> None:
    assert _report_keys("nl") == _report_keys("en")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_key_the_renderers_use_exists(lang: str) -> None:
    t = Translator(lang)
    source = "".join(p.read_text(encoding="utf-8") for p in REPORT_SRC.glob("*.py"))
    literal = set(re.findall(r"""["'](report\.[a-z_.]+[a-z_])["']""", source))
    dynamic = {f"report.count.{s.value}" for s in Status}
    dynamic |= {f"report.status.{s.value}" for s in Status if s is not Status.MANUAL}
    dynamic |= {f"system.{name}" for name in SYSTEMS}  # each system's own catalogue

    def known(key: str) -> bool:  # a plural key exists as <key>.one and <key>.other
        return t.has(key) or (t.has(f"{key}.one") and t.has(f"{key}.other"))

    missing = sorted(k for k in literal | dynamic if not known(k))
    assert not missing, f"missing in {lang}/report.toml: {missing}"


def test_placeholders_match_between_languages() -> None:
    nl = tomllib.loads((I18N / "nl" / "report.toml").read_text(encoding="utf-8"))
    en = tomllib.loads((I18N / "en" / "report.toml").read_text(encoding="utf-8"))
    fields = re.compile(r"{(\w+)}")
    for key, text in nl.items():
        assert set(fields.findall(text)) == set(fields.findall(en[key])), key
