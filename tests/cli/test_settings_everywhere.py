"""One settings model per system checks its inputs wherever they come from.

The same bad value given as a flag (``koppelcheck nmbrs --domain``), as a batch file's key
(``domain = …``) and as the registration form's field (``nmbrs.domain``) gets the same message
and the same fix, each naming the input the way its source does: exit 2 and nothing sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from koppelcheck.cli.app import app
from koppelcheck.errors import InputError
from koppelcheck.i18n import Translator
from koppelcheck.registration import form_errors
from koppelcheck.systems import get_system

runner = CliRunner()
EN = Translator("en")
TOKEN = "0f3c9a1e" * 8
LONG_CLIENT_ID = "asr-" + "x" * 200

FORM: dict[str, Any] = {
    "organisation": "Salarisbureau Voorbeeld",
    "email": "salaris@voorbeeld.nl",
    "contract_number": "RC-2024-118",
    "payroll_tax_number": "123456782L01",
}

CASES = [
    # (system, key, bad value, flags of a run with it, the form section with it)
    (
        "nmbrs",
        "domain",
        "not a domain!",
        ["--username", "salaris@bureau.nl", "--domain", "not a domain!"],
        {"username": "salaris@bureau.nl", "domain": "not a domain!"},
    ),
    (
        "nmbrs",
        "username",
        "koppeling",
        ["--username", "koppeling", "--domain", "bureau"],
        {"username": "koppeling", "domain": "bureau"},
    ),
    (
        "afas",
        "client_id",
        LONG_CLIENT_ID,
        ["--environment-id", "12345", "--connector", "BP_Werknemers"],
        {"employer_codes": ["01"], "participant_number": "12345", "client_id": LONG_CLIENT_ID},
    ),
]
NMBRS_FIELDS = {"company": "X", "payroll_frequency": "monthly", "thirteenth_month": False}
"""The Nmbrs section's fields that are no settings of the check."""
FLAGS = {"domain": "--domain", "username": "--username", "client_id": "--client-id"}
BATCH_ROWS = {
    "nmbrs": 'username = "salaris@bureau.nl"\ndomain = "bureau"\ntoken_env = "NMBRS_TOKEN"\n',
    "afas": 'environment_id = "12345"\nclient_secret_env = "AFAS_SECRET"\n',
}


def _expected(system: str, key: str, value: str) -> tuple[str, str]:
    """What the system's settings model says about ``value``: message and fix, in English."""
    rules = get_system(system).settings_model.RULES  # type: ignore[attr-defined]
    with pytest.raises(InputError) as info:
        rules[key](value)
    assert info.value.field == key
    message, hint = info.value.said(EN)
    assert message and hint
    return message, hint


@pytest.fixture
def nothing_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a check ran although an input was bad")

    monkeypatch.setattr("koppelcheck.systems.verify", refuse)


@pytest.mark.parametrize(("system", "key", "value", "flags", "section"), CASES)
def test_a_flag_gets_the_models_message(
    nothing_sent: None, system: str, key: str, value: str, flags: list[str], section: Any
) -> None:
    message, hint = _expected(system, key, value)
    env = {"KOPPELCHECK_NMBRS_TOKEN": TOKEN, "KOPPELCHECK_AFAS_TOKEN": TOKEN, "COLUMNS": "300"}
    if key == "client_id":
        env["KOPPELCHECK_AFAS_CLIENT_ID"] = value  # the flag's own variable
    result = runner.invoke(app, [system, *flags, "--no-input", "--lang", "en"], env=env)
    assert result.exit_code == 2, result.output
    assert f"{FLAGS[key]}: {message} — {hint}" in " ".join(result.stderr.split())


@pytest.mark.parametrize(("system", "key", "value", "flags", "section"), CASES)
def test_a_batch_key_gets_the_models_message(
    nothing_sent: None,
    tmp_path: Path,
    system: str,
    key: str,
    value: str,
    flags: list[str],
    section: Any,
) -> None:
    message, hint = _expected(system, key, value)
    row = "\n".join(
        line for line in BATCH_ROWS[system].splitlines() if not line.startswith(f"{key} =")
    )
    path = tmp_path / "bureau.toml"
    path.write_text(
        f'[[employer]]\nid = "a"\nsystem = "{system}"\n{row}\n{key} = "{value}"\n',
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["batch", str(path), "--lang", "en"], env={"NMBRS_TOKEN": TOKEN, "COLUMNS": "300"}
    )
    assert result.exit_code == 2, result.output
    assert f"employer[1].{key}: {message} — {hint}" in " ".join(result.stderr.split())


@pytest.mark.parametrize(("system", "key", "value", "flags", "section"), CASES)
def test_a_form_field_gets_the_models_message(
    system: str, key: str, value: str, flags: list[str], section: Any
) -> None:
    message, hint = _expected(system, key, value)
    others = NMBRS_FIELDS if system == "nmbrs" else {}
    errors = form_errors({**FORM, system: {**others, **section}}, system, lang="en")
    assert [(e.field, e.message, e.hint) for e in errors] == [(f"{system}.{key}", message, hint)]


def test_a_good_value_is_normalised_alike_by_model_and_form() -> None:
    """``https://Bureau.nmbrs.nl/`` is the domain ``bureau`` as a flag, a batch key and a field."""
    from koppelcheck.registration import validate_form
    from koppelcheck.systems.interface import settings_from

    nmbrs = get_system("nmbrs").settings_model
    given = {"username": " salaris@bureau.nl ", "domain": "https://Bureau.nmbrs.nl/"}
    settings = settings_from(nmbrs, given)
    assert (settings.username, settings.domain) == ("salaris@bureau.nl", "bureau")  # type: ignore[attr-defined]
    section = {**given, **NMBRS_FIELDS}
    form = validate_form({**FORM, "nmbrs": section}, "nmbrs")
    assert form.nmbrs is not None
    assert (form.nmbrs.username, form.nmbrs.domain) == ("salaris@bureau.nl", "bureau")
