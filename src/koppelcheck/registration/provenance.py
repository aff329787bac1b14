"""Where each registration form value comes from: ``verified`` by a named check, or ``declared``.

A value is ``verified`` only when the check whose answer proves it passed in the same run; every
other value, whatever was typed, is ``declared``. The rules are data (:data:`RULES`): one entry
per form field that an answer can prove, read by the bundle, ``bundle show``, the ``form.*``
checks and docs/registration-form.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from koppelcheck.nmbrs import calls as nmbrs_calls
from koppelcheck.registration.form import FormContext
from koppelcheck.registration.validators import frequency_from_period, name_matches
from koppelcheck.systems import SYSTEMS

Source = Literal["verified", "declared"]

AFAS_AUTH = "afas.auth"
AFAS_OAUTH = "afas.oauth"
"""AFAS issued an access token for the client id and secret (koppelcheck.afas.deadlines)."""
NMBRS_AUTH = "nmbrs.auth"
NMBRS_COMPANY = "nmbrs.company"
NMBRS_PERIOD = nmbrs_calls.COMPANY_GET_CURRENT_PERIOD.check_id
NMBRS_EMPLOYEES = nmbrs_calls.LIST_GET_BY_COMPANY.check_id


@dataclass(frozen=True)
class Provenance:
    """``verified`` with the id of the check that proves the value, or ``declared``."""

    source: Source
    check: str | None = None

    def to_json(self) -> dict[str, str]:
        """``{"source": "verified", "check": "nmbrs.company"}`` or ``{"source": "declared"}``."""
        return {"source": self.source, **({"check": self.check} if self.check else {})}


DECLARED = Provenance("declared")

Proof = Callable[[object, Mapping[str, object], FormContext], bool]
"""(value, the form as a dict, the FormContext) → whether the check's answer proves the value."""


def _always(_value: object, _form: Mapping[str, object], _context: FormContext) -> bool:
    return True


def _checked_company(value: object, _form: Mapping[str, object], context: FormContext) -> bool:
    return value is not None and value == context.checked_company


def _from_period(value: object, _form: Mapping[str, object], context: FormContext) -> bool:
    if not context.period or value is None:
        return False
    try:
        return frequency_from_period(context.period) == value
    except ValueError:
        return False


def _employee_exists(value: object, _form: Mapping[str, object], context: FormContext) -> bool:
    return value is not None and context.employees is not None and value in context.employees


def _dga_name_matches(value: object, form: Mapping[str, object], context: FormContext) -> bool:
    section = form.get("nmbrs")
    number = section.get("dga_employee_number") if isinstance(section, Mapping) else None
    employees = context.employees or {}
    return (
        isinstance(value, str)
        and isinstance(number, int)
        and number in employees
        and name_matches(value, employees[number])
    )


RULES: dict[str, tuple[str, Proof]] = {
    "afas.participant_number": (AFAS_AUTH, _always),
    "afas.token_version": (AFAS_AUTH, _always),
    "afas.data_token": (AFAS_AUTH, _always),
    "afas.client_id": (AFAS_OAUTH, _always),
    "afas.client_secret": (AFAS_OAUTH, _always),
    "nmbrs.company": (NMBRS_COMPANY, _checked_company),
    "nmbrs.username": (NMBRS_AUTH, _always),
    "nmbrs.api_token": (NMBRS_AUTH, _always),
    "nmbrs.domain": (NMBRS_AUTH, _always),
    "nmbrs.payroll_frequency": (NMBRS_PERIOD, _from_period),
    "nmbrs.dga_employee_number": (NMBRS_EMPLOYEES, _employee_exists),
    "nmbrs.dga_name": (NMBRS_EMPLOYEES, _dga_name_matches),
}
"""Form key → (the check whose passing answer proves it, whether that answer proves this value).
Fields not named here (organisation, e-mail, contract and loonheffingennummer, employer codes,
thirteenth month) cannot be checked through the API: always ``declared``."""


def form_keys(form: Mapping[str, object]) -> list[str]:
    """The dotted keys of a form dict's values: ``email``, ``nmbrs.company``, ...

    ``system`` (which form this is) and the other system's empty section are not values.
    """
    keys: list[str] = []
    for key, value in form.items():
        if isinstance(value, Mapping):
            keys.extend(f"{key}.{sub}" for sub in value)
        elif key != "system" and not (key in SYSTEMS and value is None):
            keys.append(key)
    return keys


def _value(form: Mapping[str, object], key: str) -> object:
    head, _, rest = key.partition(".")
    node = form.get(head)
    return node.get(rest) if rest and isinstance(node, Mapping) else node


def provenance_of(
    form: Mapping[str, object], context: FormContext, passed: Iterable[str]
) -> dict[str, Provenance]:
    """Every form key's provenance; ``passed`` are the ids of the checks that passed."""
    passed_ids = set(passed)
    result: dict[str, Provenance] = {}
    for key in form_keys(form):
        rule = RULES.get(key)
        value = _value(form, key)
        if rule and rule[0] in passed_ids and rule[1](value, form, context):
            result[key] = Provenance("verified", rule[0])
        else:
            result[key] = DECLARED
    return result
