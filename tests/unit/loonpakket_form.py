"""The registration form section of the test-only third system ``loonpakket``.

What a new system's ``<system>/form.py`` holds: its fields in web-form order, a
:class:`~koppelcheck.registration.section.Section` with its own rules, which answer proves which
value, and a warning. Nothing in ``registration/`` is edited for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, ClassVar

from pydantic import ValidationInfo, field_validator

from koppelcheck.i18n import Text
from koppelcheck.registration.section import (
    FormContext,
    FormField,
    Invalid,
    Proof,
    Section,
    always,
    context_of,
    secret,
)
from koppelcheck.secret import Secret

FIELDS: tuple[FormField, ...] = (
    FormField("loonpakket.tenant", "loonpakket", in_file=False),
    FormField("loonpakket.api_key", "loonpakket", in_file=False),
    FormField("loonpakket.payroll_group", "loonpakket"),
)


class LoonpakketSection(Section):
    """A tenant (what the checks ran against), its API key, and a payroll group."""

    PROOFS: ClassVar[Mapping[str, tuple[str, Proof]]] = {
        "loonpakket.tenant": ("loonpakket.auth", always),
    }

    tenant: str
    api_key: Annotated[Secret | None, secret(str.strip)] = None
    payroll_group: str

    @field_validator("tenant")
    @classmethod
    def _the_checked_tenant(cls, value: str, info: ValidationInfo) -> str:
        if not value.isdigit():
            raise Invalid("invalid")
        checked = context_of(info).facts.get("tenant")
        if checked is not None and value != checked:
            raise Invalid("invalid", "loonpakket.tenant")
        return value

    def warnings(self, context: FormContext) -> list[tuple[str, Text]]:
        if self.payroll_group.lower() == "test":
            return [("loonpakket.payroll_group", Text("form.error.invalid"))]
        return []
