"""``koppelcheck checklist``, through a tiny Typer app that registers the command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from koppelcheck.cli.checklist import checklist
from koppelcheck.nmbrs.calls import calls_for

app = typer.Typer(rich_markup_mode=None)  # as the real app: plain usage errors
app.command("checklist")(checklist)


@app.callback()
def _root() -> None:
    """Keep ``checklist`` a sub-command."""


runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["checklist", *args], terminal_width=100)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("option", ["overkoepelend", "per-debiteur"])
def test_markdown_lists_every_call_of_the_option(option: str) -> None:
    code, out, _ = _run("nmbrs", "--option", option, "--format", "markdown")
    assert code == 0
    boxes = re.findall(r"- \[ \] `([A-Za-z0-9_]+)`", out)
    assert boxes == [call.label for call in calls_for(option)]
    assert len(boxes) == 19


def test_text_has_tick_boxes_and_form_fields() -> None:
    code, out, _ = _run("afas")
    assert code == 0
    assert "☐ 3.9" in out
    assert "Algemeen → Uitvoer → Beheer → Get Connector" in out
    assert "Loonheffingennummer" in out and "Datatoken AFAS" in out


def test_english() -> None:
    code, out, _ = _run("nmbrs", "--lang", "en")
    assert code == 0
    assert "Step 2" in out and "Sandbox toestaan: leave unticked" in out


def test_html_is_self_contained_and_printable(tmp_path: Path) -> None:
    target = tmp_path / "checklist.html"
    code, out, _ = _run("nmbrs", "--format", "html", "--output", str(target))
    assert code == 0 and out == ""
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?https?://""", page)
    assert "<link" not in page and "<script" not in page
    assert "@media print" in page and "size:A4" in page and "page-break" in page
    assert all(call.label in page for call in calls_for("overkoepelend"))


def test_html_escapes_text() -> None:
    code, out, _ = _run("nmbrs", "--format", "html")
    assert code == 0
    assert "poppetje rechtsboven &gt; Gebruiker profiel" in out


@pytest.mark.parametrize(
    ("args", "field", "accepted"),
    [
        (("nmbrs", "--format", "pdf"), "--format", "'text', 'markdown', 'html'"),
        (("sap",), "system", "'afas', 'nmbrs'"),
        (("nmbrs", "--option", "beide"), "--option", "'overkoepelend', 'per-debiteur'"),
        (("nmbrs", "--api", "graphql"), "--api", "'soap', 'rest'"),
        (("afas", "--auth", "basic"), "--auth", "'classic', 'oauth', 'hybrid'"),
        (("afas", "--lang", "de"), "--lang", "nl of en"),  # an unknown --lang: Dutch, the default
    ],
)
def test_bad_values_exit_2_naming_field_and_values(
    args: tuple[str, ...], field: str, accepted: str
) -> None:
    code, out, err = _run(*args)
    assert code == 2
    assert out == ""
    assert field in err and accepted in err


def test_output_folder_must_exist(tmp_path: Path) -> None:
    code, _, err = _run("afas", "--output", str(tmp_path / "no" / "x.md"))
    assert code == 2 and "--output" in err
