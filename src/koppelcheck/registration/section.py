"""What a system's part of the registration form is built from.

A system brings its own section of a.s.r.'s form in its own package (``<system>/form.py``): a
:class:`Section` model, its :class:`FormField` s in the order of a.s.r.'s web form, and the
system's ``form_section``/``form_fields`` pointing at them. :mod:`koppelcheck.registration.form`
puts the registered systems' sections together into the form. This module imports neither the
form nor any system, so a system's package can import it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationInfo

from koppelcheck.i18n import Text, Translator
from koppelcheck.registration import validators as v
from koppelcheck.registration.validators import Invalid
from koppelcheck.secret import Secret
from koppelcheck.systems import setting_rule


@dataclass(frozen=True)
class FormField:
    """One field of the a.s.r. form. Its texts are ``form.field.<key>.{label,help,hint,source}``.

    ``key`` is the dotted form key (``<system>.<name>``); ``system`` is None for the common
    fields; ``in_file`` says whether the form file may carry it (credentials and inputs may not).
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


@dataclass(frozen=True)
class FormContext:
    """What the APIs told, to check the form against; None means "not known", check skipped.

    The named facts are those today's systems report (their ``form_context``): ``companies``,
    the company names the login sees; ``employees``, the chosen company's employees, number ->
    display name; ``period``, its current period (``2026-11-M``); ``environment_id``, the
    environment the checks ran in (``12345`` or ``O12345AA``); ``checked_company``, the company
    the checks ran against. Another system puts what it learnt in ``facts`` (its own keys).
    """

    companies: Sequence[str] | None = None
    employees: Mapping[int, str] | None = None
    period: str | None = None
    environment_id: str | None = None
    checked_company: str | None = None
    """The company the checks ran against; the form may name no other."""
    pending: bool = False
    """True before the checks ran: what the API will tell (the company from the prompt or the
    listing, the payroll frequency from the period) may still be missing."""
    facts: Mapping[str, object] = field(default_factory=dict)
    """What a system's run learnt that the named attributes do not cover, by the system's keys."""


def context_of(info: ValidationInfo) -> FormContext:
    """The :class:`FormContext` a validation runs with (empty when none was given)."""
    ctx = info.context or {}
    found = ctx.get("form") if isinstance(ctx, Mapping) else None
    return found if isinstance(found, FormContext) else FormContext()


def secret(check: Callable[[str], str]) -> BeforeValidator:
    """A before-validator that checks a secret's text and wraps it in :class:`Secret`."""

    def convert(value: object) -> Secret | None:
        if value is None:
            return None
        raw = value.reveal() if isinstance(value, Secret) else value
        if not isinstance(raw, str):
            raise Invalid("secret_type")
        return Secret(check(raw))

    return BeforeValidator(convert)


def setting(system: str, key: str) -> Callable[[object], object]:
    """A text the check's own settings share (``nmbrs.domain`` is ``--domain``): checked by the
    system's settings model, so the form says what the flag and the batch file say."""
    rule = setting_rule(system, key)

    def check(value: object) -> object:
        return None if value is None else rule(v.text_value(value))

    return check


Required = Annotated[str, BeforeValidator(v.check_required)]
"""A non-empty printable text."""

Proof = Callable[[object, Mapping[str, object], FormContext], bool]
"""(value, the form as a dict, the FormContext) → whether the check's answer proves the value."""


def always(_value: object, _form: Mapping[str, object], _context: FormContext) -> bool:
    """A proof for a value the check's passing answer proves whatever it is (a credential)."""
    return True


class Section(BaseModel):
    """A system's part of the form: unknown keys refused, frozen, texts stripped.

    ``PROOFS`` maps a dotted form key to the check whose passing answer proves its value and the
    rule that says whether it does (:mod:`koppelcheck.registration.provenance`); a key it does not
    name is always ``declared``. :meth:`warnings` says what is odd but not wrong.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, arbitrary_types_allowed=True, str_strip_whitespace=True
    )
    PROOFS: ClassVar[Mapping[str, tuple[str, Proof]]] = {}

    def warnings(self, context: FormContext) -> list[tuple[str, Text]]:
        """What is odd but not wrong in this valid section, as (dotted key, message)."""
        return []


__all__ = [
    "FormContext",
    "FormField",
    "Invalid",
    "Proof",
    "Required",
    "Section",
    "always",
    "context_of",
    "secret",
    "setting",
]
