"""AFAS's part of the a.s.r. registration form: its fields, rules and provenance.

Texts: ``form.field.afas.*`` and the AFAS-only ``form.error.*`` in ``afas/i18n/*/form.toml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, ClassVar

from pydantic import (
    BeforeValidator,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    model_serializer,
    model_validator,
)

from koppelcheck.afas.environment import parse_environment_id
from koppelcheck.errors import InputError
from koppelcheck.registration import validators as v
from koppelcheck.registration.section import (
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
from koppelcheck.systems import setting_rule

AFAS_AUTH = "afas.auth"
AFAS_OAUTH = "afas.oauth"
"""AFAS issued an access token for the client id and secret (koppelcheck.afas.deadlines)."""

FIELDS: tuple[FormField, ...] = (
    FormField("afas.employer_codes", "afas"),
    FormField("afas.participant_number", "afas", in_file=False),
    FormField("afas.token_version", "afas", in_file=False),
    FormField("afas.data_token", "afas", in_file=False),
    FormField("afas.client_id", "afas", in_file=False, optional=True),
    FormField("afas.client_secret", "afas", in_file=False, optional=True),
)
"""AFAS's fields in the order of a.s.r.'s web form."""

DATA_TOKEN_LENGTH = 64
PARTICIPANT_RANGE = range(10000, 100000)


def check_participant_number(value: str | int) -> str:
    """AFAS participant (customer) number: 5 digits, 10000-99999, returned as text."""
    text = v.text_value(value).strip()
    if not (v.is_ascii_digits(text) and len(text) == 5 and int(text) in PARTICIPANT_RANGE):
        raise Invalid("participant_number")
    return text


def check_data_token(value: str) -> str:
    """The AFAS data token: exactly 64 characters, no spaces. The value is never echoed."""
    text = str(value).strip()
    if len(text) != DATA_TOKEN_LENGTH or any(ch.isspace() for ch in text):
        raise Invalid("data_token", length=len(text))
    return text


def check_employer_codes(values: object) -> list[str]:
    """A non-empty list of non-empty, distinct employer codes (HRM > Organisatie > Werkgever).

    A text is read as ``--field afas.employer_codes=01,02`` is: codes separated by commas.
    """
    if isinstance(values, str):
        values = values.split(",")
    if not isinstance(values, list | tuple) or any(
        isinstance(code, bool) or not isinstance(code, str | int) for code in values
    ):
        raise Invalid("invalid")
    codes = [v.text_value(code).strip() for code in values]
    if not codes:
        raise Invalid("employer_codes.empty")
    if any(not code for code in codes):
        raise Invalid("employer_codes.blank")
    if len(set(codes)) != len(codes):
        raise Invalid("employer_codes.duplicate")
    return codes


class AfasSection(Section):
    """The AFAS part of the form. ``data_token`` and ``client_secret`` are :class:`Secret`.

    A classic token, OAuth client credentials (client id and secret), or both (hybrid): AFAS
    retires classic tokens after 2027-08-31 (:mod:`koppelcheck.afas.facts`).
    """

    PROOFS: ClassVar[Mapping[str, tuple[str, Proof]]] = {
        "afas.participant_number": (AFAS_AUTH, always),
        "afas.token_version": (AFAS_AUTH, always),
        "afas.data_token": (AFAS_AUTH, always),
        "afas.client_id": (AFAS_OAUTH, always),
        "afas.client_secret": (AFAS_OAUTH, always),
    }

    employer_codes: Annotated[list[str], BeforeValidator(check_employer_codes)]
    participant_number: Annotated[str, BeforeValidator(check_participant_number)]
    token_version: Annotated[int, BeforeValidator(setting_rule("afas", "token_version"))] = 1
    data_token: Annotated[Secret | None, secret(check_data_token)] = None
    client_id: Annotated[str | None, BeforeValidator(setting("afas", "client_id"))] = None
    client_secret: Annotated[Secret | None, secret(v.check_required)] = None

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
            raise Invalid("missing", missing)
        if self.data_token is None and self.client_secret is None:
            raise Invalid("missing", "afas.data_token")
        return self

    @model_validator(mode="after")
    def _participant_is_environment(self, info: ValidationInfo) -> AfasSection:
        """The participant number must be the environment id's five digits, when known."""
        environment = context_of(info).environment_id
        if environment:
            try:
                number = parse_environment_id(environment).number
            except InputError:
                return self  # the input itself is reported by the check, not by the form
            if number != self.participant_number:
                raise Invalid(
                    "participant_number.environment", "afas.participant_number", number=number
                )
        return self
