"""The a.s.r. registration form: its fields as data, the pydantic model, the form file, validation.

Field values come from two places: the form file (``--form``, TOML, the keys in
:data:`FORM_FILE_KEYS`) and the check's own inputs (user name, domain, environment id, tokens),
which the caller merges into the same dict under ``afas``/``nmbrs``. What only the APIs know
(Nmbrs company names, the company's employees and current period, the AFAS environment id) is
passed as a :class:`FormContext`. Nothing here writes a file or prints.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import ErrorDetails

from koppelcheck import tomlinput
from koppelcheck.afas.environment import parse_environment_id
from koppelcheck.errors import InputError
from koppelcheck.i18n import Translator, os_reason, plural_key, render
from koppelcheck.registration import validators as v
from koppelcheck.secret import Secret
from koppelcheck.systems import SYSTEMS, setting_rule
from koppelcheck.systems.interface import SettingInvalid

FORM_FILE_FIELD = "form"


@dataclass(frozen=True)
class FormField:
    """One field of the a.s.r. form. Its texts are ``form.field.<key>.{label,help,hint,source}``.

    ``key`` is the dotted form key (``nmbrs.company``); ``system`` is None for the common fields;
    ``in_file`` says whether the form file may carry it (credentials and inputs may not).
    """

    key: str
    system: str | None = None
    in_file: bool = True
    optional: bool = False

    @property
    def name(self) -> str:
        """The key without its section: ``company`` for ``nmbrs.company``."""
        return self.key.rpartition(".")[2]

    def text(self, t: Translator, part: str) -> str:
        """One of the field's texts: ``label``, ``help``, ``hint`` or ``source``."""
        return t(f"form.field.{self.key}.{part}")


FORM_FIELDS: tuple[FormField, ...] = (
    FormField("organisation"),
    FormField("email"),
    FormField("contract_number"),
    FormField("payroll_tax_number"),
    FormField("afas.employer_codes", "afas"),
    FormField("afas.participant_number", "afas", in_file=False),
    FormField("afas.token_version", "afas", in_file=False),
    FormField("afas.data_token", "afas", in_file=False),
    FormField("afas.client_id", "afas", in_file=False, optional=True),
    FormField("afas.client_secret", "afas", in_file=False, optional=True),
    FormField("nmbrs.company", "nmbrs"),
    FormField("nmbrs.username", "nmbrs", in_file=False),
    FormField("nmbrs.api_token", "nmbrs", in_file=False),
    FormField("nmbrs.domain", "nmbrs", in_file=False),
    FormField("nmbrs.dga_name", "nmbrs", optional=True),
    FormField("nmbrs.dga_employee_number", "nmbrs", optional=True),
    FormField("nmbrs.payroll_frequency", "nmbrs"),
    FormField("nmbrs.thirteenth_month", "nmbrs"),
)
"""Every field in the order of a.s.r.'s web form: the common ones, then per system."""

FORM_FILE_KEYS = frozenset(f.key for f in FORM_FIELDS if f.in_file)
"""The dotted keys a form file may hold."""

CREDENTIAL_KEYS = frozenset(
    {f.name for f in FORM_FIELDS if not f.in_file} | {"token", "environment_id", "token_file"}
)
"""Keys refused in a form file anywhere: they come from the check's own inputs."""
SECRET_FIELD_NAMES = frozenset({"token", "api_token", "data_token", "password", "secret"})
"""Key names that hold a secret wherever they appear: never given as a flag value."""


def fields_for(system: str) -> tuple[FormField, ...]:
    """The fields one system's registration asks for: the common ones, then its own."""
    return tuple(f for f in FORM_FIELDS if f.system in (None, system))


@dataclass(frozen=True)
class FormContext:
    """What the APIs told, to check the form against; None means "not known", check skipped.

    ``companies``: the Nmbrs company names the login sees; ``employees``: the chosen company's
    employees, number -> display name; ``period``: its current period (``2026-11-M``);
    ``environment_id``: the AFAS environment (``12345`` or ``O12345AA``).
    """

    companies: Sequence[str] | None = None
    employees: Mapping[int, str] | None = None
    period: str | None = None
    environment_id: str | None = None
    checked_company: str | None = None
    """The Nmbrs company the checks ran against; the form may name no other."""
    pending: bool = False
    """True before the checks ran: what the API will tell (the company from the prompt or the
    listing, the payroll frequency from the period) may still be missing."""


def _context(info: ValidationInfo) -> FormContext:
    ctx = info.context or {}
    found = ctx.get("form") if isinstance(ctx, Mapping) else None
    return found if isinstance(found, FormContext) else FormContext()


def _secret(check: Callable[[str], str]) -> BeforeValidator:
    """A before-validator that checks a secret's text and wraps it in :class:`Secret`."""

    def convert(value: object) -> Secret | None:
        if value is None:
            return None
        raw = value.reveal() if isinstance(value, Secret) else value
        if not isinstance(raw, str):
            raise v.Invalid("secret_type")
        return Secret(check(raw))

    return BeforeValidator(convert)


Required = Annotated[str, BeforeValidator(v.check_required)]


def _setting(system: str, key: str) -> Callable[[object], object]:
    """A text the check's own settings share (``nmbrs.domain`` is ``--domain``): checked by the
    system's settings model, so the form says what the flag and the batch file say."""
    rule = setting_rule(system, key)

    def check(value: object) -> object:
        return None if value is None else rule(v.text_value(value))

    return check


class _Section(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, arbitrary_types_allowed=True, str_strip_whitespace=True
    )


class AfasSection(_Section):
    """The AFAS part of the form. ``data_token`` and ``client_secret`` are :class:`Secret`.

    A classic token, OAuth client credentials (client id and secret), or both (hybrid): AFAS
    retires classic tokens after 2027-08-31 (:mod:`koppelcheck.afas.facts`).
    """

    employer_codes: Annotated[list[str], BeforeValidator(v.check_employer_codes)]
    participant_number: Annotated[str, BeforeValidator(v.check_participant_number)]
    token_version: Annotated[int, BeforeValidator(setting_rule("afas", "token_version"))] = 1
    data_token: Annotated[Secret | None, _secret(v.check_data_token)] = None
    client_id: Annotated[str | None, BeforeValidator(_setting("afas", "client_id"))] = None
    client_secret: Annotated[Secret | None, _secret(v.check_required)] = None

    @model_serializer(mode="wrap")
    def _without_absent_credentials(
        self, handler: SerializerFunctionWrapHandler
    ) -> dict[str, object]:
        """Leave out the credentials not given (OAuth only: no token nor its version)."""
        data: dict[str, object] = handler(self)
        for key in ("data_token", "client_id", "client_secret"):
            if data.get(key) is None:
                data.pop(key, None)
        if self.data_token is None:
            data.pop("token_version", None)
        return data

    @model_validator(mode="after")
    def _a_credential(self) -> AfasSection:
        """A data token, or a client id with its secret (both kinds: hybrid)."""
        if (self.client_id is None) != (self.client_secret is None):
            missing = "afas.client_secret" if self.client_secret is None else "afas.client_id"
            raise v.Invalid("missing", missing)
        if self.data_token is None and self.client_secret is None:
            raise v.Invalid("missing", "afas.data_token")
        return self

    @model_validator(mode="after")
    def _participant_is_environment(self, info: ValidationInfo) -> AfasSection:
        """The participant number must be the environment id's five digits, when known."""
        environment = _context(info).environment_id
        if environment:
            try:
                number = parse_environment_id(environment).number
            except InputError:
                return self  # the input itself is reported by the check, not by the form
            if number != self.participant_number:
                raise v.Invalid(
                    "participant_number.environment", "afas.participant_number", number=number
                )
        return self


class NmbrsSection(_Section):
    """The Nmbrs part of the form. ``api_token`` is a :class:`Secret` (optional here)."""

    company: str | None = Field(default=None, validate_default=True)
    username: Annotated[str, BeforeValidator(_setting("nmbrs", "username"))]
    api_token: Annotated[Secret | None, _secret(v.check_required)] = None
    domain: Annotated[str, BeforeValidator(_setting("nmbrs", "domain"))]
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
        context = _context(info)
        if value is None:
            if context.pending:
                return None  # settled from the listing or the prompt before the checks run
            raise v.Invalid("missing")
        checked = context.checked_company
        if checked is not None and value != checked:
            raise v.Invalid("company.not_checked", checked=checked, given=value)
        companies = context.companies
        if companies is None or value in companies:
            return value
        close = v.closest_names(value, companies)
        if close:
            raise v.Invalid("company.close", close=", ".join(f"'{c}'" for c in close))
        raise v.Invalid(plural_key("company.missing", len(companies)), count=len(companies))

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
            raise v.Invalid("dga.pair", missing)
        employees = _context(info).employees
        if number is None or employees is None:
            return number
        if number not in employees:
            close = _closest_employees(number, name, employees)
            raise v.Invalid(
                plural_key("dga.unknown_number", len(employees)),
                number=number,
                count=len(employees),
                close=", ".join(f"{n} ({employees[n]})" for n in close) or "-",
            )
        return number  # a name unlike Nmbrs' is a warning (form_warnings), not an error

    @field_validator("payroll_frequency")
    @classmethod
    def _frequency(cls, value: str | None, info: ValidationInfo) -> str | None:
        """``monthly`` or ``four-weekly``; taken from the company's period when the API told.

        The same rule in every mode: the period decides, a declared value must agree with it,
        and only when Nmbrs gave no period does a declared value stand (as ``declared``).
        """
        context = _context(info)
        given = v.check_frequency(value) if value is not None else None
        detected = _detected_frequency(context.period)
        if detected == "weekly":
            raise v.Invalid("payroll_frequency.weekly", period=context.period)
        if given and detected and given != detected:
            raise v.Invalid(
                "payroll_frequency.conflict",
                detected=detected,
                given=given,
                period=context.period,
            )
        if not (given or detected):
            if context.pending:
                return None  # the checks will read the company's current period
            raise v.Invalid("payroll_frequency.missing")
        return given or str(detected)


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


class Form(BaseModel):
    """A validated registration form for one system; only that system's section is set."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, arbitrary_types_allowed=True, str_strip_whitespace=True
    )

    system: Literal["afas", "nmbrs"]
    organisation: Required
    email: Annotated[str, BeforeValidator(v.check_email)]
    contract_number: Required
    payroll_tax_number: Annotated[str, BeforeValidator(v.normalise_payroll_tax_number)]
    afas: AfasSection | None = None
    nmbrs: NmbrsSection | None = None

    @model_validator(mode="before")
    @classmethod
    def _section_required(cls, data: object) -> object:
        """The chosen system's section must be there (an empty one reports its fields)."""
        if isinstance(data, Mapping) and data.get("system") in SYSTEMS:
            data = {data["system"]: {}, **data}
        return data


# --- the form file ---------------------------------------------------------------------------


def load_form_file(path: str | Path, lang: str | None = None) -> tomlinput.TOMLTable:
    """Read a form file (TOML) into a dict; unreadable, credentials or unknown keys: InputError."""
    t = Translator(lang)
    try:
        data = tomlinput.loads(Path(path).read_text(encoding="utf-8-sig"))  # Notepad adds a BOM
    except OSError as exc:
        raise InputError(
            FORM_FILE_FIELD, t("form.file.unreadable", path=path, reason=render(os_reason(exc), t))
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, tomlinput.TooDeep) as exc:
        raise InputError(
            FORM_FILE_FIELD, t("form.file.toml", path=path, reason=exc), t("form.file.hint")
        ) from None
    _check_file_keys(data, t)
    return data


def _file_keys(data: Mapping[str, object]) -> list[str]:
    """Every dotted key in the file; a section (table) counts as its keys."""
    keys: list[str] = []
    for key, value in data.items():
        if key in SYSTEMS and isinstance(value, Mapping):
            keys.extend(f"{key}.{sub}" for sub in value)
        else:
            keys.append(key)
    return keys


def _check_file_keys(data: Mapping[str, object], t: Translator) -> None:
    keys = _file_keys(data)
    credentials = [k for k in keys if k.rpartition(".")[2] in CREDENTIAL_KEYS]
    if credentials:
        raise InputError(
            credentials[0],
            t("form.file.credential", keys=", ".join(credentials)),
            t("form.file.credential_hint"),
        )
    unknown = [k for k in keys if k not in FORM_FILE_KEYS]
    if unknown:
        allowed = ", ".join(sorted(FORM_FILE_KEYS))
        raise InputError(
            unknown[0],
            t("form.file.unknown", keys=", ".join(unknown)),
            t("form.file.allowed", keys=allowed),
        )


def check_field_flag_key(key: str, lang: str | None = None) -> None:
    """A ``--field KEY`` must be a form file key: a credential (a token above all: it would sit
    in shell history and ``ps``) or an unknown key is refused with exit 2."""
    t = Translator(lang)
    if key.rpartition(".")[2] in CREDENTIAL_KEYS | SECRET_FIELD_NAMES:
        raise InputError(
            "field", t("form.flag.credential", name=key), t("form.flag.credential_hint")
        )
    if key not in FORM_FILE_KEYS:
        allowed = ", ".join(sorted(FORM_FILE_KEYS))
        raise InputError(
            "field", t("form.flag.unknown", name=key), t("form.file.allowed", keys=allowed)
        )


# --- validation ------------------------------------------------------------------------------


def form_warnings(
    form: Form, context: FormContext | None = None, lang: str | None = None
) -> list[tuple[str, str]]:
    """What is odd but not wrong in a valid form, as (dotted key, message): a DGA name unlike the
    name Nmbrs has for that employee number."""
    t = Translator(lang)
    section = form.nmbrs
    employees = (context or FormContext()).employees
    if section is None or employees is None or section.dga_employee_number is None:
        return []
    display = employees.get(section.dga_employee_number)
    if display is None or section.dga_name is None or v.name_matches(section.dga_name, display):
        return []
    message = t(
        "form.warning.dga.name",
        given=section.dga_name,
        display=display,
        number=section.dga_employee_number,
    )
    return [("nmbrs.dga_name", message)]


def form_errors(
    data: Mapping[str, object],
    system: str,
    context: FormContext | None = None,
    lang: str | None = None,
) -> list[InputError]:
    """Every bad field of the form, in form order, each naming its dotted key; [] when valid."""
    return _validate(data, system, context, lang)[1]


def validate_form(
    data: Mapping[str, object],
    system: str,
    context: FormContext | None = None,
    lang: str | None = None,
) -> Form:
    """The validated :class:`Form`; the first bad field raises :class:`InputError`."""
    form, errors = _validate(data, system, context, lang)
    if errors:
        raise errors[0]
    assert form is not None
    return form


def _validate(
    data: Mapping[str, object], system: str, context: FormContext | None, lang: str | None
) -> tuple[Form | None, list[InputError]]:
    t = Translator(lang)
    if system not in SYSTEMS:
        error = InputError("system", t("form.error.system", system=system), " | ".join(SYSTEMS))
        return None, [error]
    other = {s for s in SYSTEMS if s != system}
    payload = {k: val for k, val in data.items() if k not in other and k != "system"}
    payload["system"] = system
    try:
        form = Form.model_validate(payload, context={"form": context or FormContext()})
    except ValidationError as exc:
        return None, [_to_input_error(err, t) for err in exc.errors()]
    return form, []


def _to_input_error(err: ErrorDetails, t: Translator) -> InputError:
    """One pydantic error as an InputError on a dotted form key, in the user's language."""
    field = ".".join(str(p) for p in err["loc"] if not isinstance(p, int))
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, SettingInvalid):  # a setting's own rule: its message and hint
        message, hint = cause.error.said(t)
        return InputError(field, message, hint)
    if isinstance(cause, v.Invalid):
        field = cause.field or field
        message = t(f"form.error.{cause.key}", **cause.params)
    elif err["type"] == "missing":
        message = t("form.error.missing")
    elif err["type"] == "extra_forbidden":
        message = t("form.error.unknown")
    else:
        message = t("form.error.invalid")
    hint_key = f"form.field.{field}.hint"
    return InputError(field, message, t(hint_key) if t.has(hint_key) else "")
