"""A batch whose token variable is empty exits 3 before any call, naming the employer, its line
and the variable, in the interface's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from koppelcheck.cli.app import app


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("nl", "n (regel 2): geen token in variabele KC_UNSET_TOKEN"),
        ("en", "n (line 2): no token in variable KC_UNSET_TOKEN"),
    ],
)
def test_a_missing_batch_token_is_named_in_the_interface_language(
    tmp_path: Path, lang: str, expected: str
) -> None:
    batch = tmp_path / "b.toml"
    batch.write_text(
        '[[employer]]\nid = "n"\nsystem = "nmbrs"\nusername = "a@b.nl"\n'
        'domain = "acme"\ntoken_env = "KC_UNSET_TOKEN"\nbase_url = "http://127.0.0.1:9/soap/v3"\n'
    )
    result = CliRunner().invoke(app, ["batch", str(batch), "--lang", lang])
    assert result.exit_code == 3, result.output
    assert expected in " ".join(result.stderr.split())


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("nl", "werkgever n (regel 2): KC_SPACED_TOKEN"),
        ("en", "employer n (line 2): KC_SPACED_TOKEN"),
    ],
)
def test_a_bad_batch_token_names_the_employer_in_the_interface_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str, expected: str
) -> None:
    monkeypatch.setenv("KC_SPACED_TOKEN", "two words")
    batch = tmp_path / "b.toml"
    batch.write_text(
        '[[employer]]\nid = "n"\nsystem = "nmbrs"\nusername = "a@b.nl"\n'
        'domain = "acme"\ntoken_env = "KC_SPACED_TOKEN"\nbase_url = "http://127.0.0.1:9/soap/v3"\n'
    )
    result = CliRunner().invoke(app, ["batch", str(batch), "--lang", lang])
    assert result.exit_code == 2, result.output
    assert expected in " ".join(result.stderr.split())
    assert "two words" not in result.output + result.stderr  # a token is never echoed
