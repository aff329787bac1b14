"""The a.s.r. registration form: fields as data, validation, and the form file.

``validate_form`` gives a :class:`Form` or raises :class:`~koppelcheck.errors.InputError` for the
first bad field; ``form_errors`` lists them all; ``load_form_file`` reads ``--form``.
"""

from koppelcheck.registration.form import (
    CREDENTIAL_KEYS,
    FORM_FIELDS,
    FORM_FILE_KEYS,
    AfasSection,
    Form,
    FormContext,
    FormField,
    NmbrsSection,
    fields_for,
    form_errors,
    form_warnings,
    load_form_file,
    validate_form,
)
from koppelcheck.registration.validators import (
    Invalid,
    eleven_test,
    frequency_from_period,
    normalise_payroll_tax_number,
)

__all__ = [
    "CREDENTIAL_KEYS",
    "FORM_FIELDS",
    "FORM_FILE_KEYS",
    "AfasSection",
    "Form",
    "FormContext",
    "FormField",
    "Invalid",
    "NmbrsSection",
    "eleven_test",
    "fields_for",
    "form_errors",
    "form_warnings",
    "frequency_from_period",
    "load_form_file",
    "normalise_payroll_tax_number",
    "validate_form",
]
