"""Each form value's provenance: verified only by a passing check whose answer proves it."""

from __future__ import annotations

from koppelcheck.nmbrs.form import NMBRS_EMPLOYEES, NMBRS_PERIOD
from koppelcheck.registration import FormContext
from koppelcheck.registration.provenance import (
    Provenance,
    form_keys,
    provenance_of,
)

FORM = {
    "system": "nmbrs",
    "organisation": "Salarisbureau Voorbeeld",
    "email": "salaris@voorbeeld.nl",
    "contract_number": "RC-1",
    "payroll_tax_number": "123456782L01",
    "afas": None,
    "nmbrs": {
        "company": "Garage De Vries",
        "username": "k@b.nl",
        "api_token": "x",
        "domain": "bureau",
        "dga_name": "P. de Vries",
        "dga_employee_number": 1,
        "payroll_frequency": "four-weekly",
        "thirteenth_month": True,
    },
}
CONTEXT = FormContext(
    companies=("Bakkerij Jansen B.V.", "Garage De Vries"),
    employees={1: "P. de Vries", 2: "M. Bakker"},
    period="2026-12-W4",
    checked_company="Garage De Vries",
)
ALL_PASSED = {"nmbrs.auth", "nmbrs.company", NMBRS_PERIOD, NMBRS_EMPLOYEES}


def test_form_keys_skip_the_system_and_the_other_section() -> None:
    assert "system" not in form_keys(FORM) and "afas" not in form_keys(FORM)
    assert "nmbrs.company" in form_keys(FORM)


def test_every_provable_value_names_its_check() -> None:
    origins = provenance_of(FORM, CONTEXT, ALL_PASSED)
    assert origins["nmbrs.company"] == Provenance("verified", "nmbrs.company")
    assert origins["nmbrs.payroll_frequency"] == Provenance("verified", NMBRS_PERIOD)
    assert origins["nmbrs.dga_employee_number"] == Provenance("verified", NMBRS_EMPLOYEES)
    assert origins["nmbrs.dga_name"] == Provenance("verified", NMBRS_EMPLOYEES)
    assert origins["nmbrs.username"] == Provenance("verified", "nmbrs.auth")
    for declared in ("organisation", "email", "payroll_tax_number", "nmbrs.thirteenth_month"):
        assert origins[declared] == Provenance("declared")


def test_a_check_that_did_not_pass_proves_nothing() -> None:
    origins = provenance_of(FORM, CONTEXT, ALL_PASSED - {NMBRS_PERIOD, "nmbrs.company"})
    assert origins["nmbrs.payroll_frequency"].source == "declared"
    assert origins["nmbrs.company"].source == "declared"


def test_a_value_the_answer_does_not_show_is_declared() -> None:
    form = {**FORM, "nmbrs": {**FORM["nmbrs"], "dga_name": "K. Bakker", "company": "X"}}
    origins = provenance_of(form, CONTEXT, ALL_PASSED)
    assert origins["nmbrs.dga_name"].source == "declared"  # unlike Nmbrs' name for number 1
    assert origins["nmbrs.company"].source == "declared"  # not the company checked


def test_afas_tokens_are_verified_by_auth_and_employer_codes_declared() -> None:
    form = {
        "system": "afas",
        "email": "a@b.nl",
        "afas": {"employer_codes": ["01"], "participant_number": "12345", "data_token": "t"},
        "nmbrs": None,
    }
    origins = provenance_of(form, FormContext(), {"afas.auth"})
    assert origins["afas.participant_number"] == Provenance("verified", "afas.auth")
    assert origins["afas.employer_codes"] == Provenance("declared")
