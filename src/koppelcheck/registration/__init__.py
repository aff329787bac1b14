"""The a.s.r. registration form: fields as data, validation, and the form file.

``validate_form`` gives a :class:`Form` or raises :class:`~koppelcheck.errors.InputError` for the
first bad field; ``form_errors`` lists them all; ``load_form_file`` reads ``--form``. Each
system's section lives in its own package (:mod:`koppelcheck.registration.section`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from koppelcheck.registration import form as _form
from koppelcheck.registration.form import (
    Form,
    fields_for,
    form_errors,
    form_model,
    form_warnings,
    load_form_file,
    validate_form,
)
from koppelcheck.registration.section import FormContext, FormField, Section
from koppelcheck.registration.validators import (
    Invalid,
    eleven_test,
    frequency_from_period,
    normalise_payroll_tax_number,
)

if TYPE_CHECKING:
    from koppelcheck.registration.form import CREDENTIAL_KEYS, FORM_FIELDS, FORM_FILE_KEYS

_FROM_REGISTRY = frozenset({"CREDENTIAL_KEYS", "FORM_FIELDS", "FORM_FILE_KEYS"})


def __getattr__(name: str) -> object:
    """The names the registered systems make, built on first use (:mod:`.form`)."""
    if name in _FROM_REGISTRY:
        return getattr(_form, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CREDENTIAL_KEYS",
    "FORM_FIELDS",
    "FORM_FILE_KEYS",
    "Form",
    "FormContext",
    "FormField",
    "Invalid",
    "Section",
    "eleven_test",
    "fields_for",
    "form_errors",
    "form_model",
    "form_warnings",
    "frequency_from_period",
    "load_form_file",
    "normalise_payroll_tax_number",
    "validate_form",
]
