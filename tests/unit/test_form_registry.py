"""The registration form follows the registry: each system brings its own section, and
``registration/`` names no system."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import koppelcheck
from koppelcheck import systems
from koppelcheck.errors import InputError
from koppelcheck.registration import (
    FORM_FIELDS,
    Form,
    FormContext,
    Section,
    fields_for,
    form_errors,
    form_warnings,
    validate_form,
)
from koppelcheck.registration import form as registration_form
from koppelcheck.registration.form import check_field_flag_key, load_form_file
from koppelcheck.registration.provenance import Provenance, provenance_of
from koppelcheck.registry import TABLE
from koppelcheck.secret import Secret
from koppelcheck.systems import System

REGISTRATION = Path(koppelcheck.__file__).parent / "registration"
COMMON = {
    "organisation": "Salarisbureau Voorbeeld",
    "email": "salaris@voorbeeld.nl",
    "contract_number": "RC-2024-118",
    "payroll_tax_number": "123456782L01",
}


def test_the_web_form_order_is_unchanged() -> None:
    assert [f.key for f in FORM_FIELDS] == [
        "organisation",
        "email",
        "contract_number",
        "payroll_tax_number",
        "afas.employer_codes",
        "afas.participant_number",
        "afas.token_version",
        "afas.data_token",
        "afas.client_id",
        "afas.client_secret",
        "nmbrs.company",
        "nmbrs.username",
        "nmbrs.api_token",
        "nmbrs.domain",
        "nmbrs.dga_name",
        "nmbrs.dga_employee_number",
        "nmbrs.payroll_frequency",
        "nmbrs.thirteenth_month",
    ]
    for name in TABLE:
        system = systems.get_system(name)
        assert issubclass(system.form_section, Section)
        assert system.form_fields == fields_for(name)[4:]
        assert {f.name for f in system.form_fields} == set(system.form_section.model_fields)


def test_a_third_system_brings_its_own_form_section(loonpakket: System) -> None:
    """tests/support/loonpakket's section, registered by its one line: fields, rules, warning
    and provenance, with nothing in registration/ edited."""
    keys = [f.key for f in registration_form.layout().fields]
    assert keys[4:6] == ["afas.employer_codes", "afas.participant_number"]
    assert [k for k in keys if k.startswith("loonpakket.")] == [
        "loonpakket.tenant",
        "loonpakket.token",
        "loonpakket.payroll_group",
    ]
    assert [f.key for f in fields_for("loonpakket")][4:] == [f.key for f in loonpakket.form_fields]

    data = {**COMMON, "loonpakket": {"tenant": "42", "token": " k3y ", "payroll_group": "test"}}
    context = FormContext(facts={"tenant": "42"})
    form = validate_form(data, "loonpakket", context, lang="en")
    assert isinstance(form, Form) and form.system == "loonpakket"
    assert isinstance(form.section, loonpakket.form_section)
    token = form.section.token  # type: ignore[attr-defined]
    assert isinstance(token, Secret) and token.reveal() == "k3y"
    assert form_warnings(form, context, lang="en") == [
        (
            "loonpakket.payroll_group",
            "The payroll group is called 'test': check that a.s.r. should read the real group.",
        )
    ]
    origins = provenance_of(form.model_dump(), context, {"loonpakket.tenant"})
    assert origins["loonpakket.tenant"] == Provenance("verified", "loonpakket.tenant")
    assert origins["loonpakket.token"].source == "declared"  # loonpakket.auth did not pass
    assert origins["loonpakket.payroll_group"].source == "declared"
    assert "nmbrs.company" not in origins

    # its own rules, on its own dotted keys; the other systems' sections are not its business
    errors = form_errors(
        {**COMMON, "loonpakket": {"tenant": "43"}, "nmbrs": {"company": "x"}},
        "loonpakket",
        context,
        lang="en",
    )
    assert [e.field for e in errors] == ["loonpakket.tenant", "loonpakket.payroll_group"]
    with pytest.raises(InputError) as info:
        validate_form({**COMMON}, "sap", lang="en")
    assert info.value.hint == "afas | loonpakket | nmbrs"


def test_the_third_systems_form_file_and_flags(loonpakket: System, tmp_path: Path) -> None:
    path = tmp_path / "form.toml"
    path.write_text('[loonpakket]\npayroll_group = "A"\n', encoding="utf-8")
    assert load_form_file(path) == {"loonpakket": {"payroll_group": "A"}}
    path.write_text('[loonpakket]\ntenant = "42"\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_form_file(path, lang="en")
    assert info.value.field == "loonpakket.tenant"  # an input of the check, never the file's
    check_field_flag_key("loonpakket.payroll_group")
    with pytest.raises(InputError):
        check_field_flag_key("loonpakket.token")


def test_the_form_is_the_registrys_again_without_the_third_system() -> None:
    assert all(not f.key.startswith("loonpakket.") for f in registration_form.layout().fields)
    assert "loonpakket" not in registration_form.form_model().model_fields


def _names_a_system(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(node.value == n or node.value.startswith(f"{n}.") for n in TABLE)
    if isinstance(node, ast.ImportFrom) and node.module:
        return any(node.module.startswith(f"koppelcheck.{n}") for n in TABLE)
    if isinstance(node, ast.Import):
        return any(a.name.startswith(f"koppelcheck.{n}") for a in node.names for n in TABLE)
    return False


def test_registration_names_no_system() -> None:
    found = [
        f"{path.name}:{node.lineno}"
        for path in sorted(REGISTRATION.glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if _names_a_system(node)
    ]
    assert found == [], "a system's form lives in its package (form_section, form_fields)"


@pytest.mark.parametrize(
    "source",
    ['x = "nmbrs"', 'FormField("afas.client_id")', "from koppelcheck.nmbrs import calls"],
)
def test_the_guard_finds_a_system_name(source: str) -> None:
    assert any(_names_a_system(node) for node in ast.walk(ast.parse(source)))
