"""Nmbrs's part of the a.s.r. registration form: its fields, rules, warning and provenance.

Texts: ``form.field.nmbrs.*``, the Nmbrs-only ``form.error.*`` and ``form.warning.dga.name`` in
``nmbrs/i18n/*/form.toml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, ClassVar

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator

from koppelcheck.i18n import Text, plural_key
from koppelcheck.nmbrs import calls as nmbrs_calls
from koppelcheck.registration import validators as v
from koppelcheck.registration.section import (
    FormContext,
    FormField,
    Invalid,
    Proof,
    Section,
    always,
    context_of,
    secret,
    setting,
)
from koppelcheck.secret import Secret

NMBRS_AUTH = "nmbrs.auth"
NMBRS_COMPANY = "nmbrs.company"
NMBRS_PERIOD = nmbrs_calls.COMPANY_GET_CURRENT_PERIOD.check_id
NMBRS_EMPLOYEES = nmbrs_calls.LIST_GET_BY_COMPANY.check_id

FIELDS: tuple[FormField, ...] = (
    FormField("nmbrs.company", "nmbrs"),
    FormField("nmbrs.username", "nmbrs", in_file=False),
    FormField("nmbrs.api_token", "nmbrs", in_file=False),
    FormField("nmbrs.domain", "nmbrs", in_file=False),
    FormField("nmbrs.dga_name", "nmbrs", optional=True),
    FormField("nmbrs.dga_employee_number", "nmbrs", optional=True),
    FormField("nmbrs.payroll_frequency", "nmbrs"),
    FormField("nmbrs.thirteenth_month", "nmbrs"),
)
"""Nmbrs's fields in the order of a.s.r.'s web form."""

FREQUENCIES = ("monthly", "four-weekly")


def check_frequency(value: str) -> str:
    """``monthly`` or ``four-weekly`` (any case)."""
    text = v.text_value(value).strip().lower()
    if text not in FREQUENCIES:
        raise Invalid("payroll_frequency")
    return text


# --- provenance: whether a passing check's answer proves the value -------------------------


def _checked_company(value: object, _form: Mapping[str, object], context: FormContext) -> bool:
    return value is not None and value == context.checked_company


def _from_period(value: object, _form: Mapping[str, object], context: FormContext) -> bool:
    if not context.period or value is None:
        return False
    try:
        return v.frequency_from_period(context.period) == value
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
        and v.name_matches(value, employees[number])
    )


class NmbrsSection(Section):
    """The Nmbrs part of the form. ``api_token`` is a :class:`Secret` (optional here)."""

    PROOFS: ClassVar[Mapping[str, tuple[str, Proof]]] = {
        "nmbrs.company": (NMBRS_COMPANY, _checked_company),
        "nmbrs.username": (NMBRS_AUTH, always),
        "nmbrs.api_token": (NMBRS_AUTH, always),
        "nmbrs.domain": (NMBRS_AUTH, always),
        "nmbrs.payroll_frequency": (NMBRS_PERIOD, _from_period),
        "nmbrs.dga_employee_number": (NMBRS_EMPLOYEES, _employee_exists),
        "nmbrs.dga_name": (NMBRS_EMPLOYEES, _dga_name_matches),
    }

    company: str | None = Field(default=None, validate_default=True)
    username: Annotated[str, BeforeValidator(setting("nmbrs", "username"))]
    api_token: Annotated[Secret | None, secret(v.check_required)] = None
    domain: Annotated[str, BeforeValidator(setting("nmbrs", "domain"))]
    dga_name: Annotated[str, BeforeValidator(v.text_value)] | None = None
    dga_employee_number: Annotated[int, BeforeValidator(v.whole_number)] | None = Field(
        default=None, ge=1, validate_default=True
    )
    payroll_frequency: str | None = Field(default=None, validate_default=True)
    thirteenth_month: bool

    @field_validator("company", mode="before")
    @classmethod
    def _company_text(cls, value: object) -> object:
        return None if value is None else v.check_required(value)  # type: ignore[arg-type]

    @field_validator("company")
    @classmethod
    def _company_exists(cls, value: str | None, info: ValidationInfo) -> str | None:
        """The company name must exist exactly (case, spaces, dots, commas) in Nmbrs, and be the
        one the checks ran against."""
        context = context_of(info)
        if value is None:
            if context.pending:
                return None  # settled from the listing or the prompt before the checks run
            raise Invalid("missing")
        checked = context.checked_company
        if checked is not None and value != checked:
            raise Invalid("company.not_checked", checked=checked, given=value)
        companies = context.companies
        if companies is None or value in companies:
            return value
        close = v.closest_names(value, companies)
        if close:
            raise Invalid("company.close", close=", ".join(f"'{c}'" for c in close))
        raise Invalid(plural_key("company.missing", len(companies)), count=len(companies))

    @field_validator("dga_name", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("dga_employee_number")
    @classmethod
    def _dga(cls, number: int | None, info: ValidationInfo) -> int | None:
        """Name and number both or neither; the number a real employee the name roughly names."""
        if "dga_name" not in info.data:
            return number  # the name itself was invalid and is reported on its own
        name = info.data["dga_name"]
        if (name is None) != (number is None):
            missing = "nmbrs.dga_employee_number" if number is None else "nmbrs.dga_name"
            raise Invalid("dga.pair", missing)
        employees = context_of(info).employees
        if number is None or employees is None:
            return number
        if number not in employees:
            close = _closest_employees(number, name, employees)
            raise Invalid(
                plural_key("dga.unknown_number", len(employees)),
                number=number,
                count=len(employees),
                close=", ".join(f"{n} ({employees[n]})" for n in close) or "-",
            )
        return number  # a name unlike Nmbrs' is a warning (warnings below), not an error

    @field_validator("payroll_frequency")
    @classmethod
    def _frequency(cls, value: str | None, info: ValidationInfo) -> str | None:
        """``monthly`` or ``four-weekly``; taken from the company's period when the API told.

        The same rule in every mode: the period decides, a declared value must agree with it,
        and only when Nmbrs gave no period does a declared value stand (as ``declared``).
        """
        context = context_of(info)
        given = check_frequency(value) if value is not None else None
        detected = _detected_frequency(context.period)
        if detected == "weekly":
            raise Invalid("payroll_frequency.weekly", period=context.period)
        if given and detected and given != detected:
            raise Invalid(
                "payroll_frequency.conflict",
                detected=detected,
                given=given,
                period=context.period,
            )
        if not (given or detected):
            if context.pending:
                return None  # the checks will read the company's current period
            raise Invalid("payroll_frequency.missing")
        return given or str(detected)

    def warnings(self, context: FormContext) -> list[tuple[str, Text]]:
        """A DGA name unlike the name Nmbrs has for that employee number."""
        employees = context.employees
        if employees is None or self.dga_employee_number is None:
            return []
        display = employees.get(self.dga_employee_number)
        if display is None or self.dga_name is None or v.name_matches(self.dga_name, display):
            return []
        message = Text(
            "form.warning.dga.name",
            given=self.dga_name,
            display=display,
            number=self.dga_employee_number,
        )
        return [("nmbrs.dga_name", message)]


def _closest_employees(number: int, name: str | None, employees: Mapping[int, str]) -> list[int]:
    """Up to three employee numbers most like ``number``: those whose name matches ``name``
    first, then the numerically nearest."""
    by_name = [k for k, display in employees.items() if name and v.name_matches(name, display)]
    nearest = sorted(employees, key=lambda k: (abs(k - number), k))
    return list(dict.fromkeys([*by_name, *nearest]))[:3]


def _detected_frequency(period: str | None) -> str | None:
    """The frequency a period tells (``weekly`` for W1), or None when unknown or unreadable."""
    if not period:
        return None
    try:
        return v.frequency_from_period(period) or "weekly"
    except ValueError:
        return None
