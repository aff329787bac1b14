"""Loonpakket's part of the a.s.r. registration form: the tenant and token the checks ran with
(from the command's own inputs, never from the form file) and a payroll group.

Texts: ``form.field.loonpakket.*`` in ``i18n/<lang>/form.toml``.
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
    Required,
    Section,
    always,
    context_of,
    secret,
    setting,
)
from koppelcheck.secret import Secret

FIELDS: tuple[FormField, ...] = (
    FormField("loonpakket.tenant", "loonpakket", in_file=False),
    FormField("loonpakket.token", "loonpakket", in_file=False),
    FormField("loonpakket.payroll_group", "loonpakket"),
)
"""Loonpakket's fields in the order of the form."""


class LoonpakketSection(Section):
    """The checked tenant, its token and the payroll group a.s.r. reads."""

    PROOFS: ClassVar[Mapping[str, tuple[str, Proof]]] = {
        "loonpakket.tenant": ("loonpakket.tenant", always),
        "loonpakket.token": ("loonpakket.auth", always),
    }

    tenant: Annotated[str, setting("loonpakket", "tenant")]
    token: Annotated[Secret | None, secret(str.strip)] = None
    payroll_group: Required

    @field_validator("tenant")
    @classmethod
    def _the_checked_tenant(cls, value: str, info: ValidationInfo) -> str:
        checked = context_of(info).facts.get("tenant")
        if checked is not None and value != checked:
            raise Invalid("invalid")
        return value

    def warnings(self, context: FormContext) -> list[tuple[str, Text]]:
        """A payroll group called "test" is allowed, but seldom what a.s.r. should read."""
        if self.payroll_group.strip().lower() == "test":
            return [("loonpakket.payroll_group", Text("form.warning.loonpakket.test_group"))]
        return []
