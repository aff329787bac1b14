"""The registration form: each validator, each bad field named, the form file, the 11-test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from koppelcheck.errors import InputError
from koppelcheck.registration import (
    FormContext,
    eleven_test,
    form_errors,
    form_warnings,
    frequency_from_period,
    load_form_file,
    normalise_payroll_tax_number,
    validate_form,
)
from koppelcheck.registration.validators import Invalid, closest_names, name_matches
from koppelcheck.secret import Secret

TOKEN = "A1" * 32


def _data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "organisation": "Salarisbureau Voorbeeld",
        "email": "salaris@voorbeeld.nl",
        "contract_number": "RC-2024-118",
        "payroll_tax_number": "123456782L01",
        "afas": {"employer_codes": ["01"], "participant_number": "12345", "data_token": TOKEN},
        "nmbrs": {
            "company": "Bakkerij Jansen B.V.",
            "username": "koppeling@bureau.nl",
            "domain": "bureau",
            "dga_name": "J. Jansen",
            "dga_employee_number": 1,
            "payroll_frequency": "monthly",
            "thirteenth_month": False,
        },
    }
    for dotted, value in changes.items():
        section, _, key = dotted.rpartition("__")
        target = data[section] if section else data
        if value is ...:
            target.pop(key)
        else:
            target[key] = value
    return data


NMBRS = FormContext(
    companies=["Bakkerij Jansen B.V.", "Garage de Vries", "Bakkerij Jansen BV Holding"],
    employees={1: "Jan Jansen", 2: "Piet de Vries"},
    period="2026-11-M",
)


def _first_field(data: dict[str, Any], system: str, ctx: FormContext | None = None) -> str:
    with pytest.raises(InputError) as caught:
        validate_form(data, system, ctx)
    return caught.value.field


# --- happy paths -----------------------------------------------------------------------------


def test_valid_afas_form() -> None:
    form = validate_form(
        _data(payroll_tax_number="123.456.782 l 01"), "afas", FormContext(environment_id="O12345AA")
    )
    assert form.payroll_tax_number == "123456782L01"
    assert form.afas is not None and form.nmbrs is None
    assert isinstance(form.afas.data_token, Secret)
    assert form.afas.data_token.reveal() == TOKEN
    assert form.afas.token_version == 1


def test_valid_nmbrs_form_with_context() -> None:
    form = validate_form(_data(nmbrs__domain="https://bureau.nmbrs.nl/x"), "nmbrs", NMBRS)
    assert form.nmbrs is not None
    assert form.nmbrs.domain == "bureau"
    assert form.nmbrs.dga_employee_number == 1


def test_frequency_taken_from_the_period() -> None:
    data = _data(nmbrs__payroll_frequency=...)
    form = validate_form(data, "nmbrs", FormContext(period="2026-05-W4"))
    assert form.nmbrs is not None and form.nmbrs.payroll_frequency == "four-weekly"


def test_no_dga_is_fine() -> None:
    form = validate_form(_data(nmbrs__dga_name=..., nmbrs__dga_employee_number=...), "nmbrs", NMBRS)
    assert form.nmbrs is not None and form.nmbrs.dga_name is None


# --- each bad field names its field ----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "system", "field"),
    [
        ({"organisation": "  "}, "afas", "organisation"),
        ({"organisation": ...}, "afas", "organisation"),
        ({"email": "salaris@voorbeeld"}, "afas", "email"),
        ({"email": "a..b@voorbeeld.nl"}, "nmbrs", "email"),
        ({"contract_number": ""}, "nmbrs", "contract_number"),
        ({"payroll_tax_number": "123456789L01"}, "afas", "payroll_tax_number"),
        ({"payroll_tax_number": "123456782B01"}, "afas", "payroll_tax_number"),
        ({"afas__participant_number": "09999"}, "afas", "afas.participant_number"),
        ({"afas__participant_number": "123456"}, "afas", "afas.participant_number"),
        ({"afas__data_token": TOKEN[:-1]}, "afas", "afas.data_token"),
        ({"afas__employer_codes": []}, "afas", "afas.employer_codes"),
        ({"afas__employer_codes": ["01", "01"]}, "afas", "afas.employer_codes"),
        ({"afas__token_version": -1}, "afas", "afas.token_version"),
        ({"afas__token_version": "één"}, "afas", "afas.token_version"),
        ({"afas__client_id": "met spatie\u0007"}, "afas", "afas.client_id"),
        ({"afas__extra": 1}, "afas", "afas.extra"),
        ({"nmbrs__username": "koppeling"}, "nmbrs", "nmbrs.username"),
        ({"nmbrs__domain": "not a domain!"}, "nmbrs", "nmbrs.domain"),
        ({"nmbrs__payroll_frequency": "weekly"}, "nmbrs", "nmbrs.payroll_frequency"),
        ({"nmbrs__thirteenth_month": "misschien"}, "nmbrs", "nmbrs.thirteenth_month"),
        ({"nmbrs__dga_name": ...}, "nmbrs", "nmbrs.dga_name"),
        ({"nmbrs__dga_employee_number": ...}, "nmbrs", "nmbrs.dga_employee_number"),
    ],
)
def test_bad_field_is_named(changes: dict[str, Any], system: str, field: str) -> None:
    assert _first_field(_data(**changes), system) == field


def test_token_never_in_the_message() -> None:
    with pytest.raises(InputError) as caught:
        validate_form(_data(afas__data_token=TOKEN + "X"), "afas")
    assert TOKEN not in str(caught.value)
    assert "65" in caught.value.message


def test_participant_must_match_environment() -> None:
    ctx = FormContext(environment_id="T54321AB")
    with pytest.raises(InputError) as caught:
        validate_form(_data(), "afas", ctx)
    assert caught.value.field == "afas.participant_number"
    assert "54321" in caught.value.message


def test_company_must_exist_exactly_and_names_the_closest() -> None:
    with pytest.raises(InputError) as caught:
        validate_form(_data(nmbrs__company="bakkerij jansen bv"), "nmbrs", NMBRS, lang="en")
    assert caught.value.field == "nmbrs.company"
    assert "'Bakkerij Jansen B.V.'" in caught.value.message
    assert "Garage" not in caught.value.message


def test_company_nothing_close() -> None:
    with pytest.raises(InputError) as caught:
        validate_form(_data(nmbrs__company="Zwembad Zuid"), "nmbrs", NMBRS, lang="en")
    assert "none of the 3" in caught.value.message


def test_dga_number_must_exist() -> None:
    with pytest.raises(InputError) as caught:
        validate_form(_data(nmbrs__dga_employee_number=7), "nmbrs", NMBRS, lang="en")
    assert caught.value.field == "nmbrs.dga_employee_number"
    # The closest matches: the employee whose name matches the DGA name first.
    assert "closest: 1 (Jan Jansen), 2 (Piet de Vries)" in caught.value.message


def test_dga_name_unlike_nmbrs_is_a_warning_naming_both() -> None:
    form = validate_form(_data(nmbrs__dga_name="K. Bakker"), "nmbrs", NMBRS, lang="en")
    [(field, message)] = form_warnings(form, NMBRS, lang="en")
    assert field == "nmbrs.dga_name"
    assert "K. Bakker" in message and "Jan Jansen" in message


def test_dga_name_like_nmbrs_gives_no_warning() -> None:
    form = validate_form(_data(), "nmbrs", NMBRS, lang="en")
    assert form_warnings(form, NMBRS, lang="en") == []


def test_company_other_than_the_checked_one_is_refused_naming_both() -> None:
    ctx = FormContext(companies=NMBRS.companies, checked_company="Garage de Vries")
    with pytest.raises(InputError) as caught:
        validate_form(_data(), "nmbrs", ctx, lang="en")
    assert caught.value.field == "nmbrs.company"
    assert "Bakkerij Jansen B.V." in caught.value.message
    assert "Garage de Vries" in caught.value.message


def test_before_the_checks_company_and_frequency_may_wait_for_the_api() -> None:
    data = _data(nmbrs__company=..., nmbrs__payroll_frequency=...)
    form = validate_form(data, "nmbrs", FormContext(pending=True))
    assert form.nmbrs is not None and form.nmbrs.payroll_frequency is None
    assert _first_field(data, "nmbrs", FormContext()) == "nmbrs.company"


@pytest.mark.parametrize(
    ("period", "expected"), [("2026-12-W4", "four-weekly"), ("2026-11-M", "monthly")]
)
def test_frequency_is_derived_from_the_period(period: str, expected: str) -> None:
    form = validate_form(_data(nmbrs__payroll_frequency=...), "nmbrs", FormContext(period=period))
    assert form.nmbrs is not None and form.nmbrs.payroll_frequency == expected


def test_frequency_conflict_names_both_values() -> None:
    with pytest.raises(InputError) as caught:
        validate_form(_data(), "nmbrs", FormContext(period="2026-12-W4"), lang="en")
    assert "'monthly'" in caught.value.message and "four-weekly" in caught.value.message


def test_weekly_payroll_is_refused_with_a_reason() -> None:
    with pytest.raises(InputError) as caught:
        validate_form(_data(), "nmbrs", FormContext(period="2026-45-W1"), lang="en")
    assert caught.value.field == "nmbrs.payroll_frequency"
    assert "weekly" in caught.value.message


def test_frequency_conflicting_with_the_period() -> None:
    ctx = FormContext(period="2026-05-W4")
    assert _first_field(_data(), "nmbrs", ctx) == "nmbrs.payroll_frequency"


def test_form_errors_lists_every_bad_field_in_order() -> None:
    data = _data(email="x", payroll_tax_number="1", afas__data_token="short")
    fields = [e.field for e in form_errors(data, "afas")]
    assert fields == ["email", "payroll_tax_number", "afas.data_token"]
    assert all(e.hint for e in form_errors(data, "afas"))


def test_missing_section_reports_its_fields() -> None:
    data = _data()
    del data["afas"]
    assert _first_field(data, "afas") == "afas.employer_codes"


def test_unknown_system() -> None:
    assert _first_field(_data(), "sap") == "system"


def test_messages_follow_the_language() -> None:
    nl = form_errors(_data(email="x"), "afas", lang="nl")[0].message
    en = form_errors(_data(email="x"), "afas", lang="en")[0].message
    assert nl != en and "e-mail" in en


# --- small validators ------------------------------------------------------------------------


def test_frequency_from_period() -> None:
    assert frequency_from_period("2026-11-M") == "monthly"
    assert frequency_from_period("2026-04-W4") == "four-weekly"
    assert frequency_from_period("2026-40-W1") is None
    with pytest.raises(ValueError):
        frequency_from_period("november")


def test_closest_names_ignores_case() -> None:
    assert closest_names("garage DE vries", ["Garage de Vries", "Bakkerij"]) == ["Garage de Vries"]


@pytest.mark.parametrize(
    ("given_name", "display", "ok"),
    [
        ("Jan Jansen", "Jan Jansen", True),
        ("J. Jansen", "Jan Jansen", True),
        ("mr. de Vries", "Piet de Vries", True),
        ("K. Bakker", "Jan Jansen", False),
    ],
)
def test_name_matches(given_name: str, display: str, ok: bool) -> None:
    assert name_matches(given_name, display) is ok


def test_normalise_rejects_shape() -> None:
    with pytest.raises(Invalid):
        normalise_payroll_tax_number("12345678L01")


# --- the 11-test, as a property --------------------------------------------------------------


@st.composite
def valid_numbers(draw: st.DrawFn) -> str:
    """Eight digits, then the ninth that makes the weighted sum divisible by 11 (skip if none)."""
    first = draw(st.lists(st.integers(0, 9), min_size=8, max_size=8))
    total = sum(d * w for d, w in zip(first, range(9, 1, -1), strict=True))
    ninth = total % 11
    if ninth == 10:
        ninth = draw(st.nothing())
    return "".join(map(str, first)) + str(ninth)


@given(digits=valid_numbers(), suffix=st.integers(0, 99))
def test_generated_numbers_pass(digits: str, suffix: int) -> None:
    assert eleven_test(digits)
    assert normalise_payroll_tax_number(f"{digits}l{suffix:02d}") == f"{digits}L{suffix:02d}"


@given(digits=valid_numbers(), position=st.integers(0, 8), delta=st.integers(1, 9))
def test_any_single_digit_change_fails(digits: str, position: int, delta: int) -> None:
    changed = (int(digits[position]) + delta) % 10
    mutated = digits[:position] + str(changed) + digits[position + 1 :]
    assert not eleven_test(mutated)


# --- the form file ---------------------------------------------------------------------------

FORM_FILE = """
organisation = "Salarisbureau Voorbeeld"
email = "salaris@voorbeeld.nl"
contract_number = "RC-2024-118"
payroll_tax_number = "123456782L01"

[nmbrs]
company = "Bakkerij Jansen B.V."
dga_name = "J. Jansen"
dga_employee_number = 1
payroll_frequency = "monthly"
thirteenth_month = false

[afas]
employer_codes = ["01"]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "form.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_contract_example_loads_and_validates(tmp_path: Path) -> None:
    data = load_form_file(_write(tmp_path, FORM_FILE))
    data["nmbrs"] |= {"username": "koppeling@bureau.nl", "domain": "bureau"}
    assert validate_form(data, "nmbrs", NMBRS).nmbrs is not None


@pytest.mark.parametrize(
    "extra",
    [
        'token = "abc"',
        '[nmbrs]\nusername = "a@b.nl"',
        '[nmbrs]\ndomain = "x"',
        'environment_id = "O12345AA"',
    ],
)
def test_credentials_are_refused(tmp_path: Path, extra: str) -> None:
    with pytest.raises(InputError) as caught:
        load_form_file(_write(tmp_path, f"colour = 1\n{extra}\n"), lang="en")
    assert "credentials come from the check's own inputs" in caught.value.message
    assert "abc" not in str(caught.value)


def test_unknown_keys_are_named(tmp_path: Path) -> None:
    text = "colour = 1\n" + FORM_FILE + "frequency = 2\n"
    with pytest.raises(InputError) as caught:
        load_form_file(_write(tmp_path, text))
    assert caught.value.field == "colour"
    assert "afas.frequency" in caught.value.message


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_form_file(_write(tmp_path, "organisation = "))
    assert caught.value.field == "form"
    with pytest.raises(InputError):
        load_form_file(tmp_path / "nope.toml")
