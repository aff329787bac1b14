"""The AFAS form section with OAuth client credentials: instead of, or beside, the token."""

from __future__ import annotations

from typing import Any

import pytest

from koppelcheck.errors import InputError
from koppelcheck.registration import validate_form
from koppelcheck.registration.provenance import provenance_of
from koppelcheck.secret import Secret

TOKEN = "A1" * 32
SECRET = "client-secret-value-0123456789"


def form(**afas: Any) -> dict[str, Any]:
    return {
        "organisation": "Salarisbureau Voorbeeld",
        "email": "salaris@voorbeeld.nl",
        "contract_number": "RC-2024-118",
        "payroll_tax_number": "123456782L01",
        "afas": {"employer_codes": ["01"], "participant_number": "12345", **afas},
    }


def test_client_credentials_alone_are_enough_and_no_token_is_dumped() -> None:
    valid = validate_form(form(client_id="bp", client_secret=Secret(SECRET)), "afas")
    assert valid.afas is not None
    assert valid.afas.client_id == "bp"
    dumped = valid.model_dump()["afas"]
    assert "data_token" not in dumped and "token_version" not in dumped
    assert isinstance(dumped["client_secret"], Secret)
    origins = provenance_of(valid.model_dump(), None, {"afas.oauth", "afas.auth"})
    assert origins["afas.client_id"].check == origins["afas.client_secret"].check == "afas.oauth"


def test_hybrid_keeps_both() -> None:
    valid = validate_form(
        form(data_token=TOKEN, client_id="bp", client_secret=Secret(SECRET)), "afas"
    )
    dumped = valid.model_dump()["afas"]
    assert {"data_token", "token_version", "client_id", "client_secret"} <= set(dumped)
    assert dumped["token_version"] == 1


def test_a_classic_form_is_unchanged() -> None:
    dumped = validate_form(form(data_token=TOKEN), "afas").model_dump()["afas"]
    assert "client_id" not in dumped and dumped["token_version"] == 1


@pytest.mark.parametrize(
    ("afas", "field"),
    [
        ({}, "afas.data_token"),
        ({"client_id": "bp"}, "afas.client_secret"),
        ({"client_secret": Secret(SECRET), "data_token": TOKEN}, "afas.client_id"),
        ({"client_id": "two words", "client_secret": Secret(SECRET)}, "afas.client_id"),
    ],
)
def test_missing_or_bad_credentials_name_the_field(afas: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        validate_form(form(**afas), "afas")
    assert caught.value.field == field
    assert SECRET not in str(caught.value)
